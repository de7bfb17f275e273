// The rules' fast paths against the plain computations they replace, on every sample capture
// with its keys: the one-pass search for keys-file keys in a message (KX-KEY0-HIDDEN), and the
// advertisement rules looking only at packets with an ICMP layer, and a check whose dissection
// builds no trees (only the fields the rules read) against one with full trees.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaptureFileError, readCaptureSync } from '../../capture/read.js';
import { dissectFrame, Session } from '../../dissector/index.js';
import { attachKeys, kxState, parseKeysFile } from '../../dissector/keys/index.js';
import { PresharedKeys } from '../../conformance/rules/kx.js';
import { ICMP } from '../../dissector/icmp.js';
import { allFields } from '../../dissector/fields.js';
import { Checker, checkedFields, messageNai } from '../../conformance/checker.js';
import { allRules } from '../../conformance/rules/index.js';
import { DETACHED } from '../../dissector/packet.js';
import type { Packet } from '../../dissector/packet.js';
import { KX } from '../../dissector/kx/fields.js';

const dir = join(__dirname, '..', '..', 'samples', 'captures');
const captures = readdirSync(dir).filter(f => f.endsWith('.pcapng') && existsSync(join(dir, f.replace(/\.pcapng$/, '.keys.json')))).sort();

/** The plain search: each key of 8 bytes or more, byte by byte at every offset. */
function naive(keys: Uint8Array[], buf: Uint8Array, start: number, end: number): number[] {
  const out: number[] = [];
  keys.forEach((k, i) => {
    if (k.length < 8) return;
    outer: for (let at = start; at + k.length <= end; at++) {
      for (let j = 0; j < k.length; j++) if (buf[at + j] !== k[j]) continue outer;
      out.push(i);
      return;
    }
  });
  return out;
}
const found = (s: Set<number> | null) => [...(s ?? [])].sort((a, b) => a - b);

describe('KX-KEY0-HIDDEN: keys-file keys found in one pass', () => {
  it.each(captures)('%s', name => {
    const session = new Session();
    attachKeys(session, parseKeysFile(readFileSync(join(dir, name.replace(/\.pcapng$/, '.keys.json')), 'utf8'), name));
    const keys = kxState(session).table.all().filter(sa => sa.source.kind === 'file').map(sa => sa.key);
    const ks = new PresharedKeys(keys);
    let messages = 0;
    try {
      for (const f of readCaptureSync(join(dir, name))) {
        for (const m of dissectFrame(f, session).mip) {
          messages++;
          expect(found(ks.foundIn(m.buf, m.start, m.end))).toEqual(naive(keys, m.buf, m.start, m.end));
          // Each key written into a copy of the message, at its start, inside, and at its end
          // (in the first messages of each capture).
          if (messages <= 12) keys.forEach((k, i) => {
            if (k.length < 8 || m.end - m.start < k.length) return;
            for (const at of [m.start, m.start + ((m.end - m.start - k.length) >> 1), m.end - k.length]) {
              const b = m.buf.slice(); b.set(k, at);
              const got = found(ks.foundIn(b, m.start, m.end));
              expect(got).toEqual(naive(keys, b, m.start, m.end));
              expect(got).toContain(i);
            }
          });
        }
      }
    } catch (e) { if (!(e instanceof CaptureFileError)) throw e; }
    expect(messages).toBeGreaterThan(0);
  });
});

describe('ADV-*: agent advertisement fields come with an ICMP layer', () => {
  const all = readdirSync(dir).filter(f => f.endsWith('.pcapng')).sort();
  const advert = new Set(Object.values(ICMP).filter(f => f.abbrev.startsWith('icmp.mip.')));
  it.each(all)('%s', name => {
    const session = new Session();
    let adverts = 0;
    try {
      for (const f of readCaptureSync(join(dir, name))) {
        const p = dissectFrame(f, session);
        const has = p.all.some(n => n.field !== null && advert.has(n.field));
        if (has) { adverts++; expect(p.layers).toContain('icmp'); }
      }
    } catch (e) { if (!(e instanceof CaptureFileError)) throw e; }
    if (name === 'mip-tunnel.pcapng') expect(adverts).toBeGreaterThan(0);
  });
});

