// State that crosses packets (DESIGN.md principle 6). Filled in one forward pass and indexed
// by frame number, so that dissecting frame N again later (the TUI, a second pass) gives the
// same tree as the streaming pass did.
import type { Prefs } from './prefs.js';
import { defaultPrefs } from './prefs.js';

export interface Reassembly {
  data: Uint8Array;
  /** Frame numbers of the fragments, in offset order. */
  frames: number[];
  /** Per fragment: [frame, offset in reassembled data, length]. */
  parts: Array<[number, number, number]>;
}

interface PendingDatagram {
  parts: Array<{ frame: number; offset: number; data: Uint8Array }>;
  totalLength: number; // -1 until the last fragment is seen
}

export class Session {
  readonly prefs: Prefs;
  /** Highest frame number dissected so far in the forward pass. */
  lastVisited = 0;
  firstTs: { sec: number; nsec: number } | null = null;
  /** Timestamp of the frame before each frame (indexed by frame number), in flat typed arrays. */
  private prevSec = new Float64Array(1024);
  private prevNsec = new Float64Array(1024);
  private lastTs: { sec: number; nsec: number } | null = null;

  // IPv4 reassembly
  private readonly pending = new Map<string, PendingDatagram>();
  readonly reassembled = new Map<number, Reassembly>();
  readonly reassembledIn = new Map<number, number>();

  /**
   * Keep per-frame results for dissecting frames again (-2, the TUI, reports that show trees).
   * A single streaming pass turns it off, so memory stays flat over a long capture.
   */
  retain = true;

  /** Per-protocol state, keyed by protocol (kept explicit and typed by the modules that own it). */
  readonly ext = new Map<string, unknown>();

  constructor(prefs: Prefs = defaultPrefs) {
    this.prefs = prefs;
  }

  /** True when frame `no` was already seen by the forward pass: use stored results, change nothing. */
  visited(no: number): boolean { return no <= this.lastVisited; }

  /** Records frame timing in the forward pass; returns the previous frame's timestamp. */
  noteTime(no: number, sec: number, nsec: number): { first: { sec: number; nsec: number }; prev: { sec: number; nsec: number } } {
    if (!this.visited(no)) {
      const now = { sec, nsec };
      this.firstTs ??= now;
      if (no >= this.prevSec.length) this.grow(no);
      const prev = this.lastTs ?? now;
      this.prevSec[no] = prev.sec;
      this.prevNsec[no] = prev.nsec;
      this.lastTs = now;
    }
    return { first: this.firstTs ?? { sec, nsec }, prev: this.prevTs(no) ?? { sec, nsec } };
  }

  /** The timestamp of the frame before frame `no`, once the forward pass has seen it. */
  prevTs(no: number): { sec: number; nsec: number } | undefined {
    if (no > this.lastVisited + 1 || no >= this.prevSec.length) return undefined;
    return { sec: this.prevSec[no]!, nsec: this.prevNsec[no]! };
  }

  private grow(no: number): void {
    let n = this.prevSec.length;
    while (n <= no) n *= 2;
    const s = new Float64Array(n), ns = new Float64Array(n);
    s.set(this.prevSec); ns.set(this.prevNsec);
    this.prevSec = s; this.prevNsec = ns;
  }

  finishFrame(no: number): void {
    if (no > this.lastVisited) this.lastVisited = no;
  }

  /**
   * Adds an IPv4 fragment (forward pass only). Returns the reassembly when this frame completes
   * the datagram.
   */
  addFragment(key: string, frame: number, offset: number, more: boolean, data: Uint8Array): Reassembly | null {
    let d = this.pending.get(key);
    if (!d) { d = { parts: [], totalLength: -1 }; this.pending.set(key, d); }
    d.parts.push({ frame, offset, data: data.slice() });
    if (!more) d.totalLength = offset + data.length;
    if (d.totalLength < 0) return null;
    const parts = [...d.parts].sort((a, b) => a.offset - b.offset);
    let covered = 0;
    for (const p of parts) {
      if (p.offset > covered) return null; // a hole
      covered = Math.max(covered, p.offset + p.data.length);
    }
    if (covered < d.totalLength) return null;
    const out = new Uint8Array(d.totalLength);
    const r: Reassembly = { data: out, frames: [], parts: [] };
    for (const p of parts) {
      const len = Math.min(p.data.length, d.totalLength - p.offset);
      out.set(p.data.subarray(0, len), p.offset);
      r.frames.push(p.frame);
      r.parts.push([p.frame, p.offset, len]);
    }
    this.pending.delete(key);
    this.reassembled.set(frame, r);
    for (const f of r.frames) this.reassembledIn.set(f, frame);
    return r;
  }
}
