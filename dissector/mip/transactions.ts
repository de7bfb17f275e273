// Registration transactions: the one model of which Mobile IP messages belong together, built
// once per capture in the forward pass (dissector/mip/tracking.ts feeds it) and read by every
// view that looks at more than one message — `mip.response_in`/`response_to`/`time`,
// `mip.transaction`/`mip.hop`, the conformance rules, `-z mip,reg`, the TUI's ladder, the
// database's `registrations` rows and the tunnel bindings.
//
// ## The rule (RFC 5944 §3.3–3.8, §5.7; RFC 3543 §3; seed Fig. 7 for HA↔KDC)
// - A transaction begins with a request (type 1; 8 Key Request; 7 Revocation) and holds every
//   copy of it on the way (MN → FA → [AAAF → AAAH] → HA, or a co-located MN → HA) and every reply
//   on the way back (types 3, 9, 15).
// - A **relayed copy** is a request with the same low 32 bits of the Identification (the
//   Revocation Identifier for type 7), the same mobile node (Home Address, Home Agent, MN-HA SPI),
//   sent by the node the previous copy was addressed to, within RELAY_WINDOW seconds, before the
//   transaction was accepted. Not any request with the same Identification.
// - The same bytes again on the same hop are a **retransmission**. The same Identification of the
//   same mobile node from another source, or after an accepting reply, is a **replay**: a new
//   transaction whose `replayOf` is the earlier one's id.
// - A **reply** answers the request addressed from where the reply is sent to (a request from
//   0.0.0.0 is answered by broadcast, or at the care-of address it names), with the same low 32 bits of the Identification: the
//   high 32 bits may change (`identChanged`, a finding unless the code is 133, §5.7.1). The
//   reply's source need not be the request's destination: a request sent to a broadcast or to
//   another interface of the agent is answered from its unicast address (§3.8.3.1); a request
//   sent to the reply's source is preferred, then an unanswered one, then the latest.
// - A reply sent by the node an earlier reply was addressed to relays that reply.
// - A Key Request (type 8) sent by a node while a registration waits there (the HA) is that
//   registration's child (`parent`/`children`): the HA ↔ KDC hops of a KX registration.
//
// ## API (`session.transactions`, a TransactionTable)
// - `at(frame)`: the Placements of frame `frame` (one per tracked message): `{ tx, hop }`, or
//   `{ tx: undefined, hop, near }` for a reply that answers nothing (`near`: the frame of a
//   pending request on the reverse path whose low 32 bits differ — the reply that should have
//   answered it). With `session.retain` off only the frame being dissected is kept; with it on,
//   every frame's, in compact rows (./archive.ts): a closed transaction is read back as a view.
// - `placement(frame, msgStart)`: the one of a message (by its offset in the frame's data source).
// - `get(id)`: a transaction by id (= its first frame); `all()`: every transaction kept, in
//   first-frame order (with retain off: only those still open); `accepted()`: accepted
//   registrations, for bindings; `pairs()`: every [request frame, reply frame] pair.
// - `onClose(fn)`: called once per transaction when it is closed (no later message can join it:
//   evicted by age or count); `openTransactions()`: those not closed yet (what a consumer
//   finishes with at the end of a capture); `evictions`: how many unanswered transactions were
//   evicted, by cause; `evictedIn(frame)`: those evicted while placing a frame; `closedIn(frame)`
//   (retain on): the transactions closed while placing it, for a later pass (oldest first).
// - `hopKey(hop)`, `transactionKey(tx)`: numbers naming a hop or transaction for the session's
//   life, the same for an open one's object and a closed one's view (key notes by these).
// - `answered(placement)`: the request hop a reply answers.
// - Transaction: `id`, `kind` ('registration' | 'key' | 'revocation'), `low`, `ident` (of the
//   first request), `homeAddr`, `haAddr`, `coa`, `spi` (MN-HA, when present), `requests` and
//   `replies` (Hops, in frame order), `code` (the reply that reached the first sender, else the
//   latest), `accepted`, `replayOf`, `parent`, `children`, `closed`.
// - Hop: `frame`, `time` (capture time), `direction`, `src`/`dst` (IPv4), `srcPort`/`dstPort`,
//   `hop` (1, 2, …: the request's copies, then the replies back), `from`/`to` roles ('MN', 'FA',
//   'AAA', 'HA', 'KDC'), `ident`, `code`, `lifetime`, `relays` (the hop this one carries on),
//   `next` (the hop that carries this one on or answers it), `retransmissionOf`, `answers`
//   (reply → request frame), `responseIn` (request → first reply frame), `responseTime`,
//   `identChanged`, `protectedChanged` (a relayed copy that changed bytes the MN-HA authenticator
//   covers), `discardable` (carries an unknown non-skippable extension), `auth` (authenticator
//   verdicts, from the key module) and `keys` (keys this hop distributes).
//
// ## Bounds
// At most MAX_OPEN transactions are open for matching at once; one whose last message is older
// than MAX_AGE seconds (capture time) is closed. Closing an unanswered one counts in
// `evictions` and the packet that caused it gets an expert item. At most MAX_HOPS copies are
// kept per direction of a transaction (later retransmissions are only counted).
import type { AbsTime } from '../tree.js';
import { MAX_HOPS_PER_TRANSACTION, MAX_OPEN_TRANSACTIONS, TRANSACTION_TIMEOUT_SECONDS } from '../limits.js';
import { timeDiff, timeSeconds } from '../tree.js';
import { HOP_ROW, TransactionArchive, TX_SERIAL } from './archive.js';

export type TransactionKind = 'registration' | 'key' | 'revocation';
export type NodeRole = 'MN' | 'FA' | 'AAA' | 'HA' | 'KDC';

export interface AuthVerdict { type: number; spi: number; status: 'good' | 'bad' | 'unverified' }
export interface DistributedKey { spi: number; label: string }

export interface Hop {
  frame: number;
  time: AbsTime;
  direction: 'request' | 'reply';
  src: number;
  dst: number;
  srcPort: number;
  dstPort: number;
  hop: number;
  from: NodeRole;
  to: NodeRole;
  ident: bigint;
  code?: number;
  lifetime?: number;
  relays?: number;
  next?: number;
  retransmissionOf?: number;
  answers?: number;
  responseIn?: number;
  responseTime?: AbsTime;
  identChanged?: boolean;
  protectedChanged?: boolean;
  discardable?: boolean;
  auth: AuthVerdict[];
  keys: DistributedKey[];
}

/** Who a transaction is about, as its first request names it. */
export interface TransactionKey {
  /** Low 32 bits of the Identification (the Revocation Identifier for revocations). */
  low: number;
  ident: bigint;
  homeAddr: number;
  /** The Home Agent field (a revocation's Home Domain Address). */
  haAddr: number;
  coa: number;
  /** SPI of the MN-HA (or MN-AAA) authentication. */
  spi: number | undefined;
}

export interface Transaction extends TransactionKey {
  id: number;
  kind: TransactionKind;
  requests: Hop[];
  replies: Hop[];
  code: number | undefined;
  accepted: boolean;
  replayOf: number | undefined;
  parent: number | undefined;
  children: number[];
  /** Retransmissions beyond MAX_HOPS, counted only. */
  dropped: number;
  closed: boolean;
}

export interface Placement {
  tx: Transaction | undefined;
  hop: Hop;
  /** Offset of the message in its data source, and the data source: which message of the frame. */
  start: number;
  src: number;
  /** For a reply that answers nothing: a pending request on the reverse path with other low bits. */
  near?: number;
}

/** What the tracker knows of one message (read from the typed record by tracking.ts). */
export interface MessageFacts extends TransactionKey {
  frame: number;
  time: AbsTime;
  type: number;
  start: number;
  srcIndex: number;
  src: number;
  dst: number;
  srcPort: number;
  dstPort: number;
  code?: number;
  lifetime?: number;
  /** The message's bytes, and how many of them the MN-HA authenticator covers (0: none). */
  bytes: Uint8Array;
  covered: number;
  discardable: boolean;
}

/** Transactions open for matching at once, seconds until one is closed, copies kept (docs/limits.md). */
export const MAX_OPEN = MAX_OPEN_TRANSACTIONS;
export const MAX_AGE = TRANSACTION_TIMEOUT_SECONDS;
export const MAX_HOPS = MAX_HOPS_PER_TRANSACTION;
/** Seconds within which a relay carries a request on. */
export const RELAY_WINDOW = 30;

