// ICMP (RFC 792) with router/agent advertisement (RFC 1256, RFC 5944 §2.1) and solicitation.
import { registerExperts, registerFields } from './fields.js';
import { etherTypes, ipProtocols } from './dispatch.js';
import type { Dissector } from './dispatch.js';
import { Cursor } from './cursor.js';
import { addData, dissectNested } from './frame.js';
import { DETACHED } from './packet.js';
import { MAX_PENDING_ECHOES } from './limits.js';
import { CHECKSUM_STATUS, onesComplementSum } from './ipv4.js';
import type { Packet } from './packet.js';
import type { Node } from './tree.js';
import { addBitmask, addItem, bitValue } from './tree.js';

const ICMP_TYPES: Record<number, string> = {
  0: 'Echo (ping) reply', 3: 'Destination unreachable', 4: 'Source quench (flow control)', 5: 'Redirect', 8: 'Echo (ping) request',
  9: 'Router advertisement', 10: 'Router solicitation', 11: 'Time-to-live exceeded', 12: 'Parameter problem',
  13: 'Timestamp request', 14: 'Timestamp reply',
};
const ADVERT_CODES: Record<number, string> = { 0: 'Normal router advertisement', 16: 'Does not route common traffic' };
const UNREACH_CODES: Record<number, string> = {
  0: 'Network unreachable', 1: 'Host unreachable', 2: 'Protocol unreachable', 3: 'Port unreachable', 4: 'Fragmentation needed',
  5: 'Source route failed', 6: 'Destination network unknown', 7: 'Destination host unknown', 8: 'Source host isolated',
  9: 'Network administratively prohibited', 10: 'Host administratively prohibited', 11: 'Network unreachable for TOS',
  12: 'Host unreachable for TOS', 13: 'Communication administratively filtered', 14: 'Host precedence violation', 15: 'Precedence cutoff in effect',
};
/** Code names per type, as tshark appends them to the code. */
const CODE_NAMES: Record<number, Record<number, string>> = {
  3: UNREACH_CODES,
  5: { 0: 'Redirect for network', 1: 'Redirect for host', 2: 'Redirect for TOS and network', 3: 'Redirect for TOS and host' },
  9: ADVERT_CODES,
  11: { 0: 'Time to live exceeded in transit', 1: 'Fragment reassembly time exceeded' },
  12: { 0: 'Pointer indicates the error', 1: 'Required option missing', 2: 'Bad length' },
};
const MIP_EXT_TYPES: Record<number, string> = { 0: 'One byte padding extension', 16: 'Mobility Agent Advertisement Extension', 19: 'Prefix Lengths Extension', 24: 'Challenge Extension' };

