// The compact memory of the registration transactions (./transactions.ts) when the session keeps
// results for dissecting frames again (-2, the TUI): per tracked message a row of typed columns
// (its frame, where it sits, its hop: addresses, roles, links to other frames, verdicts), and per
// closed transaction another. Open transactions stay objects in the table while they can still
// change (at most MAX_OPEN of them); once closed, theirs are written here and the objects go.
// Readers get small views over the rows (HopView, TxView) that answer as the objects did.
import { grown, lowerBound } from '../columns.js';
import type { AbsTime } from '../tree.js';
import type { AuthVerdict, DistributedKey, Hop, NodeRole, Transaction, TransactionKind } from './transactions.js';

/** A hop's row (its placement's index), on the hop objects of open transactions. */
export const HOP_ROW = Symbol('hopRow');
/** A transaction's serial number (its order of beginning), on transaction objects and views. */
export const TX_SERIAL = Symbol('txSerial');

const ROLES: readonly NodeRole[] = ['MN', 'FA', 'AAA', 'HA', 'KDC'];
const ROLE: Readonly<Record<NodeRole, number>> = { MN: 0, FA: 1, AAA: 2, HA: 3, KDC: 4 };
const KINDS: readonly TransactionKind[] = ['registration', 'key', 'revocation'];
const KIND: Readonly<Record<TransactionKind, number>> = { registration: 0, key: 1, revocation: 2 };
const STATUSES: readonly AuthVerdict['status'][] = ['good', 'bad', 'unverified'];
const STATUS: Readonly<Record<AuthVerdict['status'], number>> = { good: 0, bad: 1, unverified: 2 };

// Hop flags
const REPLY = 1, IDENT_CHANGED = 2, PROTECTED_CHANGED = 4, DISCARDABLE = 8, HAS_CODE = 16, HAS_LIFETIME = 32, HAS_RESPONSE_TIME = 64;
// Transaction flags
const ACCEPTED = 1, HAS_SPI = 2, HAS_TX_CODE = 4, HAS_REPLAY = 8, HAS_PARENT = 16, CLOSED = 32;

const LOW = 0xffffffffn;
const NONE: never[] = Object.freeze([]) as never[];
/** 0 stands for "none" in the frame-link columns (frames are numbered from 1). */
const opt = (v: number): number | undefined => (v === 0 ? undefined : v);

