// Every KX rule with a capture that breaks it and one that does not, built with the encoders.
import { getDiffieHellman } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { FrameLike } from '../../capture/write.js';
import { udpFrame } from '../../dissector/build.js';
import { encodeRegistrationReply, encodeRegistrationRequest, ext, ntpIdentification } from '../../dissector/mip/encode.js';
import type { ExtSpec } from '../../dissector/mip/encode.js';
import { gp, saPayload } from '../../dissector/kx/encode.js';
import type { ProposalSpec } from '../../dissector/kx/encode.js';
import { attachKeys, parseKeysFile } from '../../dissector/keys/index.js';
import { dissectFrame, Session } from '../../dissector/index.js';
import { Checker } from '../../conformance/checker.js';
import { allRules } from '../../conformance/rules/index.js';
import { ruleFindings, toFrames } from '../helpers.js';

const T0 = 1_790_000_000;
const FA = '198.51.100.1', HA = '192.0.2.1';
const key = (b: number, n = 16) => new Uint8Array(n).fill(b);
const iv = (b: number) => new Uint8Array(16).fill(b);

interface Mn { nai: string; home: string; mac: string; spi0: number; key0: Uint8Array; low: number }
const MN1: Mn = { nai: 'mn1@home.example', home: '192.0.2.151', mac: '02:00:00:00:01:01', spi0: 0x1001, key0: key(0xa1), low: 1 };
const MN2: Mn = { nai: 'mn2@home.example', home: '192.0.2.152', mac: '02:00:00:00:01:02', spi0: 0x1002, key0: key(0xa2), low: 2 };
const FAHA = { spi: 0x3001, key: key(0xf0) };
const KEYS = parseKeysFile(JSON.stringify({ sas: [
  { spi: MN1.spi0, key: Buffer.from(MN1.key0).toString('hex'), auth: 'hmac-md5', cipher: 'aes-128-cbc', label: 'KEY0 mn1' },
  { spi: MN2.spi0, key: Buffer.from(MN2.key0).toString('hex'), auth: 'hmac-md5', cipher: 'aes-128-cbc', label: 'KEY0 mn2' },
  { spi: FAHA.spi, key: Buffer.from(FAHA.key).toString('hex'), auth: 'hmac-md5', label: 'FA-HA' },
] }), 'test keys');

interface FlowOptions {
  leakNai?: boolean; homeInHeader?: boolean; dropKey2?: boolean; noStrip?: boolean; faKey3?: Uint8Array;
  key1?: Uint8Array; key3Lifetime?: number; reregisterAfter?: number; reregisterKey1?: Uint8Array; start?: number;
}

