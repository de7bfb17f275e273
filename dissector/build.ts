// Encoders for the layers below Mobile IP (DESIGN.md principle 4): lengths and checksums are
// computed unless the caller overrides them, to build malformed samples on purpose.
import { onesComplementSum } from './ipv4.js';
import { parseIpv4 } from './format.js';
import { LINKTYPE } from './link.js';

export function ip(s: string): number {
  const v = parseIpv4(s);
  if (v === undefined) throw new Error(`bad IPv4 address '${s}'`);
  return v;
}
export function mac(s: string): Uint8Array {
  const p = s.split(':').map(x => parseInt(x, 16));
  if (p.length !== 6 || p.some(x => !(x >= 0 && x <= 255))) throw new Error(`bad MAC address '${s}'`);
  return Uint8Array.from(p);
}
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
export function u16be(v: number): Uint8Array { return Uint8Array.of(v >>> 8 & 255, v & 255); }
export function u32be(v: number): Uint8Array { return Uint8Array.of(v >>> 24 & 255, v >>> 16 & 255, v >>> 8 & 255, v & 255); }

type Addr = number | string;
const addr = (a: Addr) => (typeof a === 'string' ? ip(a) : a);

export interface Ipv4Spec {
  src: Addr; dst: Addr; proto: number; payload: Uint8Array;
  id?: number; ttl?: number; tos?: number; df?: boolean; mf?: boolean; reservedFlag?: boolean;
  /** Fragment offset in bytes (multiple of 8). */
  fragOffset?: number;
  options?: Uint8Array;
  /** Overrides */
  totalLength?: number; checksum?: number; version?: number; ihl?: number;
}

export function encodeIpv4(s: Ipv4Spec): Uint8Array {
  const opts = s.options ?? new Uint8Array(0);
  const hl = 20 + opts.length;
  const h = new Uint8Array(hl);
  h[0] = ((s.version ?? 4) << 4) | (s.ihl ?? hl / 4);
  h[1] = s.tos ?? 0;
  h.set(u16be(s.totalLength ?? hl + s.payload.length), 2);
  h.set(u16be(s.id ?? 0), 4);
  const ff = (s.reservedFlag ? 0x8000 : 0) | (s.df ? 0x4000 : 0) | (s.mf ? 0x2000 : 0) | ((s.fragOffset ?? 0) / 8);
  h.set(u16be(ff), 6);
  h[8] = s.ttl ?? 64;
  h[9] = s.proto;
  h.set(u32be(addr(s.src)), 12);
  h.set(u32be(addr(s.dst)), 16);
  h.set(opts, 20);
  h.set(u16be(s.checksum ?? (~onesComplementSum(h, 0, hl) & 0xffff)), 10);
  return concat(h, s.payload);
}

export interface UdpSpec { src: Addr; dst: Addr; sport: number; dport: number; payload: Uint8Array; length?: number; checksum?: number }

export function encodeUdp(s: UdpSpec): Uint8Array {
  const len = 8 + s.payload.length;
  const u = new Uint8Array(len);
  u.set(u16be(s.sport), 0);
  u.set(u16be(s.dport), 2);
  u.set(u16be(s.length ?? len), 4);
  u.set(s.payload, 8);
  if (s.checksum !== undefined) u.set(u16be(s.checksum), 6);
  else {
    const a = addr(s.src), b = addr(s.dst);
    const pseudo = (a >>> 16) + (a & 0xffff) + (b >>> 16) + (b & 0xffff) + 17 + len;
    let ck = ~onesComplementSum(u, 0, len, pseudo) & 0xffff;
    if (ck === 0) ck = 0xffff;
    u.set(u16be(ck), 6);
  }
  return u;
}

export interface IcmpSpec { type: number; code: number; body: Uint8Array; checksum?: number }
export function encodeIcmp(s: IcmpSpec): Uint8Array {
  const m = new Uint8Array(4 + s.body.length);
  m[0] = s.type; m[1] = s.code;
  m.set(s.body, 4);
  m.set(u16be(s.checksum ?? (~onesComplementSum(m, 0, m.length) & 0xffff)), 2);
  return m;
}

