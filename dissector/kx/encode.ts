// Encoders of the KX extensions, payloads and messages (DESIGN.md principle 4): lengths, counts
// and encryption are computed unless the caller overrides them, so malformed samples can be
// built on purpose. They plug into the Mobile IP encoders as RawExt extensions.
import { concat, ip, mac, u16be, u32be } from '../build.js';
import { utf8Bytes } from '../format.js';
import { encodeMessage } from '../mip/encode.js';
import './messages.js';
import { gpHeader, SA_INFO_FIXED } from './gp.js';
import { ATTR_LENGTHS, PROPOSAL_FIXED, TRANSFORM_FIXED } from './negotiation.js';
import { encodeItems } from '../mip/layout.js';
import type { ExtSpec, RawExt } from '../mip/encode.js';
import { encrypt, encryptedLength, cipherId } from '../keys/ciphers.js';
import type { CipherName } from '../keys/ciphers.js';
import { authAlgId } from '../keys/mac.js';
import type { AuthAlg } from '../keys/mac.js';
import { KX_TYPE_PREFS } from './fields.js';

type Addr = number | string;
const addr = (a: Addr) => (typeof a === 'string' ? ip(a) : a);

/** An SA to encrypt under: its SPI, key and cipher. */
export interface EncryptingSa { spi: number; key: Uint8Array; cipher: CipherName }

/** Options of a GP extension; everything is computed unless given. */
export interface GpOptions {
  /** Encrypt INFO under this SA: E = 1 and SPI = its SPI (docs/protocol.md §B.1, B.2). */
  encrypt?: EncryptingSa;
  /** IV (CBC) or nonce (AEAD); random when absent. */
  iv?: Uint8Array;
  /** Overrides: the type number (a preference), the Flags byte, the SPI field, the Length field. */
  type?: number;
  flags?: number;
  spi?: number;
  length?: number;
}

/** A GP extension (200-203) from its plaintext INFO. */
export function gpExtension(kind: 'gp_nai' | 'gp_ip' | 'gp_l2' | 'gp_sa', content: number, info: Uint8Array, o: GpOptions = {}): RawExt {
  const type = o.type ?? KX_TYPE_PREFS[kind];
  const flags = o.flags ?? (o.encrypt ? 0x80 : 0);
  const head = encodeItems(gpHeader(kind), { content, flags, spi: o.spi ?? (o.encrypt ? o.encrypt.spi : 0) });
  let body = info;
  if (o.encrypt) {
    const length = o.length ?? head.length + encryptedLength(o.encrypt.cipher, info.length);
    // The AEAD ciphers authenticate the extension's first 8 bytes (B.2).
    body = encrypt(o.encrypt.cipher, o.encrypt.key, info, concat(Uint8Array.of(type, length & 0xff), head), o.iv);
  }
  const ext: RawExt = { type, layout: 'short', data: concat(head, body) };
  if (o.length !== undefined) ext.length = o.length;
  return ext;
}

export interface SaInfoSpec {
  newSpi: number;
  authAlg: number | AuthAlg;
  /** 0 or absent = none. */
  cipherAlg?: number | CipherName;
  /** Seconds; default infinite (0xFFFFFFFF). */
  lifetime?: number;
  key: Uint8Array;
  /** Overrides KeyLen. */
  keyLen?: number;
}

/** SA-INFO: NewSPI AuthAlg CipherAlg Lifetime KeyLen Key (B.1). */
export function encodeSaInfo(s: SaInfoSpec): Uint8Array {
  const auth = typeof s.authAlg === 'number' ? s.authAlg : authAlgId(s.authAlg);
  const cipher = s.cipherAlg === undefined ? 0 : typeof s.cipherAlg === 'number' ? s.cipherAlg : cipherId(s.cipherAlg);
  return concat(encodeItems(SA_INFO_FIXED, { newSpi: s.newSpi, authAlg: auth, cipherAlg: cipher, lifetime: s.lifetime ?? 0xffffffff, keyLen: s.keyLen ?? s.key.length }), s.key);
}

/** Builders of the GP extensions. */
export const gp = {
  nai: (content: number, nai: string, o?: GpOptions): RawExt => gpExtension('gp_nai', content, utf8Bytes(nai), o),
  ip: (content: number, a: Addr, o?: GpOptions): RawExt => gpExtension('gp_ip', content, u32be(addr(a)), o),
  ip6: (content: number, a: Uint8Array, o?: GpOptions): RawExt => gpExtension('gp_ip', content, a, o),
  eth: (m: string, o?: GpOptions): RawExt => gpExtension('gp_l2', 0, mac(m), o),
  imsi: (digits: string, o?: GpOptions): RawExt => gpExtension('gp_l2', 1, utf8Bytes(digits), o),
  min: (digits: string, o?: GpOptions): RawExt => gpExtension('gp_l2', 2, utf8Bytes(digits), o),
  sa: (content: number, info: SaInfoSpec, o?: GpOptions): RawExt => gpExtension('gp_sa', content, encodeSaInfo(info), o),
  raw: (kind: 'gp_nai' | 'gp_ip' | 'gp_l2' | 'gp_sa', content: number, info: Uint8Array, o?: GpOptions): RawExt => gpExtension(kind, content, info, o),
};

// ---- Negotiation payloads (B.3) ----

export interface AttrSpec { type: number; value: number | Uint8Array; /** Overrides AttrLen. */ length?: number }

/** Common overrides of a long-format payload. */
export interface PayloadOverrides { type?: number; subtype?: number; length?: number }

export interface TransformSpec extends PayloadOverrides {
  no: number;
  id: number;
  numKeys?: number;
  reserved?: number;
  attrs?: AttrSpec[];
}

