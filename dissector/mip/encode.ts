// Encoders and decoders of Mobile IP messages and extensions (DESIGN.md principle 4), derived
// from the declarations the dissector is made from (layout.ts, messages.ts,
// standard-extensions.ts). Lengths and authenticators are computed unless the caller overrides them.
import { concat, ip, u16be } from '../build.js';
import { Cursor, readU16 } from '../cursor.js';
import { AUTH_MAC_SIZES, computeAuthenticator } from '../keys/mac.js';
import type { AuthAlg } from '../keys/mac.js';
import { defaultPrefs } from '../prefs.js';
import type { Prefs } from '../prefs.js';
import { bitmaskValue } from '../tree.js';
import { extensionHandler, layoutOf } from './extensions.js';
import type { Layout } from './extensions.js';
import { MIP } from './fields.js';
import { decodeExtensionBody, encodeItems, extensionDecl, itemsLength, readItems } from './layout.js';
import type { ExtensionDecl, Values } from './layout.js';
import { messageDecls } from './messages.js';
import type { MessageDecl } from './messages.js';

type Addr = number | string;
const addr = (a: Addr) => (typeof a === 'string' ? ip(a) : a);

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

/** An extension given by its declared fields (layout.ts), as `decodeMessage` returns it. */
export interface FieldsExt {
  kind: 'fields';
  type: number;
  /** The values by item key; `subtype` is the header's second byte (long, CVSE). */
  fields: Values;
  /** Overrides the Length field. */
  length?: number;
}

export type ExtSpec = RawExt | AuthExt | FieldsExt;

function header(type: number, layout: Layout, subtype: number, length: number): Uint8Array {
  if (layout === 'short') return Uint8Array.of(type, length & 0xff);
  return concat(Uint8Array.of(type, subtype & 0xff), u16be(length));
}

function declOf(type: number): ExtensionDecl {
  const d = extensionDecl(type);
  if (!d) throw new Error(`extension type ${type} has no declaration`);
  return d;
}

/** SPI and everything else of an authentication extension but its authenticator. */
function authBody(e: AuthExt): Uint8Array {
  return encodeItems((extensionDecl(e.type) ?? declOf(32)).body, { spi: e.spi });
}
function authLength(e: AuthExt): number { return e.authenticator?.length ?? AUTH_MAC_SIZES[e.alg ?? 'hmac-md5']; }

/** One extension's bytes after `before` (an authenticator covers what precedes it, RFC 5944 §3.5). */
function encodeExtension(e: ExtSpec, before: Uint8Array): Uint8Array {
  if (e.kind === 'auth') {
    const alg = e.alg ?? 'hmac-md5';
    const body = authBody(e), authLen = authLength(e);
    const head = header(e.type, layoutOf(e.type), e.subtype ?? 1, e.length ?? body.length + authLen);
    const auth = e.authenticator ?? (e.key ? computeAuthenticator(alg, e.key, concat(before, head, body)) : new Uint8Array(authLen));
    return concat(head, body, auth);
  }
  if (e.kind === 'fields') {
    const d = declOf(e.type), body = encodeItems(d.body, e.fields);
    return concat(header(e.type, d.layout, Number(e.fields.subtype ?? 0), e.length ?? body.length), body);
  }
  return concat(header(e.type, e.layout ?? layoutOf(e.type), e.subtype ?? 0, e.length ?? e.data.length), e.data);
}

/** The bytes an extension takes (its header and its data, whatever its Length field says). */
export function extensionLength(e: ExtSpec): number {
  const layout = e.kind === 'fields' ? declOf(e.type).layout : e.kind === 'auth' ? layoutOf(e.type) : e.layout ?? layoutOf(e.type);
  const hdr = layout === 'short' ? 2 : 4;
  if (e.kind === 'auth') return hdr + authBody(e).length + authLength(e);
  if (e.kind === 'fields') return hdr + itemsLength(declOf(e.type).body, e.fields);
  return hdr + e.data.length;
}

/** Appends extensions to a message's fixed part, computing authenticators in order. */
export function encodeWithExtensions(fixed: Uint8Array, exts: readonly ExtSpec[]): Uint8Array {
  let out = fixed;
  for (const e of exts) out = concat(out, encodeExtension(e, out));
  return out;
}

