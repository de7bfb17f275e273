// Link layers: Ethernet (with 802.1Q), Linux SLL and SLL2, raw IPv4, BSD null/loopback.
import { registerExperts, registerFields } from './fields.js';
import { etherTypes, linkTypes } from './dispatch.js';
import type { Dissector } from './dispatch.js';
import { Cursor, readU32 } from './cursor.js';
import { DETACHED } from './packet.js';
import type { Packet } from './packet.js';
import type { Node } from './tree.js';
import { addBitmaskList, addItem } from './tree.js';
import { addData } from './frame.js';
import { etherString } from './format.js';

export const LINKTYPE = { NULL: 0, ETHERNET: 1, RAW: 101, LOOP: 108, LINUX_SLL: 113, IPV4: 228, LINUX_SLL2: 276 } as const;

const ETHERTYPES: Record<number, string> = { 0x0800: 'IPv4', 0x0806: 'ARP', 0x8100: '802.1Q Virtual LAN', 0x86dd: 'IPv6', 0x88a8: '802.1ad' };

export const ETH = registerFields({
  eth: { abbrev: 'eth', name: 'Ethernet II', type: 'protocol', short: 'Ethernet' },
  dst: { abbrev: 'eth.dst', name: 'Destination', type: 'ether' },
  src: { abbrev: 'eth.src', name: 'Source', type: 'ether' },
  addr: { abbrev: 'eth.addr', name: 'Address', type: 'ether' },
  type: { abbrev: 'eth.type', name: 'Type', type: 'uint16', base: 'hex', values: ETHERTYPES },
  padding: { abbrev: 'eth.padding', name: 'Padding', type: 'bytes' },
});
export const VLAN = registerFields({
  vlan: { abbrev: 'vlan', name: '802.1Q Virtual LAN', type: 'protocol', short: 'VLAN' },
  priority: { abbrev: 'vlan.priority', name: 'Priority', type: 'uint16', bitmask: 0xe000, bits: 16 },
  dei: { abbrev: 'vlan.dei', name: 'DEI', type: 'uint16', bitmask: 0x1000, bits: 16 },
  id: { abbrev: 'vlan.id', name: 'ID', type: 'uint16', bitmask: 0x0fff, bits: 16 },
  etype: { abbrev: 'vlan.etype', name: 'Type', type: 'uint16', base: 'hex', values: ETHERTYPES },
});
const TCI_BITS = [VLAN.priority, VLAN.dei, VLAN.id];
const SLL_PKTTYPES = { 0: 'Unicast to us', 1: 'Broadcast', 2: 'Multicast', 3: 'Unicast to another host', 4: 'Sent by us' };
export const SLL = registerFields({
  sll: { abbrev: 'sll', name: 'Linux cooked capture', type: 'protocol', short: 'SLL' },
  pkttype: { abbrev: 'sll.pkttype', name: 'Packet type', type: 'uint16', values: SLL_PKTTYPES },
  hatype: { abbrev: 'sll.hatype', name: 'Link-layer address type', type: 'uint16' },
  halen: { abbrev: 'sll.halen', name: 'Link-layer address length', type: 'uint16' },
  srcEth: { abbrev: 'sll.src.eth', name: 'Source', type: 'ether' },
  srcOther: { abbrev: 'sll.src.other', name: 'Source', type: 'bytes' },
  unused: { abbrev: 'sll.unused', name: 'Unused', type: 'bytes' },
  etype: { abbrev: 'sll.etype', name: 'Protocol', type: 'uint16', base: 'hex', values: ETHERTYPES },
  reserved: { abbrev: 'sll.reserved', name: 'Reserved', type: 'uint16', base: 'hex' },
  ifindex: { abbrev: 'sll.ifindex', name: 'Interface index', type: 'uint32' },
});
const NULL_FAMILIES = { 2: 'IP' };
export const NULL = registerFields({
  null: { abbrev: 'null', name: 'Null/Loopback', type: 'protocol', short: 'Null' },
  family: { abbrev: 'null.family', name: 'Family', type: 'uint32', values: NULL_FAMILIES },
});
export const RAW = registerFields({
  raw: { abbrev: 'raw', name: 'Raw packet data', type: 'protocol', short: 'Raw' },
});