const REQUESTS: Readonly<Record<number, TransactionKind>> = { 1: 'registration', 8: 'key', 7: 'revocation' };
const REPLIES: Readonly<Record<number, TransactionKind>> = { 3: 'registration', 9: 'key', 15: 'revocation' };

export function isTrackedType(type: number): boolean { return type in REQUESTS || type in REPLIES; }

const BROADCAST = 0xffffffff;
/** Limited broadcast, multicast (224/4) or a directed broadcast (x.x.x.255): answered from a unicast address. */
export function isGroupAddress(a: number): boolean { return a === BROADCAST || (a >>> 28) === 0xe || (a & 0xff) === 0xff; }

const seconds = timeSeconds;
/** The latest hop of `hops` sent from `src` to `dst`. */
function lastOnPath(hops: readonly Hop[], src: number, dst: number): Hop | undefined {
  for (let i = hops.length - 1; i >= 0; i--) { const h = hops[i]!; if (h.src === src && h.dst === dst) return h; }
  return undefined;
}
/** The latest request copy a request from `src` at `now` carries on (sent to it, or to a group by another node, within RELAY_WINDOW). */
function relayedFrom(hops: readonly Hop[], src: number, now: number): Hop | undefined {
  for (let i = hops.length - 1; i >= 0; i--) {
    const q = hops[i]!;
    if ((q.dst === src || (isGroupAddress(q.dst) && q.src !== src)) && now - seconds(q.time) <= RELAY_WINDOW) return q;
  }
  return undefined;
}
/** The latest reply (not a retransmission) sent to `src`: the one a reply from `src` carries on. */
function replyRelayed(hops: readonly Hop[], src: number): Hop | undefined {
  for (let i = hops.length - 1; i >= 0; i--) { const r = hops[i]!; if (r.dst === src && r.retransmissionOf === undefined) return r; }
  return undefined;
}
function maxHop(hops: readonly Hop[], start: number): number {
  let n = start;
  for (let i = 0; i < hops.length; i++) if (hops[i]!.hop > n) n = hops[i]!.hop;
  return n;
}
function answersFrame(hops: readonly Hop[], frame: number): boolean {
  for (let i = 0; i < hops.length; i++) if (hops[i]!.answers === frame) return true;
  return false;
}
function frameIn(hops: readonly Hop[] | undefined, frame: number): Hop | undefined {
  if (hops) for (let i = 0; i < hops.length; i++) if (hops[i]!.frame === frame) return hops[i];
  return undefined;
}
function accepting(kind: TransactionKind, code: number | undefined): boolean {
  return kind === 'revocation' || code === 0 || (kind === 'registration' && code === 1);
}

/** A copy of a hop's bytes (in a shared slab, see `keep`) and how many the MN-HA authenticator covers. */
interface Copy { frame: number; slab: Uint8Array; at: number; len: number; covered: number }
/** Bytes kept while a transaction is open: to tell retransmissions and relay changes. */
interface OpenState { copies: Copy[]; last: number; /** Position in the table's queue (counted from the start of the capture). */ qpos: number }
/** An open transaction's state, kept on it under a symbol (out of its public shape and of JSON). */
const OPEN = Symbol('open');
type Tx = Transaction & { [OPEN]?: OpenState | undefined };
const openState = (tx: Transaction) => (tx as Tx)[OPEN]!;
function copyOf(st: OpenState, frame: number): Copy | undefined {
  const cs = st.copies;
  for (let i = 0; i < cs.length; i++) if (cs[i]!.frame === frame) return cs[i];
  return undefined;
}
/** The first `n` bytes of a kept copy equal the first `m` of `b` (and n === m). */
function sameBytes(c: Copy, n: number, b: Uint8Array, m: number): boolean {
  if (n !== m) return false;
  const s = c.slab, at = c.at;
  for (let i = 0; i < n; i++) if (s[at + i] !== b[i]) return false;
  return true;
}
/**
 * Copies are packed into 64 KiB slabs rather than one buffer each: a slab is freed once every
 * transaction with a copy in it has closed (they close oldest first, so slabs free in order).
 */
const SLAB = 65536;
let slab = new Uint8Array(0), slabUsed = 0;
function keep(frame: number, b: Uint8Array, covered: number): Copy {
  const len = b.length;
  if (len > SLAB >> 3) return { frame, slab: b.slice(), at: 0, len, covered };
  if (slabUsed + len > slab.length) { slab = new Uint8Array(SLAB); slabUsed = 0; }
  const at = slabUsed;
  slab.set(b, at);
  slabUsed += len;
  return { frame, slab, at, len, covered };
}
/** Shared by every hop until a verdict or key is noted on it. */
const NONE: never[] = Object.freeze([]) as never[];
/** One number for an address pair (exact below 2^53; a collision only loses the `near` hint, which is checked). */
const pathKey = (src: number, dst: number) => src * 4294967296 + dst;

type Row = { [HOP_ROW]?: number };
type Serial = { [TX_SERIAL]?: number };
/** A number that names a hop for as long as the session lives (its row), whether it is an object or a view. */
export function hopKey(h: Hop): number { return (h as Row)[HOP_ROW]!; }
/** A number that names a transaction for as long as the session lives (its serial), object or view. */
export function transactionKey(tx: Transaction): number { return (tx as Serial)[TX_SERIAL]!; }

// ## Answered transactions, packed (retain off)
// Once a transaction has a reply, what can still happen to it is a retransmission, a relayed
// reply or a replay; its hops and byte copies then sit in flat records (one per hop, its copy and
// its authenticator verdicts in the same record) rather than objects, and the transaction in a
// slot of 32-bit words (PackedTxs): the index, the queue and the paths hold the slot's number.
// Nothing of it is an object or a closure per transaction. A later message that may join it
// unpacks it into the same objects again (and it is packed once more after that frame); nothing
// outside the table ever sees a slot. Once accepted, its requests' byte copies are dropped: a
// request never joins an accepted transaction, so they are never compared again.
// 32-bit fields (the link is stored + 1, 0: none) and the two times' seconds, which may not fit 32 bits;
// a hop whose fields do not fit (`fits`) leaves its transaction as objects.
// P_FLAGS holds the flags (15 bits), the roles (6) and the hop number (11); P_PORTS both ports;
// P_COPY the copy's place in its slab and its length, P_COPY2 the bytes covered and its order.
const P_FRAME = 0, P_NSEC = 1, P_FLAGS = 2, P_SRC = 3, P_DST = 4, P_PORTS = 5, P_IDHI = 6, P_IDLO = 7, P_CODE = 8, P_LIFE = 9,
  P_RELAYS = 10, P_NEXT = 11, P_RETX = 12, P_ANS = 13, P_RESPIN = 14, P_RTNSEC = 15, P_COPY = 16, P_COPY2 = 17, P_LINK = 18,
  P_AUTH = 19, P_ASPI0 = 20, P_ASPI1 = 21, P_ROW = 22, P_WIDTH = 23;
const W_SEC = 0, W_RTSEC = 1, W_WIDTH = 2;
const FLAG_BITS = 0x7fff, ROLES_SHIFT = 15, HOP_SHIFT = 21, MAX_HOP_NUMBER = 2047;
/** A number a 32-bit (16-bit) field holds as it is (an absent optional one too). */
const isU32 = (x: number | undefined) => x === undefined || x >>> 0 === x;
const isU16 = (x: number) => x >>> 0 === x && x <= 0xffff;
const F_REPLY = 1, F_IDENT_CHANGED = 2, F_PROTECTED = 4, F_DISCARDABLE = 8, F_CODE = 16, F_LIFE = 32, F_RT = 64, F_RELAYS = 128,
  F_NEXT = 256, F_RETX = 512, F_ANS = 1024, F_RESPIN = 2048, F_COPY = 4096, F_AUTH_LIST = 8192, F_KEYS = 16384;
// Up to two authenticator verdicts sit in the record itself (P_AUTH: their count in bits 0–1,
// then per verdict its extension type in 8 bits and its status in 2; the SPIs in P_ASPI0/1);
// more, or one that does not fit, and the hop's list is kept as it is (F_AUTH_LIST).
const STATUS_NAMES: readonly AuthVerdict['status'][] = ['good', 'bad', 'unverified'];
const INLINE_AUTHS = 2;
/** The P_AUTH word for `a`, or -1 when it does not fit in the record. */
function inlineAuths(a: readonly AuthVerdict[]): number {
  if (a.length > INLINE_AUTHS) return -1;
  let w = a.length;
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!, st = STATUS_NAMES.indexOf(v.status);
    if (st < 0 || !(v.type >= 0 && v.type <= 255 && Number.isInteger(v.type)) || !(v.spi >= 0 && v.spi <= 0xffffffff && Number.isInteger(v.spi))) return -1;
    w |= (v.type | st << 8) << (2 + 10 * i);
  }
  return w;
}
const ROLE_NAMES: readonly NodeRole[] = ['MN', 'FA', 'AAA', 'HA', 'KDC'];
const ROLE_NUMBER: Readonly<Record<NodeRole, number>> = { MN: 0, FA: 1, AAA: 2, HA: 3, KDC: 4 };
const LOW32 = 0xffffffffn;

