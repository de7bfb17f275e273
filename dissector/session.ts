// State that crosses packets (DESIGN.md principle 6). Filled in one forward pass and indexed
// by frame number, so that dissecting frame N again later (the TUI, a second pass) gives the
// same tree as the streaming pass did.
import type { Prefs } from './prefs.js';
import { FRAGMENT_TIMEOUT_SECONDS, MAX_FRAGMENTS_PER_DATAGRAM, MAX_PENDING_DATAGRAMS, MAX_PENDING_FRAGMENT_BYTES } from './limits.js';
import { defaultPrefs } from './prefs.js';
import { TransactionTable } from './mip/transactions.js';

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
  /** Received byte ranges, sorted and merged: [start, end) pairs. */
  covered: number[];
  bytes: number;
  /** Capture time (seconds) of the first fragment. */
  firstSec: number;
}

/** A reassembly limit reached by a fragment (named as in limits.ts), for an expert item. */
export interface FragmentLimit { limit: string; message: string }

/** Adds [s, e) to a sorted list of merged ranges; O(log n + merged ranges). */
function cover(r: number[], s: number, e: number): void {
  let lo = 0, hi = r.length / 2;
  while (lo < hi) { const m = (lo + hi) >> 1; if (r[m * 2 + 1]! < s) lo = m + 1; else hi = m; }
  let j = lo;
  while (j < r.length / 2 && r[j * 2]! <= e) { s = Math.min(s, r[j * 2]!); e = Math.max(e, r[j * 2 + 1]!); j++; }
  r.splice(lo * 2, (j - lo) * 2, s, e);
}

export class Session {
  readonly prefs: Prefs;
  /** Highest frame number dissected so far in the forward pass. */
  lastVisited = 0;
  firstTs: { sec: number; nsec: number } | null = null;
  /** Timestamp of the frame before each frame (indexed by frame number), in flat typed arrays. */
  private prevSec = new Float64Array(1024);
  private prevNsec = new Float64Array(1024);
  private hasLast = false;
  private lastSec = 0;
  private lastNsec = 0;
  /** The frame whose previous timestamp is held when frames are not retained. */
  private prevNo = 0;

  // IPv4 reassembly
  private readonly pending = new Map<string, PendingDatagram>();
  private pendingBytes = 0;
  readonly reassembled = new Map<number, Reassembly>();
  readonly reassembledIn = new Map<number, number>();
  /** Reassembly limits reached, by frame (kept so that dissecting a frame again shows them). */
  private readonly fragmentLimits = new Map<number, FragmentLimit[]>();
  private lastLimits: { frame: number; limits: FragmentLimit[] } | null = null;

  /** Registration transactions: requests, relays and replies paired once (dissector/mip/transactions.ts). */
  readonly transactions = new TransactionTable();

  /**
   * Keep per-frame results for dissecting frames again (-2, the TUI, reports that show trees).
   * A single streaming pass turns it off, so memory stays flat over a long capture.
   */
  get retain(): boolean { return this.transactions.retain; }
  set retain(on: boolean) { this.transactions.retain = on; }

  /**
   * Registration tracking off: the message hooks of request↔reply matching and of bindings do
   * nothing. Only for a pass whose output reads nothing they make (cli/tracking-free.ts decides,
   * and falls back to a session with tracking on at the first packet that could depend on it).
   */
  skipTracking = false;

  /** Per-protocol state, keyed by protocol (kept explicit and typed by the modules that own it). */
  readonly ext = new Map<string, unknown>();

  constructor(prefs: Prefs = defaultPrefs) {
    this.prefs = prefs;
  }

  /** True when frame `no` was already seen by the forward pass: use stored results, change nothing. */
  visited(no: number): boolean { return no <= this.lastVisited; }

  /** Records frame timing in the forward pass; returns the previous frame's timestamp. */
  noteTime(no: number, sec: number, nsec: number): { first: { sec: number; nsec: number }; prev: { sec: number; nsec: number } } {
    this.recordTime(no, sec, nsec);
    return { first: this.firstTs ?? { sec, nsec }, prev: this.prevTs(no) ?? { sec, nsec } };
  }

  /** noteTime without its answer (read firstTs and prevTs when needed). */
  recordTime(no: number, sec: number, nsec: number): void {
    if (this.visited(no)) return;
    this.firstTs ??= { sec, nsec };
    // A single streaming pass keeps only the latest frame's (flat memory); else one per frame.
    const at = this.retain ? no : 0;
    if (at >= this.prevSec.length) this.grow(at);
    this.prevSec[at] = this.hasLast ? this.lastSec : sec;
    this.prevNsec[at] = this.hasLast ? this.lastNsec : nsec;
    this.prevNo = no;
    this.hasLast = true;
    this.lastSec = sec; this.lastNsec = nsec;
  }

