// Tunnels of the Mobile IP data path: IP-in-IP (RFC 2003), minimal encapsulation (RFC 2004)
// and GRE (RFC 2784, key and sequence number of RFC 2890), with the IPv6 header (RFC 8200) to
// the point of naming the next protocol. Every inner datagram goes through dissectNested, the
// one nesting limit of the engine.
import { registerExperts, registerFields } from './fields.js';
import { etherTypes, ipProtocols } from './dispatch.js';
import type { Dissector } from './dispatch.js';
import { Cursor, readU32 } from './cursor.js';
import { addData, dissectNested } from './frame.js';
import { CHECKSUM_STATUS, IP, IP_PROTOCOLS, onesComplementSum } from './ipv4.js';
import { ipv6String, ipv4String } from './format.js';
import { DETACHED } from './packet.js';
import type { Packet } from './packet.js';
import { addBitmask, addBitmaskList, addBits, addItem, bitValue } from './tree.js';

/** One tunnelled datagram seen in a packet: what the bindings of the session match against. */
export interface Tunnel {
  kind: 'ipip' | 'minenc' | 'gre';
  /** Tunnel end points (the outer header). */
  outerSrc: number; outerDst: number;
  /** The inner (original) datagram's addresses. */
  innerSrc: number; innerDst: number;
  /** Bytes of the inner datagram. */
  bytes: number;
  greKey: number | null;
}

/** Run once per packet for its outermost tunnel, after the inner datagram is dissected. */
export const tunnelHooks: Array<(pkt: Packet, t: Tunnel) => void> = [];
/** The outermost IPv4 tunnel of each packet that has one. */
export const tunnels = new WeakMap<Packet, Tunnel>();

/** The end points of the IPv4 header that carries the current layer (undefined over IPv6). */
function carrier(pkt: Packet): { outerSrc: number; outerDst: number } {
  const h = pkt.ipv4.at(-1);
  return { outerSrc: h?.src as number, outerDst: h?.dst as number };
}

function tunnelled(pkt: Packet, t: Tunnel): void {
  // The outermost IPv4 tunnel is the one a binding carries.
  if (tunnels.has(pkt) || typeof t.outerSrc !== 'number' || typeof t.outerDst !== 'number') return;
  tunnels.set(pkt, t);
  for (const h of tunnelHooks) h(pkt, t);
}

const ipv4: Dissector = (pkt, buf, start, end, src) => etherTypes.get(0x0800)!(pkt, buf, start, end, src);

// --- IP-in-IP ----------------------------------------------------------------------------------

/** RFC 2003: the payload of IP protocol 4 is a whole IPv4 datagram (tshark lists "ip:ip"). */
const ipInIp: Dissector = (pkt, buf, start, end, src) => {
  const { outerSrc, outerDst } = carrier(pkt);
  dissectNested(pkt, 'ip', null, ipv4, buf, start, end, src);
  if (end - start >= 20) tunnelled(pkt, { kind: 'ipip', outerSrc, outerDst, innerSrc: readU32(buf, start + 12), innerDst: readU32(buf, start + 16), bytes: end - start, greKey: null });
};

// --- Minimal encapsulation -----------------------------------------------------------------------

// tshark 4.0 has no dissector for IP protocol 55 (it shows Data): these names are mipscope's.
export const MINENC = registerFields({
  minenc: { abbrev: 'minenc', name: 'Minimal Encapsulation within IP', type: 'protocol' },
  proto: { abbrev: 'minenc.proto', name: 'Protocol', type: 'uint8', values: IP_PROTOCOLS },
  s: { abbrev: 'minenc.s', name: 'Original Source Address Present', type: 'bool', bits: 8, bitmask: 0x80 },
  reserved: { abbrev: 'minenc.reserved', name: 'Reserved', type: 'uint8', bits: 8, bitmask: 0x7f, base: 'hex' },
  checksum: { abbrev: 'minenc.checksum', name: 'Header Checksum', type: 'uint16', base: 'hex' },
  checksumStatus: { abbrev: 'minenc.checksum.status', name: 'Header checksum status', type: 'uint8', base: 'none', values: CHECKSUM_STATUS },
  dst: { abbrev: 'minenc.dst', name: 'Original Destination Address', type: 'ipv4' },
  src: { abbrev: 'minenc.src', name: 'Original Source Address', type: 'ipv4' },
});

const MINENC_FLAG_BITS = [MINENC.s, MINENC.reserved];

