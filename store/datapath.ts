// Bindings across files: a ring buffer is one capture to the user, so the data path (the
// session's binding table, dissector/bindings.ts) carries on from one file into the next. Each
// capture's analysis logs what its binding table was fed — requests, accepting replies, tunnelled
// datagrams — and the replies that answered nothing in the file; the log is stored with the
// capture (`data_path`, kind `events`). After the files are in the store, the logs of the files of
// one ring buffer are replayed in time order through one binding table, carried from file to file
// (its state at each file's end is stored too, kind `state`), and the `bindings` rows of the
// files replayed, and of the bindings carried into them, are written again: the same rows as the
// unsplit capture gives. A reply in a later file answers a request of an earlier one by the
// linking rule of registrations (store/link.ts). Files continue each other when the next one
// starts after the previous one ended, within LINK_WINDOW_US.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { ipv4String } from '../dissector/format.js';
import { BindingTable, encapsulationRequested } from '../dissector/bindings.js';
import type { Binding, BindingTableState } from '../dissector/bindings.js';
import type { Packet } from '../dissector/packet.js';
import type { Tunnel } from '../dissector/tunnels.js';
import type { Backend, OpenRequest, LooseReply } from './backend.js';
import { LINK_WINDOW_US, pairAcross } from './link.js';
import { isGroupAddress, RELAY_WINDOW } from '../dissector/mip/transactions.js';
import type { Row } from './schema.js';

const EV_REQUEST = 1, EV_ACCEPT = 2, EV_TUNNEL = 3, EV_LOOSE = 4, EV_NOTED = 5, EV_OPEN = 6;
const TUNNEL_KINDS: readonly Tunnel['kind'][] = ['ipip', 'minenc', 'gre'];
/** Presence bits of optional fields (requests and loose replies). */
const HAS_SRC = 1, HAS_DST = 2, HAS_IDENT = 4, HAS_HOME = 8, HAS_HA = 16, HAS_COA = 32, HAS_CODE = 64, ACCEPTED = 128;
/** Words per stored part at most (a part is one row's text: at most about 700 kB of base64). */
const PART_WORDS = 1 << 17;

const u32 = (v: number | undefined) => (v === undefined ? 0 : v >>> 0);

/** Seconds (with fraction, as the data path keeps them) to microseconds since the epoch. */
const secondsToMicros = (s: number) => Math.round(s * 1e6);

/** A binding's row (schema.ts `bindings`). */
export function bindingRow(capture: bigint, requestCapture: bigint, b: Binding): Row {
  return [capture, b.frame, requestCapture, b.requestFrame, secondsToMicros(b.start), ipv4String(b.homeAddr), ipv4String(b.coa), ipv4String(b.haAddr),
    b.lifetime, secondsToMicros(b.expires), b.ended !== undefined && b.ended < b.expires ? secondsToMicros(b.ended) : null,
    encapsulationRequested(b), b.t ? 1 : 0, b.toMn.packets, b.toMn.bytes, b.fromMn.packets, b.fromMn.bytes];
}

/** What a capture's binding table was fed, as u32 words, in the order it was fed (frames, times and transactions as differences). */
export class DataPathLog {
  private w = new Uint32Array(4096);
  private n = 0;

  /** Frame and time of the previous event: each event stores its own as differences (small numbers deflate well). */
  private frame = 0;
  private sec = 0;
  private nsec = 0;

  private stamp(o: number, frame: number, sec: number, nsec: number): void {
    const w = this.w;
    w[o + 1] = (frame - this.frame) >>> 0; w[o + 2] = (sec - this.sec) >>> 0; w[o + 3] = (nsec - this.nsec) >>> 0;
    this.frame = frame; this.sec = sec; this.nsec = nsec;
  }

  private room(k: number): Uint32Array {
    if (this.n + k > this.w.length) { const g = new Uint32Array(Math.max(this.w.length * 2, this.n + k)); g.set(this.w.subarray(0, this.n)); this.w = g; }
    return this.w;
  }

