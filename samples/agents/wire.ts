// What the agents read off the wire: Mobile IP messages (RFC 5944 §3.3, §3.4; docs/protocol.md §B.5 for
// types 8/9), their extensions in the three layouts of docs/protocol.md §A, the GP extensions (B.1) and
// the negotiation payloads (B.3). A parse error is thrown as WireError: an agent treats the
// message as poorly formed (RFC 5944 §3.7.2.1, §3.8.2) instead of guessing.
import { computeAuthenticator, equalBytes } from '../../dissector/keys/mac.js';
import { decrypt } from '../../dissector/keys/ciphers.js';
import type { Sa } from './keys.js';

export class WireError extends Error {}

export const MSG = { request: 1, reply: 3, revocation: 7, keyRequest: 8, keyReply: 9, revocationAck: 15 } as const;
export const EXT = {
  mnHa: 32, mnFa: 33, faHa: 34, revocationSupport: 137, nai: 131,
  gpNai: 200, gpIp: 201, gpL2: 202, gpSa: 203, sa: 112, proposal: 113, transform: 114, ke: 115,
} as const;

export interface Extension {
  type: number;
  /** Offset of the Type byte in the message. */
  offset: number;
  /** Header length: 2 (short TLV) or 4 (long format, CVSE). */
  hdrLen: number;
  /** Offset just past the extension. */
  end: number;
  subtype: number;
  data: Uint8Array;
}

export interface Message {
  type: number;
  bytes: Uint8Array;
  /** Request flags (type 1), code (types 3, 8, 9). */
  flags: number;
  code: number;
  lifetime: number;
  homeAddr: number;
  haAddr: number;
  coa: number;
  ident: bigint;
  /** Revocation and its acknowledgement (RFC 3543): flags and identifier. */
  revocationId: number;
  exts: Extension[];
}

const FIXED: Readonly<Record<number, number>> = { 1: 24, 3: 20, 7: 20, 8: 16, 9: 16, 15: 12 };

export const u16 = (b: Uint8Array, o: number) => (b[o]! << 8) | b[o + 1]!;
export const u32 = (b: Uint8Array, o: number) => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
const u64 = (b: Uint8Array, o: number) => (BigInt(u32(b, o)) << 32n) | BigInt(u32(b, o + 4));

/** Extension header layout by type (docs/protocol.md §A): long 36/47/112-115, CVSE 38, else short TLV. */
export function layoutOf(type: number): 'short' | 'long' | 'cvse' {
  if (type === 36 || type === 47 || (type >= 112 && type <= 115)) return 'long';
  if (type === 38) return 'cvse';
  return 'short';
}

export function parseExtensions(b: Uint8Array, start: number): Extension[] {
  const out: Extension[] = [];
  let o = start;
  while (o < b.length) {
    const type = b[o]!;
    const layout = layoutOf(type);
    const hdrLen = layout === 'short' ? 2 : 4;
    if (o + hdrLen > b.length) throw new WireError(`extension ${type} header cut short at offset ${o}`);
    const len = layout === 'short' ? b[o + 1]! : u16(b, o + 2);
    const end = o + hdrLen + len;
    if (end > b.length) throw new WireError(`extension ${type} length ${len} runs past the message`);
    out.push({ type, offset: o, hdrLen, end, subtype: layout === 'short' ? 0 : b[o + 1]!, data: b.subarray(o + hdrLen, end) });
    o = end;
  }
  return out;
}

export function parseMessage(bytes: Uint8Array): Message {
  const type = bytes[0];
  if (type === undefined) throw new WireError('empty message');
  const fixed = FIXED[type];
  if (fixed === undefined) throw new WireError(`message type ${type} is not handled here`);
  if (bytes.length < fixed) throw new WireError(`message type ${type} shorter than its fixed part`);
  const m: Message = { type, bytes, flags: 0, code: 0, lifetime: 0, homeAddr: 0, haAddr: 0, coa: 0, ident: 0n, revocationId: 0, exts: [] };
  if (type === 1) {
    m.flags = bytes[1]!; m.lifetime = u16(bytes, 2); m.homeAddr = u32(bytes, 4); m.haAddr = u32(bytes, 8); m.coa = u32(bytes, 12); m.ident = u64(bytes, 16);
  } else if (type === 3) {
    m.code = bytes[1]!; m.lifetime = u16(bytes, 2); m.homeAddr = u32(bytes, 4); m.haAddr = u32(bytes, 8); m.ident = u64(bytes, 12);
  } else if (type === 7) {
    // Home Address, Home Domain Address, Foreign Domain Address, Revocation Identifier.
    m.flags = u16(bytes, 2); m.homeAddr = u32(bytes, 4); m.haAddr = u32(bytes, 8); m.coa = u32(bytes, 12); m.revocationId = u32(bytes, 16);
  } else if (type === 15) {
    m.flags = u16(bytes, 2); m.homeAddr = u32(bytes, 4); m.revocationId = u32(bytes, 8);
  } else {
    m.code = bytes[1]!; m.homeAddr = u32(bytes, 4); m.ident = u64(bytes, 8);
  }
  m.exts = parseExtensions(bytes, fixed);
  return m;
}