/** The stateful registration (WO 01/26322 Fig. 2, docs/protocol.md §B.5) for one mobile node, then a re-registration. */
function statefulFlow(mn: Mn, o: FlowOptions = {}): FrameLike[] {
  const t = o.start ?? 0;
  const frames: FrameLike[] = [];
  const at = (f: { linktype: number; data: Uint8Array }, s: number) => frames.push({ ...f, tsSec: T0 + Math.floor(s), tsNsec: Math.round((s % 1) * 1e9) });
  const under = { spi: mn.spi0, key: mn.key0, cipher: 'aes-128-cbc' as const };
  const ident = ntpIdentification((T0 + t) * 1000, mn.low);
  const key1 = o.key1 ?? key(0x10 + mn.low), key2 = key(0x20 + mn.low), key3 = key(0x30 + mn.low);
  const k1 = { newSpi: 0x5001 + mn.low * 16, authAlg: 'hmac-md5' as const, key: key1 };
  const k2 = { newSpi: 0x5002 + mn.low * 16, authAlg: 'hmac-md5' as const, key: key2 };
  const k3 = { newSpi: 0x5003 + mn.low * 16, authAlg: 'hmac-md5' as const, key: key3, ...(o.key3Lifetime ? { lifetime: o.key3Lifetime } : {}) };
  const identity: ExtSpec[] = [gp.ip(0, mn.home, { encrypt: under, iv: iv(1) }), gp.nai(0, mn.nai, { encrypt: under, iv: iv(2) }), gp.eth(mn.mac, { encrypt: under, iv: iv(3) })];
  const head = { lifetime: 600, homeAddr: o.homeInHeader ? mn.home : '0.0.0.0', haAddr: HA, coa: FA, ident };
  const mnPart: ExtSpec[] = [...identity, ...(o.leakNai ? [ext.nai(mn.nai)] : []), ext.mnHa(mn.spi0, mn.key0)];
  at(udpFrame({ src: '0.0.0.0', dst: FA, payload: encodeRegistrationRequest({ ...head, exts: mnPart }) }), t);
  at(udpFrame({ src: FA, dst: HA, payload: encodeRegistrationRequest({ ...head, exts: [...mnPart, ext.faHa(FAHA.spi, FAHA.key)] }) }), t + 0.01);
  const forMn: ExtSpec[] = [gp.sa(0, k3, { encrypt: under, iv: iv(4) }), gp.sa(2, k1, { encrypt: under, iv: iv(5) })];
  const rep = { code: 0, lifetime: 600, homeAddr: head.homeAddr, haAddr: HA, ident };
  const forFa: ExtSpec[] = [...(o.dropKey2 ? [] : [gp.sa(1, k2)]), gp.sa(0, { ...k3, key: o.faKey3 ?? key3 })];
  at(udpFrame({ src: HA, dst: FA, payload: encodeRegistrationReply({ ...rep, exts: [...forMn, ext.mnHa(mn.spi0, mn.key0), ...forFa, ext.faHa(FAHA.spi, FAHA.key)] }) }), t + 0.03);
  at(udpFrame({ src: FA, dst: '255.255.255.255', payload: encodeRegistrationReply({ ...rep, exts: [...forMn, ext.mnHa(mn.spi0, mn.key0), ...(o.noStrip ? forFa : []), ext.mnFa(k3.newSpi, key3)] }) }), t + 0.04);
  // Re-registration with the distributed keys (MN-HA under KEY1, MN-FA under KEY3, FA-HA under KEY2).
  const t2 = t + (o.reregisterAfter ?? 300);
  const ident2 = ntpIdentification((T0 + t2) * 1000, mn.low + 100);
  const re = { ...head, ident: ident2 };
  const reExts: ExtSpec[] = [...identity, ext.mnHa(k1.newSpi, o.reregisterKey1 ?? key1), ext.mnFa(k3.newSpi, key3)];
  at(udpFrame({ src: '0.0.0.0', dst: FA, payload: encodeRegistrationRequest({ ...re, exts: reExts }) }), t2);
  at(udpFrame({ src: FA, dst: HA, payload: encodeRegistrationRequest({ ...re, exts: [...identity, ext.mnHa(k1.newSpi, o.reregisterKey1 ?? key1), ext.faHa(k2.newSpi, key2)] }) }), t2 + 0.01);
  at(udpFrame({ src: HA, dst: FA, payload: encodeRegistrationReply({ ...rep, ident: ident2, exts: [ext.mnHa(k1.newSpi, key1), ext.faHa(k2.newSpi, key2)] }) }), t2 + 0.02);
  at(udpFrame({ src: FA, dst: '255.255.255.255', payload: encodeRegistrationReply({ ...rep, ident: ident2, exts: [ext.mnHa(k1.newSpi, key1), ext.mnFa(k3.newSpi, key3)] }) }), t2 + 0.03);
  return frames;
}

const modp2 = getDiffieHellman('modp2');
const cv = (v: Uint8Array | number, len = 128) => { if (typeof v !== 'number') return v; const b = new Uint8Array(len); b[len - 1] = v; return b; };
const xf = (no: number, id: number) => ({ no, id, attrs: [{ type: 3, value: 1 }] });