const E = registerExperts({
  minencChecksum: { abbrev: 'minenc.checksum.bad', summary: 'Bad minimal forwarding header checksum', group: 'checksum', severity: 'error' },
  greChecksum: { abbrev: 'gre.checksum.incorrect', summary: 'Incorrect GRE Checksum', group: 'protocol', severity: 'warn' },
  ipv6Version: { abbrev: 'ipv6.bogus_ipv6_version', summary: 'Bogus IP version', group: 'malformed', severity: 'error' },
  ipv6Plen: { abbrev: 'ipv6.plen_exceeds_framing', summary: 'IPv6 payload length does not match expected framing length', group: 'protocol', severity: 'warn' },
});

/**
 * RFC 2004 §3: protocol, S bit, header checksum, original destination and (with S) original
 * source; the rest is the original payload, handed to its protocol with the original addresses.
 */
const minimalEncapsulation: Dissector = (pkt, buf, start, end, src) => {
  const c = new Cursor(buf, start, end);
  const { outerSrc, outerDst } = carrier(pkt);
  const b1 = c.peekU16();
  const withSource = (b1 & 0x80) !== 0;
  const hl = withSource ? 12 : 8;
  const n = pkt.add(null, MINENC.minenc, null, start, Math.min(hl, end - start), src);
  pkt.layers.push('minenc');
  const proto = addItem(pkt, n, MINENC.proto, c, src).value as number;
  addBitmaskList(pkt, n, MINENC_FLAG_BITS, c, src);
  addItem(pkt, n, MINENC.checksum, c, src);
  // The destination is read before the checksum status is added and shown after it.
  const dst = c.u32();
  const origSrc = withSource ? readU32(buf, start + 8) : outerSrc;
  const ok = start + hl <= end && onesComplementSum(buf, start, start + hl) === 0xffff;
  pkt.addGenerated(n, MINENC.checksumStatus, ok ? 1 : 0, start + 2, 2, src);
  if (!ok) pkt.addExpert(n, E.minencChecksum, start + 2, 2);
  pkt.add(n, MINENC.dst, dst, start + 4, 4, src);
  if (withSource) addItem(pkt, n, MINENC.src, c, src);
  if (n !== DETACHED) n.append = `, Src: ${ipv4String(origSrc)}, Dst: ${ipv4String(dst)}`;
  // The decapsulated datagram runs between the original end points (UDP's pseudo-header, columns).
  pkt.ipv4.push({ src: origSrc, dst, proto });
  pkt.src = ipv4String(origSrc); pkt.dst = ipv4String(dst);
  const next = ipProtocols.get(proto);
  if (next) dissectNested(pkt, IP_PROTOCOLS[proto] ?? String(proto), null, next, buf, start + hl, end, src);
  else addData(pkt, buf, start + hl, end, src);
  tunnelled(pkt, { kind: 'minenc', outerSrc, outerDst, innerSrc: origSrc, innerDst: dst, bytes: end - start - hl + 20, greKey: null });
};

// --- GRE -----------------------------------------------------------------------------------------

const GRE_PROTOCOLS: Record<number, string> = { 0x0800: 'IP', 0x0806: 'ARP', 0x86dd: 'IPv6', 0x6558: 'Transparent Ethernet bridging', 0x880b: 'PPP' };

export const GRE = registerFields({
  gre: { abbrev: 'gre', name: 'Generic Routing Encapsulation', type: 'protocol', short: 'GRE' },
  flagsAndVersion: { abbrev: 'gre.flags_and_version', name: 'Flags and Version', type: 'uint16', base: 'hex' },
  checksumBit: { abbrev: 'gre.flags.checksum', name: 'Checksum Bit', type: 'bool', bits: 16, bitmask: 0x8000, tf: ['Yes', 'No'] },
  routingBit: { abbrev: 'gre.flags.routing', name: 'Routing Bit', type: 'bool', bits: 16, bitmask: 0x4000, tf: ['Yes', 'No'] },
  keyBit: { abbrev: 'gre.flags.key', name: 'Key Bit', type: 'bool', bits: 16, bitmask: 0x2000, tf: ['Yes', 'No'] },
  seqBit: { abbrev: 'gre.flags.sequence_number', name: 'Sequence Number Bit', type: 'bool', bits: 16, bitmask: 0x1000, tf: ['Yes', 'No'] },
  strictSourceRoute: { abbrev: 'gre.flags.strict_source_route', name: 'Strict Source Route Bit', type: 'bool', bits: 16, bitmask: 0x0800, tf: ['Yes', 'No'] },
  recursion: { abbrev: 'gre.flags.recursion_control', name: 'Recursion control', type: 'uint16', bits: 16, bitmask: 0x0700 },
  ack: { abbrev: 'gre.flags.ack', name: 'Acknowledgment', type: 'bool', bits: 16, bitmask: 0x0080, tf: ['Yes', 'No'] },
  reserved: { abbrev: 'gre.flags.reserved', name: 'Flags (Reserved)', type: 'uint16', bits: 16, bitmask: 0x00f8 },
  version: { abbrev: 'gre.flags.version', name: 'Version', type: 'uint16', bits: 16, bitmask: 0x0007, values: { 0: 'GRE', 1: 'Enhanced GRE' } },
  proto: { abbrev: 'gre.proto', name: 'Protocol Type', type: 'uint16', base: 'hex', values: GRE_PROTOCOLS },
  checksum: { abbrev: 'gre.checksum', name: 'Checksum', type: 'uint16', base: 'hex' },
  checksumStatus: { abbrev: 'gre.checksum.status', name: 'Checksum Status', type: 'uint8', base: 'none', values: CHECKSUM_STATUS },
  offset: { abbrev: 'gre.offset', name: 'Offset', type: 'uint16' },
  key: { abbrev: 'gre.key', name: 'Key', type: 'uint32', base: 'hex' },
  seq: { abbrev: 'gre.sequence_number', name: 'Sequence Number', type: 'uint32' },
});

