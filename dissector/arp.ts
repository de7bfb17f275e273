// ARP (RFC 826) with gratuitous ARP and announcements (RFC 5227, RFC 5944 §4.6), and
// Wireshark's duplicate-address detection: an IPv4 address claimed by a second MAC address.
import { registerExperts, registerFields } from './fields.js';
import type { FieldDef } from './fields.js';
import { addItem } from './tree.js';
import { etherTypes } from './dispatch.js';
import type { Dissector } from './dispatch.js';
import { Cursor, readU32 } from './cursor.js';
import { etherString, ipv4String } from './format.js';
import { MAX_ARP_ADDRESSES } from './limits.js';
import { DETACHED } from './packet.js';
import type { Packet } from './packet.js';
import type { Session } from './session.js';

const OPCODES: Record<number, string> = { 1: 'request', 2: 'reply', 3: 'reverse request', 4: 'reverse reply', 8: 'Inverse ARP request', 9: 'Inverse ARP reply' };
const HW_TYPES: Record<number, string> = { 1: 'Ethernet', 6: 'IEEE 802 Networks' };

export const ARP = registerFields({
  arp: { abbrev: 'arp', name: 'Address Resolution Protocol', type: 'protocol', short: 'ARP/RARP' },
  hwType: { abbrev: 'arp.hw.type', name: 'Hardware type', type: 'uint16', values: HW_TYPES },
  protoType: { abbrev: 'arp.proto.type', name: 'Protocol type', type: 'uint16', base: 'hex', values: { 0x0800: 'IPv4' } },
  hwSize: { abbrev: 'arp.hw.size', name: 'Hardware size', type: 'uint8' },
  protoSize: { abbrev: 'arp.proto.size', name: 'Protocol size', type: 'uint8' },
  opcode: { abbrev: 'arp.opcode', name: 'Opcode', type: 'uint16', values: OPCODES },
  isGratuitous: { abbrev: 'arp.isgratuitous', name: 'Is gratuitous', type: 'bool' },
  isProbe: { abbrev: 'arp.isprobe', name: 'Is probe', type: 'bool' },
  isAnnouncement: { abbrev: 'arp.isannouncement', name: 'Is announcement', type: 'bool' },
  srcHwMac: { abbrev: 'arp.src.hw_mac', name: 'Sender MAC address', type: 'ether' },
  srcHw: { abbrev: 'arp.src.hw', name: 'Sender hardware address', type: 'bytes' },
  srcIpv4: { abbrev: 'arp.src.proto_ipv4', name: 'Sender IP address', type: 'ipv4' },
  srcProto: { abbrev: 'arp.src.proto', name: 'Sender protocol address', type: 'bytes' },
  dstHwMac: { abbrev: 'arp.dst.hw_mac', name: 'Target MAC address', type: 'ether' },
  dstHw: { abbrev: 'arp.dst.hw', name: 'Target hardware address', type: 'bytes' },
  dstIpv4: { abbrev: 'arp.dst.proto_ipv4', name: 'Target IP address', type: 'ipv4' },
  dstProto: { abbrev: 'arp.dst.proto', name: 'Target protocol address', type: 'bytes' },
  duplicateFrame: { abbrev: 'arp.duplicate-address-frame', name: 'Frame showing earlier use of IP address', type: 'framenum' },
  secondsSince: { abbrev: 'arp.seconds-since-duplicate-address-frame', name: 'Seconds since earlier frame seen', type: 'uint32' },
});

const HEADER = [ARP.hwType, ARP.protoType, ARP.hwSize, ARP.protoSize, ARP.opcode];

const E = registerExperts({
  duplicate: { abbrev: 'arp.duplicate-address-detected', summary: 'Duplicate IP address configured', group: 'sequence', severity: 'warn' },
  tableFull: { abbrev: 'arp.address_table.full', summary: 'ARP address table full: no more addresses are followed in this capture', group: 'sequence', severity: 'note' },
});


interface AddressEntry { mac: string; frame: number; sec: number }
/** Per-capture ARP state: IPv4 address → first MAC seen claiming it; results per frame for re-dissection. */
interface ArpState {
  addresses: Map<number, AddressEntry>;
  full: boolean;
  /** Frame → [address, earlier frame, seconds since] of the duplicates it showed, when retained. */
  duplicates: Map<number, Array<[number, AddressEntry, number]>>;
}

function arpState(session: Session): ArpState {
  let s = session.ext.get('arp') as ArpState | undefined;
  if (!s) { s = { addresses: new Map(), full: false, duplicates: new Map() }; session.ext.set('arp', s); }
  return s;
}

const isZero = (b: Uint8Array) => b.every(x => x === 0);
const isGroup = (b: Uint8Array) => (b[0]! & 1) === 1; // broadcast and multicast MAC addresses

/** As Wireshark's check_for_duplicate_addresses: the first MAC seen for an address stays. */
function checkDuplicate(pkt: Packet, st: ArpState, ip: number, mac: Uint8Array, out: Array<[number, AddressEntry, number]>): void {
  if (ip === 0 || isZero(mac) || isGroup(mac)) return;
  const m = etherString(mac);
  const e = st.addresses.get(ip);
  if (!e) {
    if (st.addresses.size >= MAX_ARP_ADDRESSES) {
      if (!st.full) pkt.addExpert(null, E.tableFull, 0, 0, `ARP address table full (limit ${MAX_ARP_ADDRESSES}, MAX_ARP_ADDRESSES): later addresses are not checked for duplicates`);
      st.full = true;
      return;
    }
    st.addresses.set(ip, { mac: m, frame: pkt.no, sec: pkt.frame.tsSec });
  } else if (e.mac !== m) out.push([ip, e, pkt.frame.tsSec - e.sec]);
}

