// Encoders for Mobile IP messages and extensions (DESIGN.md principle 4). Lengths and
// authenticators are computed unless the caller overrides them.
import { concat, ip, u16be, u32be } from '../build.js';
import { computeAuthenticator } from '../keys/mac.js';
import type { AuthAlg } from '../keys/mac.js';
import type { Layout } from './extensions.js';

type Addr = number | string;
const addr = (a: Addr) => (typeof a === 'string' ? ip(a) : a);
const utf8 = new TextEncoder();

/** An extension given by its bytes. */
export interface RawExt {
  kind?: 'raw';
  type: number;
  data: Uint8Array;
  layout?: Layout;
  /** SubType (long format) or Reserved (CVSE) byte. */
  subtype?: number;
  /** Overrides the Length field. */
  length?: number;
}

/** An authentication extension (32, 33, 34, or 36 with a subtype) computed over what precedes it. */
export interface AuthExt {
  kind: 'auth';
  type: number;
  spi: number;
  alg?: AuthAlg;
  key?: Uint8Array;
  /** Use these bytes instead of computing. */
  authenticator?: Uint8Array;
  subtype?: number;
  length?: number;
}

export type ExtSpec = RawExt | AuthExt;

export function defaultLayout(type: number): Layout {
  if (type === 36 || type === 47 || (type >= 112 && type <= 115)) return 'long';
  if (type === 38) return 'cvse';
  return 'short';
}

function header(type: number, layout: Layout, subtype: number, length: number): Uint8Array {
  if (layout === 'short') return Uint8Array.of(type, length & 0xff);
  return concat(Uint8Array.of(type, subtype & 0xff), u16be(length));
}

const MAC_SIZES: Record<AuthAlg, number> = { 'hmac-md5': 16, 'md5-prefix-suffix': 16, 'hmac-sha1': 20, 'hmac-sha256': 32 };

/** Appends extensions to a message's fixed part, computing authenticators in order. */
export function encodeWithExtensions(fixed: Uint8Array, exts: readonly ExtSpec[]): Uint8Array {
  let out = fixed;
  for (const e of exts) {
    if (e.kind === 'auth') {
      const layout = e.type === 36 ? 'long' : defaultLayout(e.type);
      const alg = e.alg ?? 'hmac-md5';
      const authLen = e.authenticator?.length ?? MAC_SIZES[alg];
      const head = concat(header(e.type, layout, e.subtype ?? 1, e.length ?? 4 + authLen), u32be(e.spi));
      const covered = concat(out, head);
      const auth = e.authenticator ?? (e.key ? computeAuthenticator(alg, e.key, covered) : new Uint8Array(authLen));
      out = concat(covered, auth);
    } else {
      const layout = e.layout ?? defaultLayout(e.type);
      out = concat(out, header(e.type, layout, e.subtype ?? 0, e.length ?? e.data.length), e.data);
    }
  }
  return out;
}

export interface RequestFlags { s?: boolean; b?: boolean; d?: boolean; m?: boolean; g?: boolean; v?: boolean; t?: boolean; x?: boolean }
export function requestFlags(f: RequestFlags): number {
  return (f.s ? 0x80 : 0) | (f.b ? 0x40 : 0) | (f.d ? 0x20 : 0) | (f.m ? 0x10 : 0) | (f.g ? 0x08 : 0) | (f.v ? 0x04 : 0) | (f.t ? 0x02 : 0) | (f.x ? 0x01 : 0);
}

function ident64(v: bigint): Uint8Array {
  return concat(u32be(Number(v >> 32n) >>> 0), u32be(Number(v & 0xffffffffn) >>> 0));
}

/** Identification from a Unix time in ms (NTP seconds and fraction, RFC 5944 §5.7.1). */
export function ntpIdentification(unixMs: number, low?: number): bigint {
  const sec = Math.floor(unixMs / 1000) + 2208988800;
  const frac = low ?? Math.floor(((unixMs % 1000) / 1000) * 4294967296);
  return (BigInt(sec >>> 0) << 32n) | BigInt(frac >>> 0);
}

export interface RegistrationRequestSpec {
  flags?: number | RequestFlags;
  lifetime: number;
  homeAddr: Addr; haAddr: Addr; coa: Addr;
  ident: bigint;
  exts?: ExtSpec[];
}

export function encodeRegistrationRequest(s: RegistrationRequestSpec): Uint8Array {
  const flags = typeof s.flags === 'number' ? s.flags : requestFlags(s.flags ?? {});
  const fixed = concat(Uint8Array.of(1, flags), u16be(s.lifetime), u32be(addr(s.homeAddr)), u32be(addr(s.haAddr)), u32be(addr(s.coa)), ident64(s.ident));
  return encodeWithExtensions(fixed, s.exts ?? []);
}

export interface RegistrationReplySpec {
  code: number; lifetime: number;
  homeAddr: Addr; haAddr: Addr;
  ident: bigint;
  exts?: ExtSpec[];
}

export function encodeRegistrationReply(s: RegistrationReplySpec): Uint8Array {
  const fixed = concat(Uint8Array.of(3, s.code), u16be(s.lifetime), u32be(addr(s.homeAddr)), u32be(addr(s.haAddr)), ident64(s.ident));
  return encodeWithExtensions(fixed, s.exts ?? []);
}

