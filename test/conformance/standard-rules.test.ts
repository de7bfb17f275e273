// Every standard rule with a capture that breaks it and one that does not.
import { describe, expect, it } from 'vitest';
import type { FrameLike } from '../../capture/write.js';
import { encodeAgentAdvertisement, encodeIpv4, encodeLink, udpFrame } from '../../dissector/build.js';
import { encodeRegistrationReply, encodeRegistrationRequest, encodeRevocation, ext, ntpIdentification } from '../../dissector/mip/encode.js';
import type { ExtSpec, RegistrationReplySpec, RegistrationRequestSpec } from '../../dissector/mip/encode.js';
import { allRules } from '../../conformance/rules/index.js';
import { datapathRules } from '../../conformance/rules/datapath.js';
import { dissectAll, ruleFindings, runCli, writePcapng } from '../helpers.js';

const KEY = new Uint8Array(16).fill(3);
const T0 = 1_790_000_000;
const MN = '10.1.0.5', HA = '10.1.0.1', FA = '192.0.2.1';
const ident = (s = 0, low = 1) => ntpIdentification((T0 + s) * 1000, low);

let clock = 0;
const at = (f: { linktype: number; data: Uint8Array }, s?: number): FrameLike => { clock = s ?? clock + 0.01; return { ...f, tsSec: T0 + Math.floor(clock), tsNsec: Math.round((clock % 1) * 1e9) }; };
// A request as the home agent receives it (relayed by the FA), and the HA's reply to the FA.
const req = (o: Partial<RegistrationRequestSpec> = {}, src = FA, dst = HA) => at(udpFrame({ src, dst, payload: encodeRegistrationRequest({ lifetime: 600, homeAddr: MN, haAddr: HA, coa: FA, ident: ident(), exts: [ext.nai('mn@home.example'), ext.mnHa(0x1000, KEY)], ...o }) }));
const rep = (o: Partial<RegistrationReplySpec> = {}, src = HA, dst = FA) => at(udpFrame({ src, dst, payload: encodeRegistrationReply({ code: 0, lifetime: 600, homeAddr: MN, haAddr: HA, ident: ident(), exts: [ext.mnHa(0x1000, KEY)], ...o }) }));
const adv = (seq: number, flags: number, coas: string[] = [FA]) => at(encodeLink({ kind: 'eth' }, encodeIpv4({ src: FA, dst: '224.0.0.1', proto: 1, payload: encodeAgentAdvertisement({ seq, regLifetime: 1800, flags, coas }) })));

const findings = ruleFindings;