export class TransactionArchive {
  /** Rows written: one per tracked message placed (hops), one per transaction begun. */
  hops = 0;
  txs = 0;
  // Per hop (placement)
  private frame = new Int32Array(1024);
  private start = new Int32Array(1024);
  private srcIndex = new Uint8Array(1024);
  /** Serial + 1 of the transaction (0: a reply that answers nothing). */
  private tx = new Int32Array(1024);
  private near = new Int32Array(1024);
  private sec = new Float64Array(1024);
  private nsec = new Uint32Array(1024);
  private flags = new Uint8Array(1024);
  private addrSrc = new Uint32Array(1024);
  private addrDst = new Uint32Array(1024);
  private portSrc = new Uint16Array(1024);
  private portDst = new Uint16Array(1024);
  private hopNo = new Uint16Array(1024);
  private roles = new Uint8Array(1024);
  private identHi = new Uint32Array(1024);
  private identLo = new Uint32Array(1024);
  private code = new Uint8Array(1024);
  private lifetime = new Uint16Array(1024);
  private relays = new Int32Array(1024);
  private next = new Int32Array(1024);
  private retransmissionOf = new Int32Array(1024);
  private answers = new Int32Array(1024);
  private responseIn = new Int32Array(1024);
  /** 1 + the first verdict of the hop in the verdict pool (0: none). */
  private authHead = new Int32Array(1024);
  private authTail = new Int32Array(1024);
  // Authenticator verdicts (a pool of linked rows)
  private verdicts = 0;
  private vType = new Uint8Array(1024);
  private vSpi = new Uint32Array(1024);
  private vStatus = new Uint8Array(1024);
  private vNext = new Int32Array(1024);
  /** Keys a hop distributes (few hops do). */
  private readonly keys = new Map<number, DistributedKey[]>();
  // Per transaction (serial)
  private tId = new Int32Array(1024);
  private tKind = new Uint8Array(1024);
  private tFlags = new Uint8Array(1024);
  private tLow = new Uint32Array(1024);
  private tIdentHi = new Uint32Array(1024);
  private tIdentLo = new Uint32Array(1024);
  private tHome = new Uint32Array(1024);
  private tHa = new Uint32Array(1024);
  private tCoa = new Uint32Array(1024);
  private tSpi = new Uint32Array(1024);
  private tCode = new Uint8Array(1024);
  private tReplayOf = new Int32Array(1024);
  private tParent = new Int32Array(1024);
  private tDropped = new Int32Array(1024);
  /** Where the transaction's hop rows (requests, then replies) and children ids start in `members`. */
  private tMembers = new Int32Array(1024);
  private tRequests = new Uint16Array(1024);
  private tReplies = new Uint16Array(1024);
  private tChildren = new Int32Array(1024);
  private members = new Int32Array(1024);
  private memberCount = 0;
  // Closes, in the order they happened: the frame whose placement closed them, and whether unanswered
  private closes = 0;
  private cFrame = new Int32Array(1024);
  private cSerial = new Int32Array(1024);
  /** 0: answered; 1: unanswered, evicted by age; 2: unanswered, evicted by count. */
  private cEvicted = new Uint8Array(1024);

  /** A new row for a message placed in `frame`; returns its index. */
  place(frame: number, start: number, src: number): number {
    const i = this.hops++;
    if (i >= this.frame.length) this.growHops(i);
    this.frame[i] = frame; this.start[i] = start; this.srcIndex[i] = src;
    return i;
  }

  private growHops(i: number): void {
    this.frame = grown(this.frame, i); this.start = grown(this.start, i); this.srcIndex = grown(this.srcIndex, i);
    this.tx = grown(this.tx, i); this.near = grown(this.near, i); this.sec = grown(this.sec, i); this.nsec = grown(this.nsec, i);
    this.flags = grown(this.flags, i); this.addrSrc = grown(this.addrSrc, i); this.addrDst = grown(this.addrDst, i);
    this.portSrc = grown(this.portSrc, i); this.portDst = grown(this.portDst, i); this.hopNo = grown(this.hopNo, i);
    this.roles = grown(this.roles, i); this.identHi = grown(this.identHi, i); this.identLo = grown(this.identLo, i);
    this.code = grown(this.code, i); this.lifetime = grown(this.lifetime, i); this.relays = grown(this.relays, i);
    this.next = grown(this.next, i); this.retransmissionOf = grown(this.retransmissionOf, i); this.answers = grown(this.answers, i);
    this.responseIn = grown(this.responseIn, i); this.authHead = grown(this.authHead, i); this.authTail = grown(this.authTail, i);
  }

  /** Writes a hop's fields (once its frame is done; again when a later frame links to it). */
  writeHop(i: number, h: Hop, serial: number, near: number | undefined): void {
    this.tx[i] = serial + 1;
    this.near[i] = near ?? 0;
    this.sec[i] = h.time.sec; this.nsec[i] = h.time.nsec;
    this.flags[i] = (h.direction === 'reply' ? REPLY : 0) | (h.identChanged ? IDENT_CHANGED : 0) | (h.protectedChanged ? PROTECTED_CHANGED : 0)
      | (h.discardable ? DISCARDABLE : 0) | (h.code !== undefined ? HAS_CODE : 0) | (h.lifetime !== undefined ? HAS_LIFETIME : 0)
      | (h.responseTime !== undefined ? HAS_RESPONSE_TIME : 0);
    this.addrSrc[i] = h.src; this.addrDst[i] = h.dst; this.portSrc[i] = h.srcPort; this.portDst[i] = h.dstPort;
    this.hopNo[i] = h.hop; this.roles[i] = ROLE[h.from] * 8 + ROLE[h.to];
    this.identHi[i] = Number(h.ident >> 32n); this.identLo[i] = Number(h.ident & LOW);
    this.code[i] = h.code ?? 0; this.lifetime[i] = h.lifetime ?? 0;
    this.writeLinks(i, h);
  }