export interface AgentAdvertisementSpec {
  code?: number;
  routers?: Array<{ addr: Addr; pref: number }>;
  lifetime?: number;
  /** Mobility agent advertisement extension (type 16). */
  seq: number; regLifetime: number; flags: number; coas: Addr[];
  /** Prefix-lengths extension (type 19), when given. */
  prefixLengths?: number[];
  /** One-byte padding extensions (type 0) appended. */
  padding?: number;
  /** Extra raw extension bytes appended. */
  extra?: Uint8Array;
  /** Overrides the type-16 Length. */
  advLength?: number;
}

/** ICMP agent advertisement: router advertisement + mobility extensions (RFC 5944 §2.1). */
export function encodeAgentAdvertisement(s: AgentAdvertisementSpec): Uint8Array {
  const routers = s.routers ?? [];
  const parts: Uint8Array[] = [Uint8Array.of(routers.length, 2), u16be(s.lifetime ?? 1800)];
  for (const r of routers) parts.push(u32be(addr(r.addr)), u32be(r.pref >>> 0));
  const adv = concat(u16be(s.seq), u16be(s.regLifetime), u16be(s.flags), ...s.coas.map(a => u32be(addr(a))));
  parts.push(Uint8Array.of(16, s.advLength ?? adv.length), adv);
  if (s.prefixLengths) parts.push(Uint8Array.of(19, s.prefixLengths.length, ...s.prefixLengths));
  for (let i = 0; i < (s.padding ?? 0); i++) parts.push(Uint8Array.of(0));
  if (s.extra) parts.push(s.extra);
  return encodeIcmp({ type: 9, code: s.code ?? 0, body: concat(...parts) });
}

export function encodeAgentSolicitation(): Uint8Array {
  return encodeIcmp({ type: 10, code: 0, body: new Uint8Array(4) });
}

/** Splits an IPv4 datagram's payload into fragments of at most `mtu` bytes (header included). */
export function fragmentIpv4(s: Ipv4Spec, mtu: number): Uint8Array[] {
  const hl = 20 + (s.options?.length ?? 0);
  const step = Math.floor((mtu - hl) / 8) * 8;
  if (step <= 0) throw new Error('MTU too small');
  const out: Uint8Array[] = [];
  for (let off = 0; off < s.payload.length; off += step) {
    const chunk = s.payload.subarray(off, Math.min(off + step, s.payload.length));
    out.push(encodeIpv4({ ...s, payload: chunk, fragOffset: off, mf: off + step < s.payload.length }));
  }
  return out;
}

export type LinkKind = 'eth' | 'vlan' | 'sll' | 'sll2' | 'raw' | 'ipv4' | 'null' | 'loop';

export interface LinkSpec {
  kind: LinkKind;
  srcMac?: string; dstMac?: string;
  vlanId?: number;
  /** Pad Ethernet frames to 60 bytes as a NIC would. */
  pad?: boolean;
}