export type KeSpec = PayloadOverrides & (
  | { subtype: 1 | 2; xfno: number; cv: Uint8Array; reserved?: number }
  | { subtype: 3; xfno: number; key: Uint8Array; reserved?: number }
  | { subtype: 4; p: Uint8Array; g: Uint8Array; cv: Uint8Array; plen?: number; glen?: number; cvlen?: number }
  /** KE 5/6: the key or seed, encrypted under `under` (its SPI goes in the payload unless `spi` is given). */
  | { subtype: 5 | 6; key: Uint8Array; under: EncryptingSa; spi?: number; iv?: Uint8Array }
  | { subtype: number; body: Uint8Array });

export interface ProposalSpec extends PayloadOverrides {
  no: number;
  protoNo?: number;
  protoId: number;
  lifetime?: number;
  spi: number;
  transforms: TransformSpec[];
  ke?: KeSpec[];
  /** Overrides NumTransforms. */
  numTransforms?: number;
  /** Puts the KE payloads before the transforms (malformed on purpose, E.2). */
  keFirst?: boolean;
}

export interface SaPayloadSpec { subtype: number; proposals: ProposalSpec[]; type?: number; length?: number }

function longPayload(type: number, subtype: number, body: Uint8Array, length?: number): Uint8Array {
  return concat(Uint8Array.of(type, subtype), u16be(length ?? body.length), body);
}

function uintBytes(v: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = v;
  for (let i = n - 1; i >= 0; i--) { out[i] = x % 256; x = Math.floor(x / 256); }
  return out;
}

export function encodeAttribute(a: AttrSpec): Uint8Array {
  const value = typeof a.value === 'number' ? uintBytes(a.value, ATTR_LENGTHS[a.type] ?? 4) : a.value;
  return concat(u16be(a.type), u16be(a.length ?? value.length), value);
}

export function encodeTransform(t: TransformSpec): Uint8Array {
  const body = concat(encodeItems(TRANSFORM_FIXED, { no: t.no, id: t.id, numKeys: t.numKeys ?? 1, reserved: t.reserved ?? 0 }), ...(t.attrs ?? []).map(encodeAttribute));
  return longPayload(t.type ?? KX_TYPE_PREFS.transform, t.subtype ?? 0, body, t.length);
}

export function encodeKe(k: KeSpec): Uint8Array {
  const type = k.type ?? KX_TYPE_PREFS.ke;
  const st = k.subtype;
  if ('body' in k) return longPayload(type, st, k.body, k.length);
  if ('xfno' in k) {
    const tail = 'cv' in k ? k.cv : k.key;
    return longPayload(type, st, concat(Uint8Array.of(k.xfno, k.reserved ?? 0), tail), k.length);
  }
  if ('p' in k) {
    return longPayload(type, st, concat(u16be(k.plen ?? k.p.length), k.p, u16be(k.glen ?? k.g.length), k.g, u16be(k.cvlen ?? k.cv.length), k.cv), k.length);
  }
  // KE 5/6: SPI(4) then the key encrypted under that SA; the AEADs cover the first 8 bytes (E.6).
  const spi = k.spi ?? k.under.spi;
  const length = k.length ?? 4 + encryptedLength(k.under.cipher, k.key.length);
  const aad = concat(Uint8Array.of(type, st), u16be(length), u32be(spi));
  return longPayload(type, st, concat(u32be(spi), encrypt(k.under.cipher, k.under.key, k.key, aad, k.iv)), length);
}

export function encodeProposal(p: ProposalSpec): Uint8Array {
  const xfs = p.transforms.map(encodeTransform), kes = (p.ke ?? []).map(encodeKe);
  const fixed = encodeItems(PROPOSAL_FIXED, { no: p.no, protoNo: p.protoNo ?? 1, protoId: p.protoId, numTransforms: p.numTransforms ?? p.transforms.length, lifetime: p.lifetime ?? 0, spi: p.spi });
  const body = p.keFirst ? concat(fixed, ...kes, ...xfs) : concat(fixed, ...xfs, ...kes);
  return longPayload(p.type ?? KX_TYPE_PREFS.proposal, p.subtype ?? 0, body, p.length);
}

/** The SA payload as a Mobile IP extension (long format, type 112 by default). */
export function saPayload(s: SaPayloadSpec): RawExt {
  const ext: RawExt = { type: s.type ?? KX_TYPE_PREFS.sa, layout: 'long', subtype: s.subtype, data: concat(...s.proposals.map(encodeProposal)) };
  if (s.length !== undefined) ext.length = s.length;
  return ext;
}

/** A nested payload placed at the top level (malformed on purpose). */
export function strayPayload(bytes: Uint8Array): RawExt {
  return { type: bytes[0]!, layout: 'long', subtype: bytes[1]!, data: bytes.subarray(4), length: (bytes[2]! << 8) | bytes[3]! };
}

// ---- General-purpose messages (B.5) ----

export interface KeyMessageSpec {
  code?: number;
  reserved?: number;
  homeAddr: Addr;
  ident: bigint;
  exts?: ExtSpec[];
}

function keyMessage(type: 8 | 9, s: KeyMessageSpec): Uint8Array {
  return encodeMessage({ type, fields: { code: s.code ?? 0, reserved: s.reserved ?? 0, homeAddr: addr(s.homeAddr), ident: s.ident }, exts: s.exts ?? [] });
}

/** Type 8: from the home agent to the KDC. */
export function encodeKeyRequest(s: KeyMessageSpec): Uint8Array { return keyMessage(8, s); }
/** Type 9: from the KDC; code 0 keys issued, 128 refused. */
export function encodeKeyReply(s: KeyMessageSpec): Uint8Array { return keyMessage(9, s); }