/** Decodes the extensions of [start, end): declared types by their fields, the others as bytes. */
export function decodeExtensions(b: Uint8Array, start: number, end = b.length, prefs: Prefs = defaultPrefs): ExtSpec[] {
  const out: ExtSpec[] = [];
  // Each extension takes at least its header: the loop ends.
  for (let off = start; off < end;) {
    const type = b[off]!, h = extensionHandler(type, prefs), layout = h?.layout ?? 'short';
    const hdr = layout === 'short' ? 2 : 4;
    if (off + hdr > end) throw new Error(`extension at ${off}: header needs ${hdr} bytes, ${end - off} remain`);
    const subtype = hdr === 4 ? b[off + 1]! : 0, length = hdr === 4 ? readU16(b, off + 2) : b[off + 1]!;
    const data = off + hdr, next = data + length;
    if (next > end) throw new Error(`extension at ${off}: length ${length} runs past the message`);
    if (h?.decl) out.push({ kind: 'fields', type, fields: decodeExtensionBody(h.decl, b, data, next, subtype) });
    else out.push(hdr === 4 ? { type, layout, subtype, data: b.slice(data, next) } : { type, data: b.slice(data, next) });
    off = next;
  }
  return out;
}

/** A Mobile IP message as values: its type, its fixed part by the declaration's keys, its extensions. */
export interface MessageValue {
  type: number;
  fields: Values;
  exts?: ExtSpec[];
  /** What follows the fixed part of a message without extensions (the datagram of tunnel data). */
  payload?: Uint8Array;
}

function messageDecl(type: number): MessageDecl {
  const d = messageDecls.get(type);
  if (!d) throw new Error(`message type ${type} has no declaration`);
  return d;
}

/** Encodes a message from its values (dns-packet's `encode`): lengths and authenticators computed unless given. */
export function encodeMessage(m: MessageValue): Uint8Array {
  const d = messageDecl(m.type);
  const fixed = concat(Uint8Array.of(m.type), encodeItems(d.items, m.fields));
  return d.payload ? concat(fixed, m.payload ?? new Uint8Array(0)) : encodeWithExtensions(fixed, m.exts ?? []);
}

/** The length of `encodeMessage(m)` without encoding it (dns-packet's `encodingLength`). */
export function encodingLength(m: MessageValue): number {
  const d = messageDecl(m.type);
  const fixed = 1 + itemsLength(d.items, m.fields);
  return d.payload ? fixed + (m.payload?.length ?? 0) : (m.exts ?? []).reduce((n, e) => n + extensionLength(e), fixed);
}

/** Decodes a message to values (dns-packet's `decode`); malformed bytes throw. */
export function decodeMessage(b: Uint8Array, prefs: Prefs = defaultPrefs): MessageValue {
  const type = b[0];
  if (type === undefined) throw new Error('empty message');
  const d = messageDecl(type);
  const c = new Cursor(b, 1);
  const fields: Values = {};
  readItems(d.items, { pkt: null, parent: null, src: 0, c, v: fields });
  if (d.payload) return { type, fields, payload: b.slice(c.pos) };
  return { type, fields, exts: decodeExtensions(b, c.pos, b.length, prefs) };
}

export interface RequestFlags { s?: boolean; b?: boolean; d?: boolean; m?: boolean; g?: boolean; v?: boolean; t?: boolean; x?: boolean }
export function requestFlags(f: RequestFlags): number {
  return bitmaskValue([MIP.s, MIP.b, MIP.d, MIP.m, MIP.g, MIP.v, MIP.t, MIP.x], [f.s, f.b, f.d, f.m, f.g, f.v, f.t, f.x]);
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
  return encodeMessage({ type: 1, fields: { flags, lifetime: s.lifetime, homeAddr: addr(s.homeAddr), haAddr: addr(s.haAddr), coa: addr(s.coa), ident: s.ident }, exts: s.exts ?? [] });
}

export interface RegistrationReplySpec {
  code: number; lifetime: number;
  homeAddr: Addr; haAddr: Addr;
  ident: bigint;
  exts?: ExtSpec[];
}

export function encodeRegistrationReply(s: RegistrationReplySpec): Uint8Array {
  return encodeMessage({ type: 3, fields: { code: s.code, lifetime: s.lifetime, homeAddr: addr(s.homeAddr), haAddr: addr(s.haAddr), ident: s.ident }, exts: s.exts ?? [] });
}

export interface RevocationSpec { a?: boolean; i?: boolean; flags?: number; homeAddr: Addr; homeDomain: Addr; foreignDomain: Addr; revocationId: number; exts?: ExtSpec[] }
export function encodeRevocation(s: RevocationSpec): Uint8Array {
  const flags = s.flags ?? bitmaskValue([MIP.revA, MIP.revI], [s.a, s.i]);
  return encodeMessage({ type: 7, fields: { flags, homeAddr: addr(s.homeAddr), homeDomain: addr(s.homeDomain), foreignDomain: addr(s.foreignDomain), revocationId: s.revocationId }, exts: s.exts ?? [] });
}

export interface RevocationAckSpec { i?: boolean; flags?: number; homeAddr: Addr; revocationId: number; exts?: ExtSpec[] }
export function encodeRevocationAck(s: RevocationAckSpec): Uint8Array {
  const flags = s.flags ?? bitmaskValue([MIP.ackI], [s.i]);
  return encodeMessage({ type: 15, fields: { flags, homeAddr: addr(s.homeAddr), revocationId: s.revocationId }, exts: s.exts ?? [] });
}

