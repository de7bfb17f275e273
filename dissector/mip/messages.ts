// Mobile IP messages (RFC 5944 §3.3, §3.4; RFC 3519 §3.3; RFC 3543 §3.1–3.2), dispatched by type.
import { Cursor } from '../cursor.js';
import { udpPortPrefs } from '../dispatch.js';
import type { Dissector } from '../dispatch.js';
import { addData, dissectNested } from '../frame.js';
import { etherTypes } from '../dispatch.js';
import { ipv4String } from '../format.js';
import { DETACHED } from '../packet.js';
import type { Packet } from '../packet.js';
import { MESSAGE_TYPES, MIP } from './fields.js';
import { bitmask, decodeItems, fixedEnd, ident, readItems, uint } from './layout.js';
import type { CheckContext, FieldValue, LayoutItem, Values } from './layout.js';
import { dissectExtensions, MIP_EXPERT } from './extensions.js';
import type { MipMessage } from './extensions.js';
import './standard-extensions.js';

export { ntpToTime } from './layout.js';

/** Dissects a message's fixed part into msg (setting msg.extStart) and sets the Info column. */
export type MessageDissector = (pkt: Packet, msg: MipMessage, c: Cursor) => void;

export const messageTable = new Map<number, MessageDissector>();
/**
 * What runs after a message and its extensions are dissected, in the order of its phase whatever
 * the order of imports: request↔reply matching first (the key module derives keys from the
 * request a reply answers), then verification and key learning.
 */
export const HOOK_PHASES = ['match', 'keys', 'bindings'] as const;
export type HookPhase = typeof HOOK_PHASES[number];
export type MessageHook = (pkt: Packet, msg: MipMessage) => void;
const hooks: Array<{ phase: number; hook: MessageHook }> = [];
let messageHooks: MessageHook[] = [];
export function addMessageHook(phase: HookPhase, hook: MessageHook): void {
  hooks.push({ phase: HOOK_PHASES.indexOf(phase), hook });
  hooks.sort((a, b) => a.phase - b.phase);
  messageHooks = hooks.map(h => h.hook);
}

/** A message declared once (layout.ts): its fixed part, the Info column, what follows the fixed part. */
export interface MessageDecl {
  type: number;
  items: readonly LayoutItem[];
  /** The Info column, set before the fields are read when the message holds the fields up to `through`. */
  info?: { through: string; text: (v: Values) => string };
  /** What follows the fixed part when it is not extensions (the tunnelled datagram of type 4). */
  payload?: (pkt: Packet, msg: MipMessage, c: Cursor, v: Values) => void;
}

export const messageDecls = new Map<number, MessageDecl>();

/** The values a message keeps for the analyses over it (MipMessage's own fields). */
function keep(msg: MipMessage, key: string, value: FieldValue): void {
  switch (key) {
    case 'code': msg.code = value as number; break;
    case 'flags': msg.flags = value as number; break;
    case 'lifetime': msg.lifetime = value as number; break;
    case 'homeAddr': msg.homeAddr = value as number; break;
    case 'haAddr': msg.haAddr = value as number; break;
    case 'coa': msg.coa = value as number; break;
    case 'ident': msg.ident = value as bigint; break;
  }
}

/** Registers a message's dissector, derived from its declaration, in the message table. */
export function declareMessage(d: MessageDecl): void {
  messageDecls.set(d.type, d);
  const info = d.info && { ...d.info, end: 1 + fixedEnd(d.items, d.info.through), items: d.items.slice(0, d.items.findIndex(i => 'key' in i && i.key === d.info!.through) + 1) };
  messageTable.set(d.type, (pkt, msg, c) => {
    if (info && msg.end - msg.start >= info.end) pkt.info = info.text(decodeItems(info.items, msg.buf, msg.start + 1, msg.end));
    const v: Values = {};
    readItems(d.items, { pkt, parent: msg.node, src: msg.src, c, v, onValue: (k, x) => keep(msg, k, x) });
    if (d.payload) d.payload(pkt, msg, c, v);
    else msg.extStart = c.pos;
  });
}

const ip = (v: Values) => (k: string) => ipv4String(v[k] as number);

/**
 * The reserved bits of each message type's flags, from the registry's bit fields: a request's r
 * (formerly Van Jacobson) and x (RFC 5944 §3.3), the Reserved bits of a Revocation and of its
 * Acknowledgement (RFC 3543 §3.1–3.2).
 */
export const RESERVED_FLAGS: Readonly<Record<number, number>> = {
  1: MIP.v.bitmask | MIP.x.bitmask,
  7: MIP.revReserved2.bitmask,
  15: MIP.ackReserved2.bitmask,
};

/** Reserved bits of a message's flags: an expert item on the flags when set. */
function reservedBits(mask: number, what: string) {
  return (x: CheckContext) => {
    if (x.value & mask) x.pkt.addExpert(x.node, MIP_EXPERT.reservedSet, x.offset, x.length, `Reserved flag bit(s) set in a ${what} (0x${(x.value & mask).toString(16).padStart(2 * x.length, '0')}; RFC 5944 §3.3)`);
  };
}