describe('check without trees: the fast path keeps the fields the rules read', () => {
  const all = readdirSync(dir).filter(f => f.endsWith('.pcapng')).sort();
  const run = (name: string, keys: string | null, want: Uint8Array | null) => {
    const session = new Session();
    session.retain = false;
    if (keys) attachKeys(session, parseKeysFile(readFileSync(keys, 'utf8'), keys));
    const checker = new Checker(allRules, keys !== null);
    try { for (const f of readCaptureSync(join(dir, name))) checker.add(dissectFrame(f, session, want)); } catch (e) { if (!(e instanceof CaptureFileError)) throw e; }
    return { summary: checker.finish(), findings: [...checker.findingList] };
  };
  it.each(all)('%s, without and with its keys', name => {
    const want = new Uint8Array(allFields().length);
    for (const f of checkedFields(allRules)) want[f.id] = 1;
    const keys = join(dir, name.replace(/\.pcapng$/, '.keys.json'));
    for (const k of existsSync(keys) ? [null, keys] : [null]) {
      const full = run(name, k, null), fast = run(name, k, want);
      expect(fast).toEqual(full);
    }
  });
  it('reads the NAI of a message from the packet\'s kept fields', () => {
    // kx-seed and fault-identity-clear carry NAI extensions: the mobile node label comes from them.
    const want = new Uint8Array(allFields().length);
    for (const f of checkedFields(allRules)) want[f.id] = 1;
    let nais = 0;
    for (const name of ['fault-identity-clear.pcapng', 'kx-seed.pcapng', 'mip-tunnel.pcapng']) {
      const s1 = new Session(), s2 = new Session();
      for (const f of readCaptureSync(join(dir, name))) {
        const a = dissectFrame(f, s1), b = dissectFrame(f, s2, want);
        a.mip.forEach((m, i) => {
          const n = messageNai(m);
          expect(messageNai(b.mip[i]!, b)).toBe(n);
          if (n !== undefined) nais++;
        });
      }
    }
    expect(nais).toBeGreaterThan(0);
  });
});

describe('dissection without trees: what the kept fields say of where they lie', () => {
  const withKeys = readdirSync(dir).filter(f => f.endsWith('.pcapng') && existsSync(join(dir, f.replace(/\.pcapng$/, '.keys.json')))).sort();
  const located = new Set([KX.learnedSpi, KX.gpSpi, KX.keyLabel, KX.keyLearnedIn, KX.dhSecret]);
  const want = new Uint8Array(allFields().length);
  for (const f of located) want[f.id] = 1;
  const fresh = { ...DETACHED };
  const place = (p: Packet) => p.all.filter(n => n.field !== null && located.has(n.field)).map(n => `${n.field!.abbrev}=${String(n.value)}@${n.src}:${n.offset}+${n.length}`);
  it.each(withKeys)('%s: learned keys and their origins at the bytes that taught them, and the detached node unchanged', name => {
    const keys = parseKeysFile(readFileSync(join(dir, name.replace(/\.pcapng$/, '.keys.json')), 'utf8'), name);
    const s1 = new Session(), s2 = new Session();
    attachKeys(s1, keys); attachKeys(s2, keys);
    s1.retain = s2.retain = false;
    try {
      for (const f of readCaptureSync(join(dir, name))) {
        const full = dissectFrame(f, s1), fast = dissectFrame(f, s2, want);
        expect(place(fast)).toEqual(place(full));
        // Dissectors set labels and lengths on nodes the fast path does not keep: none of it stays.
        expect({ ...DETACHED }).toEqual(fresh);
      }
    } catch (e) { if (!(e instanceof CaptureFileError)) throw e; }
  });
  it('kx-busy teaches keys in the fast path at the offsets of their extensions', () => {
    const s = new Session();
    attachKeys(s, parseKeysFile(readFileSync(join(dir, 'kx-busy.keys.json'), 'utf8'), 'kx-busy'));
    let learned = 0;
    for (const f of readCaptureSync(join(dir, 'kx-busy.pcapng'))) {
      const p = dissectFrame(f, s, want);
      for (const n of p.all) if (n.field === KX.learnedSpi) { learned++; expect(n.offset).toBeGreaterThan(0); expect(n.length).toBeGreaterThan(0); }
    }
    expect(learned).toBeGreaterThan(10);
  });
});