  /** A Registration Request placed in transaction `txId` (its first frame): what the binding table notes of it. */
  noted(frame: number, sec: number, nsec: number, txId: number, flags: number, txHome: number): void {
    const w = this.room(7), o = this.n;
    w[o] = EV_NOTED; this.stamp(o, frame, sec, nsec); w[o + 4] = (frame - txId) >>> 0; w[o + 5] = flags & 0xff; w[o + 6] = txHome;
    this.n += 7;
  }

  /**
   * The same with the request's own addresses: the first request of a transaction early in the
   * file (it may carry on a request of the file before), and at the end the requests still open
   * (`open`: a later file's reply may answer them; `accepted`: their transaction was accepted).
   */
  request(frame: number, sec: number, nsec: number, txId: number, flags: number, txHome: number, txHa: number, txCoa: number,
    src: number | undefined, dst: number | undefined, ident: bigint | undefined, home: number | undefined, ha: number | undefined, coa: number | undefined,
    open = false, accepted = false): void {
    const w = this.room(15), o = this.n;
    const mask = (src !== undefined ? HAS_SRC : 0) | (dst !== undefined ? HAS_DST : 0) | (ident !== undefined ? HAS_IDENT : 0)
      | (home !== undefined ? HAS_HOME : 0) | (ha !== undefined ? HAS_HA : 0) | (coa !== undefined ? HAS_COA : 0) | (accepted ? ACCEPTED : 0);
    w[o] = (open ? EV_OPEN : EV_REQUEST) | (mask << 8); this.stamp(o, frame, sec, nsec); w[o + 4] = (frame - txId) >>> 0; w[o + 5] = flags & 0xff;
    w[o + 6] = txHome; w[o + 7] = txHa; w[o + 8] = txCoa; w[o + 9] = u32(src); w[o + 10] = u32(dst);
    w[o + 11] = ident === undefined ? 0 : Number(ident & 0xffffffffn); w[o + 12] = u32(home); w[o + 13] = u32(ha); w[o + 14] = u32(coa);
    this.n += 15;
  }

  /** An accepting reply of transaction `txId` that the binding table took (as bindings.ts's hook feeds it). */
  accept(frame: number, sec: number, nsec: number, txId: number, home: number, ha: number, coa: number, lifetime: number): void {
    const w = this.room(9), o = this.n;
    w[o] = EV_ACCEPT; this.stamp(o, frame, sec, nsec); w[o + 4] = (frame - txId) >>> 0; w[o + 5] = home; w[o + 6] = ha; w[o + 7] = coa; w[o + 8] = lifetime;
    this.n += 9;
  }

  tunnel(frame: number, sec: number, nsec: number, t: Tunnel): void {
    const w = this.room(9), o = this.n;
    w[o] = EV_TUNNEL | (TUNNEL_KINDS.indexOf(t.kind) << 8); this.stamp(o, frame, sec, nsec);
    w[o + 4] = t.innerSrc; w[o + 5] = t.innerDst; w[o + 6] = t.outerSrc; w[o + 7] = t.outerDst; w[o + 8] = t.bytes;
    this.n += 9;
  }

  /** A Registration Reply that answers nothing in this file (it may answer an earlier one). */
  loose(frame: number, sec: number, nsec: number, src: number | undefined, dst: number | undefined, ident: bigint | undefined,
    home: number | undefined, ha: number | undefined, code: number | undefined, lifetime: number): void {
    const w = this.room(11), o = this.n;
    const mask = (src !== undefined ? HAS_SRC : 0) | (dst !== undefined ? HAS_DST : 0) | (ident !== undefined ? HAS_IDENT : 0)
      | (home !== undefined ? HAS_HOME : 0) | (ha !== undefined ? HAS_HA : 0) | (code !== undefined ? HAS_CODE : 0);
    w[o] = EV_LOOSE | (mask << 8); this.stamp(o, frame, sec, nsec); w[o + 4] = u32(src); w[o + 5] = u32(dst);
    w[o + 6] = ident === undefined ? 0 : Number(ident & 0xffffffffn); w[o + 7] = u32(home); w[o + 8] = u32(ha); w[o + 9] = u32(code); w[o + 10] = lifetime;
    this.n += 11;
  }