/**
 * Records (and packed transactions) sit in fixed chunks of CHUNK rows rather than one column
 * grown by doubling: what is allocated stays within a chunk of what is in use, and growing
 * copies nothing.
 */
const CHUNK_BITS = 10, CHUNK = 1 << CHUNK_BITS, CHUNK_MASK = CHUNK - 1;

/** Fixed-width records of hops (with their copies), reused through a free list. */
class HopRecords {
  private readonly vs: Uint32Array[] = [];
  private readonly ws: Float64Array[] = [];
  private slabs: Array<Uint8Array | undefined> = [];
  private slab = new Uint8Array(0);
  private slabUsed = 0;
  /** The few hops whose verdicts do not fit in the record, and those with keys, by record. */
  private readonly authLists = new Map<number, AuthVerdict[]>();
  private readonly keyLists = new Map<number, DistributedKey[]>();
  private free = -1;
  private used = 0;

  private alloc(): number {
    if (this.free >= 0) { const r = this.free; this.free = this.link(r); return r; }
    const r = this.used++;
    if ((r >>> CHUNK_BITS) === this.vs.length) { this.vs.push(new Uint32Array(P_WIDTH * CHUNK)); this.ws.push(new Float64Array(W_WIDTH * CHUNK)); }
    return r;
  }

  /** True when a hop (and its copy, `order`-th of its transaction) fits a record. */
  fits(h: Hop, c: Copy | undefined, order: number): boolean {
    return isU32(h.frame) && isU32(h.time.nsec) && isU32(h.src) && isU32(h.dst) && isU16(h.srcPort) && isU16(h.dstPort)
      && h.hop >>> 0 === h.hop && h.hop <= MAX_HOP_NUMBER && typeof h.ident === 'bigint' && h.ident >= 0n && h.ident >> 64n === 0n
      && isU32(h.code) && isU32(h.lifetime) && isU32(h.relays) && isU32(h.next) && isU32(h.retransmissionOf) && isU32(h.answers)
      && isU32(h.responseIn) && isU32(h.responseTime?.nsec) && isU32(hopKey(h))
      && (!c || (isU16(c.at) && isU16(c.len) && isU16(c.covered) && isU16(order)));
  }

  /** Writes a hop (and its copy, if kept) to a new record linked before `link`; returns the record. */
  put(h: Hop, c: Copy | undefined, order: number, link: number): number {
    const r = this.alloc(), v = this.vs[r >>> CHUNK_BITS]!, o = (r & CHUNK_MASK) * P_WIDTH, w = this.ws[r >>> CHUNK_BITS]!, ow = (r & CHUNK_MASK) * W_WIDTH;
    let f = (h.direction === 'reply' ? F_REPLY : 0) | (h.identChanged ? F_IDENT_CHANGED : 0) | (h.protectedChanged ? F_PROTECTED : 0) | (h.discardable ? F_DISCARDABLE : 0);
    v[o + P_FRAME] = h.frame; w[ow + W_SEC] = h.time.sec; v[o + P_NSEC] = h.time.nsec;
    v[o + P_SRC] = h.src; v[o + P_DST] = h.dst; v[o + P_PORTS] = (h.srcPort | h.dstPort << 16) >>> 0;
    v[o + P_IDHI] = Number(h.ident >> 32n); v[o + P_IDLO] = Number(h.ident & LOW32);
    if (h.code !== undefined) { f |= F_CODE; v[o + P_CODE] = h.code; }
    if (h.lifetime !== undefined) { f |= F_LIFE; v[o + P_LIFE] = h.lifetime; }
    if (h.relays !== undefined) { f |= F_RELAYS; v[o + P_RELAYS] = h.relays; }
    if (h.next !== undefined) { f |= F_NEXT; v[o + P_NEXT] = h.next; }
    if (h.retransmissionOf !== undefined) { f |= F_RETX; v[o + P_RETX] = h.retransmissionOf; }
    if (h.answers !== undefined) { f |= F_ANS; v[o + P_ANS] = h.answers; }
    if (h.responseIn !== undefined) { f |= F_RESPIN; v[o + P_RESPIN] = h.responseIn; }
    if (h.responseTime !== undefined) { f |= F_RT; w[ow + W_RTSEC] = h.responseTime.sec; v[o + P_RTNSEC] = h.responseTime.nsec; }
    v[o + P_ROW] = hopKey(h);
    if (c) {
      f |= F_COPY; v[o + P_COPY2] = (c.covered | order << 16) >>> 0;
      if (c.len > SLAB >> 3) { v[o + P_COPY] = (c.at | c.len << 16) >>> 0; this.slabs[r] = c.slab; } // a buffer of its own
      else {
        // Into the records' own slabs, which hold only packed copies: the slabs of the copies
        // made as messages came (with those of requests no longer kept) are freed the sooner.
        if (this.slabUsed + c.len > this.slab.length) { this.slab = new Uint8Array(SLAB); this.slabUsed = 0; }
        const to = this.slab, at = this.slabUsed, from = c.slab, src = c.at;
        for (let i = 0; i < c.len; i++) to[at + i] = from[src + i]!;
        this.slabUsed += c.len;
        v[o + P_COPY] = (at | c.len << 16) >>> 0; this.slabs[r] = to;
      }
    } else this.slabs[r] = undefined;
    const aw = inlineAuths(h.auth);
    if (aw >= 0) {
      v[o + P_AUTH] = aw;
      if (h.auth.length > 0) v[o + P_ASPI0] = h.auth[0]!.spi;
      if (h.auth.length > 1) v[o + P_ASPI1] = h.auth[1]!.spi;
    } else { f |= F_AUTH_LIST; this.authLists.set(r, h.auth); }
    if (h.keys.length) { f |= F_KEYS; this.keyLists.set(r, h.keys); }
    v[o + P_FLAGS] = (f | (ROLE_NUMBER[h.from] * 8 + ROLE_NUMBER[h.to]) << ROLES_SHIFT | h.hop << HOP_SHIFT) >>> 0;
    v[o + P_LINK] = link + 1;
    return r;
  }

  link(r: number): number { return this.vs[r >>> CHUNK_BITS]![(r & CHUNK_MASK) * P_WIDTH + P_LINK]! - 1; }
  frame(r: number): number { return this.vs[r >>> CHUNK_BITS]![(r & CHUNK_MASK) * P_WIDTH + P_FRAME]!; }

  /** The hop object of record `r`, as the table made it. */
  hop(r: number): Hop {
    const v = this.vs[r >>> CHUNK_BITS]!, o = (r & CHUNK_MASK) * P_WIDTH, w = this.ws[r >>> CHUNK_BITS]!, ow = (r & CHUNK_MASK) * W_WIDTH;
    const word = v[o + P_FLAGS]!, f = word & FLAG_BITS, roles = (word >>> ROLES_SHIFT) & 63, ports = v[o + P_PORTS]!;
    const h: Hop & Row = {
      frame: v[o + P_FRAME]!, time: { sec: w[ow + W_SEC]!, nsec: v[o + P_NSEC]! }, direction: f & F_REPLY ? 'reply' : 'request',
      src: v[o + P_SRC]!, dst: v[o + P_DST]!, srcPort: ports & 0xffff, dstPort: ports >>> 16, hop: word >>> HOP_SHIFT,
      from: ROLE_NAMES[roles >> 3]!, to: ROLE_NAMES[roles & 7]!, ident: (BigInt(v[o + P_IDHI]!) << 32n) | BigInt(v[o + P_IDLO]!),
      auth: f & F_AUTH_LIST ? this.authLists.get(r)! : verdicts(v, o), keys: f & F_KEYS ? this.keyLists.get(r)! : NONE,
    };
    h[HOP_ROW] = v[o + P_ROW]!;
    if (f & F_CODE) h.code = v[o + P_CODE]!;
    if (f & F_LIFE) h.lifetime = v[o + P_LIFE]!;
    if (f & F_DISCARDABLE) h.discardable = true;
    if (f & F_ANS) h.answers = v[o + P_ANS]!;
    if (f & F_RT) h.responseTime = { sec: w[ow + W_RTSEC]!, nsec: v[o + P_RTNSEC]! };
    if (f & F_IDENT_CHANGED) h.identChanged = true;
    if (f & F_RETX) h.retransmissionOf = v[o + P_RETX]!;
    if (f & F_RELAYS) h.relays = v[o + P_RELAYS]!;
    if (f & F_PROTECTED) h.protectedChanged = true;
    if (f & F_NEXT) h.next = v[o + P_NEXT]!;
    if (f & F_RESPIN) h.responseIn = v[o + P_RESPIN]!;
    return h;
  }

