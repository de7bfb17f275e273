// Feeds the session's registration transactions (./transactions.ts) from each dissected message
// in the forward pass, and shows what the model says about the message as generated fields:
// Wireshark's `mip.response_in`, `mip.response_to` and `mip.time`, and `mip.transaction`
// (its first frame), `mip.hop` (1, 2, …), `mip.hop.role`, `mip.hop.prev`/`next`,
// `mip.retransmission_of`, `mip.replay_of`. Forward links ("[Response In: 12]") appear when a
// frame is dissected again after the forward pass reached the later frame (-2, the TUI).
import { registerExperts, registerFields } from '../fields.js';
import type { Packet } from '../packet.js';
import { MIP } from './fields.js';
import { extensionHandler } from './extensions.js';
import type { MipMessage } from './extensions.js';
import { addMessageHook } from './messages.js';
import { isTrackedType, MAX_AGE, MAX_OPEN } from './transactions.js';
import type { MessageFacts, Placement } from './transactions.js';

export const REG = registerFields({
  transaction: { abbrev: 'mip.transaction', name: 'Transaction begins in', type: 'framenum', description: 'Frame of the first request of this registration (or key request, or revocation)' },
  hop: { abbrev: 'mip.hop', name: 'Hop', type: 'uint8', description: 'Position on the path: 1 = first request, then each relayed copy, then the replies back' },
  role: { abbrev: 'mip.hop.role', name: 'Role', type: 'string', description: 'Who sends and receives this hop: MN→FA, FA→HA, FA→AAA, AAA→HA, MN→HA, HA→KDC, and back' },
  prev: { abbrev: 'mip.hop.prev', name: 'Previous hop in', type: 'framenum', description: 'The message this one relays or answers' },
  next: { abbrev: 'mip.hop.next', name: 'Next hop in', type: 'framenum', description: 'The message that relays or answers this one' },
  retransmission: { abbrev: 'mip.retransmission_of', name: 'Retransmission of', type: 'framenum', description: 'An earlier message with the same bytes on the same hop of the same transaction' },
  replay: { abbrev: 'mip.replay_of', name: 'Replay of', type: 'framenum', description: 'First frame of an earlier transaction of this mobile node with the same Identification' },
});

export const REG_EXPERT = registerExperts({
  retransmission: { abbrev: 'mip.retransmission', summary: 'Retransmission', group: 'sequence', severity: 'note' },
  replay: { abbrev: 'mip.replay', summary: 'Replayed Identification (RFC 5944 §5.7)', group: 'security', severity: 'warn' },
  identResync: { abbrev: 'mip.ident.resync', summary: 'Reply carries the home agent\'s time in the high 32 bits of the Identification (code 133, RFC 5944 §5.7.1)', group: 'sequence', severity: 'note' },
  identChanged: { abbrev: 'mip.ident.changed', summary: 'Reply changes the high 32 bits of the Identification without code 133 (RFC 5944 §3.4, §5.7)', group: 'protocol', severity: 'warn' },
  relayChanged: { abbrev: 'mip.relay.changed', summary: 'Relayed copy changes bytes the MN-HA authenticator covers (RFC 5944 §3.7.1)', group: 'protocol', severity: 'error' },
  replyUnmatched: { abbrev: 'mip.reply.unmatched', summary: 'Reply answers no request: its Identification differs from a pending request\'s', group: 'sequence', severity: 'warn' },
  evicted: { abbrev: 'mip.transaction.evicted', summary: 'Unanswered requests forgotten (open-transaction limit)', group: 'sequence', severity: 'warn' },
});

const LOW = 0xffffffffn;

/** The position of a message's MN-HA authentication among its extensions (-1: none): type 32, or type 36 subtype 1 (MN-AAA, RFC 3012). */
export function mnHaIndex(msg: MipMessage): number {
  return msg.exts.findIndex(e => e.type === 32 || (e.type === 36 && e.subtype === 1));
}

function u32(b: Uint8Array, p: number): number { return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0; }

/** What the model needs of a message, from its typed record and the headers that carried it. */
function facts(pkt: Packet, msg: MipMessage): MessageFacts | null {
  const { type, buf, start, end } = msg;
  let low: number, ident: bigint;
  if (type === 7 || type === 15) {
    const at = type === 7 ? start + 16 : start + 8;
    if (at + 4 > end || msg.homeAddr === undefined) return null;
    low = u32(buf, at); ident = BigInt(low);
  } else {
    if (msg.ident === undefined) return null;
    ident = msg.ident; low = Number(ident & LOW);
  }
  const auth = msg.exts[mnHaIndex(msg)];
  const spiAt = auth ? auth.offset + auth.hdrLen : 0;
  const ip = msg.udp?.ip;
  const f: MessageFacts = {
    frame: pkt.no, time: { sec: pkt.frame.tsSec, nsec: pkt.frame.tsNsec }, type, start, srcIndex: msg.src,
    src: ip?.src ?? 0, dst: ip?.dst ?? 0, srcPort: msg.udp?.srcPort ?? 0, dstPort: msg.udp?.dstPort ?? 0,
    low, ident, homeAddr: msg.homeAddr ?? 0, haAddr: type === 1 || type === 3 ? msg.haAddr ?? 0 : type === 7 && start + 12 <= end ? u32(buf, start + 8) : 0, coa: msg.coa ?? 0,
    spi: auth && !auth.overrun && spiAt + 4 <= end ? u32(buf, spiAt) : undefined,
    bytes: buf.subarray(start, end), covered: auth && !auth.overrun ? auth.end - start : 0,
    discardable: msg.exts.some(e => e.type < 128 && !extensionHandler(e.type, pkt.session.prefs)),
  };
  if (msg.code !== undefined) f.code = msg.code;
  if (msg.lifetime !== undefined) f.lifetime = msg.lifetime;
  return f;
}