  /** The words logged since the last call, as base64 parts (none when nothing was logged). */
  take(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.n; i += PART_WORDS) {
      const part = this.w.subarray(i, Math.min(this.n, i + PART_WORDS));
      // Deflated (level 1): addresses and times repeat, a log shrinks to about a quarter.
      out.push(deflateRawSync(Buffer.from(part.buffer, part.byteOffset, part.byteLength), { level: 1 }).toString('base64'));
    }
    this.n = 0;
    if (this.w.length > 1 << 16) this.w = new Uint32Array(4096);
    return out;
  }
}

function decode(parts: readonly string[]): Uint32Array[] {
  return parts.filter(p => p.length).map(p => {
    const b = inflateRawSync(Buffer.from(p, 'base64'));
    const a = new Uint32Array(b.length >>> 2);
    new Uint8Array(a.buffer).set(b.subarray(0, a.length * 4));
    return a;
  });
}

/** Numbers (exact in a double) as base64 of their deflated differences. */
function pack(xs: readonly number[]): string {
  const d = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) d[i] = xs[i]! - (i ? xs[i - 1]! : 0);
  return deflateRawSync(Buffer.from(d.buffer), { level: 1 }).toString('base64');
}

function unpack(s: string): number[] {
  const b = new Uint8Array(inflateRawSync(Buffer.from(s, 'base64')));
  const d = new Float64Array(b.buffer, 0, b.length >>> 3), out = new Array<number>(d.length);
  for (let i = 0; i < d.length; i++) out[i] = d[i]! + (i ? out[i - 1]! : 0);
  return out;
}

/** A request of an earlier file still open for a reply in a later one. */
interface OpenHop {
  key: number; capture: string; captureTime: number; frame: number; time: number;
  /** The transaction: its first frame and capture (an earlier one's for a copy relayed across files), and whether a reply accepted it. */
  txId: number; txCapture: string; accepted: boolean;
  src: number; dst: number;
  txHome: number; txHa: number; txCoa: number;
  source: string | null; destination: string | null; ident: string | null; homeAddress: string | null; homeAgent: string | null; careOfAddress: string | null;
}

/** The binding state carried from one file into the next (JSON). */
interface CarriedState {
  /** The table, its long lists of numbers packed (`packed`). */
  table: BindingTableState;
  packed?: { homes: string; made: string; flagIds: string; flagSeqs: string; flagKeys: string; flagValues: string };
  /** Per binding of the table (in byHome order): its capture and its request's capture. */
  owners: Array<[string, string]>;
  open: OpenHop[];
}

/**
 * A number naming a transaction over the files of a ring buffer: its first frame, and 21 bits of
 * its capture's id (captures replayed together are a handful: a collision needs two of them with
 * the same 21 bits and a transaction open across them).
 */
const txKey = (capture: bigint, txId: number) => Number(capture & 0x1fffffn) * 4294967296 + txId;

/** Frames of a replay make no expert items: the tree was made at analysis. */
function packetAt(no: number): Packet { return { no, addExpert: () => undefined } as unknown as Packet; }

const ip = (mask: number, bit: number, v: number) => ((mask & bit) !== 0 ? ipv4String(v) : null);

/** One binding table carried through the logs of consecutive captures. */
export class Replay {
  readonly table: BindingTable;
  /** Each binding's capture and request capture. */
  private readonly owners = new Map<Binding, [bigint, bigint]>();
  /** Bindings that came in with the state (rows of earlier captures that may change). */
  readonly carriedIn: Binding[] = [];
  /** Bindings made during the replay, in order. */
  readonly made: Binding[] = [];
  private open: OpenHop[];
  /** The capture being replayed, and the capture of the request of the reply being replayed. */
  private current = 0n;
  private requestCapture = 0n;

  constructor(state: CarriedState | null) {
    const p = state?.packed;
    if (state && p) {
      const keys = unpack(p.flagKeys), values = unpack(p.flagValues);
      state.table = { ...state.table, homes: unpack(p.homes), made: unpack(p.made), flagIds: unpack(p.flagIds), flagSeqs: unpack(p.flagSeqs), flags: keys.map((k, i) => [k, values[i]!]) };
    }
    this.table = state ? BindingTable.restore(state.table) : (() => { const t = new BindingTable(); t.retain = false; return t; })();
    this.table.onBinding(b => { this.owners.set(b, [this.current, this.requestCapture]); this.made.push(b); });
    this.open = state?.open ?? [];
    if (state) {
      let i = 0;
      for (const [, list] of state.table.byHome) for (const b of list) {
        const [c, r] = state.owners[i++]!;
        this.owners.set(b, [BigInt(c), BigInt(r)]);
        this.carriedIn.push(b);
      }
    }
  }

