// Mobile IP messages (RFC 5944 §3.3, §3.4; RFC 3519 §3.3; RFC 3543 §3.1–3.2), dispatched by type.
import { Cursor } from '../cursor.js';
import { udpPortPrefs } from '../dispatch.js';
import type { Dissector } from '../dispatch.js';
import { addData, dissectNested } from '../frame.js';
import { etherTypes } from '../dispatch.js';
import { ipString } from '../ipv4.js';
import { DETACHED } from '../packet.js';
import type { Packet } from '../packet.js';
import type { AbsTime, Node } from '../tree.js';
import { MESSAGE_TYPES, MIP } from './fields.js';
import { dissectExtensions, MIP_EXPERT } from './extensions.js';
import type { MipMessage } from './extensions.js';
import './standard-extensions.js';

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

const NTP_UNIX_OFFSET = 2208988800;

/**
 * NTP timestamp → absolute time, as Wireshark's ENC_TIME_NTP: seconds with the top bit set are
 * era 0 (1968–2036), without it era 1 (2036–2104); only an all-zero value means unset (RFC 4330
 * §3), so a zero seconds word with a non-zero fraction is in 2036 as tshark prints it.
 */
export function ntpToTime(hi: number, lo: number): AbsTime {
  const sec = hi === 0 && lo === 0 ? 0 : (hi & 0x80000000) !== 0 ? hi - NTP_UNIX_OFFSET : hi + 4294967296 - NTP_UNIX_OFFSET;
  const nsec = Math.trunc(1e9 * (lo / 4294967296));
  return { sec, nsec };
}

function flagBits(pkt: Packet, parent: Node, flags: number, offset: number, len: number, src: number, fields: typeof MIP[keyof typeof MIP][]): void {
  for (const f of fields) pkt.add(parent, f, f.type === 'bool' ? (flags & f.bitmask) !== 0 : (flags & f.bitmask) >>> f.shift, offset, len, src);
}

/** Reads Identification (8 bytes) into the tree as NTP time plus the hex form. */
export function addIdentification(pkt: Packet, msg: MipMessage, c: Cursor): void {
  const p = c.pos;
  const hi = c.u32(), lo = c.u32();
  msg.ident = (BigInt(hi) << 32n) | BigInt(lo);
  pkt.add(msg.node, MIP.ident, ntpToTime(hi, lo), p, 8, msg.src);
  pkt.addGenerated(msg.node, MIP.identHex, msg.ident, p, 8, msg.src);
}

function addIp(pkt: Packet, msg: MipMessage, c: Cursor, f: typeof MIP.homeaddr): number {
  const p = c.pos, v = c.u32();
  pkt.add(msg.node, f, v, p, 4, msg.src);
  return v;
}

messageTable.set(1, (pkt, msg, c) => {
  const b = msg.buf;
  const s = msg.start;
  if (msg.end - s >= 16) pkt.info = `Reg Request: HoA=${ipString(rd(b, s + 4))} HA=${ipString(rd(b, s + 8))} CoA=${ipString(rd(b, s + 12))}`;
  const flags = c.u8();
  msg.flags = flags;
  const fn = pkt.add(msg.node, MIP.flags, flags, s + 1, 1, msg.src);
  flagBits(pkt, fn, flags, s + 1, 1, msg.src, [MIP.s, MIP.b, MIP.d, MIP.m, MIP.g, MIP.v, MIP.t, MIP.x]);
  if (flags & 0x05) pkt.addExpert(fn, MIP_EXPERT.reservedSet, s + 1, 1, `Reserved flag bit(s) set in a Registration Request (0x${(flags & 0x05).toString(16).padStart(2, '0')}; RFC 5944 §3.3)`);
  msg.lifetime = c.u16();
  pkt.add(msg.node, MIP.life, msg.lifetime, s + 2, 2, msg.src);
  msg.homeAddr = addIp(pkt, msg, c, MIP.homeaddr);
  msg.haAddr = addIp(pkt, msg, c, MIP.haaddr);
  msg.coa = addIp(pkt, msg, c, MIP.coa);
  addIdentification(pkt, msg, c);
  msg.extStart = c.pos;
});