  /** The copy kept in record `r` and its place among the transaction's copies (-1: none). */
  copy(r: number): [Copy, number] | undefined {
    const v = this.vs[r >>> CHUNK_BITS]!, o = (r & CHUNK_MASK) * P_WIDTH;
    if (!(v[o + P_FLAGS]! & F_COPY)) return undefined;
    const c1 = v[o + P_COPY]!, c2 = v[o + P_COPY2]!;
    return [{ frame: v[o + P_FRAME]!, slab: this.slabs[r]!, at: c1 & 0xffff, len: c1 >>> 16, covered: c2 & 0xffff }, c2 >>> 16];
  }

  release(r: number): void {
    const v = this.vs[r >>> CHUNK_BITS]!, o = (r & CHUNK_MASK) * P_WIDTH, f = v[o + P_FLAGS]!;
    if (f & F_AUTH_LIST) this.authLists.delete(r);
    if (f & F_KEYS) this.keyLists.delete(r);
    v[o + P_FLAGS] = 0;
    v[o + P_LINK] = this.free + 1; this.free = r;
    this.slabs[r] = undefined;
  }
}

/** The verdicts kept in the record at `o` of `v`. */
function verdicts(v: Uint32Array, o: number): AuthVerdict[] {
  const w = v[o + P_AUTH]!, n = w & 3;
  if (n === 0) return NONE;
  const out: AuthVerdict[] = [];
  for (let i = 0; i < n; i++) {
    const x = w >>> (2 + 10 * i);
    out.push({ type: x & 0xff, spi: v[o + (i === 0 ? P_ASPI0 : P_ASPI1)]!, status: STATUS_NAMES[(x >>> 8) & 3]! });
  }
  return out;
}

// An answered open transaction's own fields, one row of 32-bit words per slot (optional ones
// flagged), its last message's time in a float column, and its children (few: key requests of a
// KX registration) by slot. Slots are reused through a free list.
const T_ID = 0, T_LOW = 1, T_IDHI = 2, T_HOME = 3, T_HA = 4, T_COA = 5, T_SPI = 6, T_CODE = 7, T_REPLAY = 8, T_PARENT = 9,
  T_DROPPED = 10, T_SERIAL = 11, T_QPOS = 12, T_HEAD = 13, T_NREQ = 14, T_NREP = 15, T_FLAGS = 16, T_WIDTH = 17;
const K_KIND = 3, K_SPI = 4, K_CODE = 8, K_REPLAY = 16, K_PARENT = 32, K_ACCEPTED = 64;
const KINDS: readonly TransactionKind[] = ['registration', 'key', 'revocation'];
const KIND_NUMBER: Readonly<Record<TransactionKind, number>> = { registration: 0, key: 1, revocation: 2 };

class PackedTxs {
  private readonly us: Uint32Array[] = [];
  private readonly lasts: Float64Array[] = [];
  private readonly childLists = new Map<number, number[]>();
  private readonly free: number[] = [];
  private used = 0;

  /** True when every field of `tx` fits a slot (32-bit numbers, a 64-bit Identification whose low half is `low`). */
  fits(tx: Transaction, serial: number, qpos: number): boolean {
    return isU32(tx.id) && isU32(tx.low) && isU32(tx.homeAddr) && isU32(tx.haAddr) && isU32(tx.coa) && isU32(tx.spi) && isU32(tx.code)
      && isU32(tx.replayOf) && isU32(tx.parent) && isU32(tx.dropped) && isU32(serial) && isU32(qpos)
      && typeof tx.ident === 'bigint' && tx.ident >= 0n && tx.ident >> 64n === 0n && Number(tx.ident & LOW32) === tx.low;
  }

  put(tx: Transaction, serial: number, last: number, qpos: number, head: number): number {
    const t = this.free.length ? this.free.pop()! : this.used++;
    if ((t >>> CHUNK_BITS) === this.us.length) { this.us.push(new Uint32Array(T_WIDTH * CHUNK)); this.lasts.push(new Float64Array(CHUNK)); }
    const u = this.us[t >>> CHUNK_BITS]!, o = (t & CHUNK_MASK) * T_WIDTH;
    u[o + T_ID] = tx.id; u[o + T_LOW] = tx.low; u[o + T_IDHI] = Number(tx.ident >> 32n);
    u[o + T_HOME] = tx.homeAddr; u[o + T_HA] = tx.haAddr; u[o + T_COA] = tx.coa;
    u[o + T_SPI] = tx.spi ?? 0; u[o + T_CODE] = tx.code ?? 0; u[o + T_REPLAY] = tx.replayOf ?? 0; u[o + T_PARENT] = tx.parent ?? 0;
    u[o + T_DROPPED] = tx.dropped; u[o + T_SERIAL] = serial; u[o + T_QPOS] = qpos; u[o + T_HEAD] = head;
    u[o + T_NREQ] = tx.requests.length; u[o + T_NREP] = tx.replies.length;
    u[o + T_FLAGS] = KIND_NUMBER[tx.kind] | (tx.spi !== undefined ? K_SPI : 0) | (tx.code !== undefined ? K_CODE : 0)
      | (tx.replayOf !== undefined ? K_REPLAY : 0) | (tx.parent !== undefined ? K_PARENT : 0) | (tx.accepted ? K_ACCEPTED : 0);
    this.lasts[t >>> CHUNK_BITS]![t & CHUNK_MASK] = last;
    if (tx.children.length) this.childLists.set(t, tx.children);
    return t;
  }

  release(t: number): void { this.childLists.delete(t); this.free.push(t); }

  /** Word `field` of slot `t`. */
  private at(t: number, field: number): number { return this.us[t >>> CHUNK_BITS]![(t & CHUNK_MASK) * T_WIDTH + field]!; }
  private flags(t: number): number { return this.at(t, T_FLAGS); }
  id(t: number): number { return this.at(t, T_ID); }
  kind(t: number): TransactionKind { return KINDS[this.flags(t) & K_KIND]!; }
  low(t: number): number { return this.at(t, T_LOW); }
  homeAddr(t: number): number { return this.at(t, T_HOME); }
  haAddr(t: number): number { return this.at(t, T_HA); }
  spi(t: number): number | undefined { return this.flags(t) & K_SPI ? this.at(t, T_SPI) : undefined; }
  accepted(t: number): boolean { return (this.flags(t) & K_ACCEPTED) !== 0; }
  qpos(t: number): number { return this.at(t, T_QPOS); }
  head(t: number): number { return this.at(t, T_HEAD); }
  nRequests(t: number): number { return this.at(t, T_NREQ); }
  nHops(t: number): number { return this.at(t, T_NREQ) + this.at(t, T_NREP); }
  last(t: number): number { return this.lasts[t >>> CHUNK_BITS]![t & CHUNK_MASK]!; }
  serial(t: number): number { return this.at(t, T_SERIAL); }

  /** The transaction object of slot `t` (its hops left empty, for the caller to fill). */
  transaction(t: number): Transaction {
    const u = this.us[t >>> CHUNK_BITS]!, o = (t & CHUNK_MASK) * T_WIDTH, f = u[o + T_FLAGS]!, low = u[o + T_LOW]!;
    return {
      id: u[o + T_ID]!, kind: KINDS[f & K_KIND]!, low, ident: (BigInt(u[o + T_IDHI]!) << 32n) | BigInt(low),
      homeAddr: u[o + T_HOME]!, haAddr: u[o + T_HA]!, coa: u[o + T_COA]!, spi: f & K_SPI ? u[o + T_SPI]! : undefined,
      requests: NONE, replies: NONE, code: f & K_CODE ? u[o + T_CODE]! : undefined, accepted: (f & K_ACCEPTED) !== 0,
      replayOf: f & K_REPLAY ? u[o + T_REPLAY]! : undefined, parent: f & K_PARENT ? u[o + T_PARENT]! : undefined,
      children: this.childLists.get(t) ?? NONE, dropped: u[o + T_DROPPED]!, closed: false,
    };
  }
}
/**
 * 32-bit keys to slots, in typed arrays (open addressing, linear probing, at most half full so
 * that every probe ends at an empty place; deleting shifts the run back, leaving no tombstones).
 */