export const ICMP = registerFields({
  icmp: { abbrev: 'icmp', name: 'Internet Control Message Protocol', type: 'protocol', short: 'ICMP' },
  type: { abbrev: 'icmp.type', name: 'Type', type: 'uint8', values: ICMP_TYPES },
  code: { abbrev: 'icmp.code', name: 'Code', type: 'uint8' },
  checksum: { abbrev: 'icmp.checksum', name: 'Checksum', type: 'uint16', base: 'hex' },
  checksumStatus: { abbrev: 'icmp.checksum.status', name: 'Checksum Status', type: 'uint8', base: 'none', values: CHECKSUM_STATUS },
  unused: { abbrev: 'icmp.unused', name: 'Unused', type: 'bytes' },
  ident: { abbrev: 'icmp.ident', name: 'Identifier (BE)', type: 'uint16', base: 'dec_hex' },
  identLe: { abbrev: 'icmp.ident_le', name: 'Identifier (LE)', type: 'uint16', base: 'dec_hex' },
  seq: { abbrev: 'icmp.seq', name: 'Sequence Number (BE)', type: 'uint16', base: 'dec_hex' },
  seqLe: { abbrev: 'icmp.seq_le', name: 'Sequence Number (LE)', type: 'uint16', base: 'dec_hex' },
  mtu: { abbrev: 'icmp.mtu', name: 'MTU of next hop', type: 'uint16' },
  pointer: { abbrev: 'icmp.pointer', name: 'Pointer', type: 'uint32' },
  redirGw: { abbrev: 'icmp.redir_gw', name: 'Gateway Address', type: 'ipv4' },
  respIn: { abbrev: 'icmp.resp_in', name: 'Response frame', type: 'framenum', description: 'The response to this request is in this frame' },
  respTo: { abbrev: 'icmp.resp_to', name: 'Request frame', type: 'framenum', description: 'This is a response to the request in this frame' },
  respTime: { abbrev: 'icmp.resptime', name: 'Response time', type: 'double', description: 'The time between the request and the response, in ms.' },
  numAddrs: { abbrev: 'icmp.num_addrs', name: 'Number of addresses', type: 'uint8' },
  addrEntrySize: { abbrev: 'icmp.addr_entry_size', name: 'Address entry size', type: 'uint8' },
  lifetime: { abbrev: 'icmp.lifetime', name: 'Lifetime', type: 'uint16' },
  routerAddress: { abbrev: 'icmp.router_address', name: 'Router address', type: 'ipv4' },
  prefLevel: { abbrev: 'icmp.pref_level', name: 'Preference level', type: 'int32' },
  mipType: { abbrev: 'icmp.mip.type', name: 'Extension Type', type: 'uint8', values: MIP_EXT_TYPES },
  mipLength: { abbrev: 'icmp.mip.length', name: 'Length', type: 'uint8' },
  mipPrefixLength: { abbrev: 'icmp.mip.prefixlength', name: 'Prefix Length', type: 'uint8' },
  mipSeq: { abbrev: 'icmp.mip.seq', name: 'Sequence Number', type: 'uint16' },
  mipLife: { abbrev: 'icmp.mip.life', name: 'Registration Lifetime', type: 'uint16' },
  mipFlags: { abbrev: 'icmp.mip.flags', name: 'Flags', type: 'uint16', base: 'hex' },
  mipR: { abbrev: 'icmp.mip.r', name: 'Registration Required', type: 'bool', bits: 16, bitmask: 0x8000, description: 'Registration with this FA is required' },
  mipB: { abbrev: 'icmp.mip.b', name: 'Busy', type: 'bool', bits: 16, bitmask: 0x4000, description: 'This FA will not accept requests at this time' },
  mipH: { abbrev: 'icmp.mip.h', name: 'Home Agent', type: 'bool', bits: 16, bitmask: 0x2000, description: 'Home Agent Services Offered' },
  mipF: { abbrev: 'icmp.mip.f', name: 'Foreign Agent', type: 'bool', bits: 16, bitmask: 0x1000, description: 'Foreign Agent Services Offered' },
  mipM: { abbrev: 'icmp.mip.m', name: 'Minimal Encapsulation', type: 'bool', bits: 16, bitmask: 0x0800, description: 'Minimal encapsulation tunneled datagram support' },
  mipG: { abbrev: 'icmp.mip.g', name: 'GRE', type: 'bool', bits: 16, bitmask: 0x0400, description: 'GRE encapsulated tunneled datagram support' },
  mipV: { abbrev: 'icmp.mip.v', name: 'VJ Comp', type: 'bool', bits: 16, bitmask: 0x0200, description: 'Van Jacobson Header Compression Support' },
  mipRt: { abbrev: 'icmp.mip.rt', name: 'Reverse tunneling', type: 'bool', bits: 16, bitmask: 0x0100, description: 'Reverse tunneling support' },
  mipU: { abbrev: 'icmp.mip.u', name: 'UDP tunneling', type: 'bool', bits: 16, bitmask: 0x0080, description: 'UDP tunneling support' },
  mipX: { abbrev: 'icmp.mip.x', name: 'Revocation support', type: 'bool', bits: 16, bitmask: 0x0040, description: 'Registration revocation support' },
  mipReserved: { abbrev: 'icmp.mip.reserved', name: 'Reserved', type: 'uint16', base: 'hex', bitmask: 0x003f, bits: 16 },
  mipCoa: { abbrev: 'icmp.mip.coa', name: 'Care-Of-Address', type: 'ipv4' },
  mipChallenge: { abbrev: 'icmp.mip.challenge', name: 'Challenge', type: 'bytes' },
  mipContent: { abbrev: 'icmp.mip.content', name: 'Content', type: 'bytes' },
});