/** The first extension of a type (index and extension), or undefined. */
export function findExt(m: Message, type: number): Extension | undefined {
  return m.exts.find(e => e.type === type);
}

export function authSpi(e: Extension): number { return u32(e.data, 0); }

/** RFC 5944 §3.5.1: the authenticator covers the message from its type through this SPI. */
export function verifyAuth(m: Message, e: Extension, sa: Sa): boolean {
  if (!sa.auth || e.data.length < 4) return false;
  const covered = m.bytes.subarray(0, e.offset + e.hdrLen + 4);
  return equalBytes(computeAuthenticator(sa.auth, sa.key, covered), e.data.subarray(4));
}

/** Everything up to and including an extension: what relays keep (WO 01/26322 Fig. 4b, B.5). */
export function upTo(m: Message, e: Extension): Uint8Array {
  return m.bytes.slice(0, e.end);
}

// ---- GP extensions (B.1) ----

export interface GpExtension { ext: Extension; content: number; encrypted: boolean; flags: number; spi: number; info: Uint8Array }

export function parseGp(e: Extension): GpExtension {
  if (e.data.length < 6) throw new WireError(`GP extension ${e.type} shorter than its header`);
  return { ext: e, content: e.data[0]!, flags: e.data[1]!, encrypted: (e.data[1]! & 0x80) !== 0, spi: u32(e.data, 2), info: e.data.subarray(6) };
}

/** Decrypts a GP extension's INFO under `sa`; the AEADs cover its first 8 bytes (B.2). Throws on failure. */
export function openGp(m: Message, g: GpExtension, sa: Sa): Uint8Array {
  if (!g.encrypted) return g.info;
  if (!sa.cipher) throw new WireError(`SA 0x${sa.spi.toString(16)} has no cipher`);
  const aad = m.bytes.subarray(g.ext.offset, g.ext.offset + 8);
  return decrypt(sa.cipher, sa.key, g.info, aad);
}

export interface SaInfo { newSpi: number; authAlg: number; cipherAlg: number; lifetime: number; key: Uint8Array }

export function parseSaInfo(info: Uint8Array): SaInfo {
  if (info.length < 11) throw new WireError('SA-INFO too short');
  const keyLen = info[10]!;
  if (11 + keyLen > info.length) throw new WireError('SA-INFO KeyLen runs past INFO');
  return { newSpi: u32(info, 0), authAlg: info[4]!, cipherAlg: info[5]!, lifetime: u32(info, 6), key: info.slice(11, 11 + keyLen) };
}

// ---- Negotiation payloads (B.3) ----

export interface Attribute { type: number; value: number | Uint8Array }
export interface Transform { no: number; id: number; numKeys: number; attrs: Attribute[] }
export interface KePayload {
  subtype: number;
  /** The whole payload (its first 8 bytes are the AEAD associated data of sub-types 5, 6: E.6). */
  raw: Uint8Array;
  xfno?: number;
  cv?: Uint8Array;
  p?: Uint8Array;
  g?: Uint8Array;
  key?: Uint8Array;
  spi?: number;
  sealed?: Uint8Array;
}
export interface Proposal { no: number; protoNo: number; protoId: number; numTransforms: number; lifetime: number; spi: number; transforms: Transform[]; ke: KePayload[] }

function attrValue(type: number, v: Uint8Array): number | Uint8Array {
  if (type >= 1 && type <= 5 && v.length <= 4) { let n = 0; for (const x of v) n = n * 256 + x; return n; }
  return v.slice();
}

export function attr(t: Transform, type: number): number | undefined {
  const a = t.attrs.find(x => x.type === type);
  return typeof a?.value === 'number' ? a.value : undefined;
}

function parsePayloadHead(b: Uint8Array, o: number, want: number): { sub: number; end: number; body: Uint8Array } {
  if (o + 4 > b.length) throw new WireError('payload header cut short');
  if (b[o] !== want) throw new WireError(`expected payload ${want}, found ${b[o]}`);
  const end = o + 4 + u16(b, o + 2);
  if (end > b.length) throw new WireError(`payload ${want} length runs past its container`);
  return { sub: b[o + 1]!, end, body: b.subarray(o + 4, end) };
}