  /** The fields a later message changes: the hop that carries this one on, the first reply. */
  writeLinks(i: number, h: Hop): void {
    this.relays[i] = h.relays ?? 0; this.next[i] = h.next ?? 0; this.retransmissionOf[i] = h.retransmissionOf ?? 0;
    this.answers[i] = h.answers ?? 0; this.responseIn[i] = h.responseIn ?? 0;
  }

  addAuth(i: number, v: AuthVerdict): void {
    const j = this.verdicts++;
    if (j >= this.vType.length) { this.vType = grown(this.vType, j); this.vSpi = grown(this.vSpi, j); this.vStatus = grown(this.vStatus, j); this.vNext = grown(this.vNext, j); }
    this.vType[j] = v.type; this.vSpi[j] = v.spi; this.vStatus[j] = STATUS[v.status]; this.vNext[j] = 0;
    if (this.authTail[i]) this.vNext[this.authTail[i]! - 1] = j + 1; else this.authHead[i] = j + 1;
    this.authTail[i] = j + 1;
  }

  addKey(i: number, k: DistributedKey): void {
    const l = this.keys.get(i);
    if (l) l.push(k); else this.keys.set(i, [k]);
  }

  /** Rows of the messages placed in `frame`: [first, end). */
  rowsOf(frame: number): [number, number] {
    const a = lowerBound(this.frame, this.hops, frame);
    return [a, lowerBound(this.frame, this.hops, frame + 1)];
  }
  startOf(i: number): number { return this.start[i]!; }
  srcOf(i: number): number { return this.srcIndex[i]!; }
  /** The transaction serial of row `i`, or -1. */
  serialOf(i: number): number { return this.tx[i]! - 1; }
  nearOf(i: number): number | undefined { return opt(this.near[i]!); }

  // Transactions

  /** Notes a transaction begun (its serial is the next one). */
  begin(id: number): number {
    const s = this.txs++;
    if (s >= this.tId.length) this.growTxs(s);
    this.tId[s] = id;
    return s;
  }

  private growTxs(s: number): void {
    this.tId = grown(this.tId, s); this.tKind = grown(this.tKind, s); this.tFlags = grown(this.tFlags, s); this.tLow = grown(this.tLow, s);
    this.tIdentHi = grown(this.tIdentHi, s); this.tIdentLo = grown(this.tIdentLo, s); this.tHome = grown(this.tHome, s);
    this.tHa = grown(this.tHa, s); this.tCoa = grown(this.tCoa, s); this.tSpi = grown(this.tSpi, s); this.tCode = grown(this.tCode, s);
    this.tReplayOf = grown(this.tReplayOf, s); this.tParent = grown(this.tParent, s); this.tDropped = grown(this.tDropped, s);
    this.tMembers = grown(this.tMembers, s); this.tRequests = grown(this.tRequests, s); this.tReplies = grown(this.tReplies, s);
    this.tChildren = grown(this.tChildren, s);
  }

