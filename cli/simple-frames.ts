// The fast path of a tracking-free pass (./tracking-free.ts) for the commonest frame there is:
// an Ethernet frame with an IPv4 header without options, unfragmented, carrying a UDP datagram
// to the Mobile IP port with a Registration Request or Reply whose extensions are only NAI,
// MN-HA, MN-FA and FA-HA authentication, all well formed. Such a frame is read straight from
// its bytes into the packet the dissectors would make (the same fields, values and columns, in
// the same order, kept or left out by the same `want`), without cursors, closures, hooks or
// exceptions. Anything else — another link, VLAN tags, IP options, a fragment, a bad length,
// reserved bits, another message or extension, any expert item the dissectors would raise —
// is left to them (`dissectSimple` returns null). test/cli/simple-frames.test.ts compares the
// two over every sample capture, field by field.
//
// What the dissectors do that is skipped here, and why it is the same: registration tracking
// is off in a tracking-free pass; key learning finds nothing to learn in these extensions; and
// authenticator verification finds no key (a tracking-free pass has no keys file and ends at
// the first packet that teaches one), so each authenticator is "unverified".
import type { Frame } from '../capture/frame.js';
import { Packet } from '../dissector/index.js';
import { DETACHED } from '../dissector/packet.js';
import type { FieldDef, Session } from '../dissector/index.js';
import { F } from '../dissector/frame.js';
import { ETH } from '../dissector/link.js';
import { IP } from '../dissector/ipv4.js';
import { portDissector, UDP } from '../dissector/udp.js';
import { MESSAGE_TYPES, MIP } from '../dissector/mip/fields.js';
import { dissectMip, ntpToTime } from '../dissector/mip/messages.js';
import { extensionHandler, extensionTable } from '../dissector/mip/extensions.js';
import { etherString, ipv4String, utf8Text } from '../dissector/format.js';
import { timeDiff } from '../dissector/tree.js';
import { plainAdvertisement } from '../dissector/icmp.js';
import type { Prefs } from '../dissector/prefs.js';

/** Field ids as numbers: one property read of one object per test (the field definitions have many shapes). */
const ID = {
  MIP_authAuth: MIP.authAuth.id,
  MIP_authStatus: MIP.authStatus.id,
  MIP_nai: MIP.nai.id,
  UDP_payload: UDP.payload.id,
  ETH_addr: ETH.addr.id,
  ETH_dst: ETH.dst.id,
  ETH_src: ETH.src.id,
  ETH_type: ETH.type.id,
  F_capLen: F.capLen.id,
  F_encap: F.encap.id,
  F_interfaceId: F.interfaceId.id,
  F_len: F.len.id,
  F_number: F.number.id,
  F_time: F.time.id,
  F_timeDelta: F.timeDelta.id,
  F_timeEpoch: F.timeEpoch.id,
  F_timeRelative: F.timeRelative.id,
  IP_addr: IP.addr.id,
  IP_checksum: IP.checksum.id,
  IP_checksumStatus: IP.checksumStatus.id,
  IP_df: IP.df.id,
  IP_dscp: IP.dscp.id,
  IP_dsfield: IP.dsfield.id,
  IP_dst: IP.dst.id,
  IP_ecn: IP.ecn.id,
  IP_flags: IP.flags.id,
  IP_fragOffset: IP.fragOffset.id,
  IP_hdrLen: IP.hdrLen.id,
  IP_id: IP.id.id,
  IP_len: IP.len.id,
  IP_mf: IP.mf.id,
  IP_proto: IP.proto.id,
  IP_rb: IP.rb.id,
  IP_src: IP.src.id,
  IP_ttl: IP.ttl.id,
  IP_version: IP.version.id,
  MIP_authSpi: MIP.authSpi.id,
  MIP_coa: MIP.coa.id,
  MIP_code: MIP.code.id,
  MIP_extLen: MIP.extLen.id,
  MIP_extType: MIP.extType.id,
  MIP_flags: MIP.flags.id,
  MIP_haaddr: MIP.haaddr.id,
  MIP_homeaddr: MIP.homeaddr.id,
  MIP_ident: MIP.ident.id,
  MIP_identHex: MIP.identHex.id,
  MIP_life: MIP.life.id,
  MIP_type: MIP.type.id,
  UDP_checksum: UDP.checksum.id,
  UDP_checksumStatus: UDP.checksumStatus.id,
  UDP_dstport: UDP.dstport.id,
  UDP_length: UDP.length.id,
  UDP_port: UDP.port.id,
  UDP_srcport: UDP.srcport.id,
};

