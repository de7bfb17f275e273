// Request↔reply matching and the hops of one registration (MN → FA → (AAA) → HA and back).
//
// Messages belong to one exchange when they share its key: the Identification for registrations
// (types 1/3, RFC 5944 §3.3–3.4: the reply copies it, or at least its low 32 bits with code 133,
// §5.7.1) and for the KX key request/reply (types 8/9); Home Address + Revocation Identifier for
// revocations (types 7/15, RFC 3543 §3.2). Within an exchange:
// - a request whose source is an earlier request's destination relays it (the next hop);
// - a reply answers the latest request sent to the reply's source (replies go from 434 back to
//   the request's source, §3.4; the FA answers a mobile node that sent from 0.0.0.0 by broadcast);
// - a reply whose source is an earlier reply's destination relays that reply.
// Results are computed in the forward pass and stored per frame; "[Response in #N]" and
// "[Next hop in #N]" point forward, so they appear when frames are dissected again (-2, the TUI).
import { registerFields } from '../fields.js';
import type { Packet } from '../packet.js';
import type { Session } from '../session.js';
import type { AbsTime } from '../tree.js';
import { MIP } from './fields.js';
import type { MipMessage } from './extensions.js';
import { messageHooks } from './messages.js';

/**
 * Generated fields linking the hops of one registration. Every message of an exchange has
 * `mip.reg.first` (the frame of its first request) and `mip.reg.hop` (1 = the first request, then
 * each relay, then each reply on the way back: MN→FA 1, FA→HA 2, HA→FA 3, FA→MN 4);
 * `mip.reg.prev` / `mip.reg.next` give the neighbouring hops; `mip.reg.retransmission_of` marks a
 * request or reply sent again on the same hop.
 */
export const REG = registerFields({
  first: { abbrev: 'mip.reg.first', name: 'Exchange begins in', type: 'framenum', description: 'Frame of the first request of this registration (or key request, or revocation)' },
  hop: { abbrev: 'mip.reg.hop', name: 'Hop', type: 'uint8', description: 'Position on the path: 1 = first request, then each relay, then the replies back' },
  prev: { abbrev: 'mip.reg.prev', name: 'Previous hop in', type: 'framenum', description: 'The message this one relays or answers' },
  next: { abbrev: 'mip.reg.next', name: 'Next hop in', type: 'framenum', description: 'The message that relays or answers this one' },
  retransmission: { abbrev: 'mip.reg.retransmission_of', name: 'Retransmission of', type: 'framenum', description: 'An earlier message sent on the same hop of the same exchange' },
});

/** What tracking found for one frame. */
export interface TrackResult {
  responseIn?: number;
  responseTo?: number;
  time?: AbsTime;
  first?: number;
  hop?: number;
  prev?: number;
  next?: number;
  retransmissionOf?: number;
}

interface Hop { frame: number; src: number; dst: number; ts: AbsTime; hop: number; answered: boolean }
interface Exchange {
  first: number; requests: Hop[]; replies: Hop[];
  /** Where it is filed: registrations and key requests by Identification, revocations by home address and id. */
  map: Map<number, Exchange> | Map<string, Exchange>; key: number | string; hi: number;
}

export interface TrackingState {
  /** Registrations and key exchanges by the low 32 bits of the Identification (numbers: cheap keys). */
  registrations: Map<number, Exchange>;
  keyExchanges: Map<number, Exchange>;
  revocations: Map<string, Exchange>;
  /** Exchanges in the order they began: the oldest are forgotten past MAX_EXCHANGES. */
  order: Exchange[];
  results: Map<number, TrackResult>;
  /** The current frame's result when the session keeps none (Session.retain off). */
  current: { no: number; r: TrackResult } | null;
}

/** Exchanges kept open at once: a registration completes in seconds, so this bounds memory in a
 * long capture without losing any real match. */
const MAX_EXCHANGES = 20_000;

const KEY = 'mip.tracking';
const REQUEST_TYPES = new Set([1, 7, 8]);
const REPLY_TYPES = new Set([3, 9, 15]);
/** Hops remembered per exchange: enough for every relay and retransmission of one registration,
 * and a bound on the work per message when a capture replays one Identification many times. */