/** An MN-HA negotiation: request with proposals, then the reply (docs/protocol.md §B.3, E.3). */
function negotiation(offer: ProposalSpec[], answer: ProposalSpec[] | null, code = 0): FrameLike[] {
  const ident = ntpIdentification(T0 * 1000, 7);
  const frames = [
    udpFrame({ src: '203.0.113.5', dst: HA, payload: encodeRegistrationRequest({ lifetime: 600, homeAddr: '192.0.2.160', haAddr: HA, coa: '203.0.113.5', ident, exts: [ext.nai('neg@home.example'), saPayload({ subtype: 1, proposals: offer }), ext.mnHa(0x1100, key(5))] }) }),
    udpFrame({ src: HA, dst: '203.0.113.5', payload: encodeRegistrationReply({ code, lifetime: code ? 0 : 600, homeAddr: '192.0.2.160', haAddr: HA, ident, exts: [...(answer ? [saPayload({ subtype: 1, proposals: answer })] : []), ext.mnHa(0x1100, key(5))] }) }),
  ];
  return frames.map((f, i) => ({ ...f, tsSec: T0, tsNsec: i * 1000 }));
}
const dh = (subtype: 1 | 2, value: Uint8Array | number) => ({ subtype, xfno: 1, cv: cv(value, subtype === 1 ? 96 : 128) } as const);
const goodCv = modp2.generateKeys();
const offer = (ke: ProposalSpec['ke'] = [], subtype: 1 | 2 = 2): ProposalSpec[] => [
  { no: 1, protoId: 1, spi: 0x7001, lifetime: 3600, transforms: [xf(1, 4), xf(2, 1)], ke },
  { no: 2, protoId: 1, spi: 0x7002, transforms: [xf(1, 3)] },
];
void dh;

function run(frames: FrameLike[], ruleId: string, withKeys = false) {
  const sorted = [...frames].sort((a, b) => a.tsSec - b.tsSec || a.tsNsec - b.tsNsec);
  return ruleFindings(sorted, ruleId, withKeys ? KEYS : undefined);
}

const cases: Record<string, { keys?: boolean; bad: () => FrameLike[]; good: () => FrameLike[] }> = {
  'KX-IDENTITY-PRIVACY': { bad: () => statefulFlow(MN1, { leakNai: true }), good: () => statefulFlow(MN1) },
  'KX-REPLY-KEYS': { bad: () => statefulFlow(MN1, { dropKey2: true }), good: () => statefulFlow(MN1) },
  'KX-FA-STRIPS': { bad: () => statefulFlow(MN1, { noStrip: true }), good: () => statefulFlow(MN1) },
  'KX-KEY3-MATCH': { keys: true, bad: () => statefulFlow(MN1, { faKey3: key(0x77) }), good: () => statefulFlow(MN1) },
  'KX-KEY-UNIQUE': { keys: true, bad: () => [...statefulFlow(MN1), ...statefulFlow(MN2, { key1: key(0x11), start: 1 })], good: () => [...statefulFlow(MN1), ...statefulFlow(MN2, { start: 1 })] },
  'KX-KEY0-HIDDEN': { keys: true, bad: () => statefulFlow(MN1, { key1: MN1.key0 }), good: () => statefulFlow(MN1) },
  'KX-SA-EXPIRED': { bad: () => statefulFlow(MN1, { key3Lifetime: 60, reregisterAfter: 120 }), good: () => statefulFlow(MN1, { key3Lifetime: 600, reregisterAfter: 120 }) },
  'KX-LEARNED-KEY-FAILS': { keys: true, bad: () => statefulFlow(MN1, { reregisterKey1: key(0x99) }), good: () => statefulFlow(MN1) },
  'KX-NEG-PROPOSALS': {
    bad: () => negotiation([{ no: 2, protoId: 1, spi: 0x7002, transforms: [xf(1, 3)] }, { no: 1, protoId: 1, spi: 0x7001, transforms: [xf(2, 4), xf(1, 1)] }], null, 129),
    good: () => negotiation(offer(), [{ no: 1, protoId: 1, spi: 0x7001, lifetime: 3600, transforms: [xf(2, 1)] }]),
  },
  'KX-NEG-RESPONSE': {
    bad: () => negotiation(offer(), [{ no: 1, protoId: 1, spi: 0x7001, lifetime: 3600, transforms: [xf(2, 3)] }]),
    good: () => negotiation(offer(), [{ no: 1, protoId: 1, spi: 0x7001, lifetime: 3600, transforms: [xf(1, 4)] }]),
  },
  'KX-NEG-CONVERGE': {
    bad: () => negotiation(offer(), null, 131),
    good: () => negotiation(offer(), [{ no: 2, protoId: 1, spi: 0x7002, transforms: [xf(1, 3)] }]),
  },
  'KX-DH-GROUP': {
    bad: () => negotiation(offer([dh(2, 1)]), null, 129),
    good: () => negotiation(offer([dh(2, goodCv)]), null, 129),
  },
  'KX-DH-WEAK': {
    bad: () => negotiation(offer([dh(1, getDiffieHellman('modp1').generateKeys())], 1), null, 129),
    good: () => negotiation(offer([dh(2, goodCv)]), null, 129),
  },
};