const E = registerExperts({
  unknownEthertype: { abbrev: 'eth.type.unknown', summary: 'EtherType not dissected', group: 'undecoded', severity: 'note' },
  unknownFamily: { abbrev: 'null.family.unknown', summary: 'Address family not dissected', group: 'undecoded', severity: 'note' },
});

/** Hands the payload to the dissector of an EtherType, or shows it as data. */
function dispatchEthertype(pkt: Packet, parent: Node, type: number, buf: Uint8Array, start: number, end: number, src: number): void {
  const next = etherTypes.get(type);
  if (next) next(pkt, buf, start, end, src);
  else {
    if (type <= 0x5dc) { /* 802.3 length field: LLC not dissected */ }
    pkt.addExpert(parent, E.unknownEthertype, start, 0, `EtherType 0x${type.toString(16).padStart(4, '0')} is not dissected`);
    addData(pkt, buf, start, end, src);
  }
}

const ethernet: Dissector = (pkt, buf, start, end, src) => {
  const c = new Cursor(buf, start, end);
  const eth = pkt.add(null, ETH.eth, null, start, 14, src);
  pkt.layers.push('eth');
  pkt.protocol = 'Ethernet';
  const dst = c.bytes(6), srcMac = c.bytes(6);
  pkt.add(eth, ETH.dst, dst, start, 6, src);
  pkt.addHidden(eth, ETH.addr, dst, start, 6, src);
  pkt.add(eth, ETH.src, srcMac, start + 6, 6, src);
  pkt.addHidden(eth, ETH.addr, srcMac, start + 6, 6, src);
  pkt.setLinkAddresses(srcMac, dst);
  if (eth !== DETACHED) eth.append = `, Src: ${pkt.src}, Dst: ${pkt.dst}`;
  let type = addItem(pkt, eth, ETH.type, c, src).value as number;
  pkt.layers.push('ethertype');
  while (type === 0x8100 || type === 0x88a8) {
    const at = c.pos;
    const vlan = pkt.add(null, VLAN.vlan, null, at, 4, src);
    pkt.layers.push('vlan');
    // The TCI's bit fields sit directly under the VLAN layer, as in tshark.
    addBitmaskList(pkt, vlan, TCI_BITS, c, src);
    type = addItem(pkt, vlan, VLAN.etype, c, src).value as number;
    pkt.layers.push('ethertype');
  }
  // Ethernet padding after the IP datagram is trimmed by the IP layer (it uses ip.len).
  dispatchEthertype(pkt, eth, type, buf, c.pos, end, src);
};

const sll: Dissector = (pkt, buf, start, end, src) => {
  const c = new Cursor(buf, start, end);
  const n = pkt.add(null, SLL.sll, null, start, 16, src);
  pkt.layers.push('sll');
  pkt.protocol = 'SLL';
  addItem(pkt, n, SLL.pkttype, c, src);
  addItem(pkt, n, SLL.hatype, c, src);
  const halen = addItem(pkt, n, SLL.halen, c, src).value as number;
  const addr = c.bytes(8);
  if (halen === 6) pkt.add(n, SLL.srcEth, addr.subarray(0, 6), start + 6, 6, src);
  else if (halen > 0) pkt.add(n, SLL.srcOther, addr.subarray(0, Math.min(halen, 8)), start + 6, Math.min(halen, 8), src);
  if (halen < 8) pkt.add(n, SLL.unused, addr.subarray(Math.min(halen, 8)), start + 6 + Math.min(halen, 8), 8 - Math.min(halen, 8), src);
  if (halen === 6) pkt.src = etherString(addr.subarray(0, 6));
  const proto = addItem(pkt, n, SLL.etype, c, src).value as number;
  pkt.layers.push('ethertype');
  dispatchEthertype(pkt, n, proto, buf, c.pos, end, src);
};

