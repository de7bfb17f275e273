// Seeded random mutations of valid KX messages (the flows and the published vectors): every
// mutated capture dissects completely with the user's keys — anomalies become expert items,
// never an exception out of dissectFrame and never a "dissector bug".
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaptureSync } from '../../capture/read.js';
import type { Frame } from '../../capture/frame.js';
import { udpFrame } from '../../dissector/build.js';
import { dissectFrame, Session } from '../../dissector/index.js';
import { attachKeys, loadKeysFile, parseKeysFile } from '../../dissector/keys/index.js';
import type { KeysFile } from '../../dissector/keys/index.js';
import { prng, toFrames, VECTORS } from '../helpers.js';
import { aaaFlow, dhFlow, negotiationFlow, seedFlow, statefulFlow } from './flows.js';

interface Base { name: string; frames: Frame[]; keys: KeysFile }
interface Carrier { src: number; dst: number; sport: number; dport: number; payload: Uint8Array }


function bases(): Base[] {
  const out: Base[] = [];
  const flows = [['stateful', statefulFlow()], ['AAA', aaaFlow()], ['negotiation', negotiationFlow()],
    ['DH', dhFlow([{ group: 1, xi: 0x99n, xr: 0x77n, spi: 0x7101, transformId: 1, known: 'initiator' }], [16], ['hmac-md5'])],
    ['seed', seedFlow(4, [{ type: 1, value: 256 }, { type: 4, value: 3 }], 32, 3, 'hmac-sha256')]] as const;
  for (const [name, f] of flows) out.push({ name, frames: toFrames(f.frames), keys: parseKeysFile(f.keys, 'k.json') });
  for (const v of ['kx-stateful', 'kx-negotiation', 'kx-dh', 'kx-seed']) {
    out.push({ name: v, frames: [...readCaptureSync(join(VECTORS, `${v}.pcap`))], keys: loadKeysFile(join(VECTORS, `${v}.keys.json`)) });
  }
  return out;
}

/** The Mobile IP payload of each frame and how it was carried, so a mutated payload can be re-wrapped. */
function carriers(b: Base): Array<Carrier | null> {
  const s = new Session();
  return b.frames.map(f => {
    const p = dissectFrame(f, s);
    const mip = p.tree.find(n => n.field?.abbrev === 'mip');
    const u = p.udp[0];
    if (!mip || !u?.ip) return null;
    return { src: u.ip.src, dst: u.ip.dst, sport: u.srcPort, dport: u.dstPort, payload: f.data.slice(mip.offset, mip.offset + mip.length) };
  });
}

function mutate(r: () => number, b: Uint8Array): Uint8Array {
  const int = (n: number) => Math.floor(r() * n);
  let out = b.slice();
  const rounds = 1 + int(3);
  for (let k = 0; k < rounds; k++) {
    const at = int(out.length);
    switch (int(7)) {
      case 0: out[at]! ^= 1 << int(8); break;
      case 1: out[at] = [0, 0xff, 0x80, 0x7f, 1][int(5)]!; break;
      case 2: out = out.slice(0, at); break;
      case 3: { const ins = Uint8Array.from({ length: 1 + int(8) }, () => int(256)); const n = new Uint8Array(out.length + ins.length); n.set(out.subarray(0, at)); n.set(ins, at); n.set(out.subarray(at), at + ins.length); out = n; break; }
      case 4: if (at + 1 < out.length) { out[at] = int(256); out[at + 1] = int(256); } break; // a 16-bit length or type/sub-type pair
      case 5: { const len = int(24); const n = new Uint8Array(out.length + len); n.set(out.subarray(0, at)); n.set(out.subarray(at, at + len), at); n.set(out.subarray(at), at + Math.min(len, out.length - at)); out = n.subarray(0, out.length + Math.min(len, out.length - at)); break; }
      default: out[at] = int(256);
    }
    if (out.length === 0) break;
  }
  return out;
}

describe('fuzzing the KX parsers (seeded)', () => {
  it('mutated KX captures dissect to expert items, never an exception', () => {
    const r = prng(0x5eed);
    const all = bases();
    const seen = new Map<string, number>();
    let captures = 0, frames = 0;
    for (const b of all) {
      const carried = carriers(b);
      const targets = carried.map((c, i) => (c ? i : -1)).filter(i => i >= 0);
      expect(targets.length).toBeGreaterThan(0);
      for (let iter = 0; iter < 60; iter++) {
        const list = b.frames.map(f => ({ ...f }));
        for (let m = 0; m < 1 + Math.floor(r() * 3); m++) {
          const i = targets[Math.floor(r() * targets.length)]!;
          const c = carried[i]!;
          const payload = mutate(r, c.payload);
          const w = udpFrame({ src: c.src, dst: c.dst, sport: c.sport, dport: c.dport, payload });
          list[i] = { ...list[i]!, linktype: w.linktype, data: w.data, caplen: w.data.length, len: w.data.length };
        }
        const session = new Session();
        attachKeys(session, b.keys);
        for (const f of list) {
          // dissectFrame catches what a dissector throws and reports it as _ws.dissector_bug.
          const pkt = dissectFrame(f, session);
          for (const e of pkt!.experts) seen.set(e.expert!.abbrev, (seen.get(e.expert!.abbrev) ?? 0) + 1);
          const bugs = pkt!.experts.filter(e => e.expert!.abbrev === '_ws.dissector_bug').map(e => e.text);
          expect(bugs, `${b.name} iteration ${iter} frame ${f.no}`).toEqual([]);
          frames++;
        }
        captures++;
      }
    }
    // The mutations reach the KX checks, not only the outer layers.
    const kx = [...seen.keys()].filter(k => k.startsWith('mip.kx.') || k === 'mip.auth.bad');
    console.log(`fuzz: ${captures} mutated captures, ${frames} frames, ${seen.size} distinct expert items (${kx.length} KX)`);
    for (const k of ['mip.kx.decrypt.failed', 'mip.auth.bad', 'mip.kx.pl.len.bad', 'mip.kx.prop.ntrans.bad', 'mip.kx.gp.content.unknown']) expect(seen.get(k) ?? 0, k).toBeGreaterThan(0);
    expect(kx.length).toBeGreaterThan(15);
  });
});