export function encodeTunnelData(nextHeader: number, payload: Uint8Array): Uint8Array {
  return encodeMessage({ type: 4, fields: { nextHeader }, payload });
}

/** An extension's data encoded from its declared fields. */
function declared(type: number, fields: Values): RawExt {
  const d = declOf(type);
  const e: RawExt = { type, data: encodeItems(d.body, fields) };
  if (d.layout !== 'short' && fields.subtype !== undefined) e.subtype = Number(fields.subtype);
  return e;
}

/** Builders of the standard extensions. */
export const ext = {
  raw: (type: number, data: Uint8Array, o: Partial<RawExt> = {}): RawExt => ({ type, data, ...o }),
  /** Any declared extension from its fields (standard-extensions.ts gives the keys). */
  fields: (type: number, fields: Values, length?: number): FieldsExt => (length === undefined ? { kind: 'fields', type, fields } : { kind: 'fields', type, fields, length }),
  auth: (type: 32 | 33 | 34, spi: number, key?: Uint8Array, alg: AuthAlg = 'hmac-md5', o: Partial<AuthExt> = {}): AuthExt => ({ kind: 'auth', type, spi, ...(key ? { key } : {}), alg, ...o }),
  mnHa: (spi: number, key?: Uint8Array, alg: AuthAlg = 'hmac-md5', o: Partial<AuthExt> = {}): AuthExt => ext.auth(32, spi, key, alg, o),
  mnFa: (spi: number, key?: Uint8Array, alg: AuthAlg = 'hmac-md5', o: Partial<AuthExt> = {}): AuthExt => ext.auth(33, spi, key, alg, o),
  faHa: (spi: number, key?: Uint8Array, alg: AuthAlg = 'hmac-md5', o: Partial<AuthExt> = {}): AuthExt => ext.auth(34, spi, key, alg, o),
  genAuth: (subtype: number, spi: number, key?: Uint8Array, alg: AuthAlg = 'hmac-md5'): AuthExt => ({ kind: 'auth', type: 36, subtype, spi, ...(key ? { key } : {}), alg }),
  nai: (nai: string): RawExt => declared(131, { nai }),
  challenge: (c: Uint8Array): RawExt => declared(132, { data: c }),
  /** CVSE; 3GPP2's type 1 GRE key is the field `greKey` of ext.fields(38, …). */
  cvse: (vendor: number, vendorType: number, value: Uint8Array): RawExt => declared(38, { vendorId: vendor, vendorType, vendorValue: value }),
  oldCvse: (data: Uint8Array): RawExt => declared(37, { data }),
  /** NVSE; 3GPP2's types 16 and 17 have fields of their own (ext.fields). */
  nvse: (vendor: number, vendorType: number, value: Uint8Array, type: 133 | 134 = 134): RawExt => declared(type, { reserved: 0, vendorId: vendor, vendorType, vendorValue: value }),
  revocationSupport: (i: boolean, timestamp: number, reserved = 0): RawExt => declared(137, { flags: bitmaskValue([MIP.rextI, MIP.rextReserved], [i, reserved]), timestamp }),
  dynamicHa: (subtype: number, ha: Addr): RawExt => declared(139, { subtype, ha: addr(ha) }),
  messageString: (subtype: number, text: string): RawExt => declared(145, { subtype, text }),
  udpTunnelRequest: (o: { f?: boolean; r?: boolean; encap?: number; subtype?: number }): RawExt => declared(144, { subtype: o.subtype ?? 0, flags: bitmaskValue([MIP.utrqF, MIP.utrqR], [o.f, o.r]), encap: o.encap ?? 4 }),
  udpTunnelReply: (o: { code?: number; f?: boolean; keepalive?: number }): RawExt => declared(44, { code: o.code ?? 0, flags: bitmaskValue([MIP.utrpF], [o.f]), keepalive: o.keepalive ?? 110 }),
  /** Sub-type 1 carries the method; other sub-types carry the byte undeclared. */
  pmipNonSkippable: (subtype: number, method: number): RawExt => declared(47, subtype === 1 ? { subtype, method } : { subtype, trailing: Uint8Array.of(method) }),
  /** The sub-type then a body given by its bytes. */
  pmipSkippable: (subtype: number, body: Uint8Array): RawExt => ({ type: 147, data: concat(Uint8Array.of(subtype), body) }),
  mobileNetwork: (o: { subtype: number; code?: number; prefixLength: number; prefix: Addr }): RawExt =>
    declared(148, { subtype: o.subtype, code: o.code ?? 0, prefixLength: o.prefixLength, prefix: addr(o.prefix) }),
};