export const ICMP_EXPERT = registerExperts({
  badChecksum: { abbrev: 'icmp.checksum_bad', summary: 'Bad checksum', group: 'checksum', severity: 'warn' },
  extOverrun: { abbrev: 'icmp.mip.length.overrun', summary: 'Extension length runs past the end of the message', group: 'malformed', severity: 'error' },
  agentAdvLength: { abbrev: 'icmp.mip.length.bad', summary: 'Mobility agent advertisement length is not 6 + 4·N', group: 'malformed', severity: 'warn' },
  reservedSet: { abbrev: 'icmp.mip.reserved.nonzero', summary: 'Reserved bits set in mobility agent advertisement flags', group: 'protocol', severity: 'warn' },
});
const E = ICMP_EXPERT;

const FLAG_BITS = [ICMP.mipR, ICMP.mipB, ICMP.mipH, ICMP.mipF, ICMP.mipM, ICMP.mipG, ICMP.mipV, ICMP.mipRt, ICMP.mipU, ICMP.mipX, ICMP.mipReserved];

/** Mobility extensions that follow the router addresses of an agent advertisement. */
function mipExtensions(pkt: Packet, icmp: Node, buf: Uint8Array, start: number, end: number, src: number): void {
  const c = new Cursor(buf, start, end);
  while (c.remaining > 0) {
    const at = c.pos;
    const type = c.peekU8();
    if (type === 0) { // RFC 5944 §2.1.3: one-byte padding, no length
      const ext = pkt.addText(icmp, `Ext: ${MIP_EXT_TYPES[0]}`, at, 1, src);
      addItem(pkt, ext, ICMP.mipType, c, src);
      continue;
    }
    // The subtree's length needs the Length byte: both are read before either is added.
    const length = c.peekU8(at + 1);
    const ext = pkt.addText(icmp, `Ext: ${MIP_EXT_TYPES[type] ?? `Unknown ext ${type}`}`, at, Math.min(length + 2, end - at), src);
    addItem(pkt, ext, ICMP.mipType, c, src);
    addItem(pkt, ext, ICMP.mipLength, c, src);
    if (length > c.remaining) {
      pkt.addExpert(ext, E.extOverrun, at + 1, 1, `Extension length ${length} runs past the end of the message (${c.remaining} bytes left)`);
      if (c.remaining) addItem(pkt, ext, ICMP.mipContent, c, src);
      return;
    }
    const body = c.sub(length);
    switch (type) {
      case 16: {
        addItem(pkt, ext, ICMP.mipSeq, body, src);
        addItem(pkt, ext, ICMP.mipLife, body, src);
        const { value: flags, node: fn } = addBitmask(pkt, ext, ICMP.mipFlags, FLAG_BITS, body, src);
        if (bitValue(ICMP.mipReserved, flags)) pkt.addExpert(fn, E.reservedSet, at + 6, 2);
        if ((length - 6) % 4 !== 0) pkt.addExpert(ext, E.agentAdvLength, at + 1, 1, `Mobility agent advertisement length ${length} is not 6 + 4·N`);
        while (body.remaining >= 4) addItem(pkt, ext, ICMP.mipCoa, body, src);
        break;
      }
      case 19:
        while (body.remaining > 0) addItem(pkt, ext, ICMP.mipPrefixLength, body, src);
        break;
      case 24:
        addItem(pkt, ext, ICMP.mipChallenge, body, src);
        break;
      default:
        addItem(pkt, ext, ICMP.mipContent, body, src);
    }
  }
}