/** Wraps an IPv4 datagram (or, with `ethertype`, another network-layer payload) in a link layer; returns the link type and the frame bytes. */
export function encodeLink(spec: LinkSpec, datagram: Uint8Array, ethertype = 0x0800): { linktype: number; data: Uint8Array } {
  const src = mac(spec.srcMac ?? '02:00:00:00:00:01'), dst = mac(spec.dstMac ?? '02:00:00:00:00:02');
  switch (spec.kind) {
    case 'eth': case 'vlan': {
      const vlan = spec.kind === 'vlan' ? concat(u16be(0x8100), u16be((spec.vlanId ?? 100) & 0x0fff)) : new Uint8Array(0);
      let data = concat(dst, src, vlan, u16be(ethertype), datagram);
      if (spec.pad && data.length < 60) data = concat(data, new Uint8Array(60 - data.length));
      return { linktype: LINKTYPE.ETHERNET, data };
    }
    case 'sll': return { linktype: LINKTYPE.LINUX_SLL, data: concat(u16be(0), u16be(1), u16be(6), src, new Uint8Array(2), u16be(ethertype), datagram) };
    case 'sll2': return { linktype: LINKTYPE.LINUX_SLL2, data: concat(u16be(ethertype), u16be(0), u32be(2), u16be(1), Uint8Array.of(0, 6), src, new Uint8Array(2), datagram) };
    case 'raw': return { linktype: LINKTYPE.RAW, data: datagram };
    case 'ipv4': return { linktype: LINKTYPE.IPV4, data: datagram };
    case 'null': return { linktype: LINKTYPE.NULL, data: concat(Uint8Array.of(2, 0, 0, 0), datagram) };
    case 'loop': return { linktype: LINKTYPE.LOOP, data: concat(u32be(2), datagram) };
  }
}

/** A UDP datagram over IPv4 in a link layer: the usual way to build a Mobile IP frame. */
export function udpFrame(o: { src: Addr; dst: Addr; sport?: number; dport?: number; payload: Uint8Array; link?: LinkSpec; id?: number; ttl?: number }): { linktype: number; data: Uint8Array } {
  const udp = encodeUdp({ src: o.src, dst: o.dst, sport: o.sport ?? 434, dport: o.dport ?? 434, payload: o.payload });
  return encodeLink(o.link ?? { kind: 'eth' }, encodeIpv4({ src: o.src, dst: o.dst, proto: 17, payload: udp, id: o.id ?? 0, ttl: o.ttl ?? 64 }));
}

// --- The data path: ICMP echo and errors, tunnels, ARP, IPv6 -----------------------------------

export interface EchoSpec { reply?: boolean; id: number; seq: number; data?: Uint8Array; checksum?: number }
/** ICMP echo request or reply (RFC 792). */
export function encodeIcmpEcho(s: EchoSpec): Uint8Array {
  return encodeIcmp({ type: s.reply ? 0 : 8, code: 0, body: concat(u16be(s.id), u16be(s.seq), s.data ?? new Uint8Array(0)), checksum: s.checksum });
}

export interface IcmpErrorSpec {
  /** 3 unreachable, 4 source quench, 5 redirect, 11 time exceeded, 12 parameter problem. */
  type: number; code: number;
  /** The offending datagram; quoted in full unless `quoteLength` cuts it (RFC 792: header + 8 bytes). */
  original: Uint8Array; quoteLength?: number;
  /** Redirect: the gateway address. */
  gateway?: Addr;
  /** Parameter problem: the pointer. Fragmentation needed: the next-hop MTU (RFC 1191). */
  pointer?: number; mtu?: number;
}
/** An ICMP error or redirect quoting (part of) a datagram. */
export function encodeIcmpError(s: IcmpErrorSpec): Uint8Array {
  const word = s.type === 5 ? u32be(addr(s.gateway ?? 0)) : s.type === 12 ? u32be(((s.pointer ?? 0) & 255) << 24 >>> 0) : u32be(s.mtu ?? 0);
  return encodeIcmp({ type: s.type, code: s.code, body: concat(word, s.original.subarray(0, s.quoteLength ?? s.original.length)) });
}

/** IP-in-IP (RFC 2003): the whole inner datagram is the outer one's payload (protocol 4). */
export function encodeIpInIp(outer: Omit<Ipv4Spec, 'proto' | 'payload'>, inner: Uint8Array): Uint8Array {
  return encodeIpv4({ ...outer, proto: 4, payload: inner });
}

/**
 * Minimal encapsulation (RFC 2004, protocol 55): the inner header shrinks to 8 or 12 bytes
 * (protocol, S bit, checksum, destination, [original source]) followed by the inner payload.
 * The outer header carries the tunnel end points.
 */
