// Value classes of the filter language and their comparisons. Every registry type maps to one
// class; values of one class compare with each other (uint8 with uint32, ether with bytes).
import type { FieldDef, FieldType } from '../fields.js';
import type { AbsTime } from '../tree.js';

export type Cls = 'int' | 'bool' | 'ipv4' | 'bytes' | 'string' | 'abstime' | 'reltime' | 'double' | 'none';

/** The type of a value expression: its class, the registry type that literals are read as, and the field (value names). */
export interface VType {
  cls: Cls;
  ftype: FieldType;
  field: FieldDef | null;
}

export function clsOf(t: FieldType): Cls {
  switch (t) {
    case 'uint8': case 'uint16': case 'uint24': case 'uint32': case 'uint64': case 'int32': case 'framenum': return 'int';
    case 'bool': return 'bool';
    case 'ipv4': return 'ipv4';
    case 'ether': case 'bytes': case 'protocol': case 'ipv6': return 'bytes';
    case 'string': return 'string';
    case 'abstime': return 'abstime';
    case 'reltime': return 'reltime';
    case 'double': return 'double';
    default: return 'none';
  }
}

/** Wireshark's names of the types, for messages. */
export const TYPE_NAMES: Record<FieldType, string> = {
  none: 'Label', protocol: 'Protocol', bool: 'Boolean',
  uint8: 'Unsigned integer (1 byte)', uint16: 'Unsigned integer (2 bytes)', uint24: 'Unsigned integer (3 bytes)',
  uint32: 'Unsigned integer (4 bytes)', uint64: 'Unsigned integer (8 bytes)', int32: 'Signed integer (4 bytes)',
  ipv4: 'IPv4 address', ipv6: 'IPv6 address', ether: 'Ethernet or other MAC address', bytes: 'Byte sequence',
  string: 'Character string', abstime: 'Date and time', reltime: 'Time offset', framenum: 'Frame number',
  double: 'Floating point (double-precision)',
};

/** An IPv4 literal with its netmask (10.0.0.0/8); field values are plain numbers. */
export interface Cidr { addr: number; mask: number }

export function isCidr(v: unknown): v is Cidr { return typeof v === 'object' && v !== null && 'mask' in v; }

function ipv4Cmp(a: number | Cidr, b: number | Cidr): number {
  const ma = isCidr(a) ? a.mask : 0xffffffff, mb = isCidr(b) ? b.mask : 0xffffffff;
  const m = ma & mb;
  const x = ((isCidr(a) ? a.addr : a) & m) >>> 0, y = ((isCidr(b) ? b.addr : b) & m) >>> 0;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Byte strings order as Wireshark's: the shorter first, then byte by byte. */
export function bytesCmp(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

function bytesEq(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function bytesIndexOf(hay: Uint8Array, needle: Uint8Array): number {
  if (needle.length === 0) return 0;
  const first = needle[0]!;
  outer: for (let i = hay.indexOf(first); i >= 0 && i <= hay.length - needle.length; i = hay.indexOf(first, i + 1)) {
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function timeCmp(a: AbsTime, b: AbsTime): number {
  return a.sec !== b.sec ? (a.sec < b.sec ? -1 : 1) : a.nsec - b.nsec;
}

/** Strings compare as Wireshark's do, by UTF-8 bytes, which is code point order. */
function stringCmp(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!, y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

type Cmp = (a: any, b: any) => number;
type Eq = (a: any, b: any) => boolean;

export const CMP: Record<Cls, Cmp> = {
  // number and bigint (uint64) compare across types with < and >.
  int: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
  double: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
  bool: (a, b) => Number(a) - Number(b),
  ipv4: ipv4Cmp,
  bytes: bytesCmp,
  string: stringCmp,
  abstime: timeCmp,
  reltime: timeCmp,
  none: () => 0,
};

export const EQ: Record<Cls, Eq> = {
  // eslint-disable-next-line eqeqeq -- loose equality compares number with bigint by value
  int: (a, b) => a == b,
  double: (a, b) => a === b,
  bool: (a, b) => a === b,
  ipv4: (a, b) => (typeof a === 'number' && typeof b === 'number' ? a === b : ipv4Cmp(a, b) === 0),
  bytes: bytesEq,
  string: (a, b) => a === b,
  abstime: (a, b) => a.sec === b.sec && a.nsec === b.nsec,
  reltime: (a, b) => a.sec === b.sec && a.nsec === b.nsec,
  none: () => true,
};

/** Classes that can be ordered with < > <= >=. */
export const ORDERED = new Set<Cls>(['int', 'double', 'bool', 'ipv4', 'bytes', 'string', 'abstime', 'reltime']);

/** Size in bytes of a value of a fixed-size type, as Wireshark's len() reports it. */
export function wireSize(t: FieldType): number {
  switch (t) {
    case 'uint8': return 1;
    case 'uint16': return 2;
    case 'uint24': return 3;
    case 'uint32': case 'int32': case 'ipv4': case 'framenum': return 4;
    case 'uint64': case 'double': return 8;
    case 'ether': return 6;
    case 'ipv6': return 16;
    default: return 0;
  }
}

const encoder = new TextEncoder();
export function utf8Bytes(s: string): Uint8Array { return encoder.encode(s); }
const decoder = new TextDecoder();
export function utf8String(b: Uint8Array): string { return decoder.decode(b); }

export function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
}