/** An IPv4-over-Ethernet ARP message, for the rules and bindings that read across packets. */
export interface ArpMessage { op: number; senderIp: number; senderMac: string; targetIp: number; targetMac: string; gratuitous: boolean }
/** The ARP message of each packet that carries one. */
export const arpMessages = new WeakMap<Packet, ArpMessage>();
/** Run for each IPv4-over-Ethernet ARP message (the bindings follow the home link). */
export const arpHooks: Array<(pkt: Packet, a: ArpMessage) => void> = [];

const arp: Dissector = (pkt, buf, start, end, src) => {
  const c = new Cursor(buf, start, end);
  c.skip(2); // hardware type
  const protoType = c.u16(), hwSize = c.u8(), protoSize = c.u8(), op = c.u16();
  const total = 8 + 2 * hwSize + 2 * protoSize;
  const n = pkt.add(null, ARP.arp, null, start, Math.min(total, end - start), src);
  pkt.layers.push('arp');
  pkt.protocol = 'ARP';
  // The header and addresses are read first (the layer's length needs the sizes; a message cut
  // short shows none of them); a second cursor adds them from the bytes they were read from.
  const h = new Cursor(buf, start, end);
  for (const f of HEADER) addItem(pkt, n, f, h, src);
  const sha = c.bytes(hwSize), spa = c.bytes(protoSize), tha = c.bytes(hwSize), tpa = c.bytes(protoSize);
  const ether = hwSize === 6, ipv4 = protoType === 0x0800 && protoSize === 4;
  const opName = OPCODES[op] ?? `Unknown (${op})`;
  const gratuitous = ipv4 && (op === 1 || op === 2) && readU32(spa, 0) === readU32(tpa, 0);
  const probe = ipv4 && op === 1 && isZero(tha) && readU32(spa, 0) === 0;
  const announcement = op === 1 && gratuitous && isZero(tha);
  if (gratuitous) pkt.addGenerated(n, ARP.isGratuitous, true, start + 6, 2, src);
  if (probe) pkt.addGenerated(n, ARP.isProbe, true, start + 6, 2, src);
  if (announcement) pkt.addGenerated(n, ARP.isAnnouncement, true, start + 6, 2, src);
  const addAddr = (fMac: FieldDef, fHw: FieldDef, fIp: FieldDef, fPa: FieldDef) => {
    if (hwSize) addItem(pkt, n, ether ? fMac : fHw, h, src, hwSize);
    if (protoSize) addItem(pkt, n, ipv4 ? fIp : fPa, h, src, protoSize);
  };
  addAddr(ARP.srcHwMac, ARP.srcHw, ARP.srcIpv4, ARP.srcProto);
  addAddr(ARP.dstHwMac, ARP.dstHw, ARP.dstIpv4, ARP.dstProto);
  if (n !== DETACHED) n.append = ` (${announcement ? 'ARP Announcement' : probe ? 'ARP Probe' : gratuitous ? `${opName}/gratuitous ARP` : opName})`;
  pkt.src = ether ? etherString(sha) : pkt.src;
  if (ipv4) {
    const s = ipv4String(readU32(spa, 0)), t = ipv4String(readU32(tpa, 0));
    if (op === 1) pkt.info = announcement ? `ARP Announcement for ${s}` : gratuitous ? `Gratuitous ARP for ${s} (Request)` : probe ? `Who has ${t}? (ARP Probe)` : `Who has ${t}? Tell ${s}`;
    else if (op === 2) pkt.info = gratuitous ? `Gratuitous ARP for ${s} (Reply)` : `${s} is at ${ether ? etherString(sha) : ''}`;
    else pkt.info = opName;
    const msg: ArpMessage = { op, senderIp: readU32(spa, 0), senderMac: ether ? etherString(sha) : '', targetIp: readU32(tpa, 0), targetMac: ether ? etherString(tha) : '', gratuitous };
    arpMessages.set(pkt, msg);
    if (ether) duplicates(pkt, readU32(spa, 0), sha, op === 2 ? readU32(tpa, 0) : 0, tha);
    if (ether) for (const h of arpHooks) h(pkt, msg);
  } else pkt.info = opName;
  // Bytes after the message are the Ethernet padding of a short frame (as after an IP datagram).
};

/** Sender (and a reply's target) addresses against the first MAC seen for each; duplicates shown as Wireshark does. */
function duplicates(pkt: Packet, spa: number, sha: Uint8Array, tpa: number, tha: Uint8Array): void {
  const st = arpState(pkt.session);
  let found = st.duplicates.get(pkt.no);
  if (!pkt.session.visited(pkt.no)) {
    found = [];
    checkDuplicate(pkt, st, spa, sha, found);
    if (tpa) checkDuplicate(pkt, st, tpa, tha, found);
    if (found.length && pkt.session.retain) st.duplicates.set(pkt.no, found);
  }
  for (const [ip, e, secs] of found ?? []) {
    const mac = ip === spa ? etherString(sha) : etherString(tha);
    const t = pkt.addText(null, `Duplicate IP address detected for ${ipv4String(ip)} (${mac}) - also in use by ${e.mac} (frame ${e.frame})`, 0, 0);
    t.generated = true;
    const f = pkt.addGenerated(t, ARP.duplicateFrame, e.frame);
    pkt.addExpert(f, E.duplicate, 0, 0, `Duplicate IP address configured (${ipv4String(ip)})`);
    pkt.addGenerated(t, ARP.secondsSince, secs);
    pkt.info += ` (duplicate use of ${ipv4String(ip)} detected!)`;
  }
}

etherTypes.set(0x0806, arp);