const GRE_FLAGS = [GRE.checksumBit, GRE.routingBit, GRE.keyBit, GRE.seqBit, GRE.strictSourceRoute, GRE.recursion];

const gre: Dissector = (pkt, buf, start, end, src) => {
  const c = new Cursor(buf, start, end);
  const { outerSrc, outerDst } = carrier(pkt);
  // Flags and protocol are both read before the layer is added (its length and label need them).
  const fv = c.peekU16(), proto = c.peekU16(start + 2);
  const hasCk = (fv & 0x8000) !== 0, hasRouting = (fv & 0x4000) !== 0, hasKey = (fv & 0x2000) !== 0, hasSeq = (fv & 0x1000) !== 0;
  const hl = 4 + (hasCk || hasRouting ? 4 : 0) + (hasKey ? 4 : 0) + (hasSeq ? 4 : 0);
  const n = pkt.add(null, GRE.gre, null, start, Math.min(hl, end - start), src);
  pkt.layers.push('gre');
  if (n !== DETACHED) n.append = ` (${GRE_PROTOCOLS[proto] ?? `0x${proto.toString(16).padStart(4, '0')}`})`;
  const fn = addBitmask(pkt, n, GRE.flagsAndVersion, GRE_FLAGS, c, src).node;
  if (fn !== DETACHED) fn.text = `Flags and Version: 0x${fv.toString(16).padStart(4, '0')}`; // without the set flags' names, as tshark
  // Enhanced GRE (version 1) takes the Acknowledgment bit out of the reserved flags (RFC 2637 §4.1).
  if ((fv & 7) === 1) pkt.add(fn, GRE.ack, (fv & 0x80) !== 0, start, 2, src);
  pkt.add(fn, GRE.reserved, (fv & ((fv & 7) === 1 ? 0x78 : 0xf8)) >> 3, start, 2, src);
  addBits(pkt, fn, [GRE.version], fv, start, 2, src);
  addItem(pkt, n, GRE.proto, c, src);
  if (hasCk || hasRouting) {
    const at = c.pos;
    const checksum = c.peekU16();
    if (!hasCk) c.skip(2);
    else {
      const ck = addItem(pkt, n, GRE.checksum, c, src).node;
      const ok = onesComplementSum(buf, start, end) === 0xffff;
      if (ok) { if (ck !== DETACHED) ck.append = ' [correct]'; }
      else {
        const calc = ~onesComplementSum(buf, start, end, 0xffff - checksum) & 0xffff;
        const should = `0x${calc.toString(16).padStart(4, '0')}`;
        if (ck !== DETACHED) ck.append = ` incorrect, should be ${should}`;
        pkt.addExpert(ck, E.greChecksum, at, 2, `Incorrect GRE Checksum [should be ${should}]`);
      }
      pkt.addGenerated(n, GRE.checksumStatus, ok ? 1 : 0, at, 2, src);
    }
    addItem(pkt, n, GRE.offset, c, src);
  }
  const key = hasKey ? addItem(pkt, n, GRE.key, c, src).value as number : null;
  if (hasSeq) addItem(pkt, n, GRE.seq, c, src);
  if (hasRouting) { addData(pkt, buf, c.pos, end, src); return; } // source routes (RFC 1701) are not decoded
  const next = etherTypes.get(proto);
  if (next) dissectNested(pkt, GRE_PROTOCOLS[proto] ?? 'gre', null, next, buf, c.pos, end, src);
  else addData(pkt, buf, c.pos, end, src);
  if (proto === 0x0800 && end - c.pos >= 20) tunnelled(pkt, { kind: 'gre', outerSrc, outerDst, innerSrc: readU32(buf, c.pos + 12), innerDst: readU32(buf, c.pos + 16), bytes: end - c.pos, greKey: key });
};

// --- IPv6 ----------------------------------------------------------------------------------------