  /** Writes a closed transaction (its hops' rows are written already). */
  writeTx(s: number, tx: Transaction, rowOf: (h: Hop) => number): void {
    this.tKind[s] = KIND[tx.kind]; this.tLow[s] = tx.low;
    this.tIdentHi[s] = Number(tx.ident >> 32n); this.tIdentLo[s] = Number(tx.ident & LOW);
    this.tHome[s] = tx.homeAddr; this.tHa[s] = tx.haAddr; this.tCoa[s] = tx.coa; this.tSpi[s] = tx.spi ?? 0; this.tCode[s] = tx.code ?? 0;
    this.tFlags[s] = CLOSED | (tx.accepted ? ACCEPTED : 0) | (tx.spi !== undefined ? HAS_SPI : 0) | (tx.code !== undefined ? HAS_TX_CODE : 0)
      | (tx.replayOf !== undefined ? HAS_REPLAY : 0) | (tx.parent !== undefined ? HAS_PARENT : 0);
    this.tReplayOf[s] = tx.replayOf ?? 0; this.tParent[s] = tx.parent ?? 0; this.tDropped[s] = tx.dropped;
    this.tMembers[s] = this.memberCount; this.tRequests[s] = tx.requests.length; this.tReplies[s] = tx.replies.length; this.tChildren[s] = tx.children.length;
    for (const h of tx.requests) this.member(rowOf(h));
    for (const h of tx.replies) this.member(rowOf(h));
    for (const c of tx.children) this.member(c);
  }

  private member(v: number): void {
    if (this.memberCount >= this.members.length) this.members = grown(this.members, this.memberCount);
    this.members[this.memberCount++] = v;
  }

  closed(s: number): boolean { return (this.tFlags[s]! & CLOSED) !== 0; }

  /** Serials of the transactions whose first frame is `id`. */
  serialsOf(id: number): [number, number] {
    const a = lowerBound(this.tId, this.txs, id);
    return [a, lowerBound(this.tId, this.txs, id + 1)];
  }

  /** Notes that transaction `s` closed while `frame` was placed (evicted unanswered: `evicted`). */
  noteClose(frame: number, s: number, evicted: 'age' | 'count' | null): void {
    const j = this.closes++;
    if (j >= this.cFrame.length) { this.cFrame = grown(this.cFrame, j); this.cSerial = grown(this.cSerial, j); this.cEvicted = grown(this.cEvicted, j); }
    this.cFrame[j] = frame; this.cSerial[j] = s; this.cEvicted[j] = evicted === 'age' ? 1 : evicted === 'count' ? 2 : 0;
  }

  /** Serials of the transactions closed while `frame` was placed, and the unanswered ones evicted, by cause. */
  closedIn(frame: number): { serials: number[]; age: number; count: number } {
    const out = { serials: [] as number[], age: 0, count: 0 };
    for (let j = lowerBound(this.cFrame, this.closes, frame); j < this.closes && this.cFrame[j] === frame; j++) {
      out.serials.push(this.cSerial[j]!);
      if (this.cEvicted[j] === 1) out.age++; else if (this.cEvicted[j] === 2) out.count++;
    }
    return out;
  }

  // Views

  hopView(i: number): Hop { return new HopView(this, i); }
  txView(s: number): Transaction { return new TxView(this, s); }