const exts = (...e: ExtSpec[]) => e;
const cases: Record<string, { bad: () => FrameLike[]; good: () => FrameLike[] }> = {
  'MIP-RESERVED-BITS': { bad: () => [req({ flags: 0x01 })], good: () => [req({ flags: 0x02 })] },
  'MIP-AUTH-PRESENT': { bad: () => [req({ exts: exts(ext.nai('mn@home.example')) })], good: () => [req(), rep(), rep({ code: 69, exts: [] }, FA, MN)] },
  'MIP-ORDER-MNFA-AFTER-MNHA': { bad: () => [req({ exts: exts(ext.mnFa(0x2000, KEY), ext.mnHa(0x1000, KEY)) })], good: () => [req({ exts: exts(ext.mnHa(0x1000, KEY), ext.mnFa(0x2000, KEY)) })] },
  'MIP-ORDER-FAHA-LAST': { bad: () => [req({ exts: exts(ext.mnHa(0x1000, KEY), ext.faHa(0x3000, KEY), ext.nai('x@y')) })], good: () => [req({ exts: exts(ext.mnHa(0x1000, KEY), ext.faHa(0x3000, KEY)) })] },
  'MIP-ORDER-NAI-CHALLENGE': {
    bad: () => [req({ exts: exts(ext.mnHa(0x1000, KEY), ext.nai('mn@home.example')) }), req({ exts: exts(ext.mnHa(0x1000, KEY), ext.mnFa(0x2000, KEY), ext.challenge(new Uint8Array(8))) })],
    good: () => [req({ exts: exts(ext.nai('mn@home.example'), ext.mnHa(0x1000, KEY), ext.challenge(new Uint8Array(8)), ext.mnFa(0x2000, KEY)) })],
  },
  'MIP-UNKNOWN-NONSKIPPABLE': { bad: () => [req({ exts: exts(ext.raw(99, Uint8Array.of(1)), ext.mnHa(0x1000, KEY)) })], good: () => [req({ exts: exts(ext.raw(199, Uint8Array.of(1)), ext.mnHa(0x1000, KEY)) })] },
  'MIP-WELL-FORMED': { bad: () => [req({ exts: exts(ext.raw(131, Uint8Array.of(65), { length: 30 })) })], good: () => [req()] },
  'MIP-SPI-RESERVED': { bad: () => [req({ exts: exts(ext.mnHa(200, KEY)) })], good: () => [req({ exts: exts(ext.mnHa(256, KEY)) })] },
  'MIP-LIFETIME': { bad: () => [req({ lifetime: 100 }), rep({ lifetime: 200 })], good: () => [req({ lifetime: 100 }), rep({ lifetime: 100 })] },
  'MIP-LIFETIME-INFINITE': { bad: () => [req({ lifetime: 0xffff })], good: () => [req({ lifetime: 0xfffe })] },
  'MIP-REPLY-IDENT': { bad: () => [req({ ident: ident(0, 5) }), rep({ ident: ident(0, 6) }), req({ ident: ident(0, 7) }), rep({ ident: ident(3, 7) })], good: () => [req({ ident: ident(0, 5) }), rep({ ident: ident(0, 5) }), req({ ident: ident(0, 8) }), rep({ code: 133, ident: ident(9, 8) })] },
  'MIP-REPLAY': { bad: () => [req({ ident: ident(0, 9) }), at(udpFrame({ src: MN, dst: FA, payload: encodeRegistrationRequest({ lifetime: 500, homeAddr: MN, haAddr: HA, coa: FA, ident: ident(0, 9), exts: [ext.nai('mn@home.example'), ext.mnHa(0x1000, KEY)] }) }), 5)], good: () => [req({ ident: ident(0, 9) }), req({ ident: ident(0, 9) }), req({ ident: ident(0, 10) })] },
  'MIP-TIMESTAMP-WINDOW': { bad: () => [at(udpFrame({ src: MN, dst: FA, payload: encodeRegistrationRequest({ lifetime: 1, homeAddr: MN, haAddr: HA, coa: FA, ident: ident(60) }) }), 0)], good: () => [at(udpFrame({ src: MN, dst: FA, payload: encodeRegistrationRequest({ lifetime: 1, homeAddr: MN, haAddr: HA, coa: FA, ident: ident(3) }) }), 0)] },
  'MIP-FA-CODES': { bad: () => [rep({ code: 69, exts: [] }, HA, FA), rep({ code: 131, exts: [] }, HA, FA)], good: () => [rep({ code: 69, exts: [] }, FA, MN), rep({ code: 131 }, HA, FA)] },
  'MIP-ACCEPTED-UNKNOWN': { bad: () => [req({ exts: exts(ext.raw(99, Uint8Array.of(1)), ext.mnHa(0x1000, KEY)) }), rep()], good: () => [req({ exts: exts(ext.raw(99, Uint8Array.of(1)), ext.mnHa(0x1000, KEY)) }), rep({ code: 134 })] },
  'MIP-NO-REPLY': { bad: () => [req()], good: () => [req(), rep()] },
  'MIP-NO-REQUEST': { bad: () => [rep()], good: () => [req(), rep()] },
  'MIP-RELAY-INTEGRITY': {
    bad: () => [req({}, MN, FA), at(udpFrame({ src: FA, dst: HA, payload: encodeRegistrationRequest({ lifetime: 601, homeAddr: MN, haAddr: HA, coa: FA, ident: ident(), exts: [ext.nai('mn@home.example'), ext.mnHa(0x1000, KEY), ext.faHa(0x3000, KEY)] }) }))],
    good: () => [req({}, MN, FA), at(udpFrame({ src: FA, dst: HA, payload: encodeRegistrationRequest({ lifetime: 600, homeAddr: MN, haAddr: HA, coa: FA, ident: ident(), exts: [ext.nai('mn@home.example'), ext.mnHa(0x1000, KEY), ext.faHa(0x3000, KEY)] }) }))],
  },
  'ADV-FA-COA': { bad: () => [adv(1, 0x9000, [])], good: () => [adv(1, 0x9000)] },
  'ADV-SEQUENCE': { bad: () => [adv(300, 0x1000), adv(305, 0x1000)], good: () => [adv(300, 0x1000), adv(301, 0x1000), adv(302, 0x1000), adv(3, 0x1000)] },
  'ADV-RESERVED': { bad: () => [adv(1, 0x1001)], good: () => [adv(1, 0x1000)] },
};

describe('standard conformance rules', () => {
  // The data-path rules have their own break/keep cases (datapath-rules.test.ts).
  for (const rule of allRules.filter(r => (!r.needsKeys && r.id.startsWith('MIP-') || r.id.startsWith('ADV-')) && !datapathRules.includes(r))) {
    it(`${rule.id}: found in a capture that breaks it, not in one that keeps it`, () => {
      const c = cases[rule.id];
      expect(c, `no test case for ${rule.id}`).toBeDefined();
      const bad = findings(c!.bad(), rule.id);
      expect(bad.list.length, `${rule.id} should fire`).toBeGreaterThan(0);
      expect(bad.status).toBe('failed');
      const good = findings(c!.good(), rule.id);
      expect(good.list).toEqual([]);
      expect(good.status).toBe('passed');
    });
  }

  it('rules that need keys say "not checked (no key)" without them', () => {
    const r = findings([req()], 'MIP-AUTH-VALID');
    expect(r.list).toEqual([]);
    expect(r.status).toBe('not-checked');
  });
});