/** A mobile node with a co-located care-of address (D flag) registering straight with its home agent. */
function colocatedFlow(mn: Mn, withFaPart: boolean): FrameLike[] {
  const under = { spi: mn.spi0, key: mn.key0, cipher: 'aes-128-cbc' as const };
  const ident = ntpIdentification(T0 * 1000, mn.low);
  const coa = '203.0.113.77';
  const k1 = { newSpi: 0x6001, authAlg: 'hmac-md5' as const, key: key(0x41) }, k3 = { newSpi: 0x6003, authAlg: 'hmac-md5' as const, key: key(0x43) };
  const identity: ExtSpec[] = [gp.ip(0, mn.home, { encrypt: under, iv: iv(1) }), gp.nai(0, mn.nai, { encrypt: under, iv: iv(2) })];
  const head = { flags: 0x20, lifetime: 600, homeAddr: '0.0.0.0', haAddr: HA, coa, ident };
  const rep = { code: 0, lifetime: 600, homeAddr: '0.0.0.0', haAddr: HA, ident };
  const forMn: ExtSpec[] = [gp.sa(0, k3, { encrypt: under, iv: iv(4) }), gp.sa(2, k1, { encrypt: under, iv: iv(5) })];
  return toFrameLikes([
    udpFrame({ src: coa, dst: HA, payload: encodeRegistrationRequest({ ...head, exts: [...identity, ext.mnHa(mn.spi0, mn.key0)] }) }),
    udpFrame({ src: HA, dst: coa, payload: encodeRegistrationReply({ ...rep, exts: [...forMn, ext.mnHa(mn.spi0, mn.key0), ...(withFaPart ? [gp.sa(0, k3)] : [])] }) }),
  ]);
}
const toFrameLikes = (fs: Array<{ linktype: number; data: Uint8Array }>): FrameLike[] => fs.map((f, i) => ({ ...f, tsSec: T0, tsNsec: i * 1_000_000 }));

describe('KX-REPLY-KEYS and a co-located care-of address', () => {
  it('a reply to a mobile node with no foreign agent on the path needs no KEY2/KEY3 for an FA', () => {
    const r = run(colocatedFlow(MN1, false), 'KX-REPLY-KEYS');
    expect(r.list).toEqual([]);
    expect(r.status).toBe('passed');
  });
  it('the same reply through a foreign agent lacks KEY2 and is reported', () => {
    expect(run(statefulFlow(MN1, { dropKey2: true }), 'KX-REPLY-KEYS').list.map(f => f.message)).toEqual(['reply lacks KEY2 (GP-SA content 1, E = 0) for the foreign agent after the MN-HA authentication']);
  });
});