  /** Replays one capture's log (its id and first time). */
  capture(id: bigint, firstTime: number, parts: readonly string[]): void {
    const t = this.table, cap = String(id);
    /** This capture's transactions that carry on one of an earlier capture (a copy relayed or sent again across the files). */
    const alias = new Map<number, OpenHop>();
    let last = firstTime, prevFrame = 0, prevSec = 0, prevNsec = 0;
    this.current = id;
    for (const w of decode(parts)) {
      for (let o = 0; o < w.length;) {
        const head = w[o]!, kind = head & 0xff, mask = head >>> 8;
        const frame = prevFrame = (prevFrame + w[o + 1]!) >>> 0, sec = prevSec = (prevSec + w[o + 2]!) >>> 0, nsec = prevNsec = (prevNsec + w[o + 3]!) >>> 0, now = sec + nsec / 1e9, us = sec * 1e6 + Math.floor(nsec / 1000);
        if (us > last) last = us;
        this.requestCapture = id;
        if (kind === EV_NOTED) {
          const txId = (frame - w[o + 4]!) >>> 0, a = alias.get(txId);
          t.noteRequest(a ? a.key : txKey(id, txId), w[o + 5]!, a ? a.txHome : w[o + 6]!);
          o += 7;
        } else if (kind === EV_REQUEST) {
          const txId = (frame - w[o + 4]!) >>> 0, src = w[o + 9]!, dst = w[o + 10]!;
          if (frame === txId) {
            const from = this.carriesOn(id, us, mask, src, dst, w[o + 11]!, w[o + 12]!, w[o + 13]!);
            if (from) alias.set(txId, from);
          }
          const a = alias.get(txId);
          t.noteRequest(a ? a.key : txKey(id, txId), w[o + 5]!, a ? a.txHome : w[o + 6]!);
          o += 15;
        } else if (kind === EV_OPEN) {
          const txId = (frame - w[o + 4]!) >>> 0, src = w[o + 9]!, dst = w[o + 10]!, a = alias.get(txId);
          this.open.push({
            key: a ? a.key : txKey(id, txId), capture: cap, captureTime: firstTime, frame, time: us, txId: a ? a.txId : txId, txCapture: a ? a.txCapture : cap,
            accepted: (mask & ACCEPTED) !== 0 || (a?.accepted ?? false), src, dst,
            txHome: a ? a.txHome : w[o + 6]!, txHa: a ? a.txHa : w[o + 7]!, txCoa: a ? a.txCoa : w[o + 8]!,
            source: ip(mask, HAS_SRC, w[o + 9]!), destination: ip(mask, HAS_DST, w[o + 10]!), ident: mask & HAS_IDENT ? String(w[o + 11]!) : null,
            homeAddress: ip(mask, HAS_HOME, w[o + 12]!), homeAgent: ip(mask, HAS_HA, w[o + 13]!), careOfAddress: ip(mask, HAS_COA, w[o + 14]!),
          });
          o += 15;
        } else if (kind === EV_ACCEPT) {
          const txId = (frame - w[o + 4]!) >>> 0, a = alias.get(txId);
          if (a) {
            this.requestCapture = BigInt(a.txCapture);
            this.accepted(a.key);
            t.accept(packetAt(frame), a.key, a.txHome, a.txHa, a.txCoa, w[o + 8]!, a.txId, now);
          } else {
            this.accepted(txKey(id, txId));
            t.accept(packetAt(frame), txKey(id, txId), w[o + 5]!, w[o + 6]!, w[o + 7]!, w[o + 8]!, txId, now);
          }
          o += 9;
        } else if (kind === EV_TUNNEL) {
          t.matchTunnel({ kind: TUNNEL_KINDS[mask] ?? 'ipip', innerSrc: w[o + 4]!, innerDst: w[o + 5]!, outerSrc: w[o + 6]!, outerDst: w[o + 7]!, bytes: w[o + 8]!, greKey: null }, now);
          o += 9;
        } else if (kind === EV_LOOSE) {
          const code = mask & HAS_CODE ? w[o + 9]! : null;
          const h = this.answer(id, firstTime, frame, us, mask, w[o + 4]!, w[o + 5]!, w[o + 6]!, w[o + 7]!, w[o + 8]!, code);
          if (h && (code === 0 || code === 1)) {
            this.requestCapture = BigInt(h.txCapture);
            this.accepted(h.key);
            t.accept(packetAt(frame), h.key, h.txHome, h.txHa, h.txCoa, w[o + 10]!, h.txId, now);
          }
          o += 11;
        } else throw new Error(`damaged data-path log of capture ${id} (event ${kind})`);
      }
    }
    // Requests past the linking window can answer nothing more.
    this.open = this.open.filter(h => last - h.time <= LINK_WINDOW_US);
  }

