// Literals are typed by what they are compared with: the registry type of the field on the
// other side decides how `1`, `0x10`, `10.0.0.0/8`, `02:00:00`, `"Reg Accepted"` are read.
import type { FieldType } from '../fields.js';
import type { AbsTime } from '../tree.js';
import { FilterError } from './errors.js';
import type { ValueNode } from './parser.js';
import type { Cidr, VType } from './types.js';
import { TYPE_NAMES, utf8String } from './types.js';
import { hexToBytes } from '../format.js';

/** A literal, or negation or arithmetic of literals (folded once its type is known). */
export type Literal = Extract<ValueNode, { k: 'word' | 'string' | 'char' | 'neg' | 'arith' }>;

/** A word that reads as a field name: an unknown one is reported as such. */
export function looksLikeField(text: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)+$/.test(text) && !/^[0-9a-fA-F]{1,2}([.:-][0-9a-fA-F]{1,2})+$/.test(text);
}

export function unknownField(text: string, pos: number, end: number): FilterError {
  return new FilterError(`"${text}" is not a valid protocol or protocol field.`, pos, end - pos);
}

function fail(lit: Literal, message: string): FilterError {
  return new FilterError(message, lit.pos, lit.end - lit.pos);
}

const MAX: Partial<Record<FieldType, number>> = {
  uint8: 0xff, uint16: 0xffff, uint24: 0xffffff, uint32: 0xffffffff, int32: 0x7fffffff, framenum: 0xffffffff,
};

/** C-style integer: 0x hex, 0b binary, leading 0 octal, else decimal. */
export function parseInteger(text: string): bigint | null {
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) return BigInt(text);
  if (/^0[bB][01]+$/.test(text)) return BigInt(text);
  if (/^0[0-7]*$/.test(text)) return text.length > 1 ? BigInt('0o' + text.slice(1)) : 0n;
  if (/^[1-9][0-9]*$/.test(text)) return BigInt(text);
  return null;
}

/** The value of a name in a field's value table (case-insensitive, first match as Wireshark). */
function valueByName(t: VType, name: string): number | undefined {
  const f = t.field;
  if (!f?.values) return undefined;
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(f.values)) if (v.toLowerCase() === lower) return Number(k);
  return undefined;
}

function notAmongValues(lit: Literal, t: VType, text: string): FilterError {
  return fail(lit, `"${text}" cannot be found among the possible values for ${t.field?.abbrev ?? TYPE_NAMES[t.ftype]}.`);
}

function fromString(lit: Literal, t: VType, s: string): FilterError {
  return fail(lit, `${TYPE_NAMES[t.ftype]} cannot be converted from a string ("${s}").`);
}

function literalText(lit: Literal): string {
  switch (lit.k) {
    case 'word': return lit.text;
    case 'string': return utf8String(lit.bytes);
    case 'char': return lit.text;
    case 'neg': return '-' + literalText(lit.a as Literal);
    case 'arith': return `${literalText(lit.a as Literal)} ${lit.op} ${literalText(lit.b as Literal)}`;
  }
}

/**
 * Converts a literal to a value of type `t`; throws a FilterError pointing at the literal.
 * `fold` computes constant arithmetic (the compiler's, which knows the operators).
 */
export function convertLiteral(lit: Literal, t: VType, fold?: (op: string, a: unknown, b: unknown, at: Literal) => unknown): unknown {
  if (lit.k === 'neg') return negate(lit, t, convertLiteral(lit.a as Literal, t, fold));
  if (lit.k === 'arith') {
    if (!fold) throw fail(lit, 'Arithmetic needs a field on one side.');
    return fold(lit.op, convertLiteral(lit.a as Literal, { ...t, field: null }, fold), convertLiteral(lit.b as Literal, { ...t, field: null }, fold), lit);
  }
  switch (t.cls) {
    case 'int': return toInteger(lit, t);
    case 'bool': return toBool(lit, t);
    case 'ipv4': return toIpv4(lit, t);
    case 'bytes': return t.ftype === 'ether' ? toEther(lit, t) : toBytes(lit);
    case 'string': return toStringValue(lit);
    case 'abstime': return toAbsTime(lit);
    case 'reltime': return toRelTime(lit, t);
    case 'double': return toDouble(lit, t);
    default:
      throw fail(lit, `${t.field?.abbrev ?? 'This field'} (type=${TYPE_NAMES[t.ftype]}) has no value to compare with.`);
  }
}

