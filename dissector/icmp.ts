// ICMP (RFC 792) with router/agent advertisement (RFC 1256, RFC 5944 §2.1) and solicitation.
import { registerExperts, registerFields } from './fields.js';
import { ipProtocols } from './dispatch.js';
import type { Dissector } from './dispatch.js';
import { Cursor } from './cursor.js';
import { addData } from './frame.js';
import { CHECKSUM_STATUS, onesComplementSum } from './ipv4.js';
import type { Packet } from './packet.js';
import type { Node } from './tree.js';

const ICMP_TYPES: Record<number, string> = {
  0: 'Echo (ping) reply', 3: 'Destination unreachable', 5: 'Redirect', 8: 'Echo (ping) request',
  9: 'Router advertisement', 10: 'Router solicitation', 11: 'Time-to-live exceeded', 12: 'Parameter problem',
  13: 'Timestamp request', 14: 'Timestamp reply',
};
const ADVERT_CODES: Record<number, string> = { 0: 'Normal router advertisement', 16: 'Does not route common traffic' };
const MIP_EXT_TYPES: Record<number, string> = { 0: 'One byte padding extension', 16: 'Mobility Agent Advertisement Extension', 19: 'Prefix Lengths Extension', 24: 'Challenge Extension' };

export const ICMP = registerFields({
  icmp: { abbrev: 'icmp', name: 'Internet Control Message Protocol', type: 'protocol' },
  type: { abbrev: 'icmp.type', name: 'Type', type: 'uint8', values: ICMP_TYPES },
  code: { abbrev: 'icmp.code', name: 'Code', type: 'uint8' },
  checksum: { abbrev: 'icmp.checksum', name: 'Checksum', type: 'uint16', base: 'hex' },
  checksumStatus: { abbrev: 'icmp.checksum.status', name: 'Checksum Status', type: 'uint8', base: 'none', values: CHECKSUM_STATUS },
  reserved: { abbrev: 'icmp.reserved', name: 'Reserved', type: 'bytes' },
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

const E = registerExperts({
  badChecksum: { abbrev: 'icmp.checksum_bad', summary: 'Bad checksum', group: 'checksum', severity: 'warn' },
  extOverrun: { abbrev: 'icmp.mip.length.overrun', summary: 'Extension length runs past the end of the message', group: 'malformed', severity: 'error' },
  agentAdvLength: { abbrev: 'icmp.mip.length.bad', summary: 'Mobility agent advertisement length is not 6 + 4·N', group: 'malformed', severity: 'warn' },
  reservedSet: { abbrev: 'icmp.mip.reserved.nonzero', summary: 'Reserved bits set in mobility agent advertisement flags', group: 'protocol', severity: 'warn' },
});

const FLAG_FIELDS = [ICMP.mipR, ICMP.mipB, ICMP.mipH, ICMP.mipF, ICMP.mipM, ICMP.mipG, ICMP.mipV, ICMP.mipRt, ICMP.mipU, ICMP.mipX];

/** Mobility extensions that follow the router addresses of an agent advertisement. */
function mipExtensions(pkt: Packet, icmp: Node, buf: Uint8Array, start: number, end: number, src: number): void {
  const c = new Cursor(buf, start, end);
  while (c.remaining > 0) {
    const at = c.pos;
    const type = c.u8();
    if (type === 0) { // RFC 5944 §2.1.3: one-byte padding, no length
      const ext = pkt.addText(icmp, `Ext: ${MIP_EXT_TYPES[0]}`, at, 1, src);
      pkt.add(ext, ICMP.mipType, 0, at, 1, src);
      continue;
    }
    const length = c.u8();
    const ext = pkt.addText(icmp, `Ext: ${MIP_EXT_TYPES[type] ?? `Unknown ext ${type}`}`, at, Math.min(length + 2, end - at), src);
    pkt.add(ext, ICMP.mipType, type, at, 1, src);
    pkt.add(ext, ICMP.mipLength, length, at + 1, 1, src);
    if (length > c.remaining) {
      pkt.addExpert(ext, E.extOverrun, at + 1, 1, `Extension length ${length} runs past the end of the message (${c.remaining} bytes left)`);
      if (c.remaining) pkt.add(ext, ICMP.mipContent, c.bytes(c.remaining), at + 2, end - at - 2, src);
      return;
    }
    const body = c.sub(length);
    switch (type) {
      case 16: {
        pkt.add(ext, ICMP.mipSeq, body.u16(), at + 2, 2, src);
        pkt.add(ext, ICMP.mipLife, body.u16(), at + 4, 2, src);
        const flags = body.u16();
        const fn = pkt.add(ext, ICMP.mipFlags, flags, at + 6, 2, src);
        for (const f of FLAG_FIELDS) pkt.add(fn, f, (flags & f.bitmask) !== 0, at + 6, 2, src);
        pkt.add(fn, ICMP.mipReserved, flags & 0x3f, at + 6, 2, src);
        if (flags & 0x3f) pkt.addExpert(fn, E.reservedSet, at + 6, 2);
        if ((length - 6) % 4 !== 0) pkt.addExpert(ext, E.agentAdvLength, at + 1, 1, `Mobility agent advertisement length ${length} is not 6 + 4·N`);
        while (body.remaining >= 4) { const p = body.pos; pkt.add(ext, ICMP.mipCoa, body.u32(), p, 4, src); }
        break;
      }
      case 19:
        while (body.remaining > 0) { const p = body.pos; pkt.add(ext, ICMP.mipPrefixLength, body.u8(), p, 1, src); }
        break;
      case 24:
        pkt.add(ext, ICMP.mipChallenge, body.bytes(length), at + 2, length, src);
        break;
      default:
        pkt.add(ext, ICMP.mipContent, body.bytes(length), at + 2, length, src);
    }
  }
}

const icmp: Dissector = (pkt, buf, start, end, src) => {
  const c = new Cursor(buf, start, end);
  const n = pkt.add(null, ICMP.icmp, null, start, end - start, src);
  pkt.layers.push('icmp');
  pkt.protocol = 'ICMP';
  const type = c.u8(), code = c.u8();
  pkt.add(n, ICMP.type, type, start, 1, src);
  const codeNode = pkt.add(n, ICMP.code, code, start + 1, 1, src);
  if (type === 9 && ADVERT_CODES[code]) codeNode.append = ` (${ADVERT_CODES[code]})`;
  const checksum = c.u16();
  const ck = pkt.add(n, ICMP.checksum, checksum, start + 2, 2, src);
  const ok = onesComplementSum(buf, start, end) === 0xffff;
  pkt.addGenerated(n, ICMP.checksumStatus, ok ? 1 : 0, start + 2, 2, src);
  if (!ok) {
    const calc = ~onesComplementSum(buf, start, end, 0xffff - checksum) & 0xffff;
    ck.append = ` incorrect, should be 0x${calc.toString(16).padStart(4, '0')}`;
    pkt.addExpert(ck, E.badChecksum, start + 2, 2);
  }
  pkt.info = ICMP_TYPES[type] ?? `Unknown ICMP (type ${type})`;
  if (type === 9) {
    pkt.info += ADVERT_CODES[code] ? ` (${ADVERT_CODES[code]})` : '';
    const num = c.u8(), size = c.u8();
    pkt.add(n, ICMP.numAddrs, num, start + 4, 1, src);
    pkt.add(n, ICMP.addrEntrySize, size, start + 5, 1, src);
    pkt.add(n, ICMP.lifetime, c.u16(), start + 6, 2, src);
    let off = start + 8;
    for (let i = 0; i < num; i++) {
      const a = new Cursor(buf, off, end);
      pkt.add(n, ICMP.routerAddress, a.u32(), off, 4, src);
      pkt.add(n, ICMP.prefLevel, a.u32() | 0, off + 4, 4, src);
      off += Math.max(size, 2) * 4;
    }
    if ((code === 0 || code === 16) && off < end) {
      pkt.info = `Mobile IP Advertisement${ADVERT_CODES[code] ? ` (${ADVERT_CODES[code]})` : ''}`; // as tshark names an advertisement with mobility extensions
      mipExtensions(pkt, n, buf, off, end, src);
    }
  } else if (type === 10) {
    pkt.add(n, ICMP.reserved, c.bytes(Math.min(4, c.remaining)), start + 4, 4, src);
  } else if (end > start + 4) {
    addData(pkt, buf, start + 4, end, src);
  }
};

ipProtocols.set(1, icmp);