const REQUEST_FLAGS = [MIP.s, MIP.b, MIP.d, MIP.m, MIP.g, MIP.v, MIP.t, MIP.x];
const REQUEST_FLAG_IDS = REQUEST_FLAGS.map(f => f.id);
const AUTH = 1, NAI = 2;

/** An extension's text as utf8Text makes it, read directly when it is all ASCII. */
function text(b: Uint8Array, at: number, len: number): string {
  let ascii = '';
  for (let i = at; i < at + len; i++) {
    const c = b[i]!;
    if (c >= 0x80) return utf8Text(b.subarray(at, at + len));
    ascii += String.fromCharCode(c);
  }
  return ascii;
}

/**
 * True for a whole Ethernet frame of at least `min` bytes carrying an IPv4 datagram of protocol
 * `proto`, without options, unfragmented, that ends where the frame ends.
 */
function plainIpv4(frame: Frame, proto: number, min: number): boolean {
  const b = frame.data, n = b.length;
  if (frame.linktype !== 1 || frame.caplen !== frame.len || frame.len !== n || n < min) return false;
  if (b[12] !== 0x08 || b[13] !== 0x00 || b[14] !== 0x45) return false;
  const totalLen = (b[16]! << 8) | b[17]!, ff = (b[20]! << 8) | b[21]!;
  return (ff & 0x3fff) === 0 && b[23] === proto && totalLen >= 28 && 14 + totalLen === n;
}

/** The big-endian 32-bit word at p. */
export function rd(b: Uint8Array, p: number): number { return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0; }

export class SimpleFrames {
  /** Extension type → AUTH or NAI while the standard dissector handles it (no KX preference takes it). */
  private readonly kinds = new Uint8Array(256);
  /** The last port pair's verdict: Mobile IP or not (the ports of a capture repeat). */
  private lastPorts = -1;
  private lastMip = false;
  /** What a `want` keeps (computed once per array): any field at all, a time field. */
  private wantFor: Uint8Array | null = null;
  private anyField = false;
  /** Which layers' fields a `want` keeps (the others are not looked at). */
  private groups = { eth: false, ip: false, udp: false, mip: false, ext: false };
  private times = false;
  /** Dotted addresses made before (a capture's addresses repeat), a bounded number. */
  private readonly addresses = new Map<number, string>();

  constructor(private readonly prefs: Prefs) {
    const standard = (t: number, k: number) => { if (extensionTable.has(t) && extensionHandler(t, prefs) === extensionTable.get(t)) this.kinds[t] = k; };
    for (const t of [32, 33, 34]) standard(t, AUTH);
    standard(131, NAI);
  }

  /** True when the dissectors would check a checksum (then they may raise an item: not simple). */
  get usable(): boolean { return !this.prefs['ip.check_checksum'] && !this.prefs['udp.check_checksum']; }

  private isMip(sp: number, dp: number): boolean {
    const key = sp * 65536 + dp;
    if (key !== this.lastPorts) { this.lastPorts = key; this.lastMip = portDissector(this.prefs, sp, dp) === dissectMip; }
    return this.lastMip;
  }

  /**
   * Where the Mobile IP message of a simple frame starts (its offset in frame.data), or -1 for
   * any other frame. The bytes alone decide: nothing is changed.
   */
  mipStart(frame: Frame): number {
    if (!plainIpv4(frame, 17, 14 + 20 + 8 + 20)) return -1;
    const b = frame.data, ip = 14, u = ip + 20, ipEnd = b.length;
    const sp = (b[u]! << 8) | b[u + 1]!, dp = (b[u + 2]! << 8) | b[u + 3]!, udpLen = (b[u + 4]! << 8) | b[u + 5]!;
    if (u + udpLen !== ipEnd || udpLen <= 8 || !this.isMip(sp, dp)) return -1;
    const s = u + 8, end = ipEnd, type = b[s]!;
    const fixed = type === 1 ? 24 : type === 3 ? 20 : 0;
    if (fixed === 0 || end - s < fixed || (type === 1 && (b[s + 1]! & 0x05) !== 0)) return -1;
    // The extensions: each one known, its length inside the message, an authenticator with its SPI.
    let count = 0;
    for (let off = s + fixed; off < end; count++) {
      if (off + 2 > end || count >= 64) return -1;
      const kind = this.kinds[b[off]!]!, len = b[off + 1]!;
      if (kind === 0 || off + 2 + len > end || (kind === AUTH && len < 4)) return -1;
      off += 2 + len;
    }
    return s;
  }