function negate(lit: Literal, t: VType, v: unknown): unknown {
  if (typeof v === 'number') return v === 0 ? 0 : -v;
  if (typeof v === 'bigint') return -v;
  if (t.cls === 'reltime') return negTime(v as AbsTime);
  throw fail(lit, `${TYPE_NAMES[t.ftype]} cannot be negated.`);
}

export function negTime(t: AbsTime): AbsTime {
  return t.nsec === 0 ? { sec: -t.sec, nsec: 0 } : { sec: -t.sec - 1, nsec: 1e9 - t.nsec };
}

function toInteger(lit: Literal, t: VType): number | bigint {
  let n: bigint | null = null;
  let text: string;
  if (lit.k === 'char') { n = BigInt(lit.code); text = lit.text; }
  else if (lit.k === 'string') {
    text = utf8String(lit.bytes);
    const named = valueByName(t, text);
    if (named !== undefined) return t.ftype === 'uint64' ? BigInt(named) : named;
    if (t.field?.values) throw notAmongValues(lit, t, text);
    throw fromString(lit, t, text);
  } else {
    text = (lit as { text: string }).text;
    n = parseInteger(text);
    if (n === null) {
      const named = valueByName(t, text);
      if (named !== undefined) return t.ftype === 'uint64' ? BigInt(named) : named;
      if (t.field?.values) throw notAmongValues(lit, t, text);
      if (looksLikeField(text)) throw unknownField(text, lit.pos, lit.end);
      throw fail(lit, `"${text}" is not a valid number.`);
    }
  }
  if (t.ftype === 'uint64') {
    if (n > 0xffffffffffffffffn) throw fail(lit, `"${text}" too big for this field, maximum 18446744073709551615.`);
    return n;
  }
  const max = MAX[t.ftype] ?? Number.MAX_SAFE_INTEGER;
  if (n > BigInt(max)) throw fail(lit, `"${text}" too big for this field, maximum ${max}.`);
  return Number(n);
}

function toBool(lit: Literal, t: VType): boolean {
  const text = lit.k === 'string' ? utf8String(lit.bytes) : lit.k === 'char' ? String(lit.code) : (lit as { text: string }).text;
  if (lit.k === 'char') return lit.code !== 0;
  if (lit.k === 'word') {
    const n = parseInteger(text);
    if (n !== null) return n !== 0n;
  }
  const lower = text.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  const tf = t.field?.tf;
  if (tf && lower === tf[0].toLowerCase()) return true;
  if (tf && lower === tf[1].toLowerCase()) return false;
  if (lit.k === 'word' && looksLikeField(text)) throw unknownField(text, lit.pos, lit.end);
  throw notAmongValues(lit, t, text);
}

function toIpv4(lit: Literal, t: VType): Cidr {
  if (lit.k === 'string') throw fromString(lit, t, utf8String(lit.bytes));
  const text = lit.k === 'char' ? lit.text : (lit as { text: string }).text;
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d+))?$/.exec(text);
  if (!m || [m[1], m[2], m[3], m[4]].some(x => Number(x) > 255)) {
    if (looksLikeField(text) && /[g-zG-Z_]/.test(text)) throw unknownField(text, lit.pos, lit.end);
    throw fail(lit, `"${text}" is not a valid hostname or IPv4 address.`);
  }
  const bits = m[5] === undefined ? 32 : Number(m[5]);
  if (bits > 32) throw fail(lit, `Netmask bits in a CIDR IPv4 address should be <= 32, not ${bits}`);
  const addr = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { addr, mask };
}

/** Hex bytes: aa:bb:cc, aa-bb-cc, aa.bb.cc, aabbcc, or one byte as 0xaa or a. */
export function parseBytes(text: string): Uint8Array | null {
  let hex: string | null = null;
  if (/^0[xX][0-9a-fA-F]{1,2}$/.test(text)) hex = text.slice(2).padStart(2, '0');
  else if (/^[0-9a-fA-F]{1,2}$/.test(text)) hex = text.padStart(2, '0');
  else if (/^[0-9a-fA-F]{2}([:.-][0-9a-fA-F]{2})+$/.test(text) && new Set(text.replace(/[0-9a-fA-F]/g, '')).size === 1) hex = text.replace(/[:.-]/g, '');
  else if (/^([0-9a-fA-F]{2})+$/.test(text)) hex = text;
  return hex === null ? null : hexToBytes(hex);
}