/** Shows a message's place in its transaction. */
function show(pkt: Packet, msg: MipMessage, p: Placement): void {
  const n = msg.node, src = msg.src, s = msg.start, h = p.hop, tx = p.tx;
  if (!tx) {
    if (p.near !== undefined) pkt.addExpert(n, REG_EXPERT.replyUnmatched, s, 0, `Reply answers no request: the request pending in frame ${p.near} on the reverse path has other low-order 32 bits of the Identification`, src);
    return;
  }
  if (h.responseIn !== undefined) pkt.addGenerated(n, MIP.responseIn, h.responseIn, s, 0, src);
  if (h.answers !== undefined) pkt.addGenerated(n, MIP.responseTo, h.answers, s, 0, src);
  if (h.responseTime !== undefined) pkt.addGenerated(n, MIP.responseTime, h.responseTime, s, 0, src);
  pkt.addGenerated(n, REG.transaction, tx.id, s, 0, src);
  pkt.addGenerated(n, REG.hop, h.hop, s, 0, src);
  pkt.addGenerated(n, REG.role, `${h.from}→${h.to}`, s, 0, src);
  if (h.relays !== undefined) pkt.addGenerated(n, REG.prev, h.relays, s, 0, src);
  if (h.next !== undefined) pkt.addGenerated(n, REG.next, h.next, s, 0, src);
  if (h.retransmissionOf !== undefined) {
    pkt.addGenerated(n, REG.retransmission, h.retransmissionOf, s, 0, src);
    pkt.addExpert(n, REG_EXPERT.retransmission, s, 0, `Retransmission of frame ${h.retransmissionOf}`, src);
  }
  if (tx.replayOf !== undefined && tx.id === h.frame) {
    pkt.addGenerated(n, REG.replay, tx.replayOf, s, 0, src);
    pkt.addExpert(n, REG_EXPERT.replay, s, 0, `Replay: the Identification of the transaction in frame ${tx.replayOf} again (RFC 5944 §5.7)`, src);
  }
  if (h.identChanged) {
    if (h.code === 133) pkt.addExpert(n, REG_EXPERT.identResync, s, 0, undefined, src);
    else pkt.addExpert(n, REG_EXPERT.identChanged, s, 0, `Reply (code ${h.code}) changes the high 32 bits of the Identification of frame ${h.answers}; only code 133 may (RFC 5944 §5.7.1)`, src);
  }
  if (h.protectedChanged) pkt.addExpert(n, REG_EXPERT.relayChanged, s, 0, `Relayed copy of frame ${h.relays} changes bytes the MN-HA authenticator covers (RFC 5944 §3.7.1)`, src);
}

export function trackingHook(pkt: Packet, msg: MipMessage): void {
  if (!isTrackedType(msg.type) || pkt.session.skipTracking) return;
  const session = pkt.session, table = session.transactions;
  let p = table.placement(pkt.no, msg.start, msg.src);
  if (!p && !session.visited(pkt.no)) {
    const f = facts(pkt, msg);
    if (f) p = table.add(f);
  }
  const ev = table.evictedIn(pkt.no);
  if (ev && msg === pkt.mip.find(m => isTrackedType(m.type))) {
    const why = [ev.count ? `${ev.count} because more than ${MAX_OPEN} transactions were open` : '', ev.age ? `${ev.age} after ${MAX_AGE} s without a reply` : ''].filter(Boolean).join(', ');
    pkt.addExpert(msg.node, REG_EXPERT.evicted, msg.start, 0, `Unanswered requests forgotten: ${why}; a later reply to them is not matched`, msg.src);
  }
  if (p) show(pkt, msg, p);
}

addMessageHook('match', trackingHook);

/** Every field and expert item that only this module's hook adds: what a pass without tracking lacks. */
export const TRACKING_FIELDS: readonly string[] = [
  ...Object.values(REG), MIP.responseIn, MIP.responseTo, MIP.responseTime,
].map(f => f.abbrev).concat(Object.values(REG_EXPERT).map(e => e.abbrev));