function parseKe(raw: Uint8Array, sub: number, body: Uint8Array): KePayload {
  const ke: KePayload = { subtype: sub, raw };
  if (sub === 1 || sub === 2 || sub === 3) {
    if (body.length < 2) throw new WireError('KE payload too short');
    ke.xfno = body[0]!;
    if (sub === 3) ke.key = body.slice(2); else ke.cv = body.slice(2);
  } else if (sub === 4) {
    let o = 0;
    const take = () => { if (o + 2 > body.length) throw new WireError('KE 4 cut short'); const n = u16(body, o); o += 2; if (o + n > body.length) throw new WireError('KE 4 field runs past'); const v = body.slice(o, o + n); o += n; return v; };
    ke.p = take(); ke.g = take(); ke.cv = take();
  } else if (sub === 5 || sub === 6) {
    if (body.length < 4) throw new WireError('KE payload too short');
    ke.spi = u32(body, 0); ke.sealed = body.slice(4);
  }
  return ke;
}

/** Parses the proposals of an SA payload (extension 112). */
export function parseSaPayload(e: Extension): Proposal[] {
  const b = e.data;
  const out: Proposal[] = [];
  let o = 0;
  while (o < b.length) {
    const { end, body } = parsePayloadHead(b, o, EXT.proposal);
    if (body.length < 12) throw new WireError('proposal shorter than its fixed part');
    const p: Proposal = { no: body[0]!, protoNo: body[1]!, protoId: body[2]!, numTransforms: body[3]!, lifetime: u32(body, 4), spi: u32(body, 8), transforms: [], ke: [] };
    let q = 12;
    while (q < body.length) {
      const type = body[q]!;
      const h = parsePayloadHead(body, q, type === EXT.ke ? EXT.ke : EXT.transform);
      if (type === EXT.transform) {
        if (h.body.length < 4) throw new WireError('transform shorter than its fixed part');
        const t: Transform = { no: h.body[0]!, id: h.body[1]!, numKeys: h.body[2]!, attrs: [] };
        let a = 4;
        while (a < h.body.length) {
          if (a + 4 > h.body.length) throw new WireError('attribute header cut short');
          const at = u16(h.body, a), al = u16(h.body, a + 2);
          if (a + 4 + al > h.body.length) throw new WireError('attribute runs past its transform');
          t.attrs.push({ type: at, value: attrValue(at, h.body.subarray(a + 4, a + 4 + al)) });
          a += 4 + al;
        }
        p.transforms.push(t);
      } else {
        p.ke.push(parseKe(body.subarray(q, h.end), h.sub, h.body));
      }
      q = h.end;
    }
    out.push(p);
    o = end;
  }
  return out;
}

/** Opens a KE sub-type 5/6 payload (key or seed) under `sa` (E.6). */
export function openKe(ke: KePayload, sa: Sa): Uint8Array {
  if (!sa.cipher || !ke.sealed) throw new WireError('cannot open KE payload');
  return decrypt(sa.cipher, sa.key, ke.sealed, ke.raw.subarray(0, 8));
}

export function ipString(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

export function ipNumber(s: string): number {
  const p = s.split('.').map(Number);
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}

/** NTP seconds of an identification (RFC 5944 §5.7.1). */
export function identSeconds(ident: bigint): number { return Number(ident >> 32n); }
export const NTP_UNIX_OFFSET = 2208988800;

// ---- Agent advertisements (RFC 5944 §2.1) ----

export interface Advertisement { seq: number; maxLifetime: number; flags: number; coas: number[] }

/** Reads an ICMP agent advertisement (type 9): the mobility agent advertisement extension (16). */
export function parseAdvertisement(icmp: Uint8Array): Advertisement | null {
  if (icmp.length < 8 || icmp[0] !== 9) return null;
  const n = icmp[4]!, size = icmp[5]!;
  let o = 8 + n * size * 4;
  while (o + 2 <= icmp.length) {
    const type = icmp[o]!;
    if (type === 0) { o += 1; continue; } // one-byte padding
    const len = icmp[o + 1]!;
    if (o + 2 + len > icmp.length) return null;
    if (type === 16 && len >= 6) {
      const coas: number[] = [];
      for (let c = o + 8; c + 4 <= o + 2 + len; c += 4) coas.push(u32(icmp, c));
      return { seq: u16(icmp, o + 2), maxLifetime: u16(icmp, o + 4), flags: u16(icmp, o + 6), coas };
    }
    o += 2 + len;
  }
  return null;
}