/**
 * True for a Mobile IP agent advertisement at buf[start, end) that the dissector below reads
 * without raising any item: a good checksum, router addresses inside the message, and only
 * padding, agent advertisement (6 + 4·N bytes, reserved flags clear), prefix-length and
 * challenge extensions, each inside the message (at most 64). For the fast paths (cli/).
 */
export function plainAdvertisement(buf: Uint8Array, start: number, end: number): boolean {
  if (end - start < 8 || buf[start] !== 9 || (buf[start + 1] !== 0 && buf[start + 1] !== 16)) return false;
  let off = start + 8 + buf[start + 4]! * Math.max(buf[start + 5]!, 2) * 4;
  if (off >= end || onesComplementSum(buf, start, end) !== 0xffff) return false;
  for (let count = 0; off < end; count++) {
    const type = buf[off]!;
    if (count >= 64) return false;
    if (type === 0) { off++; continue; }
    if (off + 2 > end) return false;
    const length = buf[off + 1]!;
    if (off + 2 + length > end) return false;
    if (type === 16) {
      if (length < 6 || (length - 6) % 4 !== 0 || (buf[off + 7]! & 0x3f) !== 0) return false;
    } else if (type !== 19 && type !== 24) return false;
    off += 2 + length;
  }
  return true;
}

/** The Info column of an advertisement plainAdvertisement accepts (code 0 or 16), as the dissector writes it. */
export function advertisementInfo(code: number): string {
  return 'Mobile IP Advertisement'.padEnd(20) + ` (${ADVERT_CODES[code]})`;
}

/** Seconds as Wireshark's unsigned_time_secs_to_str: "45 seconds", "30 minutes", "1 hour, 5 seconds". */
export function secondsText(v: number): string {
  if (v === 0) return '0 seconds';
  const parts: string[] = [];
  const unit = (n: number, name: string) => { if (n) parts.push(`${n} ${name}${n === 1 ? '' : 's'}`); };
  unit(Math.floor(v / 86400), 'day');
  unit(Math.floor(v / 3600) % 24, 'hour');
  unit(Math.floor(v / 60) % 60, 'minute');
  unit(v % 60, 'second');
  return parts.join(', ');
}

/** Errors and redirects quote the datagram that caused them (RFC 792). */
const QUOTING = new Set([3, 4, 5, 11, 12]);

interface EchoState {
  /** Conversation and id/seq → request frame and time, bounded. */
  requests: Map<string, { frame: number; sec: number; nsec: number }>;
  /** Reply frame → [request frame, ms] for re-dissection; request frame → reply frame. */
  replies: Map<number, [number, number]>;
  responseIn: Map<number, number>;
}

function echoState(pkt: Packet): EchoState {
  let s = pkt.session.ext.get('icmp.echo') as EchoState | undefined;
  if (!s) { s = { requests: new Map(), replies: new Map(), responseIn: new Map() }; pkt.session.ext.set('icmp.echo', s); }
  return s;
}

/** Request/reply matching as Wireshark does: the conversation (address pair), identifier and sequence number. */
function matchEcho(pkt: Packet, n: Node, type: number, id: number, seq: number, src: number): void {
  const st = echoState(pkt);
  const h = pkt.ipv4.at(-1);
  if (!h) return;
  const a = h.src, b = h.dst;
  const key = `${Math.min(a, b)}:${Math.max(a, b)}:${id}:${seq}`;
  if (!pkt.session.visited(pkt.no)) {
    if (type === 8) {
      if (st.requests.size >= MAX_PENDING_ECHOES) st.requests.delete(st.requests.keys().next().value!);
      st.requests.set(key, { frame: pkt.no, sec: pkt.frame.tsSec, nsec: pkt.frame.tsNsec });
    } else {
      const r = st.requests.get(key);
      if (r) {
        st.requests.delete(key);
        const ms = (pkt.frame.tsSec - r.sec) * 1e3 + (pkt.frame.tsNsec - r.nsec) / 1e6;
        st.replies.set(pkt.no, [r.frame, ms]);
        if (pkt.session.retain) st.responseIn.set(r.frame, pkt.no);
      }
    }
  }
  if (type === 8) {
    const reply = st.responseIn.get(pkt.no);
    if (reply !== undefined) { pkt.addGenerated(n, ICMP.respIn, reply, 0, 0, src); pkt.info += ` (reply in ${reply})`; }
  } else {
    const m = st.replies.get(pkt.no);
    if (m) {
      pkt.addGenerated(n, ICMP.respTo, m[0], 0, 0, src);
      const rt = pkt.addGenerated(n, ICMP.respTime, m[1], 0, 0, src);
      if (rt !== DETACHED) rt.text = `Response time: ${m[1].toFixed(3)} ms`;
      pkt.info += ` (request in ${m[0]})`;
      if (!pkt.session.retain) st.replies.delete(pkt.no);
    }
  }
}