  hopFrame(i: number): number { return this.frame[i]!; }
  hopTime(i: number): AbsTime { return { sec: this.sec[i]!, nsec: this.nsec[i]! }; }
  hopFlags(i: number): number { return this.flags[i]!; }
  hopAddr(i: number, dst: boolean): number { return dst ? this.addrDst[i]! : this.addrSrc[i]!; }
  hopPort(i: number, dst: boolean): number { return dst ? this.portDst[i]! : this.portSrc[i]!; }
  hopNumber(i: number): number { return this.hopNo[i]!; }
  hopRole(i: number, to: boolean): NodeRole { const r = this.roles[i]!; return ROLES[to ? r % 8 : r >> 3]!; }
  hopIdent(i: number): bigint { return (BigInt(this.identHi[i]!) << 32n) | BigInt(this.identLo[i]!); }
  hopCode(i: number): number | undefined { return this.flags[i]! & HAS_CODE ? this.code[i] : undefined; }
  hopLifetime(i: number): number | undefined { return this.flags[i]! & HAS_LIFETIME ? this.lifetime[i] : undefined; }
  hopLink(i: number, which: 'relays' | 'next' | 'retransmissionOf' | 'answers' | 'responseIn'): number | undefined { return opt(this[which][i]!); }
  /** The reply's time since the request it answers (a row of the same transaction). */
  hopResponseTime(i: number): AbsTime | undefined {
    if (!(this.flags[i]! & HAS_RESPONSE_TIME)) return undefined;
    const q = this.answers[i]!, s = this.tx[i]!;
    const [a, b] = this.rowsOf(q);
    for (let j = a; j < b; j++) {
      if (this.tx[j] !== s || this.flags[j]! & REPLY) continue;
      let sec = this.sec[i]! - this.sec[j]!, nsec = this.nsec[i]! - this.nsec[j]!;
      if (nsec < 0) { nsec += 1e9; sec -= 1; }
      return { sec, nsec };
    }
    return undefined;
  }
  hopAuth(i: number): AuthVerdict[] {
    if (!this.authHead[i]) return NONE;
    const out: AuthVerdict[] = [];
    for (let j = this.authHead[i]!; j; j = this.vNext[j - 1]!) out.push({ type: this.vType[j - 1]!, spi: this.vSpi[j - 1]!, status: STATUSES[this.vStatus[j - 1]!]! });
    return out;
  }
  hopKeys(i: number): DistributedKey[] { return this.keys.get(i) ?? NONE; }

  txId(s: number): number { return this.tId[s]!; }
  txKind(s: number): TransactionKind { return KINDS[this.tKind[s]!]!; }
  txNumber(s: number, which: 'low' | 'homeAddr' | 'haAddr' | 'coa' | 'dropped'): number {
    switch (which) {
      case 'low': return this.tLow[s]!;
      case 'homeAddr': return this.tHome[s]!;
      case 'haAddr': return this.tHa[s]!;
      case 'coa': return this.tCoa[s]!;
      case 'dropped': return this.tDropped[s]!;
    }
  }
  txIdent(s: number): bigint { return (BigInt(this.tIdentHi[s]!) << 32n) | BigInt(this.tIdentLo[s]!); }
  txSpi(s: number): number | undefined { return this.tFlags[s]! & HAS_SPI ? this.tSpi[s] : undefined; }
  txCode(s: number): number | undefined { return this.tFlags[s]! & HAS_TX_CODE ? this.tCode[s] : undefined; }
  txAccepted(s: number): boolean { return (this.tFlags[s]! & ACCEPTED) !== 0; }
  txReplayOf(s: number): number | undefined { return this.tFlags[s]! & HAS_REPLAY ? this.tReplayOf[s] : undefined; }
  txParent(s: number): number | undefined { return this.tFlags[s]! & HAS_PARENT ? this.tParent[s] : undefined; }
  /** Hop rows (requests or replies) or children ids of transaction `s`. */
  txMembers(s: number, which: 'requests' | 'replies' | 'children'): number[] {
    const nq = this.tRequests[s]!, nr = this.tReplies[s]!;
    const [at, n] = which === 'requests' ? [0, nq] : which === 'replies' ? [nq, nr] : [nq + nr, this.tChildren[s]!];
    if (n === 0) return NONE;
    const out = new Array<number>(n), base = this.tMembers[s]! + at;
    for (let k = 0; k < n; k++) out[k] = this.members[base + k]!;
    return out;
  }
}