class SlotIndex {
  private keys = new Uint32Array(1024);
  private vals = new Int32Array(1024).fill(-1);
  private bits = 10;
  private size = 0;

  private home(k: number): number { return Math.imul(k, 0x9e3779b1) >>> (32 - this.bits); }
  /** Where `k` is, else the empty place that ends its run. */
  private find(k: number): number {
    const mask = this.keys.length - 1, keys = this.keys, vals = this.vals;
    let i = this.home(k);
    while (vals[i]! >= 0 && keys[i] !== k) i = (i + 1) & mask;
    return i;
  }

  get(k: number): number { return this.vals[this.find(k)]!; }

  set(k: number, v: number): void {
    if ((this.size + 1) * 2 > this.keys.length) this.grow();
    const i = this.find(k);
    if (this.vals[i]! < 0) { this.size++; this.keys[i] = k; }
    this.vals[i] = v;
  }

  delete(k: number): void {
    let i = this.find(k);
    const keys = this.keys, vals = this.vals, mask = keys.length - 1;
    if (vals[i]! < 0) return;
    this.size--;
    // Shift back each later entry of the run whose home is not between the hole and it.
    for (let j = (i + 1) & mask; vals[j]! >= 0; j = (j + 1) & mask) {
      const h = this.home(keys[j]!);
      if (((j - h) & mask) >= ((j - i) & mask)) { keys[i] = keys[j]!; vals[i] = vals[j]!; i = j; }
    }
    vals[i] = -1;
  }

  private grow(): void {
    const keys = this.keys, vals = this.vals;
    this.bits++;
    this.keys = new Uint32Array(1 << this.bits);
    this.vals = new Int32Array(1 << this.bits).fill(-1);
    this.size = 0;
    for (let i = 0; i < keys.length; i++) if (vals[i]! >= 0) this.set(keys[i]!, vals[i]!);
  }
}

/** An open transaction: its object, or (answered, retain off) the slot of its packed fields. */
type Entry = Transaction | number;
const isPacked = (tx: Entry): tx is number => typeof tx === 'number';

/**
 * The open transactions in the order they began, by position (counted from the start of the
 * capture): a ring that grows to the most open at once and then stays, so that a long capture
 * allocates nothing more for it.
 */
class EntryRing {
  private ring: Array<Entry | undefined> = new Array<Entry | undefined>(1024).fill(undefined);
  private mask = 1023;
  head = 0;
  tail = 0;

  get length(): number { return this.tail - this.head; }
  /** The entry at position `p`, if still in the ring. */
  at(p: number): Entry | undefined { return p >= this.head && p < this.tail ? this.ring[p & this.mask] : undefined; }
  set(p: number, e: Entry): void { if (p >= this.head && p < this.tail) this.ring[p & this.mask] = e; }
  /** Appends `e`; returns its position. */
  push(e: Entry): number {
    if (this.tail - this.head === this.ring.length) this.grow();
    this.ring[this.tail & this.mask] = e;
    return this.tail++;
  }
  shift(): Entry {
    const i = this.head++ & this.mask, e = this.ring[i]!;
    this.ring[i] = undefined; // not kept
    return e;
  }
  toArray(): Entry[] {
    const out: Entry[] = [];
    for (let p = this.head; p < this.tail; p++) out.push(this.ring[p & this.mask]!);
    return out;
  }
  private grow(): void {
    const n = this.ring.length * 2, r = new Array<Entry | undefined>(n).fill(undefined);
    for (let p = this.head; p < this.tail; p++) r[p & (n - 1)] = this.ring[p & this.mask];
    this.ring = r;
    this.mask = n - 1;
  }
}

/** A path's latest request: its placement, or for a packed transaction the request's frame. */
type PathEntry = { tx: Entry; hop?: Hop; frame?: number };

export class TransactionTable {
  /** Open transactions by kind, then low 32 bits: the one, or several in the order they began. */
  private readonly index: Record<TransactionKind, Map<number, Entry | Entry[]>> = { registration: new Map(), key: new Map(), revocation: new Map() };
  /**
   * A packed transaction alone on its low bits is kept here instead (by kind), out of the maps:
   * the common case of a long capture, in typed arrays. A low is in one of the two at most.
   */
  private readonly lone: Record<TransactionKind, SlotIndex> = { registration: new SlotIndex(), key: new SlotIndex(), revocation: new SlotIndex() };
  /** The one-entry list `candidates` hands out for a single transaction. */
  private readonly single: Entry[] = [0];
  /** Open transactions in the order they began. */
  private readonly queue = new EntryRing();
  /** Hop records of packed transactions, and the transactions placed in the current frame (packed once it is done). */
  private readonly records = new HopRecords();
  private readonly packed = new PackedTxs();
  private touched: Transaction[] = [];
  /** Latest request of an open transaction on each path `src>dst` (for `near`). */
  private readonly paths = new Map<number, PathEntry>();
  /** Latest open registration whose request was sent to an address (the HA, for its KDC exchange). */
  private readonly waitingAt = new Map<number, Transaction>();
  /** The id of the latest transaction begun, and whether ids have only grown (the queue is then sorted by id). */
  private lastId = -Infinity;
  private idsInOrder = true;
  private current: { frame: number; list: Placement[] } | null = null;
  private readonly listeners: Array<(tx: Transaction) => void> = [];
  readonly evictions = { age: 0, count: 0 };
  private evictedNow: { age: number; count: number } | null = null;
  /**
   * With retain on: every message's placement and hop, and every closed transaction, in compact
   * rows (./archive.ts); open transactions by serial (the objects, while they can change).
   */
  private readonly archive = new TransactionArchive();
  private readonly live = new Map<number, Transaction>();
  /** Rows of frames already done (written to the archive); a later change to one is written through. */
  private doneRows = 0;
  /** Hop and transaction numbers when nothing is archived (retain off). */
  private rows = 0;
  private serials = 0;

  /** Keep transactions and placements of every frame (-2, the TUI); off in a single streaming pass. */
  retain = true;

  at(frame: number): readonly Placement[] {
    if (this.current?.frame === frame) return this.current.list;
    if (!this.retain) return NONE;
    const [a, b] = this.archive.rowsOf(frame);
    if (a === b) return NONE;
    const out: Placement[] = [];
    for (let i = a; i < b; i++) {
      const s = this.archive.serialOf(i);
      const tx = s < 0 ? undefined : this.txOf(s);
      const hop = (tx && !tx.closed ? ownHop(tx, i) : undefined) ?? this.archive.hopView(i);
      const p: Placement = { tx, hop, start: this.archive.startOf(i), src: this.archive.srcOf(i) };
      const near = this.archive.nearOf(i);
      if (near !== undefined) p.near = near;
      out.push(p);
    }
    return out;
  }

  /** Transaction `s` (a serial): the object while open, else a view of its row. */
  private txOf(s: number): Transaction {
    return this.live.get(s) ?? this.archive.txView(s);
  }

  placement(frame: number, start: number, src = 0): Placement | undefined {
    const l = this.at(frame);
    for (let i = 0; i < l.length; i++) { const p = l[i]!; if (p.start === start && p.src === src) return p; }
    return undefined;
  }

  /** Unanswered transactions evicted while frame `frame` was placed, by cause. */
  evictedIn(frame: number): { age: number; count: number } | undefined {
    if (this.current?.frame === frame) return this.evictedNow ?? undefined;
    if (!this.retain) return undefined;
    const { age, count } = this.archive.closedIn(frame);
    return age || count ? { age, count } : undefined;
  }

  /**
   * With retain on: the transactions closed while frame `frame` was placed (for a later pass's
   * consumers). Transactions close in the order they began (their transactionKey order).
   */
  closedIn(frame: number): Transaction[] {
    if (!this.retain) return [];
    return this.archive.closedIn(frame).serials.map(s => this.txOf(s));
  }

  /** The request hop a reply's placement answers. */
  answered(p: Placement | undefined): Hop | undefined {
    const a = p?.hop.answers;
    return a === undefined ? undefined : frameIn(p!.tx?.requests, a);
  }