function toBytes(lit: Literal): Uint8Array {
  if (lit.k === 'string') return lit.bytes;
  if (lit.k === 'char') return Uint8Array.of(lit.code & 0xff);
  const text = (lit as { text: string }).text;
  const b = parseBytes(text);
  if (b) return b;
  if (looksLikeField(text)) throw unknownField(text, lit.pos, lit.end);
  throw fail(lit, `"${text}" is not a valid byte string.`);
}

function toEther(lit: Literal, t: VType): Uint8Array {
  if (lit.k === 'string') throw fromString(lit, t, utf8String(lit.bytes));
  const text = lit.k === 'char' ? lit.text : (lit as { text: string }).text;
  let b: Uint8Array | null = null;
  if (/^[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}$/.test(text)) b = parseBytes(text.replace(/\./g, ''));
  else b = parseBytes(text);
  if (!b) {
    if (looksLikeField(text)) throw unknownField(text, lit.pos, lit.end);
    throw fail(lit, `"${text}" is not a valid Ethernet address.`);
  }
  if (b.length < 6) throw fail(lit, `"${text}" contains too few bytes to be a valid Ethernet address.`);
  if (b.length > 6) throw fail(lit, `"${text}" contains too many bytes to be a valid Ethernet address.`);
  return b;
}

function toStringValue(lit: Literal): string {
  if (lit.k === 'string') return utf8String(lit.bytes);
  if (lit.k === 'char') return String.fromCodePoint(lit.code);
  return (lit as { text: string }).text;
}

function parseDecimalTime(text: string): AbsTime | null {
  const m = /^(\d*)(?:\.(\d{0,9})\d*)?$/.exec(text);
  if (!m || (m[1] === '' && !m[2])) return null;
  return { sec: Number(m[1] || '0'), nsec: Number((m[2] ?? '').padEnd(9, '0')) };
}

function toRelTime(lit: Literal, t: VType): AbsTime {
  if (lit.k === 'string') throw fromString(lit, t, utf8String(lit.bytes));
  const text = lit.k === 'char' ? lit.text : (lit as { text: string }).text;
  const v = parseDecimalTime(text);
  if (!v) throw fail(lit, `"${text}" is not a valid time.`);
  return v;
}

function toDouble(lit: Literal, t: VType): number {
  if (lit.k === 'string') throw fromString(lit, t, utf8String(lit.bytes));
  const text = lit.k === 'char' ? lit.text : (lit as { text: string }).text;
  if (!/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) throw fail(lit, `"${text}" is not a valid number.`);
  return Number(text);
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/**
 * "Nov 27, 2026 17:25:53[.123]" or "2026-11-27[ T]17:25:53[.123]", in local time unless it ends
 * in UTC or Z, as Wireshark reads them.
 */
export function parseAbsTime(text: string): AbsTime | null {
  let s = text.trim(), utc = false;
  const z = /\s*(UTC|Z)$/i.exec(s);
  if (z) { utc = true; s = s.slice(0, z.index); }
  let y: number, mo: number, d: number, rest: string;
  let m = /^([A-Za-z]{3}) +(\d{1,2}), *(\d{4})(?: +(.*))?$/.exec(s);
  if (m) {
    mo = MONTHS.indexOf(m[1]!.toLowerCase());
    if (mo < 0) return null;
    d = Number(m[2]); y = Number(m[3]); rest = m[4] ?? '';
  } else {
    m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](.*))?$/.exec(s);
    if (!m) return null;
    y = Number(m[1]); mo = Number(m[2]) - 1; d = Number(m[3]); rest = m[4] ?? '';
  }
  let hh = 0, mm = 0, ss = 0, nsec = 0;
  if (rest) {
    const tm = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/.exec(rest);
    if (!tm) return null;
    hh = Number(tm[1]); mm = Number(tm[2]); ss = Number(tm[3] ?? 0); nsec = Number((tm[4] ?? '').padEnd(9, '0'));
  }
  if (mo > 11 || d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60) return null;
  const ms = utc ? Date.UTC(y, mo, d, hh, mm, ss) : new Date(y, mo, d, hh, mm, ss).getTime();
  if (Number.isNaN(ms)) return null;
  return { sec: Math.floor(ms / 1000), nsec };
}

function toAbsTime(lit: Literal): AbsTime {
  const text = lit.k === 'string' ? utf8String(lit.bytes) : literalText(lit);
  const v = parseAbsTime(text);
  if (!v) throw fail(lit, `"${text}" is not a valid absolute time. Example: "Nov 12, 1999 08:55:44.123" or "2011-07-04 12:34:56"`);
  return v;
}