  /**
   * Where the ICMP message of a plain Mobile IP agent advertisement starts (dissector/icmp.ts
   * plainAdvertisement), in a frame simple in the same way otherwise; -1 for any other frame.
   */
  advertStart(frame: Frame): number {
    return plainIpv4(frame, 1, 14 + 20 + 8) && plainAdvertisement(frame.data, 34, frame.data.length) ? 34 : -1;
  }

  /** True for an authentication extension type (MN-HA, MN-FA, FA-HA) as the standard dissector reads it. */
  isAuth(type: number): boolean { return this.kinds[type] === AUTH; }

  /** The packet of a simple frame, as dissectFrame makes it; null for any other frame (nothing is changed then). */
  dissect(frame: Frame, session: Session, want: Uint8Array): Packet | null {
    const s = this.mipStart(frame);
    return s < 0 ? null : this.dissectAt(frame, s, session, want);
  }

  /** The packet of a simple frame whose message starts at `s` (mipStart's answer). */
  dissectAt(frame: Frame, s: number, session: Session, want: Uint8Array): Packet {
    const b = frame.data, n = b.length;
    const ip = 14, totalLen = (b[ip + 2]! << 8) | b[ip + 3]!, ff = (b[ip + 6]! << 8) | b[ip + 7]!;
    const u = ip + 20, end = ip + totalLen, type = b[s]!;
    const sp = (b[u]! << 8) | b[u + 1]!, dp = (b[u + 2]! << 8) | b[u + 3]!, udpLen = (b[u + 4]! << 8) | b[u + 5]!;

    // Simple: the packet, field by field in the dissectors' order.
    const pkt = new Packet(frame, session, want);
    session.recordTime(frame.no, frame.tsSec, frame.tsNsec);
    if (this.wantFor !== want) {
      this.wantFor = want;
      this.times = want[F.time.id] === 1 || want[F.timeEpoch.id] === 1 || want[F.timeDelta.id] === 1 || want[F.timeRelative.id] === 1;
      this.anyField = SIMPLE_FIELDS.some(f => want[f.id] === 1);
      const any = (fields: readonly FieldDef[]) => fields.some(f => want[f.id] === 1);
      this.groups = {
        eth: any(Object.values(ETH)), ip: any(Object.values(IP)), udp: any(Object.values(UDP)),
        mip: any([MIP.flags, ...REQUEST_FLAGS, MIP.code, MIP.life, MIP.homeaddr, MIP.haaddr, MIP.coa]),
        ext: any([MIP.extType, MIP.extLen, MIP.authSpi, MIP.authAuth, MIP.nai]),
      };
    }
    if (!this.anyField) return this.columnsOnly(pkt, b, s, type);
    pkt.layers.push('frame', 'eth', 'ethertype', 'ip', 'udp', 'mip');
    const fr = pkt.add(null, F.frame, null, 0, n);
    if (fr !== DETACHED) fr.text = `Frame ${frame.no}: ${n} bytes on wire (${n * 8} bits), ${n} bytes captured (${n * 8} bits) on interface ${frame.ifIndex}`;
    if (want[ID.F_interfaceId] === 1) pkt.add(null, F.interfaceId, frame.ifIndex, 0, 0);
    if (want[ID.F_encap] === 1) pkt.add(null, F.encap, frame.linktype, 0, 0);
    if (this.times) {
      const ts = { sec: frame.tsSec, nsec: frame.tsNsec };
      if (want[ID.F_time] === 1) pkt.add(null, F.time, ts, 0, 0);
      if (want[ID.F_timeEpoch] === 1) pkt.add(null, F.timeEpoch, ts, 0, 0);
      if (want[ID.F_timeDelta] === 1) pkt.add(null, F.timeDelta, timeDiff(ts, session.prevTs(frame.no) ?? ts), 0, 0);
      if (want[ID.F_timeRelative] === 1) pkt.add(null, F.timeRelative, timeDiff(ts, session.firstTs ?? ts), 0, 0);
    }
    if (want[ID.F_number] === 1) pkt.add(null, F.number, frame.no, 0, 0);
    if (want[ID.F_len] === 1) pkt.add(null, F.len, frame.len, 0, 0);
    if (want[ID.F_capLen] === 1) pkt.add(null, F.capLen, frame.caplen, 0, 0);
    const protocols = pkt.add(null, F.protocols, '', 0, 0);

    // Ethernet
    if (this.groups.eth) {
      const eth = pkt.add(null, ETH.eth, null, 0, 14);
      if (eth !== DETACHED) eth.append = `, Src: ${etherString(b.subarray(6, 12))}, Dst: ${etherString(b.subarray(0, 6))}`;
      if (want[ID.ETH_dst] === 1 || want[ID.ETH_src] === 1 || want[ID.ETH_addr] === 1) {
        const dst = b.subarray(0, 6), src = b.subarray(6, 12);
        if (want[ID.ETH_dst] === 1) pkt.add(null, ETH.dst, dst, 0, 6);
        if (want[ID.ETH_addr] === 1) pkt.addHidden(null, ETH.addr, dst, 0, 6);
        if (want[ID.ETH_src] === 1) pkt.add(null, ETH.src, src, 6, 6);
        if (want[ID.ETH_addr] === 1) pkt.addHidden(null, ETH.addr, src, 6, 6);
      }
      if (want[ID.ETH_type] === 1) pkt.add(null, ETH.type, 0x0800, 12, 2);
    }

    // IPv4
    const ttl = b[ip + 8]!, srcAddr = rd(b, ip + 12), dstAddr = rd(b, ip + 16);
    pkt.src = this.dotted(srcAddr); pkt.dst = this.dotted(dstAddr);
    if (this.groups.ip) {
      const ipNode = pkt.add(null, IP.ip, null, ip, 20);
      if (want[ID.IP_version] === 1) pkt.add(null, IP.version, 4, ip, 1);
      if (want[ID.IP_hdrLen] === 1) pkt.add(null, IP.hdrLen, 20, ip, 1);
      const ds = b[ip + 1]!;
      if (want[ID.IP_dsfield] === 1) pkt.add(null, IP.dsfield, ds, ip + 1, 1);
      if (want[ID.IP_dscp] === 1) pkt.add(null, IP.dscp, ds >> 2, ip + 1, 1);
      if (want[ID.IP_ecn] === 1) pkt.add(null, IP.ecn, ds & 3, ip + 1, 1);
      if (want[ID.IP_len] === 1) pkt.add(null, IP.len, totalLen, ip + 2, 2);
      if (want[ID.IP_id] === 1) pkt.add(null, IP.id, (b[ip + 4]! << 8) | b[ip + 5]!, ip + 4, 2);
      if (want[ID.IP_flags] === 1) pkt.add(null, IP.flags, (ff >> 8) & 0xe0, ip + 6, 1);
      if (want[ID.IP_rb] === 1) pkt.add(null, IP.rb, (ff & 0x8000) !== 0, ip + 6, 1);
      if (want[ID.IP_df] === 1) pkt.add(null, IP.df, (ff & 0x4000) !== 0, ip + 6, 1);
      if (want[ID.IP_mf] === 1) pkt.add(null, IP.mf, false, ip + 6, 1);
      if (want[ID.IP_fragOffset] === 1) pkt.add(null, IP.fragOffset, 0, ip + 6, 2);
      if (want[ID.IP_ttl] === 1) pkt.add(null, IP.ttl, ttl, ip + 8, 1);
      if (want[ID.IP_proto] === 1) pkt.add(null, IP.proto, 17, ip + 9, 1);
      if (want[ID.IP_checksum] === 1) pkt.add(null, IP.checksum, (b[ip + 10]! << 8) | b[ip + 11]!, ip + 10, 2);
      if (want[ID.IP_checksumStatus] === 1) pkt.addGenerated(null, IP.checksumStatus, 2, ip + 10, 2);
      if (want[ID.IP_src] === 1) pkt.add(null, IP.src, srcAddr, ip + 12, 4);
      if (want[ID.IP_addr] === 1) pkt.addHidden(null, IP.addr, srcAddr, ip + 12, 4);
      if (want[ID.IP_dst] === 1) pkt.add(null, IP.dst, dstAddr, ip + 16, 4);
      if (want[ID.IP_addr] === 1) pkt.addHidden(null, IP.addr, dstAddr, ip + 16, 4);
      if (ipNode !== DETACHED) ipNode.append = `, Src: ${pkt.src}, Dst: ${pkt.dst}`;
    }
    const header = { src: srcAddr, dst: dstAddr, proto: 17, ttl };
    pkt.ipv4.push(header);

    // UDP
    pkt.udp.push({ srcPort: sp, dstPort: dp, ip: header });
    if (this.groups.udp) {
      const udpNode = pkt.add(null, UDP.udp, null, u, 8);
      if (udpNode !== DETACHED) udpNode.append = `, Src Port: ${sp}, Dst Port: ${dp}`;
      if (want[ID.UDP_srcport] === 1) pkt.add(null, UDP.srcport, sp, u, 2);
      if (want[ID.UDP_dstport] === 1) pkt.add(null, UDP.dstport, dp, u + 2, 2);
      if (want[ID.UDP_port] === 1) pkt.addHidden(null, UDP.port, sp, u, 2);
      if (want[ID.UDP_port] === 1) pkt.addHidden(null, UDP.port, dp, u + 2, 2);
      if (want[ID.UDP_length] === 1) pkt.add(null, UDP.length, udpLen, u + 4, 2);
      const checksum = (b[u + 6]! << 8) | b[u + 7]!;
      if (want[ID.UDP_checksum] === 1) pkt.add(null, UDP.checksum, checksum, u + 6, 2);
      if (want[ID.UDP_checksumStatus] === 1) pkt.addGenerated(null, UDP.checksumStatus, checksum === 0 ? 3 : 2, u + 6, 2);
      if (want[ID.UDP_payload] === 1) pkt.add(null, UDP.payload, b.subarray(s, end), s, end - s).text = `UDP payload (${end - s} byte${end - s === 1 ? '' : 's'})`;

    }

    // Mobile IP
    const mip = pkt.add(null, MIP.mip, null, s, end - s);
    if (mip !== DETACHED) mip.append = ` (${MESSAGE_TYPES[type]})`;
    pkt.protocol = 'MobileIP';
    const homeAddr = rd(b, s + 4), haAddr = rd(b, s + 8), at = type === 1 ? s + 16 : s + 12;
    pkt.info = type === 1 ? `Reg Request: HoA=${this.dotted(homeAddr)} HA=${this.dotted(haAddr)} CoA=${this.dotted(rd(b, s + 12))}`
      : `Reg Reply: HoA=${this.dotted(homeAddr)} HA=${this.dotted(haAddr)}, Code=${b[s + 1]}`;
    if (want[ID.MIP_type] === 1) pkt.add(null, MIP.type, type, s, 1);
    if (!this.groups.mip) { /* no field of the fixed part kept */ } else if (type === 1) {
      const coa = rd(b, s + 12);
      const flags = b[s + 1]!;
      if (want[ID.MIP_flags] === 1) pkt.add(null, MIP.flags, flags, s + 1, 1);
      for (let i = 0; i < REQUEST_FLAGS.length; i++) {
        if (want[REQUEST_FLAG_IDS[i]!] !== 1) continue;
        const f = REQUEST_FLAGS[i]!;
        pkt.add(null, f, f.type === 'bool' ? (flags & f.bitmask) !== 0 : (flags & f.bitmask) >>> f.shift, s + 1, 1);
      }
      if (want[ID.MIP_life] === 1) pkt.add(null, MIP.life, (b[s + 2]! << 8) | b[s + 3]!, s + 2, 2);
      if (want[ID.MIP_homeaddr] === 1) pkt.add(null, MIP.homeaddr, homeAddr, s + 4, 4);
      if (want[ID.MIP_haaddr] === 1) pkt.add(null, MIP.haaddr, haAddr, s + 8, 4);
      if (want[ID.MIP_coa] === 1) pkt.add(null, MIP.coa, coa, s + 12, 4);
    } else {
      if (want[ID.MIP_code] === 1) pkt.add(null, MIP.code, b[s + 1]!, s + 1, 1);
      if (want[ID.MIP_life] === 1) pkt.add(null, MIP.life, (b[s + 2]! << 8) | b[s + 3]!, s + 2, 2);
      if (want[ID.MIP_homeaddr] === 1) pkt.add(null, MIP.homeaddr, homeAddr, s + 4, 4);
      if (want[ID.MIP_haaddr] === 1) pkt.add(null, MIP.haaddr, haAddr, s + 8, 4);
    }
    if (want[ID.MIP_ident] === 1 || want[ID.MIP_identHex] === 1) {
      const hi = rd(b, at), lo = rd(b, at + 4);
      if (want[ID.MIP_ident] === 1) pkt.add(null, MIP.ident, ntpToTime(hi, lo), at, 8);
      if (want[ID.MIP_identHex] === 1) pkt.addGenerated(null, MIP.identHex, (BigInt(hi) << 32n) | BigInt(lo), at, 8);
    }
    const wantsAuth = want[ID.MIP_authStatus] === 1;
    for (let off = at + 8; this.groups.ext && off < end;) {
      const et = b[off]!, len = b[off + 1]!, data = off + 2;
      if (want[ID.MIP_extType] === 1) pkt.add(null, MIP.extType, et, off, 1);
      if (want[ID.MIP_extLen] === 1) pkt.add(null, MIP.extLen, len, off + 1, 1);
      if (this.kinds[et] === AUTH) {
        if (want[ID.MIP_authSpi] === 1) pkt.add(null, MIP.authSpi, rd(b, data), data, 4);
        if (want[ID.MIP_authAuth] === 1) pkt.add(null, MIP.authAuth, b.subarray(data + 4, data + len), data + 4, len - 4);
      } else if (want[ID.MIP_nai] === 1) pkt.add(null, MIP.nai, text(b, data, len), data, len);
      off = data + len;
    }
    // The verdicts of authenticator verification (kx/verify.ts), after the extensions: no key.
    if (wantsAuth) {
      for (let off = at + 8; off < end;) {
        const len = b[off + 1]!;
        if (this.kinds[b[off]!] === AUTH) pkt.addGenerated(null, MIP.authStatus, 'unverified', off + 6, len - 4);
        off += 2 + len;
      }
    }
    if (protocols !== DETACHED) protocols.value = 'eth:ethertype:ip:udp:mip';
    session.finishFrame(frame.no);
    return pkt;
  }