messageTable.set(3, (pkt, msg, c) => {
  const b = msg.buf, s = msg.start;
  if (msg.end - s >= 12) pkt.info = `Reg Reply: HoA=${ipString(rd(b, s + 4))} HA=${ipString(rd(b, s + 8))}, Code=${b[s + 1]}`;
  msg.code = c.u8();
  pkt.add(msg.node, MIP.code, msg.code, s + 1, 1, msg.src);
  msg.lifetime = c.u16();
  pkt.add(msg.node, MIP.life, msg.lifetime, s + 2, 2, msg.src);
  msg.homeAddr = addIp(pkt, msg, c, MIP.homeaddr);
  msg.haAddr = addIp(pkt, msg, c, MIP.haaddr);
  addIdentification(pkt, msg, c);
  msg.extStart = c.pos;
});

messageTable.set(4, (pkt, msg, c) => {
  const s = msg.start;
  if (msg.end - s >= 2) pkt.info = `Tunnel Data: Next Header=${msg.buf[s + 1]}`;
  const next = c.u8();
  pkt.add(msg.node, MIP.natttNexthdr, next, s + 1, 1, msg.src);
  pkt.add(msg.node, MIP.natttReserved, c.u16(), s + 2, 2, msg.src);
  msg.extStart = msg.end; // the rest is the tunnelled datagram
  if (c.remaining > 0) {
    const ip = etherTypes.get(0x0800);
    if (next === 4 && ip) dissectNested(pkt, 'ip', null, ip, msg.buf, c.pos, msg.end, msg.src);
    else addData(pkt, msg.buf, c.pos, msg.end, msg.src);
  }
});

messageTable.set(7, (pkt, msg, c) => {
  const b = msg.buf, s = msg.start;
  if (msg.end - s >= 16) pkt.info = `Reg Revocation: HoA=${ipString(rd(b, s + 4))} HDA=${ipString(rd(b, s + 8))} FDA=${ipString(rd(b, s + 12))}`;
  pkt.add(msg.node, MIP.revReserved, c.u8(), s + 1, 1, msg.src);
  const flags = c.u16();
  msg.flags = flags;
  const fn = pkt.add(msg.node, MIP.flags2, flags, s + 2, 2, msg.src);
  flagBits(pkt, fn, flags, s + 2, 2, msg.src, [MIP.revA, MIP.revI, MIP.revReserved2]);
  msg.homeAddr = addIp(pkt, msg, c, MIP.homeaddr);
  addIp(pkt, msg, c, MIP.revHda);
  addIp(pkt, msg, c, MIP.revFda);
  const p = c.pos;
  pkt.add(msg.node, MIP.revid, c.u32(), p, 4, msg.src);
  msg.extStart = c.pos;
});

messageTable.set(15, (pkt, msg, c) => {
  const b = msg.buf, s = msg.start;
  if (msg.end - s >= 8) pkt.info = `Reg Revocation Ack: HoA=${ipString(rd(b, s + 4))}`;
  pkt.add(msg.node, MIP.ackReserved, c.u8(), s + 1, 1, msg.src);
  const flags = c.u16();
  msg.flags = flags;
  const fn = pkt.add(msg.node, MIP.flags2, flags, s + 2, 2, msg.src);
  flagBits(pkt, fn, flags, s + 2, 2, msg.src, [MIP.ackI, MIP.ackReserved2]);
  msg.homeAddr = addIp(pkt, msg, c, MIP.homeaddr);
  const p = c.pos;
  pkt.add(msg.node, MIP.revid, c.u32(), p, 4, msg.src);
  msg.extStart = c.pos;
});

function rd(b: Uint8Array, p: number): number {
  return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
}

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