  get(id: number): Transaction | undefined {
    const tx = this.openById(id);
    if (tx !== undefined || !this.retain) return tx === undefined ? undefined : this.full(tx);
    const [a, b] = this.archive.serialsOf(id);
    return b > a ? this.txOf(b - 1) : undefined;
  }

  all(): readonly Transaction[] {
    if (!this.retain) return this.queue.toArray().map(t => this.full(t));
    const out = new Array<Transaction>(this.archive.txs);
    for (let s = 0; s < out.length; s++) out[s] = this.txOf(s);
    return out;
  }

  accepted(): Transaction[] { return this.all().filter(t => t.kind === 'registration' && t.accepted); }

  pairs(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (const tx of this.all()) for (const r of tx.replies) if (r.answers !== undefined) out.push([r.answers, r.frame]);
    return out.sort((a, b) => a[1] - b[1]);
  }

  /** Calls `fn` for each transaction as it closes; returns the function that stops it. */
  onClose(fn: (tx: Transaction) => void): () => void {
    this.listeners.push(fn);
    return () => { const i = this.listeners.indexOf(fn); if (i >= 0) this.listeners.splice(i, 1); };
  }

  /** The transactions still open for matching, oldest first. */
  openTransactions(): Transaction[] { return this.queue.toArray().filter(t => isPacked(t) || !t.closed).map(t => this.full(t)); }

  /** The open transaction with id `id` begun last (the queue is in the order they began). */
  private openById(id: number): Entry | undefined {
    const q = this.queue;
    let i: number;
    if (this.idsInOrder) {
      let lo = q.head, hi = q.tail;
      while (lo < hi) { const mid = lo + Math.floor((hi - lo) / 2); if (this.idOf(q.at(mid)!) <= id) lo = mid + 1; else hi = mid; }
      i = lo - 1;
    } else {
      i = q.tail - 1;
      while (i >= q.head && this.idOf(q.at(i)!) !== id) i--;
    }
    if (i < q.head) return undefined;
    const e = q.at(i)!;
    return this.idOf(e) === id && (isPacked(e) || !e.closed) ? e : undefined;
  }

  private idOf(e: Entry): number { return isPacked(e) ? this.packed.id(e) : e.id; }

  /** Annotations from later analyses of a frame's message (authenticator verdicts, keys). */
  noteAuth(frame: number, start: number, src: number, v: AuthVerdict): void {
    const h = this.placement(frame, start, src)?.hop;
    if (!h) return;
    if (this.written(h)) this.archive.addAuth(hopKey(h), v);
    if (Object.prototype.hasOwnProperty.call(h, 'auth')) h.auth = h.auth === NONE ? [v] : [...h.auth, v];
  }
  noteKey(p: Placement | undefined, k: DistributedKey): void {
    if (!p) return;
    if (this.written(p.hop)) this.archive.addKey(hopKey(p.hop), k);
    if (Object.prototype.hasOwnProperty.call(p.hop, 'keys')) p.hop.keys = p.hop.keys === NONE ? [k] : [...p.hop.keys, k];
  }

  /** True when the hop's row is written already (its frame is done): a change goes to the row too. */
  private written(h: Hop): boolean { return this.retain && hopKey(h) < this.doneRows; }
  /** Writes a hop's links through to its row once a later frame changed them. */
  private touch(h: Hop): void { if (this.written(h)) this.archive.writeLinks(hopKey(h), h); }

  /** Writes the hops of the frame just done to their rows. */
  private flush(): void {
    if (!this.retain || !this.current) return;
    for (const p of this.current.list) {
      const h = p.hop, row = hopKey(h);
      this.archive.writeHop(row, h, p.tx ? transactionKey(p.tx) : -1, p.near);
      for (const v of h.auth) this.archive.addAuth(row, v);
      for (const k of h.keys) this.archive.addKey(row, k);
    }
    this.doneRows = this.archive.hops;
  }

  /** Forward pass: places one message; returns its placement (undefined for other types). */
  add(m: MessageFacts): Placement | undefined {
    if (this.current?.frame !== m.frame) {
      this.flush();
      this.packAnswered();
      this.current = { frame: m.frame, list: [] };
      this.evictedNow = null;
    }
    const reqKind = REQUESTS[m.type], repKind = REPLIES[m.type];
    if (!reqKind && !repKind) return undefined;
    const hop: Hop & Row = {
      frame: m.frame, time: m.time, direction: reqKind ? 'request' : 'reply', src: m.src, dst: m.dst, srcPort: m.srcPort, dstPort: m.dstPort,
      hop: 1, from: reqKind === 'key' ? 'HA' : 'MN', to: reqKind === 'key' ? 'KDC' : 'HA', ident: m.ident, auth: NONE, keys: NONE,
    };
    hop[HOP_ROW] = this.retain ? this.archive.place(m.frame, m.start, m.srcIndex) : this.rows++;
    if (m.code !== undefined) hop.code = m.code;
    if (m.lifetime !== undefined) hop.lifetime = m.lifetime;
    if (m.discardable) hop.discardable = true;
    const p: Placement = reqKind ? this.request(reqKind, m, hop) : this.reply(repKind!, m, hop);
    this.current.list.push(p);
    return p;
  }

  /** A transaction as the object readers get: a packed one is read out of its records. */
  private full(e: Entry): Transaction { return isPacked(e) ? this.materialize(e) : e; }

  /** The objects of a packed transaction: the transaction, its hops and the open state with the copies. */
  private materialize(p: number): Transaction {
    const rec = this.records, store = this.packed, requests: Hop[] = [], replies: Hop[] = [], copies: Array<[Copy, number]> = [];
    const nRequests = store.nRequests(p), n = store.nHops(p);
    let r = store.head(p);
    for (let k = 0; k < n; k++, r = rec.link(r)) {
      (k < nRequests ? requests : replies).push(rec.hop(r));
      const c = rec.copy(r);
      if (c) copies.push(c);
    }
    copies.sort((a, b) => a[1] - b[1]);
    const tx = store.transaction(p);
    if (requests.length) tx.requests = requests;
    if (replies.length) tx.replies = replies;
    (tx as Tx)[OPEN] = { copies: copies.length ? copies.map(c => c[0]) : NONE, last: store.last(p), qpos: store.qpos(p) };
    (tx as Serial)[TX_SERIAL] = store.serial(p);
    return tx;
  }

  /** A packed transaction a message may join: its objects again, in its place (packed again after the frame). */
  private unpack(p: number): Transaction {
    const tx = this.materialize(p);
    this.replace(p, tx);
    this.releaseRecords(p);
    this.touched.push(tx);
    return tx;
  }

  /** Frees a packed transaction's hop records and its slot. */
  private releaseRecords(p: number): void {
    const store = this.packed, n = store.nHops(p);
    let r = store.head(p);
    for (let k = 0; k < n; k++) { const next = this.records.link(r); this.records.release(r); r = next; }
    store.release(p);
  }

  /** Packs the answered transactions placed in the frame just done (retain off). */
  private packAnswered(): void {
    const list = this.touched;
    if (!list.length) return;
    this.touched = [];
    for (const tx of list) {
      if (tx.closed || tx.replies.length === 0) continue;
      const st = openState(tx);
      if (this.queue.at(st.qpos) !== tx) continue; // packed already (placed twice)
      this.pack(tx, st);
    }
  }

  private pack(tx: Transaction, st: OpenState): void {
    if (!this.packed.fits(tx, transactionKey(tx), st.qpos)) return; // left as objects
    const hops = tx.requests.length ? (tx.replies.length ? [...tx.requests, ...tx.replies] : tx.requests) : tx.replies;
    // Each copy goes into the record of a hop of its frame (hops and copies are kept in pairs).
    const copyOfHop = new Array<number>(hops.length).fill(-1);
    for (let k = 0; k < st.copies.length; k++) {
      const f = st.copies[k]!.frame;
      let j = 0;
      while (j < hops.length && (copyOfHop[j] !== -1 || hops[j]!.frame !== f)) j++;
      if (j === hops.length) return; // not paired: left as objects
      copyOfHop[j] = k;
    }
    // Accepted, its requests' bytes are never compared again (a request joins it no more): only
    // the copies of its reply frames, which a later reply is compared with, are kept.
    if (tx.accepted) {
      for (let j = 0; j < hops.length; j++) {
        const k = copyOfHop[j]!;
        if (k >= 0 && !frameIn(tx.replies, st.copies[k]!.frame)) copyOfHop[j] = -1;
      }
    }
    for (let j = 0; j < hops.length; j++) {
      const k = copyOfHop[j]!;
      if (!this.records.fits(hops[j]!, k >= 0 ? st.copies[k] : undefined, k)) return; // left as objects
    }
    let head = -1;
    for (let j = hops.length - 1; j >= 0; j--) {
      const k = copyOfHop[j]!;
      head = this.records.put(hops[j]!, k >= 0 ? st.copies[k] : undefined, k, head);
    }
    const p = this.packed.put(tx, transactionKey(tx), st.last, st.qpos, head);
    this.replace(tx, p);
    // An answered registration is no parent for a later key request: it need not wait anywhere.
    for (const q of tx.requests) if (this.waitingAt.get(q.dst) === tx) this.waitingAt.delete(q.dst);
  }