const MAX_HOPS = 32;

function remember(list: Hop[], h: Hop): void {
  list.push(h);
  if (list.length > MAX_HOPS) list.splice(0, list.length - MAX_HOPS);
}

export function trackingState(session: Session): TrackingState {
  let s = session.ext.get(KEY) as TrackingState | undefined;
  if (!s) { s = { registrations: new Map(), keyExchanges: new Map(), revocations: new Map(), order: [], results: new Map(), current: null }; session.ext.set(KEY, s); }
  return s;
}

/** The tracking result of frame `no` (after the forward pass reached it). */
export function trackResult(session: Session, no: number): TrackResult | undefined {
  const s = trackingState(session);
  return s.current?.no === no ? s.current.r : s.results.get(no);
}

/** The frame of the request a reply answers. */
export function matchedRequest(session: Session, replyFrame: number): number | undefined {
  return trackResult(session, replyFrame)?.responseTo;
}

function u32(b: Uint8Array, p: number): number { return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0; }

/** Where a message's exchange is filed: the map, its key, and the Identification's high half. */
function locate(s: TrackingState, msg: MipMessage): { map: Map<number, Exchange> | Map<string, Exchange>; key: number | string; hi: number } | null {
  const { type, buf, start, end } = msg;
  if (type === 1 || type === 3 || type === 8 || type === 9) {
    if (msg.ident === undefined) return null;
    const identAt = type === 1 ? start + 16 : type === 3 ? start + 12 : start + 8;
    return { map: type === 1 || type === 3 ? s.registrations : s.keyExchanges, key: u32(buf, identAt + 4), hi: u32(buf, identAt) };
  }
  const revidAt = type === 7 ? start + 16 : start + 8;
  if (revidAt + 4 > end || msg.homeAddr === undefined) return null;
  return { map: s.revocations, key: `${msg.homeAddr}:${u32(buf, revidAt)}`, hi: 0 };
}

function lookup(l: { map: Map<number, Exchange> | Map<string, Exchange>; key: number | string }): Exchange | undefined {
  return (l.map as Map<number | string, Exchange>).get(l.key);
}

function diff(a: AbsTime, b: AbsTime): AbsTime {
  let sec = a.sec - b.sec, nsec = a.nsec - b.nsec;
  if (nsec < 0) { nsec += 1e9; sec -= 1; }
  return { sec, nsec };
}

/** The result of frame `no`, created on first use; an earlier frame's only while results are kept. */
function result(s: TrackingState, no: number, retain: boolean): TrackResult | undefined {
  if (!retain) {
    if (s.current?.no === no) return s.current.r;
    return undefined;
  }
  let r = s.results.get(no);
  if (!r) { r = {}; s.results.set(no, r); }
  return r;
}

/** Forgets the oldest exchanges (unless a newer exchange took their key over). */
function forget(s: TrackingState): void {
  const drop = s.order.splice(0, s.order.length - MAX_EXCHANGES);
  for (const ex of drop) {
    const m = ex.map as Map<number | string, Exchange>;
    if (m.get(ex.key) === ex) m.delete(ex.key);
  }
}