export const IPV6 = registerFields({
  ipv6: { abbrev: 'ipv6', name: 'Internet Protocol Version 6', type: 'protocol', short: 'IPv6' },
  version: { abbrev: 'ipv6.version', name: 'Version', type: 'uint8' },
  tclass: { abbrev: 'ipv6.tclass', name: 'Traffic Class', type: 'uint32', base: 'hex', bits: 32, bitmask: 0x0ff00000 },
  dscp: { abbrev: 'ipv6.tclass.dscp', name: 'Differentiated Services Codepoint', type: 'uint32', bits: 32, bitmask: 0x0fc00000 },
  ecn: { abbrev: 'ipv6.tclass.ecn', name: 'Explicit Congestion Notification', type: 'uint32', bits: 32, bitmask: 0x00300000 },
  flow: { abbrev: 'ipv6.flow', name: 'Flow Label', type: 'uint24', base: 'hex', bits: 32, bitmask: 0x000fffff },
  plen: { abbrev: 'ipv6.plen', name: 'Payload Length', type: 'uint16' },
  nxt: { abbrev: 'ipv6.nxt', name: 'Next Header', type: 'uint8', values: IP_PROTOCOLS },
  hlim: { abbrev: 'ipv6.hlim', name: 'Hop Limit', type: 'uint8' },
  src: { abbrev: 'ipv6.src', name: 'Source Address', type: 'ipv6' },
  dst: { abbrev: 'ipv6.dst', name: 'Destination Address', type: 'ipv6' },
  addr: { abbrev: 'ipv6.addr', name: 'Source or Destination Address', type: 'ipv6' },
});

const TCLASS_BITS = [IPV6.dscp, IPV6.ecn];

const ipv6: Dissector = (pkt, buf, start, end, src) => {
  const c = new Cursor(buf, start, end);
  const n = pkt.add(null, IPV6.ipv6, null, start, Math.min(40, end - start), src);
  pkt.layers.push('ipv6');
  pkt.protocol = 'IPv6';
  const w = c.u32();
  pkt.add(n, IP.version, w >>> 28, start, 1, src); // tshark shows the version as ip.version too
  pkt.add(n, IPV6.version, w >>> 28, start, 1, src);
  if (w >>> 28 !== 6) {
    pkt.addExpert(n, E.ipv6Version, start, 1, `Bogus IP version (${w >>> 28}, must be 6)`);
    addData(pkt, buf, start + 1, end, src);
    return;
  }
  const tc = pkt.add(n, IPV6.tclass, bitValue(IPV6.tclass, w), start, 4, src);
  addBits(pkt, tc, TCLASS_BITS, w, start, 4, src);
  // The flow label is shown over the three bytes it ends in, as tshark.
  pkt.add(n, IPV6.flow, bitValue(IPV6.flow, w), start + 1, 3, src);
  const plen = addItem(pkt, n, IPV6.plen, c, src).value as number;
  const nxt = addItem(pkt, n, IPV6.nxt, c, src).value as number;
  addItem(pkt, n, IPV6.hlim, c, src);
  const s = c.bytes(16), d = c.bytes(16);
  pkt.add(n, IPV6.src, s, start + 8, 16, src);
  pkt.addHidden(n, IPV6.addr, s, start + 8, 16, src);
  pkt.add(n, IPV6.dst, d, start + 24, 16, src);
  pkt.addHidden(n, IPV6.addr, d, start + 24, 16, src);
  pkt.src = ipv6String(s); pkt.dst = ipv6String(d);
  if (n !== DETACHED) n.append = `, Src: ${pkt.src}, Dst: ${pkt.dst}`;
  let payloadEnd = start + 40 + plen;
  if (payloadEnd > end) { pkt.addExpert(n, E.ipv6Plen, start + 4, 2, `IPv6 payload length does not match expected framing length (${plen} > ${end - start - 40})`); payloadEnd = end; }
  // Extension headers and the upper layers over IPv6 (whose checksums need its pseudo-header) are not decoded.
  const next = nxt === 4 || nxt === 41 || nxt === 47 ? ipProtocols.get(nxt) : undefined;
  if (next) next(pkt, buf, c.pos, payloadEnd, src);
  else addData(pkt, buf, c.pos, payloadEnd, src);
};

/** Shows the IPv6 header at `start` as the payload of IPv4 protocol 41 (6in4) or an IPv6 EtherType. */
const ipv6Nested: Dissector = (pkt, buf, start, end, src) => { dissectNested(pkt, 'ipv6', null, ipv6, buf, start, end, src); };

ipProtocols.set(4, ipInIp);
ipProtocols.set(55, minimalEncapsulation);
ipProtocols.set(47, gre);
ipProtocols.set(41, ipv6Nested);
etherTypes.set(0x86dd, ipv6);