export interface RevocationSpec { a?: boolean; i?: boolean; flags?: number; homeAddr: Addr; homeDomain: Addr; foreignDomain: Addr; revocationId: number; exts?: ExtSpec[] }
export function encodeRevocation(s: RevocationSpec): Uint8Array {
  const flags = s.flags ?? ((s.a ? 0x8000 : 0) | (s.i ? 0x4000 : 0));
  const fixed = concat(Uint8Array.of(7, 0), u16be(flags), u32be(addr(s.homeAddr)), u32be(addr(s.homeDomain)), u32be(addr(s.foreignDomain)), u32be(s.revocationId));
  return encodeWithExtensions(fixed, s.exts ?? []);
}

export interface RevocationAckSpec { i?: boolean; flags?: number; homeAddr: Addr; revocationId: number; exts?: ExtSpec[] }
export function encodeRevocationAck(s: RevocationAckSpec): Uint8Array {
  const flags = s.flags ?? (s.i ? 0x8000 : 0);
  const fixed = concat(Uint8Array.of(15, 0), u16be(flags), u32be(addr(s.homeAddr)), u32be(s.revocationId));
  return encodeWithExtensions(fixed, s.exts ?? []);
}

export function encodeTunnelData(nextHeader: number, payload: Uint8Array): Uint8Array {
  return concat(Uint8Array.of(4, nextHeader, 0, 0), payload);
}

/** Builders of the standard extensions. */
export const ext = {
  raw: (type: number, data: Uint8Array, o: Partial<RawExt> = {}): RawExt => ({ type, data, ...o }),
  auth: (type: 32 | 33 | 34, spi: number, key?: Uint8Array, alg: AuthAlg = 'hmac-md5', o: Partial<AuthExt> = {}): AuthExt => ({ kind: 'auth', type, spi, ...(key ? { key } : {}), alg, ...o }),
  mnHa: (spi: number, key?: Uint8Array, alg: AuthAlg = 'hmac-md5', o: Partial<AuthExt> = {}): AuthExt => ext.auth(32, spi, key, alg, o),
  mnFa: (spi: number, key?: Uint8Array, alg: AuthAlg = 'hmac-md5', o: Partial<AuthExt> = {}): AuthExt => ext.auth(33, spi, key, alg, o),
  faHa: (spi: number, key?: Uint8Array, alg: AuthAlg = 'hmac-md5', o: Partial<AuthExt> = {}): AuthExt => ext.auth(34, spi, key, alg, o),
  genAuth: (subtype: number, spi: number, key?: Uint8Array, alg: AuthAlg = 'hmac-md5'): AuthExt => ({ kind: 'auth', type: 36, subtype, spi, ...(key ? { key } : {}), alg }),
  nai: (nai: string): RawExt => ({ type: 131, data: utf8.encode(nai) }),
  challenge: (c: Uint8Array): RawExt => ({ type: 132, data: c }),
  cvse: (vendor: number, vendorType: number, value: Uint8Array): RawExt => ({ type: 38, data: concat(u32be(vendor), u16be(vendorType), value) }),
  oldCvse: (data: Uint8Array): RawExt => ({ type: 37, data }),
  nvse: (vendor: number, vendorType: number, value: Uint8Array, type: 133 | 134 = 134): RawExt => ({ type, data: concat(u16be(0), u32be(vendor), u16be(vendorType), value) }),
  revocationSupport: (i: boolean, timestamp: number, reserved = 0): RawExt => ({ type: 137, data: concat(u16be((i ? 0x8000 : 0) | (reserved & 0x7fff)), u32be(timestamp)) }),
  dynamicHa: (subtype: number, ha: Addr): RawExt => ({ type: 139, data: concat(Uint8Array.of(subtype), u32be(addr(ha))) }),
  messageString: (subtype: number, text: string): RawExt => ({ type: 145, data: concat(Uint8Array.of(subtype), utf8.encode(text)) }),
  udpTunnelRequest: (o: { f?: boolean; r?: boolean; encap?: number; subtype?: number }): RawExt => ({ type: 144, data: Uint8Array.of(o.subtype ?? 0, 0, (o.f ? 0x80 : 0) | (o.r ? 0x40 : 0), o.encap ?? 4, 0, 0) }),
  udpTunnelReply: (o: { code?: number; f?: boolean; keepalive?: number }): RawExt => ({ type: 44, data: concat(Uint8Array.of(0, o.code ?? 0), u16be(o.f ? 0x8000 : 0), u16be(o.keepalive ?? 110)) }),
  pmipNonSkippable: (subtype: number, method: number): RawExt => ({ type: 47, subtype, data: Uint8Array.of(method) }),
  pmipSkippable: (subtype: number, body: Uint8Array): RawExt => ({ type: 147, data: concat(Uint8Array.of(subtype), body) }),
  mobileNetwork: (o: { subtype: number; code?: number; prefixLength: number; prefix: Addr }): RawExt => ({
    type: 148,
    data: o.subtype === 0 ? concat(Uint8Array.of(0, o.prefixLength), u32be(addr(o.prefix))) : concat(Uint8Array.of(o.subtype, o.code ?? 0, o.prefixLength, 0), u32be(addr(o.prefix))),
  }),
};
