// IPv4 (RFC 791) with header checksum status and fragment reassembly.
import { registerExperts, registerFields } from './fields.js';
import { etherTypes, ipProtocols } from './dispatch.js';
import type { Dissector } from './dispatch.js';
import { Cursor, readU32 } from './cursor.js';
import { addData } from './frame.js';
import { DETACHED } from './packet.js';
import type { Packet } from './packet.js';
import type { Node } from './tree.js';
import { addBitmask, addBits, addItem } from './tree.js';
import { ipv4String } from './format.js';

// Names as tshark's ip.proto value table.
export const IP_PROTOCOLS: Record<number, string> = { 0: 'IPv6 Hop-by-Hop Option', 1: 'ICMP', 2: 'IGMP', 4: 'IPIP', 6: 'TCP', 17: 'UDP', 41: 'IPv6', 43: 'Routing Header for IPv6', 44: 'Fragment Header for IPv6', 47: 'Generic Routing Encapsulation', 50: 'Encap Security Payload', 51: 'Authentication Header', 55: 'IP Mobility', 58: 'ICMPv6', 59: 'IPv6 No Next Header', 60: 'Destination Options for IPv6' };
export const CHECKSUM_STATUS = { 0: 'Bad', 1: 'Good', 2: 'Unverified', 3: 'Not present', 4: 'Illegal' } as const;

export const IP = registerFields({
  ip: { abbrev: 'ip', name: 'Internet Protocol Version 4', type: 'protocol', short: 'IPv4' },
  version: { abbrev: 'ip.version', name: 'Version', type: 'uint8', bitmask: 0xf0, bits: 8 },
  hdrLen: { abbrev: 'ip.hdr_len', name: 'Header Length', type: 'uint8' },
  dsfield: { abbrev: 'ip.dsfield', name: 'Differentiated Services Field', type: 'uint8', base: 'hex' },
  dscp: { abbrev: 'ip.dsfield.dscp', name: 'Differentiated Services Codepoint', type: 'uint8', bitmask: 0xfc, bits: 8 },
  ecn: { abbrev: 'ip.dsfield.ecn', name: 'Explicit Congestion Notification', type: 'uint8', bitmask: 0x03, bits: 8 },
  len: { abbrev: 'ip.len', name: 'Total Length', type: 'uint16' },
  id: { abbrev: 'ip.id', name: 'Identification', type: 'uint16', base: 'hex_dec' },
  flags: { abbrev: 'ip.flags', name: 'Flags', type: 'uint8', base: 'hex' },
  rb: { abbrev: 'ip.flags.rb', name: 'Reserved bit', type: 'bool', bits: 8, bitmask: 0x80, tf: ['Set', 'Not set'] },
  df: { abbrev: 'ip.flags.df', name: "Don't fragment", type: 'bool', bits: 8, bitmask: 0x40, tf: ['Set', 'Not set'] },
  mf: { abbrev: 'ip.flags.mf', name: 'More fragments', type: 'bool', bits: 8, bitmask: 0x20, tf: ['Set', 'Not set'] },
  fragOffset: { abbrev: 'ip.frag_offset', name: 'Fragment Offset', type: 'uint16' },
  ttl: { abbrev: 'ip.ttl', name: 'Time to Live', type: 'uint8' },
  proto: { abbrev: 'ip.proto', name: 'Protocol', type: 'uint8', values: IP_PROTOCOLS },
  checksum: { abbrev: 'ip.checksum', name: 'Header Checksum', type: 'uint16', base: 'hex' },
  checksumCalc: { abbrev: 'ip.checksum_calculated', name: 'Calculated Checksum', type: 'uint16', base: 'hex' },
  checksumStatus: { abbrev: 'ip.checksum.status', name: 'Header checksum status', type: 'uint8', base: 'none', values: CHECKSUM_STATUS },
  src: { abbrev: 'ip.src', name: 'Source Address', type: 'ipv4' },
  dst: { abbrev: 'ip.dst', name: 'Destination Address', type: 'ipv4' },
  addr: { abbrev: 'ip.addr', name: 'Source or Destination Address', type: 'ipv4' },
  options: { abbrev: 'ip.options', name: 'Options', type: 'bytes' },
  fragments: { abbrev: 'ip.fragments', name: 'IPv4 Fragments', type: 'none' },
  fragment: { abbrev: 'ip.fragment', name: 'IPv4 Fragment', type: 'framenum' },
  fragmentCount: { abbrev: 'ip.fragment.count', name: 'Fragment count', type: 'uint32' },
  reassembledIn: { abbrev: 'ip.reassembled_in', name: 'Reassembled IPv4 in frame', type: 'framenum' },
  reassembledLength: { abbrev: 'ip.reassembled.length', name: 'Reassembled IPv4 length', type: 'uint32' },
  reassembledData: { abbrev: 'ip.reassembled.data', name: 'Reassembled IPv4 data', type: 'bytes' },
});