  /** A simple frame when no field is kept: the columns and layers, as the full path leaves them. */
  private columnsOnly(pkt: Packet, b: Uint8Array, s: number, type: number): Packet {
    pkt.layers.push('frame', 'eth', 'ethertype', 'ip', 'udp', 'mip');
    pkt.src = this.dotted(rd(b, 26)); pkt.dst = this.dotted(rd(b, 30));
    pkt.protocol = 'MobileIP';
    const home = this.dotted(rd(b, s + 4)), ha = this.dotted(rd(b, s + 8));
    pkt.info = type === 1 ? `Reg Request: HoA=${home} HA=${ha} CoA=${this.dotted(rd(b, s + 12))}` : `Reg Reply: HoA=${home} HA=${ha}, Code=${b[s + 1]}`;
    pkt.session.finishFrame(pkt.no);
    return pkt;
  }

  private dotted(a: number): string {
    let s = this.addresses.get(a);
    if (s === undefined) {
      s = ipv4String(a);
      if (this.addresses.size >= 4096) this.addresses.clear();
      this.addresses.set(a, s);
    }
    return s;
  }
}

/** The fields a simple frame can have (for tests). */
export const SIMPLE_FIELDS: readonly FieldDef[] = [
  ...Object.values(F), ...Object.values(ETH), ...Object.values(IP), ...Object.values(UDP), ...Object.values(MIP),
];