  /** Open hops of a transaction an accepting reply answered: a later copy is no relay of them. */
  private accepted(key: number): void { for (const h of this.open) if (h.key === key) h.accepted = true; }

  /**
   * The open request of an earlier capture that a capture's first request of a transaction
   * carries on, as the transaction model tells (dissector/mip/transactions.ts): the same mobile
   * node and low 32 bits of the Identification, not accepted yet, sent again on the same path, or
   * relayed by the node the earlier copy was sent to within RELAY_WINDOW; the latest.
   */
  private carriesOn(id: bigint, us: number, mask: number, src: number, dst: number, ident: number, home: number, ha: number): OpenHop | undefined {
    if (!(mask & HAS_IDENT) || !(mask & HAS_SRC) || !(mask & HAS_DST)) return undefined;
    const low = String(ident), cap = String(id);
    for (let i = this.open.length - 1; i >= 0; i--) {
      const h = this.open[i]!;
      if (h.capture === cap || h.accepted || h.ident !== low || h.txHome !== home || h.txHa !== ha) continue;
      if (h.src === src && h.dst === dst) return h;
      if ((h.dst === src || (isGroupAddress(h.dst) && h.src !== src)) && us - h.time <= RELAY_WINDOW * 1e6) return h;
    }
    return undefined;
  }

  /** (capture, frame) of the bindings carried in: rows of earlier captures. */
  carried(): Array<[bigint, number]> { return this.carriedIn.map(b => [this.owners.get(b)![0], b.frame]); }

  /** The request of an earlier capture a loose reply answers (store/link.ts's rule), taken off the open ones. */
  private answer(id: bigint, firstTime: number, frame: number, us: number, mask: number, src: number, dst: number, ident: number, home: number, ha: number, code: number | null): OpenHop | undefined {
    if (!(mask & HAS_IDENT)) return undefined;
    const low = String(ident);
    const candidates = this.open.filter(h => h.ident === low && h.capture !== String(id));
    if (!candidates.length) return undefined;
    const reqs: OpenRequest[] = candidates.map(h => ({
      capture: BigInt(h.capture), frame: h.frame, time: h.time, source: h.source, destination: h.destination, identification: BigInt(h.ident!),
      homeAddress: h.homeAddress, homeAgent: h.homeAgent, careOfAddress: h.careOfAddress, captureTime: h.captureTime,
    }));
    const reply: LooseReply = { capture: id, frame, time: us, source: ip(mask, HAS_SRC, src), destination: ip(mask, HAS_DST, dst), identification: BigInt(ident), code, homeAddress: ip(mask, HAS_HOME, home), homeAgent: ip(mask, HAS_HA, ha), captureTime: firstTime };
    const [l] = pairAcross(reqs, [reply]);
    if (!l) return undefined;
    const h = candidates.find(x => x.capture === String(l.capture) && x.frame === l.requestFrame)!;
    this.open.splice(this.open.indexOf(h), 1);
    return h;
  }