describe('mipscope check', () => {
  const clean = writePcapng([req({ ident: ident(0, 1) }), rep({ ident: ident(0, 1) })]);
  const broken = writePcapng([req({ flags: 0x01, exts: [ext.mnFa(0x2000, KEY), ext.mnHa(0x1000, KEY)] })]);

  it('exit 0 on a clean capture, 1 with an error finding, 2 on bad input', () => {
    expect(runCli(['check', '-r', clean]).code).toBe(0);
    expect(runCli(['check', '-r', broken]).code).toBe(1);
    expect(runCli(['check', '-r', '/nonexistent.pcap']).code).toBe(2);
    expect(runCli(['check', '-r', clean, '--format', 'yaml']).code).toBe(2);
    expect(runCli(['check', '-r', clean, '--rules', 'NOPE']).code).toBe(2);
  });

  it('json report has the documented shape', () => {
    const r = runCli(['check', '-r', broken, '--format', 'json']);
    const j = JSON.parse(r.stdout);
    expect(j.findings).toContainEqual(expect.objectContaining({ frame: 1, rule: 'MIP-ORDER-MNFA-AFTER-MNHA', severity: 'error', reference: expect.stringContaining('RFC 5944') }));
    expect(j.summary.errors).toBeGreaterThan(0);
  });

  it('junit, markdown and html reports', () => {
    const junit = runCli(['check', '-r', broken, '--format', 'junit']).stdout;
    expect(junit).toMatch(/<testcase classname="mipscope.MIP-ORDER-MNFA-AFTER-MNHA"[^>]*>\s*<failure/);
    expect(runCli(['check', '-r', broken, '--format', 'markdown']).stdout).toContain('| 1 | error | MIP-ORDER-MNFA-AFTER-MNHA |');
    const html = runCli(['check', '-r', broken, '--format', 'html']).stdout;
    expect(html).toContain('<a href="#frame-1">frame 1</a>');
    expect(html).toContain('id="frame-1"');
    expect(html).toContain('Mobile IP (Registration Request)');
  });

  it('--rules, --disable and --severity select', () => {
    const only = JSON.parse(runCli(['check', '-r', broken, '--format', 'json', '--rules', 'MIP-RESERVED-BITS']).stdout);
    expect(new Set(only.findings.map((f: { rule: string }) => f.rule))).toEqual(new Set(['MIP-RESERVED-BITS']));
    const without = JSON.parse(runCli(['check', '-r', broken, '--format', 'json', '--disable', 'MIP-ORDER']).stdout);
    expect(without.findings.some((f: { rule: string }) => f.rule.startsWith('MIP-ORDER'))).toBe(false);
    const errs = JSON.parse(runCli(['check', '-r', broken, '--format', 'json', '--severity', 'error']).stdout);
    expect(errs.findings.every((f: { severity: string }) => f.severity === 'error')).toBe(true);
  });

  it('a damaged file: the packets before the damage are reported, then one error line and exit 2', async () => {
    const { join } = await import('node:path');
    const { ROOT } = await import('../helpers.js');
    const r = runCli(['check', '-r', join(ROOT, 'samples', 'captures', 'fault-truncated.pcapng'), '--format', 'json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).findings.some((f: { rule: string }) => f.rule === 'MIP-WELL-FORMED')).toBe(true);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/cut short/);
  });

  it('--list-rules prints the catalog generated from the rules', () => {
    const r = runCli(['check', '--list-rules']);
    for (const rule of allRules) expect(r.stdout).toContain(rule.id);
  });
});

describe('rule catalog', () => {
  it('docs/rules.md is generated from the rules (run `npm run docs` after changing a rule)', async () => {
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { catalogMarkdown } = await import('../../conformance/rules/index.js');
    const { ROOT } = await import('../helpers.js');
    expect(readFileSync(join(ROOT, 'docs', 'rules.md'), 'utf8')).toBe(catalogMarkdown());
  });

  it('every rule has an id, title, severity, reference and description', () => {
    const ids = new Set<string>();
    for (const r of allRules) {
      expect(r.id).toMatch(/^(MIP|ADV|KX)-[A-Z0-9-]+$/);
      expect(ids.has(r.id)).toBe(false);
      ids.add(r.id);
      expect(r.title.length).toBeGreaterThan(5);
      expect(['error', 'warning', 'note']).toContain(r.severity);
      expect(r.reference).toMatch(/RFC|docs\/protocol\.md|WO 01\/26322/);
      expect(r.description.length).toBeGreaterThan(20);
    }
  });
});