export function encodeMinimalEncapsulation(outer: Omit<Ipv4Spec, 'proto' | 'payload'>, inner: { proto: number; src: Addr; dst: Addr; payload: Uint8Array; withSource?: boolean; checksum?: number }): Uint8Array {
  const withSource = inner.withSource ?? true;
  const h = new Uint8Array(withSource ? 12 : 8);
  h[0] = inner.proto; h[1] = withSource ? 0x80 : 0;
  h.set(u32be(addr(inner.dst)), 4);
  if (withSource) h.set(u32be(addr(inner.src)), 8);
  h.set(u16be(inner.checksum ?? (~onesComplementSum(h, 0, h.length) & 0xffff)), 2);
  return encodeIpv4({ ...outer, proto: 55, payload: concat(h, inner.payload) });
}

export interface GreSpec {
  /** Protocol type of the payload (0x0800 IPv4). */
  proto?: number;
  key?: number; seq?: number;
  /** Present the checksum (RFC 2784), computed unless given. */
  checksum?: boolean | number;
  version?: number;
  payload: Uint8Array;
}
/** GRE (RFC 2784 with the key and sequence number of RFC 2890). */
export function encodeGre(s: GreSpec): Uint8Array {
  const ck = s.checksum !== undefined && s.checksum !== false;
  const flags = (ck ? 0x8000 : 0) | (s.key !== undefined ? 0x2000 : 0) | (s.seq !== undefined ? 0x1000 : 0) | ((s.version ?? 0) & 7);
  const parts = [u16be(flags), u16be(s.proto ?? 0x0800)];
  if (ck) parts.push(new Uint8Array(4));
  if (s.key !== undefined) parts.push(u32be(s.key));
  if (s.seq !== undefined) parts.push(u32be(s.seq));
  parts.push(s.payload);
  const g = concat(...parts);
  if (ck) g.set(u16be(typeof s.checksum === 'number' ? s.checksum : ~onesComplementSum(g, 0, g.length) & 0xffff), 4);
  return g;
}

export interface ArpSpec {
  /** 1 request, 2 reply. */
  op: number;
  senderMac: string; senderIp: Addr; targetMac?: string; targetIp: Addr;
}
/** ARP for IPv4 over Ethernet (RFC 826); a gratuitous ARP has sender IP = target IP (RFC 5944 §4.6). */
export function encodeArp(s: ArpSpec): Uint8Array {
  return concat(u16be(1), u16be(0x0800), Uint8Array.of(6, 4), u16be(s.op), mac(s.senderMac), u32be(addr(s.senderIp)), mac(s.targetMac ?? '00:00:00:00:00:00'), u32be(addr(s.targetIp)));
}
/** An ARP packet in an Ethernet frame (broadcast unless `dstMac`), padded to 60 bytes as a NIC sends it. */
export function arpFrame(s: ArpSpec & { dstMac?: string; pad?: boolean }): { linktype: number; data: Uint8Array } {
  return encodeLink({ kind: 'eth', srcMac: s.senderMac, dstMac: s.dstMac ?? 'ff:ff:ff:ff:ff:ff', pad: s.pad ?? true }, encodeArp(s), 0x0806);
}

/** An IPv6 header (RFC 8200) in front of a payload; addresses as 16 bytes. */
export function encodeIpv6(s: { src: Uint8Array; dst: Uint8Array; next: number; payload: Uint8Array; hopLimit?: number; trafficClass?: number; flow?: number }): Uint8Array {
  const h = new Uint8Array(40);
  h.set(u32be(((6 << 28) | ((s.trafficClass ?? 0) << 20) | ((s.flow ?? 0) & 0xfffff)) >>> 0), 0);
  h.set(u16be(s.payload.length), 4);
  h[6] = s.next; h[7] = s.hopLimit ?? 64;
  h.set(s.src, 8); h.set(s.dst, 24);
  return concat(h, s.payload);
}