  /** Puts `neu` where `old` is in the index, the queue, by id and on the paths of its requests. */
  private replace(old: Entry, neu: Entry): void {
    const kind = this.kindOf(old), index = this.index[kind], lone = this.lone[kind], low = this.lowOf(old), l = index.get(low);
    if (Array.isArray(l)) { const i = l.indexOf(old); if (i >= 0) l[i] = neu; }
    else if (l === old || (l === undefined && isPacked(old) && lone.get(low) === old)) {
      if (isPacked(neu)) { index.delete(low); lone.set(low, neu); } else { lone.delete(low); index.set(low, neu); }
    }
    const qpos = isPacked(old) ? this.packed.qpos(old) : openState(old).qpos;
    if (this.queue.at(qpos) === old) this.queue.set(qpos, neu);
    if (isPacked(old)) {
      const tx = neu as Transaction;
      for (const q of tx.requests) {
        const pk = pathKey(q.src, q.dst), e = this.paths.get(pk);
        if (e?.tx === old && e.frame === q.frame) this.paths.set(pk, { tx, hop: q });
      }
    } else {
      for (const q of old.requests) {
        const pk = pathKey(q.src, q.dst), e = this.paths.get(pk);
        // A request answered already is no `near` for an unmatched reply: its entry can go.
        if (e?.tx === old && e.hop === q) { if (q.responseIn !== undefined) this.paths.delete(pk); else this.paths.set(pk, { tx: neu, frame: q.frame }); }
      }
    }
  }

  /** The request hop of a packed transaction in `frame` on path `pk`. */
  private packedRequest(p: number, frame: number, pk: number): Hop | undefined {
    let r = this.packed.head(p);
    for (let k = 0, n = this.packed.nRequests(p); k < n; k++, r = this.records.link(r)) {
      if (this.records.frame(r) !== frame) continue;
      const h = this.records.hop(r);
      if (pathKey(h.src, h.dst) === pk) return h;
    }
    return undefined;
  }

  private kindOf(e: Entry): TransactionKind { return isPacked(e) ? this.packed.kind(e) : e.kind; }
  private lowOf(e: Entry): number { return isPacked(e) ? this.packed.low(e) : e.low; }

  /** The open transactions of `kind` with these low 32 bits, in the order they began (a shared list for one: read it before the next call). */
  private candidates(kind: TransactionKind, low: number): readonly Entry[] {
    const l = this.index[kind].get(low);
    if (Array.isArray(l)) return l;
    if (l !== undefined) { this.single[0] = l; return this.single; }
    const s = this.lone[kind].get(low);
    if (s < 0) return NONE;
    this.single[0] = s;
    return this.single;
  }

  private request(kind: TransactionKind, m: MessageFacts, hop: Hop): Placement {
    const now = seconds(m.time);
    const cands = this.candidates(kind, m.low);
    let replayOf: number | undefined;
    for (let i = cands.length - 1; i >= 0; i--) {
      const e = cands[i]!;
      if (isPacked(e)) {
        const store = this.packed, spi = store.spi(e);
        if (store.homeAddr(e) !== m.homeAddr || store.haAddr(e) !== m.haAddr || (spi !== undefined && m.spi !== undefined && spi !== m.spi)) continue;
        // Accepted: neither a retransmission nor a relayed copy, whichever hop it is on.
        if (store.accepted(e)) { replayOf ??= store.id(e); continue; }
      } else if (e.homeAddr !== m.homeAddr || e.haAddr !== m.haAddr || (e.spi !== undefined && m.spi !== undefined && e.spi !== m.spi)) continue;
      const tx = isPacked(e) ? this.unpack(e) : e;
      const st = openState(tx);
      // The same hop again: a retransmission if the bytes are the same and nothing accepted it yet.
      const again = lastOnPath(tx.requests, m.src, m.dst);
      if (again) {
        const b = copyOf(st, again.frame);
        if (!tx.accepted && b && sameBytes(b, b.len, m.bytes, m.bytes.length)) {
          hop.hop = again.hop;
          hop.retransmissionOf = again.retransmissionOf ?? again.frame;
          if (again.relays !== undefined) hop.relays = again.relays;
          return this.attach(tx, hop, m, now);
        }
        replayOf ??= tx.id;
        continue;
      }
      // A copy carried on by the node the previous copy went to.
      const from = tx.accepted ? undefined : relayedFrom(tx.requests, m.src, now);
      if (from) {
        hop.hop = from.hop + 1;
        hop.relays = from.frame;
        if (from.next === undefined) { from.next = m.frame; this.touch(from); }
        const b = copyOf(st, from.frame);
        if (b && b.covered && m.covered && !sameBytes(b, b.covered, m.bytes, m.covered)) hop.protectedChanged = true;
        return this.attach(tx, hop, m, now);
      }
      replayOf ??= tx.id;
    }
    const tx: Transaction = {
      id: m.frame, kind, low: m.low, ident: m.ident, homeAddr: m.homeAddr, haAddr: m.haAddr, coa: m.coa, spi: m.spi,
      requests: NONE, replies: NONE, code: undefined, accepted: false, replayOf, parent: undefined, children: NONE, dropped: 0, closed: false,
    };
    if (kind === 'key') {
      const reg = this.waitingAt.get(m.src);
      if (reg && !reg.closed && reg.replies.length === 0) {
        tx.parent = reg.id;
        if (reg.children === NONE) reg.children = [tx.id]; else reg.children.push(tx.id);
      }
    }
    this.begin(tx, now);
    return this.attach(tx, hop, m, now);
  }

  private reply(kind: TransactionKind, m: MessageFacts, hop: Hop): Placement {
    const now = seconds(m.time);
    const cands = this.candidates(kind, m.low);
    // The request answered: from where this reply goes; sent to its source, else to a group
    // address, else to another interface; unanswered before answered; the latest.
    // A sender without an address (0.0.0.0) is answered by broadcast, or at its care-of address.
    const dstGroup = isGroupAddress(m.dst);
    let tx: Transaction | undefined, q: Hop | undefined, best = -1;
    for (let i = 0; i < cands.length; i++) {
      const e = cands[i]!;
      if (isPacked(e)) { if (this.packed.homeAddr(e) !== m.homeAddr || (kind === 'registration' && this.packed.haAddr(e) !== m.haAddr)) continue; }
      else if (e.homeAddr !== m.homeAddr || (kind === 'registration' && e.haAddr !== m.haAddr)) continue;
      const t = isPacked(e) ? this.unpack(e) : e;
      const rs = t.requests;
      for (let j = 0; j < rs.length; j++) {
        const r = rs[j]!;
        if (!(r.src === m.dst || (r.src === 0 && (dstGroup || m.dst === t.coa)))) continue;
        const score = (r.dst === m.src ? 4 : isGroupAddress(r.dst) ? 2 : 0) + (r.responseIn === undefined ? 1 : 0);
        if (score > best || (score === best && r.frame > q!.frame)) { tx = t; q = r; best = score; }
      }
    }
    if (!tx || !q) {
      const pk = pathKey(m.dst, m.src), near = this.paths.get(pk);
      const p: Placement = { tx: undefined, hop, start: m.start, src: m.srcIndex };
      const nt = near?.tx, nh = near && (near.hop ?? this.packedRequest(nt as number, near.frame!, pk));
      if (nt !== undefined && nh && nh.src === m.dst && nh.dst === m.src && (isPacked(nt) || !nt.closed) && nh.responseIn === undefined && this.kindOf(nt) === kind && now - seconds(nh.time) <= RELAY_WINDOW) p.near = nh.frame;
      return p;
    }
    const st = openState(tx);
    hop.answers = q.frame;
    hop.responseTime = timeDiff(m.time, q.time);
    if (q.ident >> 32n !== m.ident >> 32n) hop.identChanged = true;
    const again = lastOnPath(tx.replies, m.src, m.dst);
    const b = again && copyOf(st, again.frame);
    if (again && b && sameBytes(b, b.len, m.bytes, m.bytes.length)) {
      hop.hop = again.hop;
      hop.retransmissionOf = again.retransmissionOf ?? again.frame;
      if (again.relays !== undefined) hop.relays = again.relays;
    } else {
      if (q.responseIn === undefined) { q.responseIn = m.frame; this.touch(q); }
      // The reply this one carries on, else the request it answers.
      const from = replyRelayed(tx.replies, m.src);
      if (from) {
        hop.hop = from.hop + 1; hop.relays = from.frame;
        if (from.next === undefined) { from.next = m.frame; this.touch(from); }
        const fb = copyOf(st, from.frame);
        if (fb && fb.covered && m.covered && !sameBytes(fb, fb.covered, m.bytes, m.covered)) hop.protectedChanged = true;
      }
      else { hop.hop = maxHop(tx.requests, q.hop) + 1; hop.relays = q.frame; }
      if (q.next === undefined) { q.next = m.frame; this.touch(q); }
    }
    if (accepting(kind, m.code)) tx.accepted = true;
    // The outcome is the reply that reached the first sender; else the latest.
    const first = tx.requests[0];
    if (tx.code === undefined || !first || q.frame === first.frame || !answersFrame(tx.replies, first.frame)) tx.code = m.code;
    return this.attach(tx, hop, m, now);
  }

