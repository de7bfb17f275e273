// With its keys file, mipscope decrypts every hidden identity and verifies every authenticator of
// the clean samples; and the conformance rules flag each faulty sample where the manifest says,
// and nothing else.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaptureSync } from '../../capture/read.js';
import { Checker } from '../../conformance/checker.js';
import { allRules } from '../../conformance/rules/index.js';
import { dissectFrame, Session } from '../../dissector/index.js';
import type { Packet } from '../../dissector/index.js';
import { attachKeys, learnedKeys, loadKeysFile } from '../../dissector/keys/index.js';
import type { Manifest, ManifestEntry } from '../../samples/generate.js';
import { ROOT } from '../helpers.js';

const SAMPLES = join(ROOT, 'samples');
const manifest = JSON.parse(readFileSync(join(SAMPLES, 'manifest.json'), 'utf8')) as Manifest;

function dissect(e: ManifestEntry, withKeys: boolean): { packets: Packet[]; session: Session } {
  const session = new Session();
  if (withKeys) attachKeys(session, loadKeysFile(join(SAMPLES, e.keys)));
  const packets: Packet[] = [];
  try {
    for (const f of readCaptureSync(join(SAMPLES, e.capture))) packets.push(dissectFrame(f, session));
  } catch (err) {
    if (!e.cutShort) throw err; // the deliberately cut file ends with a read error
  }
  return { packets, session };
}

const values = (p: Packet, abbrev: string) => p.all.filter(n => n.field?.abbrev === abbrev).map(n => n.value);

describe('the keys files open the samples', () => {
  for (const e of manifest.captures.filter(x => x.kind === 'clean')) {
    it(`${e.capture}: every hidden identity decrypts and every authenticator verifies`, () => {
      const { packets, session } = dissect(e, true);
      expect(packets.length).toBe(e.packets);
      let encrypted = 0, auth = 0;
      for (const p of packets) {
        const e1 = values(p, 'mip.kx.gp.e').filter(v => v === true).length;
        const dec = values(p, 'mip.kx.gp.decrypted');
        encrypted += e1;
        // mip.kx.gp.decrypted is present on every E = 1 extension and 1 on each (docs/protocol.md §E.12).
        expect(dec.length, `frame ${p.no}`).toBe(e1);
        expect(dec.filter(v => v !== true), `frame ${p.no}`).toEqual([]);
        const st = values(p, 'mip.auth.status');
        auth += st.length;
        expect(st.filter(v => v !== 'good'), `frame ${p.no}`).toEqual([]);
        expect(p.experts.filter(x => x.expert!.abbrev === 'mip.kx.decrypt.failed').map(x => x.text), `frame ${p.no}`).toEqual([]);
      }
      expect(auth).toBeGreaterThan(0);
      if (e.capture.includes('mip-tunnel')) {
        // Plain RFC 5944 nodes (the data-path sample): nothing hidden, no session keys to learn.
        expect(encrypted).toBe(0);
        expect(learnedKeys(session).length).toBe(0);
        return;
      }
      if (!e.capture.includes('negotiation')) expect(encrypted).toBeGreaterThan(0);
      // Only KEY0s and pre-shared SAs are in the file: the session keys were learned.
      expect(learnedKeys(session).length).toBeGreaterThan(0);
    }, 60_000);
  }

  it('without the keys file nothing hidden decrypts; only what KEY2/KEY3 sent in clear to the FA verify', () => {
    const e = manifest.captures.find(x => x.capture.includes('kx-stateful'))!;
    const { packets } = dissect(e, false);
    // Authentication extensions in wire order, paired with their verdicts.
    const auth = packets.flatMap(p => {
      const types = values(p, 'mip.ext.type').filter(t => t === 32 || t === 33 || t === 34);
      const st = values(p, 'mip.auth.status');
      expect(st.length).toBe(types.length);
      return types.map((t, k) => ({ type: t, status: st[k] }));
    });
    expect(auth.length).toBeGreaterThan(50);
    // B.5: the FA's copies of KEY2 and KEY3 travel in clear, so an observer learns them too —
    // but never KEY0 nor KEY1: no MN-HA authenticator verifies without the keys file.
    expect(new Set(auth.filter(a => a.type === 32).map(a => a.status))).toEqual(new Set(['unverified']));
    expect(auth.some(a => a.type === 33 && a.status === 'good')).toBe(true);
    expect(packets.flatMap(p => values(p, 'mip.kx.gp.decrypted')).filter(v => v === true)).toEqual([]);
    // The identity is nowhere in clear: no NAI, no home address in any header.
    // (The only NAI in clear is the home agent's own, in its Key Requests.)
    expect(new Set(packets.flatMap(p => values(p, 'mip.kx.nai')))).toEqual(new Set(['ha.home.example']));
    expect(new Set(packets.flatMap(p => values(p, 'mip.homeaddr')))).toEqual(new Set([0]));
  });
});

describe('conformance rules on the samples', () => {
  const ruleIds = new Set(allRules.map(r => r.id));
  for (const e of manifest.captures) {
    it(`${e.capture}: ${e.kind === 'faulty' ? `${e.rule} flags the fault, ` : ''}no other finding`, () => {
      const { packets } = dissect(e, true);
      const checker = new Checker(allRules, true);
      for (const p of packets) checker.add(p);
      checker.finish();
      const flagged = new Map<string, Set<number>>();
      for (const f of checker.findings) {
        const s = flagged.get(f.rule) ?? new Set<number>();
        s.add(f.frame);
        flagged.set(f.rule, s);
      }
      const allowed = new Map<string, Set<number>>();
      if (e.rule) {
        expect(ruleIds.has(e.rule), `rule ${e.rule} exists`).toBe(true);
        allowed.set(e.rule, new Set(e.frames));
        const got = [...(flagged.get(e.rule) ?? [])];
        expect(got.length, `${e.rule} flags something`).toBeGreaterThan(0);
        expect(got.filter(n => !e.frames!.includes(n)), `${e.rule} flags only fault frames`).toEqual([]);
      }
      for (const x of e.expected ?? []) {
        expect(ruleIds.has(x.rule), `rule ${x.rule} exists`).toBe(true);
        allowed.set(x.rule, new Set(x.frames));
        const got = [...(flagged.get(x.rule) ?? [])];
        expect(got.length, `${x.rule} (expected) flags something`).toBeGreaterThan(0);
        expect(got.filter(n => !x.frames.includes(n)), `${x.rule} flags only the expected frames`).toEqual([]);
      }
      const others = checker.findings.filter(f => !allowed.has(f.rule)).map(f => `#${f.frame} ${f.rule}: ${f.message}`);
      expect(others).toEqual([]);
    }, 60_000);
  }
});