describe('KX conformance rules', () => {
  for (const rule of allRules.filter(r => r.id.startsWith('KX-'))) {
    it(`${rule.id}: found in a capture that breaks it, not in one that keeps it`, () => {
      const c = cases[rule.id];
      expect(c, `no test case for ${rule.id}`).toBeDefined();
      const bad = run(c!.bad(), rule.id, c!.keys);
      expect(bad.list.length, `${rule.id} should fire`).toBeGreaterThan(0);
      const good = run(c!.good(), rule.id, c!.keys);
      expect(good.list).toEqual([]);
      expect(good.status).toBe('passed');
    });
  }

  it('rules that need keys are "not checked (no key)" without them', () => {
    for (const id of ['KX-KEY3-MATCH', 'KX-KEY0-HIDDEN']) expect(run(statefulFlow(MN1), id).status).toBe('not-checked');
  });

  it('the whole catalog is clean on a clean stateful flow for two mobile nodes, with keys', () => {
    const session = new Session();
    attachKeys(session, KEYS);
    const checker = new Checker(allRules, true);
    for (const f of toFrames([...statefulFlow(MN1), ...statefulFlow(MN2, { start: 1 })].sort((a, b) => a.tsSec - b.tsSec || a.tsNsec - b.tsNsec))) checker.add(dissectFrame(f, session));
    const s = checker.finish();
    expect(checker.findings.filter(f => f.severity === 'error')).toEqual([]);
    expect(s.errors).toBe(0);
  });
});

describe('KX-KEY-UNIQUE remembers at most MAX_KEYS_FOLLOWED keys (docs/limits.md)', () => {
  it('reports a key handed out again while remembered, and forgets the oldest past the limit', async () => {
    const { MAX_KEYS_FOLLOWED } = await import('../../dissector/limits.js');
    const rule = allRules.find(r => r.id === 'KX-KEY-UNIQUE')!;
    const reports: Array<[number, string]> = [];
    const checks = rule.create({
      options: { timestampWindow: 7 }, haveKeys: false, report: (frame, message) => { reports.push([frame, message]); },
      checked: () => undefined, notCheckedNoKey: () => undefined, noteOn: (_tx, init) => init(),
    });
    const keyOf = (n: number) => { const k = new Uint8Array(16); new DataView(k.buffer).setUint32(0, n + 1); return k; };
    // A KDC Key Reply (type 9) handing out one key, in its own transaction.
    const kdcReply = (frame: number, key: Uint8Array) => ({
      frame, type: 9, tx: { id: frame, parent: undefined }, hop: undefined, mobileNode: 'unknown mobile node',
      kx: { gp: [{ saInfo: { key } }], sa: [], auth: [], learned: [] },
    }) as unknown as Parameters<NonNullable<typeof checks.message>>[0];
    let frame = 1;
    checks.message!(kdcReply(frame++, keyOf(0)));
    checks.message!(kdcReply(frame++, keyOf(0)));
    expect(reports).toEqual([[2, `key ${Buffer.from(keyOf(0)).toString('hex').slice(0, 8)}… was already handed out in frame 1 for another registration`]]);
    // MAX_KEYS_FOLLOWED other keys: key 0 is forgotten, the latest ones are remembered.
    for (let i = 1; i <= MAX_KEYS_FOLLOWED; i++) checks.message!(kdcReply(frame++, keyOf(i)));
    reports.length = 0;
    checks.message!(kdcReply(frame++, keyOf(0)));
    expect(reports).toEqual([]);
    checks.message!(kdcReply(frame++, keyOf(MAX_KEYS_FOLLOWED)));
    expect(reports.length).toBe(1);
  });
});