/** A hop of a closed transaction (or a reply that answered nothing), read from its row. */
class HopView implements Hop {
  readonly [HOP_ROW]: number;
  constructor(private readonly a: TransactionArchive, i: number) { this[HOP_ROW] = i; }
  get frame(): number { return this.a.hopFrame(this[HOP_ROW]); }
  get time(): AbsTime { return this.a.hopTime(this[HOP_ROW]); }
  get direction(): 'request' | 'reply' { return this.a.hopFlags(this[HOP_ROW]) & REPLY ? 'reply' : 'request'; }
  get src(): number { return this.a.hopAddr(this[HOP_ROW], false); }
  get dst(): number { return this.a.hopAddr(this[HOP_ROW], true); }
  get srcPort(): number { return this.a.hopPort(this[HOP_ROW], false); }
  get dstPort(): number { return this.a.hopPort(this[HOP_ROW], true); }
  get hop(): number { return this.a.hopNumber(this[HOP_ROW]); }
  get from(): NodeRole { return this.a.hopRole(this[HOP_ROW], false); }
  get to(): NodeRole { return this.a.hopRole(this[HOP_ROW], true); }
  get ident(): bigint { return this.a.hopIdent(this[HOP_ROW]); }
  get code(): number | undefined { return this.a.hopCode(this[HOP_ROW]); }
  get lifetime(): number | undefined { return this.a.hopLifetime(this[HOP_ROW]); }
  get relays(): number | undefined { return this.a.hopLink(this[HOP_ROW], 'relays'); }
  get next(): number | undefined { return this.a.hopLink(this[HOP_ROW], 'next'); }
  get retransmissionOf(): number | undefined { return this.a.hopLink(this[HOP_ROW], 'retransmissionOf'); }
  get answers(): number | undefined { return this.a.hopLink(this[HOP_ROW], 'answers'); }
  get responseIn(): number | undefined { return this.a.hopLink(this[HOP_ROW], 'responseIn'); }
  get responseTime(): AbsTime | undefined { return this.a.hopResponseTime(this[HOP_ROW]); }
  get identChanged(): boolean | undefined { return this.a.hopFlags(this[HOP_ROW]) & IDENT_CHANGED ? true : undefined; }
  get protectedChanged(): boolean | undefined { return this.a.hopFlags(this[HOP_ROW]) & PROTECTED_CHANGED ? true : undefined; }
  get discardable(): boolean | undefined { return this.a.hopFlags(this[HOP_ROW]) & DISCARDABLE ? true : undefined; }
  get auth(): AuthVerdict[] { return this.a.hopAuth(this[HOP_ROW]); }
  get keys(): DistributedKey[] { return this.a.hopKeys(this[HOP_ROW]); }
}

/** A closed transaction, read from its row. */
class TxView implements Transaction {
  readonly [TX_SERIAL]: number;
  readonly closed = true;
  constructor(private readonly a: TransactionArchive, s: number) { this[TX_SERIAL] = s; }
  get id(): number { return this.a.txId(this[TX_SERIAL]); }
  get kind(): TransactionKind { return this.a.txKind(this[TX_SERIAL]); }
  get low(): number { return this.a.txNumber(this[TX_SERIAL], 'low'); }
  get ident(): bigint { return this.a.txIdent(this[TX_SERIAL]); }
  get homeAddr(): number { return this.a.txNumber(this[TX_SERIAL], 'homeAddr'); }
  get haAddr(): number { return this.a.txNumber(this[TX_SERIAL], 'haAddr'); }
  get coa(): number { return this.a.txNumber(this[TX_SERIAL], 'coa'); }
  get spi(): number | undefined { return this.a.txSpi(this[TX_SERIAL]); }
  get requests(): Hop[] { return this.a.txMembers(this[TX_SERIAL], 'requests').map(i => this.a.hopView(i)); }
  get replies(): Hop[] { return this.a.txMembers(this[TX_SERIAL], 'replies').map(i => this.a.hopView(i)); }
  get code(): number | undefined { return this.a.txCode(this[TX_SERIAL]); }
  get accepted(): boolean { return this.a.txAccepted(this[TX_SERIAL]); }
  get replayOf(): number | undefined { return this.a.txReplayOf(this[TX_SERIAL]); }
  get parent(): number | undefined { return this.a.txParent(this[TX_SERIAL]); }
  get children(): number[] { return this.a.txMembers(this[TX_SERIAL], 'children'); }
  get dropped(): number { return this.a.txNumber(this[TX_SERIAL], 'dropped'); }
}