const DS_BITS = [IP.dscp, IP.ecn];
const FLAG_BITS = [IP.rb, IP.df, IP.mf];

const E = registerExperts({
  badVersion: { abbrev: 'ip.bogus_ip_version', summary: 'Bogus IP version', group: 'malformed', severity: 'error' },
  badHdrLen: { abbrev: 'ip.bogus_header_length', summary: 'Bogus IP header length', group: 'malformed', severity: 'error' },
  badLen: { abbrev: 'ip.bogus_ip_length', summary: 'Bogus IP length', group: 'malformed', severity: 'error' },
  lenPastFrame: { abbrev: 'ip.len.past_end', summary: 'IPv4 total length exceeds packet length', group: 'malformed', severity: 'error' },
  badChecksum: { abbrev: 'ip.checksum_bad.expert', summary: 'Bad checksum', group: 'checksum', severity: 'error' },
  reassemblyLimit: { abbrev: 'ip.reassembly.limit', summary: 'IPv4 reassembly limit reached', group: 'reassemble', severity: 'warn' },
});

/** RFC 1071 Internet checksum over buf[start, end), starting from `initial`. */
export function onesComplementSum(buf: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = initial;
  let i = start;
  for (; i + 1 < end; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!;
  if (i < end) sum += buf[i]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

const ipv4: Dissector = (pkt, buf, start, end, src) => {
  const c = new Cursor(buf, start, end);
  const vhl = c.peekU8();
  const version = vhl >> 4, hdrLen = (vhl & 0x0f) * 4;
  const ip = pkt.add(null, IP.ip, null, start, Math.min(Math.max(hdrLen, 20), end - start), src);
  pkt.layers.push('ip');
  pkt.protocol = 'IPv4';
  addItem(pkt, ip, IP.version, c, src);
  if (version !== 4) {
    pkt.addExpert(ip, E.badVersion, start, 1, `Bogus IP version (${version}, must be 4)`);
    addData(pkt, buf, start + 1, end, src);
    return;
  }
  pkt.add(ip, IP.hdrLen, hdrLen, start, 1, src);
  if (hdrLen < 20) {
    pkt.addExpert(ip, E.badHdrLen, start, 1, `Bogus IP header length (${hdrLen}, must be at least 20)`);
    return;
  }
  addBitmask(pkt, ip, IP.dsfield, DS_BITS, c, src);
  const totalLen = addItem(pkt, ip, IP.len, c, src).value as number;
  const id = addItem(pkt, ip, IP.id, c, src).value as number;
  // Flags and fragment offset share two bytes: both are values derived from them, as Wireshark adds them.
  const ff = c.u16();
  const flags = pkt.add(ip, IP.flags, (ff >> 8) & 0xe0, start + 6, 1, src);
  addBits(pkt, flags, FLAG_BITS, ff >> 8, start + 6, 1, src);
  const fragOffset = (ff & 0x1fff) * 8;
  pkt.add(ip, IP.fragOffset, fragOffset, start + 6, 2, src);
  const ttl = addItem(pkt, ip, IP.ttl, c, src).value as number;
  const proto = addItem(pkt, ip, IP.proto, c, src).value as number;
  const { value: checksum, node: ck } = addItem(pkt, ip, IP.checksum, c, src) as { value: number; node: Node };
  // The addresses are read before the checksum status is added and shown after it.
  const s = c.u32(), d = c.u32();
  if (pkt.session.prefs['ip.check_checksum'] && start + hdrLen <= end) {
    const ok = onesComplementSum(buf, start, start + hdrLen) === 0xffff;
    const calc = (~onesComplementSum(buf, start, start + hdrLen, 0xffff - checksum) & 0xffff);
    pkt.addGenerated(ip, IP.checksumStatus, ok ? 1 : 0, start + 10, 2, src);
    if (!ok) {
      pkt.addGenerated(ip, IP.checksumCalc, calc, start + 10, 2, src);
      ck.append = ` incorrect, should be 0x${calc.toString(16).padStart(4, '0')}`;
      pkt.addExpert(ip, E.badChecksum, start + 10, 2, 'Bad checksum');
    }
  } else pkt.addGenerated(ip, IP.checksumStatus, 2, start + 10, 2, src);
  pkt.add(ip, IP.src, s, start + 12, 4, src);
  pkt.addHidden(ip, IP.addr, s, start + 12, 4, src);
  pkt.add(ip, IP.dst, d, start + 16, 4, src);
  pkt.addHidden(ip, IP.addr, d, start + 16, 4, src);
  pkt.src = ipv4String(s); pkt.dst = ipv4String(d);
  if (ip !== DETACHED) ip.append = `, Src: ${pkt.src}, Dst: ${pkt.dst}`;
  pkt.ipv4.push({ src: s, dst: d, proto, ttl });
  if (hdrLen > 20) pkt.add(ip, IP.options, c.bytes(Math.min(hdrLen - 20, c.remaining)), start + 20, hdrLen - 20, src);

  let payloadEnd = start + totalLen;
  if (totalLen < hdrLen) {
    pkt.addExpert(ip, E.badLen, start + 2, 2, `Bogus IP length (${totalLen}, less than header length ${hdrLen})`);
    return;
  }
  if (payloadEnd > end) {
    // A datagram quoted by an ICMP error is cut short on purpose (RFC 792).
    if (!pkt.inError) pkt.addExpert(ip, E.lenPastFrame, start + 2, 2, `IPv4 total length (${totalLen}) exceeds the ${end - start} bytes captured`);
    payloadEnd = end;
  }
  const payloadStart = start + hdrLen;
  const more = (ff & 0x2000) !== 0;
  if ((more || fragOffset > 0) && pkt.session.prefs['ip.defragment']) {
    fragment(pkt, ip, buf, payloadStart, payloadEnd, src, { s, d, id, proto, more, fragOffset });
    return;
  }
  const next = ipProtocols.get(proto);
  if (next) next(pkt, buf, payloadStart, payloadEnd, src);
  else addData(pkt, buf, payloadStart, payloadEnd, src);
};

interface FragInfo { s: number; d: number; id: number; proto: number; more: boolean; fragOffset: number }

function fragment(pkt: Packet, ip: Node, buf: Uint8Array, start: number, end: number, src: number, f: FragInfo): void {
  const session = pkt.session;
  const no = pkt.no;
  let done = session.reassembled.get(no) ?? null;
  if (!session.visited(no)) {
    const key = `${f.s}:${f.d}:${f.id}:${f.proto}`;
    done = session.addFragment(key, no, f.fragOffset, f.more, buf.subarray(start, end), pkt.frame.tsSec);
  }
  for (const l of session.fragmentLimitsOf(no)) pkt.addExpert(ip, E.reassemblyLimit, 0, 0, l.message);
  if (!done) {
    const inFrame = session.reassembledIn.get(no);
    if (inFrame !== undefined) pkt.addGenerated(ip, IP.reassembledIn, inFrame);
    pkt.info = `Fragmented IP protocol (proto=${IP_PROTOCOLS[f.proto] ?? f.proto} ${f.proto}, off=${f.fragOffset}, ID=${f.id.toString(16).padStart(4, '0')})` +
      (inFrame !== undefined ? ` [Reassembled in #${inFrame}]` : '');
    addData(pkt, buf, start, end, src);
    return;
  }
  const rsrc = pkt.addSource('Reassembled IPv4', done.data);
  const frags = pkt.add(null, IP.fragments, null, 0, done.data.length, rsrc);
  frags.text = `[${done.frames.length} IPv4 Fragments (${done.data.length} bytes): ${done.parts.map(([fr, off, len]) => `#${fr}(${len})`).join(', ')}]`;
  frags.generated = true;
  for (const [fr, off, len] of done.parts) pkt.add(frags, IP.fragment, fr, off, len, rsrc).generated = true;
  pkt.addGenerated(frags, IP.fragmentCount, done.frames.length, 0, 0, rsrc);
  pkt.addGenerated(frags, IP.reassembledLength, done.data.length, 0, 0, rsrc);
  const next = ipProtocols.get(f.proto);
  if (next) next(pkt, done.data, 0, done.data.length, rsrc);
  else addData(pkt, done.data, 0, done.data.length, rsrc);
}

etherTypes.set(0x0800, ipv4);
