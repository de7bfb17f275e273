// The fast path for simple frames (cli/simple-frames.ts) makes the packet the dissectors make:
// every node (field, value as -T fields prints it, generated/hidden, bytes), the columns and
// the layers, over every sample capture, the benchmark corpus and damaged copies of them; and
// it takes no frame the dissectors would say anything about.
import { describe, expect, it } from 'vitest';
import type { Frame } from '../../capture/frame.js';
import { SimpleFrames } from '../../cli/simple-frames.js';
import { independentOfTracking } from '../../cli/tracking-free.js';
import { allFields, dissectFrame, fieldByAbbrev, Session } from '../../dissector/index.js';
import type { Packet } from '../../dissector/index.js';
import { extractedValue } from '../../dissector/output/view.js';
import { benchFrames } from '../../bench/corpus.js';
import { standardFrames } from '../../samples/standard.js';
import { toFrames } from '../helpers.js';
import { damaged, edges, frameSets } from './frame-sets.js';

const view = (pkt: Packet) => ({
  nodes: pkt.all.map(n => [n.field?.abbrev, n.expert ? 'expert' : extractedValue(n), n.generated, n.hidden, n.offset, n.length, n.src].join('|')),
  columns: [pkt.src, pkt.dst, pkt.protocol, pkt.info, pkt.layers.join(':')],
});

/** Both paths over the frames with `want`; the number of frames the fast path took. */
function compare(frames: readonly Frame[], want: Uint8Array, label: string): number {
  const fresh = () => { const s = new Session(); s.retain = false; s.skipTracking = true; return s; };
  let full = fresh(), fast = fresh();
  const simple = new SimpleFrames(fast.prefs);
  let taken = 0;
  for (const f of frames) {
    const a = dissectFrame(f, full, want);
    // A tracking-free pass ends at the first packet that could depend on tracking (a KX packet
    // may teach a key): the fast path is not used after it. Here both start again after it.
    if (!independentOfTracking(a)) { full = fresh(); fast = fresh(); continue; }
    const b = simple.dissect(f, fast, want);
    if (b === null) { dissectFrame(f, fast, want); continue; }
    taken++;
    expect(view(b), `${label} frame ${f.no}`).toEqual(view(a));
  }
  return taken;
}

const every = new Uint8Array(allFields().length).fill(1);
const none = new Uint8Array(allFields().length);
const some = new Uint8Array(allFields().length);
for (const n of ['frame.number', 'ip.src', 'mip.type', 'mip.auth.spi', 'mip.nai', 'frame.time_delta']) some[fieldByAbbrev(n)!.id] = 1;

describe('simple frames', () => {
  const sets = frameSets();

  for (const [name, want] of [['every field', every], ['no field', none], ['five fields and a time', some]] as const) {
    it(`gives the dissectors' packet, keeping ${name}`, () => {
      let taken = 0;
      for (const [label, frames] of sets) taken += compare(frames, want, label);
      expect(taken).toBeGreaterThan(3500);
    });
  }

  it('takes the simple ones among the edge cases and leaves the others', () => {
    const frames = edges();
    const s = new Session();
    s.skipTracking = true;
    const simple = new SimpleFrames(s.prefs);
    const taken = frames.map(f => simple.dissect(f, s, every) !== null);
    // Plain request and reply, without extensions, code 131; authentication of 4 bytes and more.
    expect(taken.slice(0, 11)).toEqual([true, true, true, true, true, false, false, false, true, true, true]);
    expect(taken.filter(Boolean).length).toBeGreaterThan(15);
    expect(taken.filter(x => !x).length).toBeGreaterThan(15);
  });

  it('takes only what the dissectors raise nothing about, over damaged frames', () => {
    const base = [...toFrames(benchFrames(500)), ...toFrames(standardFrames())];
    const frames = damaged(base, 20261203, 4000);
    const taken = compare(frames, every, 'damaged');
    // Many damaged copies are still simple (a changed address or authenticator), many are not.
    expect(taken).toBeGreaterThan(400);
    expect(taken).toBeLessThan(3600);
    expect(compare(frames, none, 'damaged')).toBe(taken);
  });

  it('leaves out frames the preferences make different: checksums checked, another port', () => {
    const frames = toFrames(benchFrames(200));
    const s = new Session({ ...new Session().prefs, 'udp.check_checksum': true });
    expect(new SimpleFrames(s.prefs).usable).toBe(false);
    const moved = new Session({ ...new Session().prefs, 'mip.udp.port': 4340 });
    moved.skipTracking = true;
    const simple = new SimpleFrames(moved.prefs);
    expect(frames.filter(f => simple.dissect(f, moved, every) !== null)).toHaveLength(0);
  });
});