  private begin(tx: Transaction, now: number): void {
    this.evict(now);
    const index = this.index[tx.kind];
    const l = index.get(tx.low);
    if (Array.isArray(l)) l.push(tx);
    else if (l !== undefined) index.set(tx.low, [l, tx]);
    else {
      const lone = this.lone[tx.kind], s = lone.get(tx.low);
      if (s >= 0) { lone.delete(tx.low); index.set(tx.low, [s, tx]); } else index.set(tx.low, tx);
    }
    (tx as Tx)[OPEN] = { copies: NONE, last: now, qpos: this.queue.tail };
    this.queue.push(tx);
    if (tx.id < this.lastId) this.idsInOrder = false;
    this.lastId = tx.id;
    const s = this.retain ? this.archive.begin(tx.id) : this.serials++;
    (tx as Serial)[TX_SERIAL] = s;
    if (this.retain) this.live.set(s, tx);
  }

  private attach(tx: Transaction, hop: Hop, m: MessageFacts, now: number): Placement {
    const isRequest = hop.direction === 'request';
    const list = isRequest ? tx.requests : tx.replies;
    const st = openState(tx);
    st.last = now;
    if (hop.retransmissionOf !== undefined && list.length >= MAX_HOPS) tx.dropped++;
    else if (list.length < MAX_HOPS * 2) {
      // Arrays are made at their first element (a literal of one, not a push's spare room).
      if (list !== NONE) list.push(hop); else if (isRequest) tx.requests = [hop]; else tx.replies = [hop];
      const c = keep(m.frame, m.bytes, m.covered);
      if (st.copies === NONE) st.copies = [c]; else st.copies.push(c);
    } else tx.dropped++;
    const p = { tx, hop, start: m.start, src: m.srcIndex };
    if (!this.retain) this.touched.push(tx);
    if (isRequest) {
      this.paths.set(pathKey(m.src, m.dst), p);
      if (tx.kind === 'registration') this.waitingAt.set(m.dst, tx);
    }
    assignRoles(tx, hop);
    return p;
  }

  /** Closes the oldest transactions past MAX_OPEN or MAX_AGE (a closed one is skipped). */
  private evict(now: number): void {
    const q = this.queue;
    while (q.length > 0) {
      const tx = q.at(q.head)!;
      const last = isPacked(tx) ? this.packed.last(tx) : (tx as Tx)[OPEN]?.last;
      const open = q.length;
      const cause = last === undefined ? 'closed' : open >= MAX_OPEN ? 'count' : now - last > MAX_AGE ? 'age' : null;
      if (!cause) break;
      q.shift();
      if (cause !== 'closed') {
        const unanswered = !isPacked(tx) && tx.replies.length === 0;
        if (unanswered) { this.evictions[cause]++; (this.evictedNow ??= { age: 0, count: 0 })[cause]++; }
        this.close(tx, unanswered ? cause : null);
      }
    }
  }

  private close(e: Entry, evicted: 'age' | 'count' | null): void {
    if (!isPacked(e) && e.closed) return;
    // The listeners get the objects, as for a transaction never packed; the records go.
    const tx = isPacked(e) ? this.materialize(e) : e;
    if (isPacked(e)) this.releaseRecords(e);
    tx.closed = true;
    (tx as Tx)[OPEN] = undefined;
    const index = this.index[tx.kind];
    const l = index.get(tx.low);
    if (l === e) index.delete(tx.low);
    else if (Array.isArray(l)) {
      const i = l.indexOf(e);
      if (i >= 0) l.splice(i, 1);
      const only = l.length === 1 ? l[0]! : undefined;
      if (only !== undefined && isPacked(only)) { index.delete(tx.low); this.lone[tx.kind].set(tx.low, only); }
      else if (only !== undefined) index.set(tx.low, only);
      else if (!l.length) index.delete(tx.low);
    } else if (l === undefined && isPacked(e) && this.lone[tx.kind].get(tx.low) === e) this.lone[tx.kind].delete(tx.low);
    for (const q of tx.requests) {
      const pk = pathKey(q.src, q.dst);
      if (this.paths.get(pk)?.tx === e) this.paths.delete(pk);
      if (this.waitingAt.get(q.dst) === tx) this.waitingAt.delete(q.dst);
    }
    for (const fn of this.listeners) fn(tx);
    if (this.retain) {
      // The hops' rows are written (or will be, with their frame): the transaction's too, and the objects go.
      const s = transactionKey(tx);
      this.archive.writeTx(s, tx, hopKey);
      this.archive.noteClose(this.current?.frame ?? 0, s, evicted);
      this.live.delete(s);
    }
  }
}

/** The hop object of an open transaction that has row `row`, if it keeps it. */
function ownHop(tx: Transaction, row: number): Hop | undefined {
  for (const h of tx.requests) if (hopKey(h) === row) return h;
  for (const h of tx.replies) if (hopKey(h) === row) return h;
  return undefined;
}

/**
 * Who sends and receives a hop, decided when it is placed (so that dissecting a frame again gives
 * the same roles): a request goes to the HA when addressed to the Home Agent field or sent from
 * the care-of address (co-located), else to the FA on the first hop and to an AAA server after;
 * its sender is the receiver of the copy it relays. Replies take the roles their addresses had
 * on the way in.
 */
function assignRoles(tx: Transaction, h: Hop): void {
  if (tx.kind === 'key') {
    [h.from, h.to] = h.direction === 'request' ? ['HA', 'KDC'] : ['KDC', 'HA'];
    return;
  }
  if (tx.kind === 'revocation') {
    // RFC 3543: the HA revokes towards the FA, or the FA towards the HA; the acknowledgement goes back.
    // (haAddr is the revocation's Home Domain Address.)
    const first = tx.requests[0] ?? h;
    const from: NodeRole = first.src === tx.haAddr ? 'HA' : 'FA', to: NodeRole = from === 'HA' ? 'FA' : 'HA';
    [h.from, h.to] = h.direction === 'request' ? [from, to] : [to, from];
    return;
  }
  if (h.direction === 'request') {
    const prev = h.relays !== undefined ? frameIn(tx.requests, h.relays) : undefined;
    h.from = prev?.to ?? (h.hop === 1 ? 'MN' : 'AAA');
    h.to = h.dst === tx.haAddr || (h.hop === 1 && h.src !== 0 && h.src === tx.coa) ? 'HA' : h.hop === 1 ? 'FA' : 'AAA';
    return;
  }
  const roleOf = (addr: number): NodeRole | undefined => {
    for (const q of tx.requests) { if (q.src === addr) return q.from; if (q.dst === addr) return q.to; }
    return undefined;
  };
  const q = h.answers !== undefined ? frameIn(tx.requests, h.answers) : undefined;
  h.from = roleOf(h.src) ?? q?.to ?? 'HA';
  h.to = roleOf(h.dst) ?? q?.from ?? 'MN';
}