/** Registration Request (RFC 5944 §3.3). */
declareMessage({
  type: 1,
  items: [
    bitmask('flags', MIP.flags, [MIP.s, MIP.b, MIP.d, MIP.m, MIP.g, MIP.v, MIP.t, MIP.x], { check: reservedBits(RESERVED_FLAGS[1]!, 'Registration Request') }),
    uint('lifetime', MIP.life), uint('homeAddr', MIP.homeaddr), uint('haAddr', MIP.haaddr), uint('coa', MIP.coa), ident('ident'),
  ],
  info: { through: 'coa', text: v => { const a = ip(v); return `Reg Request: HoA=${a('homeAddr')} HA=${a('haAddr')} CoA=${a('coa')}`; } },
});

/** Registration Reply (RFC 5944 §3.4). */
declareMessage({
  type: 3,
  items: [uint('code', MIP.code), uint('lifetime', MIP.life), uint('homeAddr', MIP.homeaddr), uint('haAddr', MIP.haaddr), ident('ident')],
  info: { through: 'haAddr', text: v => { const a = ip(v); return `Reg Reply: HoA=${a('homeAddr')} HA=${a('haAddr')}, Code=${v.code}`; } },
});

/** NAT traversal tunnel data (RFC 3519 §3.3): the rest is the tunnelled datagram. */
declareMessage({
  type: 4,
  items: [uint('nextHeader', MIP.natttNexthdr), uint('reserved', MIP.natttReserved)],
  info: { through: 'nextHeader', text: v => `Tunnel Data: Next Header=${v.nextHeader}` },
  payload: (pkt, msg, c, v) => {
    msg.extStart = msg.end;
    if (c.remaining > 0) {
      const ip = etherTypes.get(0x0800);
      if (v.nextHeader === 4 && ip) dissectNested(pkt, 'ip', null, ip, msg.buf, c.pos, msg.end, msg.src);
      else addData(pkt, msg.buf, c.pos, msg.end, msg.src);
    }
  },
});

/** Registration Revocation (RFC 3543 §3.1). */
declareMessage({
  type: 7,
  items: [
    uint('reserved', MIP.revReserved), bitmask('flags', MIP.flags2, [MIP.revA, MIP.revI, MIP.revReserved2]),
    uint('homeAddr', MIP.homeaddr), uint('homeDomain', MIP.revHda), uint('foreignDomain', MIP.revFda), uint('revocationId', MIP.revid),
  ],
  info: { through: 'foreignDomain', text: v => { const a = ip(v); return `Reg Revocation: HoA=${a('homeAddr')} HDA=${a('homeDomain')} FDA=${a('foreignDomain')}`; } },
});

/** Registration Revocation Acknowledgement (RFC 3543 §3.2). */
declareMessage({
  type: 15,
  items: [uint('reserved', MIP.ackReserved), bitmask('flags', MIP.flags2, [MIP.ackI, MIP.ackReserved2]), uint('homeAddr', MIP.homeaddr), uint('revocationId', MIP.revid)],
  info: { through: 'homeAddr', text: v => `Reg Revocation Ack: HoA=${ip(v)('homeAddr')}` },
});

export const dissectMip: Dissector = (pkt, buf, start, end, src) => {
  const node = pkt.add(null, MIP.mip, null, start, end - start, src);
  pkt.layers.push('mip');
  pkt.protocol = 'MobileIP';
  pkt.info = '';
  const type = buf[start]!;
  pkt.add(node, MIP.type, type, start, 1, src);
  if (node !== DETACHED) node.append = ` (${MESSAGE_TYPES[type] ?? `Unknown type ${type}`})`;
  const msg: MipMessage = { type, buf, start, end, src, node, extStart: end, exts: [], udp: pkt.udp.at(-1) };
  // Kept for analyses over the message (conformance): offsets and extensions without re-parsing.
  pkt.mip.push(msg);
  const body = messageTable.get(type);
  if (!body) {
    pkt.info = `${MESSAGE_TYPES[type] ?? 'Unknown message'} (type ${type})`;
    pkt.addExpert(node, MIP_EXPERT.unknownType, start, 1, `Unknown Mobile IP message type ${type}`);
    if (end > start + 1) pkt.add(node, MIP.extension, buf.subarray(start + 1, end), start + 1, end - start - 1, src);
    return;
  }
  const ok = pkt.call('mip', node, () => body(pkt, msg, new Cursor(buf, start + 1, end)));
  if (!ok) return;
  pkt.call('mip', node, () => dissectExtensions(pkt, msg));
  // A message quoted by an ICMP error is a copy: it teaches the session nothing (no key, no pending request).
  if (!pkt.inError) for (const hook of messageHooks) pkt.call('mip', node, () => hook(pkt, msg));
};

udpPortPrefs.set('mip.udp.port', dissectMip);