  /** The timestamp of the frame before frame `no`, once the forward pass has seen it. */
  prevTs(no: number): { sec: number; nsec: number } | undefined {
    if (no > this.lastVisited + 1) return undefined;
    const at = this.retain ? no : no === this.prevNo ? 0 : -1;
    if (at < 0 || at >= this.prevSec.length) return undefined;
    return { sec: this.prevSec[at]!, nsec: this.prevNsec[at]! };
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
   * the datagram. Each arrival costs O(log n) plus the ranges it merges; the datagram is put
   * together once, in offset order (overlapping bytes: the higher offset's win). Limits
   * reached (limits.ts) are listed in fragmentLimits for this frame.
   */
  addFragment(key: string, frame: number, offset: number, more: boolean, data: Uint8Array, sec = 0): Reassembly | null {
    const limits: FragmentLimit[] = [];
    const giveUp = (k: string, d: PendingDatagram) => { this.pending.delete(k); this.pendingBytes -= d.bytes; };
    // Map order is arrival order of each datagram's first fragment: the oldest come first.
    for (const [k, d] of this.pending) {
      if (sec - d.firstSec <= FRAGMENT_TIMEOUT_SECONDS) break;
      giveUp(k, d);
    }
    let d = this.pending.get(key);
    if (!d) {
      while (this.pending.size >= MAX_PENDING_DATAGRAMS) {
        const [k, old] = this.pending.entries().next().value!;
        giveUp(k, old);
        limits.push({ limit: 'MAX_PENDING_DATAGRAMS', message: `IPv4 reassembly: more than ${MAX_PENDING_DATAGRAMS} incomplete datagrams (MAX_PENDING_DATAGRAMS); the oldest, from frame ${old.parts[0]?.frame}, is given up` });
      }
      d = { parts: [], totalLength: -1, covered: [], bytes: 0, firstSec: sec };
      this.pending.set(key, d);
    }
    if (d.parts.length >= MAX_FRAGMENTS_PER_DATAGRAM) {
      giveUp(key, d);
      limits.push({ limit: 'MAX_FRAGMENTS_PER_DATAGRAM', message: `IPv4 reassembly: more than ${MAX_FRAGMENTS_PER_DATAGRAM} fragments for one datagram (MAX_FRAGMENTS_PER_DATAGRAM); the datagram is given up` });
      this.noteLimits(frame, limits);
      return null;
    }
    d.parts.push({ frame, offset, data: data.slice() });
    d.bytes += data.length;
    this.pendingBytes += data.length;
    if (data.length > 0) cover(d.covered, offset, offset + data.length);
    if (!more) d.totalLength = offset + data.length;
    while (this.pendingBytes > MAX_PENDING_FRAGMENT_BYTES) {
      const [k, old] = this.pending.entries().next().value!;
      giveUp(k, old);
      limits.push({ limit: 'MAX_PENDING_FRAGMENT_BYTES', message: `IPv4 reassembly: incomplete datagrams hold more than ${MAX_PENDING_FRAGMENT_BYTES} bytes (MAX_PENDING_FRAGMENT_BYTES); the oldest, from frame ${old.parts[0]?.frame}, is given up` });
    }
    this.noteLimits(frame, limits);
    if (d.totalLength < 0 || !this.pending.has(key)) return null;
    if (d.covered[0] !== 0 || d.covered[1]! < d.totalLength) return null; // a hole
    const parts = d.parts.sort((a, b) => a.offset - b.offset); // stable: at one offset, later arrivals last
    const out = new Uint8Array(d.totalLength);
    const r: Reassembly = { data: out, frames: [], parts: [] };
    for (const p of parts) {
      const len = Math.max(0, Math.min(p.data.length, d.totalLength - p.offset));
      if (len > 0) out.set(p.data.subarray(0, len), p.offset);
      r.frames.push(p.frame);
      r.parts.push([p.frame, p.offset, len]);
    }
    giveUp(key, d);
    // A single streaming pass never dissects a frame again: nothing to remember.
    if (this.retain) {
      this.reassembled.set(frame, r);
      for (const f of r.frames) this.reassembledIn.set(f, frame);
    }
    return r;
  }

  private noteLimits(frame: number, limits: FragmentLimit[]): void {
    if (limits.length === 0) return;
    if (this.retain) this.fragmentLimits.set(frame, limits);
    else this.lastLimits = { frame, limits };
  }

  /** The reassembly limits frame `no` reached (see addFragment). */
  fragmentLimitsOf(no: number): readonly FragmentLimit[] {
    if (this.lastLimits?.frame === no) return this.lastLimits.limits;
    return this.fragmentLimits.get(no) ?? [];
  }
}