/** Runs `fn` and moves the top-level nodes it added into `parent` (but those of protocol `keepAtTop`). */
function inSubtree(pkt: Packet, parent: Node, fn: () => void, keepAtTop?: string): void {
  const before = pkt.tree.length;
  fn();
  if (pkt.want !== null || parent === DETACHED) return;
  for (const x of pkt.tree.splice(before)) if (x.field?.abbrev === keepAtTop) pkt.tree.push(x); else (parent.children ??= []).push(x);
}

/** The quoted datagram of an error: dissected as IPv4 inside the ICMP subtree, columns untouched. */
function quotedDatagram(pkt: Packet, n: Node, buf: Uint8Array, start: number, end: number, src: number): void {
  const cols = { info: pkt.info, protocol: pkt.protocol, src: pkt.src, dst: pkt.dst, ipv4: pkt.ipv4.length, udp: pkt.udp.length, mip: pkt.mip.length };
  const wasInError = pkt.inError;
  pkt.inError = true;
  // As tshark: the quoted layers sit in the ICMP subtree, a Mobile IP message at the top.
  inSubtree(pkt, n, () => dissectNested(pkt, 'ip', n, etherTypes.get(0x0800)!, buf, start, end, src), 'mip');
  pkt.inError = wasInError;
  pkt.info = cols.info; pkt.protocol = cols.protocol; pkt.src = cols.src; pkt.dst = cols.dst;
  // The quoted headers and message are not this packet's: tracking, bindings and rules read the real ones.
  pkt.ipv4.length = cols.ipv4; pkt.udp.length = cols.udp; pkt.mip.length = cols.mip;
}