/** Forward pass: places a message in its exchange and records the links. */
function track(s: TrackingState, pkt: Packet, msg: MipMessage): void {
  const where = locate(s, msg);
  if (!where) return;
  const no = pkt.no;
  const here: Hop = {
    frame: no, src: typeof pkt.meta.ipSrc === 'number' ? pkt.meta.ipSrc : 0, dst: typeof pkt.meta.ipDst === 'number' ? pkt.meta.ipDst : 0,
    ts: { sec: pkt.frame.tsSec, nsec: pkt.frame.tsNsec }, hop: 1, answered: false,
  };
  const retain = pkt.session.retain;
  if (!retain) s.current = { no, r: {} };
  const r = result(s, no, retain)!;
  if (REQUEST_TYPES.has(msg.type)) {
    let ex = lookup(where);
    // A request with the same low half but another high half starts a new exchange.
    if (!ex || ex.hi !== where.hi) {
      ex = { first: no, requests: [], replies: [], ...where };
      (where.map as Map<number | string, Exchange>).set(where.key, ex);
      s.order.push(ex);
      if (s.order.length > MAX_EXCHANGES * 1.25) forget(s);
    }
    r.first = ex.first;
    // The hop this one relays: sent to where this one comes from; else the exchange's last request.
    placeHop(s, ex.requests, here, r, retain, ex.requests.at(-1));
    return;
  }
  if (!REPLY_TYPES.has(msg.type)) return;
  // A reply copies the request's Identification, or at least its low half: with code 133 the
  // high half is the home agent's time (RFC 5944 §5.7.1).
  const ex = lookup(where);
  if (!ex || (ex.hi !== where.hi && !(msg.type === 3 && msg.code === 133))) return;
  r.first = ex.first;
  // The request answered: sent to this reply's source; failing that, any request of the exchange.
  const pick = (ok: (q: Hop) => boolean) => findLast(ex!.requests, q => ok(q) && !q.answered) ?? findLast(ex!.requests, ok);
  const req = pick(q => q.dst === here.src) ?? pick(() => true);
  if (req) {
    r.responseTo = req.frame;
    r.time = diff(here.ts, req.ts);
    req.answered = true;
    { const o = result(s, req.frame, retain); if (o) o.responseIn ??= no; }
  }
  // The reply this one relays, else the request it answers.
  placeHop(s, ex.replies, here, r, retain, req);
}

/**
 * Places a message among the hops of its direction: a retransmission of a hop already seen
 * (same source and destination), or the next hop after the one sent to where it comes from
 * (else after `fallback`); links the two and remembers it.
 */
function placeHop(s: TrackingState, hops: Hop[], here: Hop, r: TrackResult, retain: boolean, fallback: Hop | undefined): void {
  const dup = findLast(hops, q => q.src === here.src && q.dst === here.dst);
  if (dup) {
    here.hop = dup.hop;
    r.retransmissionOf = dup.frame;
    const prev = (retain ? s.results.get(dup.frame) : undefined)?.prev;
    if (prev !== undefined) r.prev = prev;
  } else {
    const from = findLast(hops, q => q.dst === here.src) ?? fallback;
    if (from) {
      here.hop = from.hop + 1;
      r.prev = from.frame;
      const o = result(s, from.frame, retain);
      if (o) o.next ??= here.frame;
    }
  }
  r.hop = here.hop;
  remember(hops, here);
}

function findLast<T>(a: readonly T[], ok: (x: T) => boolean): T | undefined {
  for (let i = a.length - 1; i >= 0; i--) if (ok(a[i]!)) return a[i];
  return undefined;
}

/** Shows the stored links of a message as generated fields. */
function show(pkt: Packet, msg: MipMessage, r: TrackResult): void {
  const n = msg.node, src = msg.src, s = msg.start;
  if (r.responseIn !== undefined) pkt.addGenerated(n, MIP.responseIn, r.responseIn, s, 0, src);
  if (r.responseTo !== undefined) pkt.addGenerated(n, MIP.responseTo, r.responseTo, s, 0, src);
  if (r.time !== undefined) pkt.addGenerated(n, MIP.responseTime, r.time, s, 0, src);
  if (r.first !== undefined) pkt.addGenerated(n, REG.first, r.first, s, 0, src);
  if (r.hop !== undefined && r.first !== undefined) pkt.addGenerated(n, REG.hop, r.hop, s, 0, src);
  if (r.prev !== undefined) pkt.addGenerated(n, REG.prev, r.prev, s, 0, src);
  if (r.next !== undefined) pkt.addGenerated(n, REG.next, r.next, s, 0, src);
  if (r.retransmissionOf !== undefined) pkt.addGenerated(n, REG.retransmission, r.retransmissionOf, s, 0, src);
}

export function trackingHook(pkt: Packet, msg: MipMessage): void {
  if (!REQUEST_TYPES.has(msg.type) && !REPLY_TYPES.has(msg.type)) return;
  const session = pkt.session;
  const s = trackingState(session);
  if (!session.visited(pkt.no) && trackResult(session, pkt.no) === undefined) track(s, pkt, msg);
  const r = trackResult(session, pkt.no);
  if (r) show(pkt, msg, r);
}

messageHooks.push(trackingHook);