  /** The state to carry into the next capture. */
  state(): CarriedState {
    const table = this.table.snapshot();
    const owners: Array<[string, string]> = [];
    for (const [, list] of table.byHome) for (const b of list) { const o = this.owners.get(b)!; owners.push([String(o[0]), String(o[1])]); }
    // The long lists (as many as MAX_BINDINGS) as deflated differences: a tenth of their JSON.
    const packed = {
      homes: pack(table.homes), made: pack(table.made), flagIds: pack(table.flagIds), flagSeqs: pack(table.flagSeqs),
      flagKeys: pack(table.flags.map(f => f[0])), flagValues: pack(table.flags.map(f => f[1])),
    };
    return { table: { ...table, homes: [], made: [], flagIds: [], flagSeqs: [], flags: [] }, packed, owners, open: this.open };
  }

  /** Rows of every binding made in the replay and of those carried into it, as they are now. */
  rows(): Row[] {
    return [...this.carriedIn, ...this.made].map(b => { const [c, r] = this.owners.get(b)!; return bindingRow(c, r, b); });
  }
}

/** What a rebinding writes: the bindings rows of whole captures and single carried bindings replaced, and states. */
export interface Rebinding {
  /** Captures whose bindings rows are all replaced. */
  captures: bigint[];
  /** (capture, frame) of single bindings rows replaced (bindings of earlier captures carried in). */
  carried: Array<[bigint, number]>;
  rows: Row[];
  /** Per capture replayed: its first time, the state at its end (JSON) and the capture it continued (0: none). */
  states: Array<{ capture: bigint; time: number; state: string; seed: bigint }>;
}

/** Captures continue each other (the later one starts after the earlier one ended, within the window). */
function continues(prev: { last: number } | undefined, next: { first: number }): boolean {
  return prev !== undefined && prev.last <= next.first && next.first - prev.last <= LINK_WINDOW_US;
}

/**
 * Follows bindings across the files of the store: every capture whose stored state was not
 * computed from the capture it now continues (a new capture, or one an earlier file was indexed
 * before) is replayed, with the captures after it (a file indexed before an earlier one costs a
 * replay of the later ones; a ring buffer indexed as it rotates replays only the new file). Returns how many
 * captures were replayed.
 */
export async function bindAcross(store: Backend): Promise<number> {
  const spans = await store.captureSpans();
  const seeds = await store.bindingSeeds();
  const pred = spans.map((c, i) => (continues(spans[i - 1], c) ? spans[i - 1]!.capture : 0n));
  let replayed = 0;
  const events = (c: bigint) => store.dataPath(c, 'events');
  for (let i = 0; i < spans.length;) {
    const c = spans[i]!;
    if (!c.logged || seeds.get(c.capture) === pred[i]) { i++; continue; }
    const out: Rebinding = { captures: [], carried: [], rows: [], states: [] };
    const continued = (k: number) => k < spans.length && spans[k]!.logged && pred[k] === spans[k - 1]!.capture;
    /** A capture that follows no other one: its rows are its own analysis's; replayed only for the state the next one starts from. */
    const alone = async (k: number) => {
      const pre = new Replay(null);
      pre.capture(spans[k]!.capture, spans[k]!.first, await events(spans[k]!.capture));
      replayed++;
      const state = JSON.stringify(pre.state());
      out.states.push({ capture: spans[k]!.capture, time: spans[k]!.first, state, seed: 0n });
      return JSON.parse(state) as CarriedState;
    };
    let start: CarriedState | null, j = i;
    if (pred[i] === 0n) {
      // Nothing follows it yet: its state waits until something does (a capture indexed alone costs no replay, and writes nothing).
      if (!continued(i + 1)) { i++; continue; }
      start = await alone(i);
      j = i + 1;
    } else {
      const before = (await store.dataPath(pred[i]!, 'state')).join('');
      start = before ? JSON.parse(before) as CarriedState : await alone(i - 1);
    }
    const run = new Replay(start);
    out.carried = run.carried();
    for (;;) {
      const x = spans[j]!;
      run.capture(x.capture, x.first, await events(x.capture));
      out.captures.push(x.capture);
      out.states.push({ capture: x.capture, time: x.first, state: JSON.stringify(run.state()), seed: pred[j]! });
      replayed++;
      j++;
      // The captures after it start from another state now: replayed too, to the end of the ring buffer.
      if (!continued(j)) break;
    }
    out.rows = run.rows();
    await store.rebind(out);
    i = j;
  }
  return replayed;
}