const icmp: Dissector = (pkt, buf, start, end, src) => {
  const c = new Cursor(buf, start, end);
  const n = pkt.add(null, ICMP.icmp, null, start, end - start, src);
  pkt.layers.push('icmp');
  pkt.protocol = 'ICMP';
  const inError = pkt.inError;
  // Type and code are both read before either is added (the type's label depends on the code).
  const type = c.peekU8(), code = c.peekU8(start + 1);
  const mobileAdvert = type === 9 && (code === 0 || code === 16) && end - start > 8 + buf[start + 4]! * Math.max(buf[start + 5] ?? 2, 2) * 4;
  const typeName = mobileAdvert ? 'Mobile IP Advertisement' : ICMP_TYPES[type];
  const typeNode = addItem(pkt, n, ICMP.type, c, src).node;
  if (typeNode !== DETACHED) typeNode.text = `Type: ${type} (${typeName ?? 'Unknown'})`;
  const codeName = CODE_NAMES[type]?.[code];
  const codeNode = addItem(pkt, n, ICMP.code, c, src).node;
  if (codeName && codeNode !== DETACHED) codeNode.append = ` (${codeName})`;
  const { value: checksum, node: ck } = addItem(pkt, n, ICMP.checksum, c, src) as { value: number; node: Node };
  if (inError) {
    // A quoted message is usually cut short: its checksum cannot be verified.
    if (ck !== DETACHED) ck.append = ' [unverified] [in ICMP error packet]';
    pkt.addGenerated(n, ICMP.checksumStatus, 2, start + 2, 2, src);
  } else {
    const ok = onesComplementSum(buf, start, end) === 0xffff;
    pkt.addGenerated(n, ICMP.checksumStatus, ok ? 1 : 0, start + 2, 2, src);
    if (ok) { if (ck !== DETACHED) ck.append = ' [correct]'; }
    else {
      const calc = ~onesComplementSum(buf, start, end, 0xffff - checksum) & 0xffff;
      const should = `0x${calc.toString(16).padStart(4, '0')}`;
      if (ck !== DETACHED) ck.append = ` incorrect, should be ${should}`;
      pkt.addExpert(ck, E.badChecksum, start + 2, 2, `Bad checksum [should be ${should}]`);
    }
  }
  // As tshark's Info: the type name padded to 20 characters, then the code name.
  pkt.info = (typeName ?? `Unknown ICMP (type ${type})`).padEnd(20) + (codeName ? ` (${codeName})` : '');
  if (type === 9) {
    const num = c.peekU8(), size = c.peekU8(start + 5);
    addItem(pkt, n, ICMP.numAddrs, c, src);
    addItem(pkt, n, ICMP.addrEntrySize, c, src);
    const { value: lifetime, node: lt } = addItem(pkt, n, ICMP.lifetime, c, src) as { value: number; node: Node };
    if (lt !== DETACHED) lt.append = ` (${secondsText(lifetime)})`;
    let off = start + 8;
    for (let i = 0; i < num; i++) {
      const a = new Cursor(buf, off, end);
      addItem(pkt, n, ICMP.routerAddress, a, src);
      addItem(pkt, n, ICMP.prefLevel, a, src);
      off += Math.max(size, 2) * 4;
    }
    if ((code === 0 || code === 16) && off < end) mipExtensions(pkt, n, buf, off, end, src);
  } else if (type === 10) {
    // RFC 1256 §3.2: four reserved bytes, which tshark 4.0 does not show.
  } else if (type === 0 || type === 8) {
    // Both are read before either is added; each is also shown byte-swapped, as tshark.
    const id = c.peekU16(), seq = c.peekU16(start + 6);
    addItem(pkt, n, ICMP.ident, c, src);
    pkt.add(n, ICMP.identLe, ((id & 0xff) << 8) | (id >> 8), start + 4, 2, src);
    addItem(pkt, n, ICMP.seq, c, src);
    pkt.add(n, ICMP.seqLe, ((seq & 0xff) << 8) | (seq >> 8), start + 6, 2, src);
    pkt.info += ` id=0x${id.toString(16).padStart(4, '0')}, seq=${seq}/${((seq & 0xff) << 8) | (seq >> 8)}` + (pkt.ipv4.at(-1)?.ttl !== undefined ? `, ttl=${pkt.ipv4.at(-1)!.ttl}` : '');
    if (!inError) matchEcho(pkt, n, type, id, seq, src);
    if (end > start + 8) inSubtree(pkt, n, () => addData(pkt, buf, start + 8, end, src)); // tshark shows the echoed data inside ICMP
  } else if (QUOTING.has(type) && end - start >= 8) {
    if (type === 5) addItem(pkt, n, ICMP.redirGw, c, src);
    else if (type === 12) { addItem(pkt, n, ICMP.pointer, c, src, 1); addItem(pkt, n, ICMP.unused, c, src, 3); }
    else if (type === 3 && code === 4) { addItem(pkt, n, ICMP.unused, c, src, 2); addItem(pkt, n, ICMP.mtu, c, src); }
    else if (type !== 4) addItem(pkt, n, ICMP.unused, c, src, 4); // tshark shows no Unused on a source quench
    // tshark decodes a redirect's quote as the original header and 64 bits of data (RFC 792).
    let qEnd = end;
    if (type === 5 && end - start > 8 + 20) qEnd = Math.min(end, start + 8 + ((buf[start + 8]! & 0x0f) * 4) + 8);
    if (end > start + 8) quotedDatagram(pkt, n, buf, start + 8, qEnd, src);
  } else if (end > start + 4) {
    addData(pkt, buf, start + 4, end, src);
  }
};

ipProtocols.set(1, icmp);