const sll2: Dissector = (pkt, buf, start, end, src) => {
  const c = new Cursor(buf, start, end);
  const n = pkt.add(null, SLL.sll, null, start, 20, src);
  pkt.layers.push('sll');
  pkt.protocol = 'SLL';
  const proto = addItem(pkt, n, SLL.etype, c, src).value as number;
  addItem(pkt, n, SLL.reserved, c, src);
  addItem(pkt, n, SLL.ifindex, c, src);
  addItem(pkt, n, SLL.hatype, c, src);
  // SLL2 has one-byte packet type and address length where SLL has two.
  addItem(pkt, n, SLL.pkttype, c, src, 1);
  const halen = addItem(pkt, n, SLL.halen, c, src, 1).value as number;
  const addr = c.bytes(8);
  if (halen === 6) { pkt.add(n, SLL.srcEth, addr.subarray(0, 6), start + 12, 6, src); pkt.src = etherString(addr.subarray(0, 6)); }
  else if (halen > 0) pkt.add(n, SLL.srcOther, addr.subarray(0, Math.min(halen, 8)), start + 12, Math.min(halen, 8), src);
  pkt.layers.push('ethertype');
  dispatchEthertype(pkt, n, proto, buf, c.pos, end, src);
};

const raw: Dissector = (pkt, buf, start, end, src) => {
  pkt.add(null, RAW.raw, null, start, end - start, src);
  pkt.layers.push('raw');
  pkt.protocol = 'Raw';
  const v = end > start ? buf[start]! >> 4 : 0;
  const next = etherTypes.get(v === 6 ? 0x86dd : 0x0800);
  if (next && v === 4) next(pkt, buf, start, end, src);
  else addData(pkt, buf, start, end, src);
};

/** BSD loopback: a 4-byte address family, host byte order for DLT_NULL, network order for DLT_LOOP. */
function loopback(networkOrder: boolean): Dissector {
  return (pkt, buf, start, end, src) => {
    const c = new Cursor(buf, start, end);
    const n = pkt.add(null, NULL.null, null, start, 4, src);
    pkt.layers.push('null');
    pkt.protocol = 'NULL';
    c.skip(4);
    let family = readU32(buf, start);
    // Host byte order is unknown for DLT_NULL: a family fits in 16 bits, so a large value is byte-swapped.
    if (!networkOrder && family > 0xffff) family = ((buf[start + 3]! << 24) | (buf[start + 2]! << 16) | (buf[start + 1]! << 8) | buf[start]!) >>> 0;
    pkt.add(n, NULL.family, family, start, 4, src);
    if (family === 2) etherTypes.get(0x0800)!(pkt, buf, start + 4, end, src);
    else {
      pkt.addExpert(n, E.unknownFamily, start, 4, `Address family ${family} is not dissected`);
      addData(pkt, buf, start + 4, end, src);
    }
  };
}

linkTypes.set(LINKTYPE.ETHERNET, ethernet);
linkTypes.set(LINKTYPE.LINUX_SLL, sll);
linkTypes.set(LINKTYPE.LINUX_SLL2, sll2);
linkTypes.set(LINKTYPE.RAW, raw);
// LINKTYPE_IPV4 carries IPv4 alone: straight to IP, with no "raw" layer (as tshark).
linkTypes.set(LINKTYPE.IPV4, (pkt, buf, start, end, src) => etherTypes.get(0x0800)!(pkt, buf, start, end, src));
linkTypes.set(12, raw); // DLT_RAW on most systems
linkTypes.set(14, raw); // DLT_RAW on OpenBSD
linkTypes.set(LINKTYPE.NULL, loopback(false));
linkTypes.set(LINKTYPE.LOOP, loopback(true));
