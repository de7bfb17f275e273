// Value formatting driven by the registry: the -T fields form (as tshark prints a field's
// value) and the tree-label form (as tshark -V shows a node).
import type { FieldDef } from './fields.js';
import { valueName } from './fields.js';
import type { AbsTime, Node, Value } from './tree.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function ipv4String(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

export function hex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX2[b[i]!];
  return s;
}
const HEX2: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function etherString(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (i ? ':' : '') + HEX2[b[i]!];
  return s;
}

/** "Nov 27, 2026 17:25:53.123456789 UTC", tshark's absolute UTC time. */
export function absTimeString(t: AbsTime): string {
  const d = new Date(t.sec * 1000);
  if (Number.isNaN(d.getTime())) return 'Not representable';
  const p2 = (n: number) => String(n).padStart(2, '0');
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')}, ${d.getUTCFullYear()} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.${String(t.nsec).padStart(9, '0')} UTC`;
}

/** Seconds with nine decimals, as tshark prints relative times and frame.time_epoch. */
export function relTimeString(t: AbsTime): string {
  if (t.sec < 0 && t.nsec > 0) {
    // a negative difference held as (sec - 1, nsec): print as -x.y
    const total = -(t.sec * 1e9 + t.nsec);
    return `-${Math.floor(total / 1e9)}.${String(total % 1e9).padStart(9, '0')}`;
  }
  return `${t.sec}.${String(t.nsec).padStart(9, '0')}`;
}

/** Hex digits for a BASE_HEX field: the type's width, as tshark prints it. */
function hexDigits(f: FieldDef): number {
  switch (f.type) {
    case 'uint8': return 2;
    case 'uint16': return 4;
    case 'uint24': return 6;
    case 'uint64': return 16;
    default: return 8;
  }
}

function hexValue(f: FieldDef, v: number | bigint): string {
  return '0x' + v.toString(16).padStart(hexDigits(f), '0');
}

function escapeString(s: string): string {
  // tshark escapes control characters in field output.
  return s.replace(/[\x00-\x1f\x7f]/g, ch => {
    switch (ch) {
      case '\n': return '\\n';
      case '\r': return '\\r';
      case '\t': return '\\t';
      default: return '\\x' + ch.charCodeAt(0).toString(16).padStart(2, '0');
    }
  });
}

/** A value as `-T fields` prints it. */
export function fieldValueString(f: FieldDef, v: Value): string {
  if (v === null) return '';
  switch (f.type) {
    case 'bool': return v ? '1' : '0';
    case 'uint8': case 'uint16': case 'uint24': case 'uint32': case 'uint64':
      return f.base === 'hex' || f.base === 'hex_dec' ? hexValue(f, v as number | bigint) : String(v);
    case 'int32': case 'framenum': case 'double': return String(v);
    case 'ipv4': return ipv4String(v as number);
    case 'ether': return etherString(v as Uint8Array);
    case 'bytes': { const b = v as Uint8Array; return b.length ? hex(b) : '<MISSING>'; }
    case 'string': return escapeString(v as string);
    case 'abstime': return absTimeString(v as AbsTime);
    case 'reltime': return relTimeString(v as AbsTime);
    default: return typeof v === 'object' ? '' : String(v);
  }
}

/** The value part of a tree label ("Registration Request (1)", "0x02", "True"). */
export function displayValue(f: FieldDef, v: Value): string {
  if (v === null) return '';
  switch (f.type) {
    case 'bool': return f.tf ? (v ? f.tf[0] : f.tf[1]) : (v ? 'True' : 'False');
    case 'uint8': case 'uint16': case 'uint24': case 'uint32': case 'uint64': case 'int32': {
      const num = v as number | bigint;
      const raw = f.base === 'hex' ? hexValue(f, num) : f.base === 'hex_dec' ? `${hexValue(f, num)} (${num})` : f.base === 'dec_hex' ? `${num} (${hexValue(f, num)})` : String(num);
      const name = typeof num === 'number' ? valueName(f, num) : undefined;
      return name !== undefined ? `${name} (${raw})` : raw;
    }
    case 'bytes': { const b = v as Uint8Array; return b.length ? hex(b) : '<MISSING>'; }
    case 'reltime': return `${relTimeString(v as AbsTime)} seconds`;
    default: return fieldValueString(f, v);
  }
}

/** Wireshark's bit-pattern prefix for a bit field: ".... ..1. = ". */
export function bitPattern(f: FieldDef, v: Value): string {
  const width = f.bits;
  if (!width || !f.bitmask) return '';
  const raw = typeof v === 'boolean' ? (v ? f.bitmask : 0) : ((Number(v) << f.shift) & f.bitmask);
  let s = '';
  for (let i = width - 1; i >= 0; i--) {
    const bit = 1 << i;
    s += (f.bitmask & bit) ? ((raw & bit) ? '1' : '0') : '.';
    if (i % 4 === 0 && i > 0) s += ' ';
  }
  return s + ' = ';
}

/** The label of a node as tshark -V shows it. */
export function nodeLabel(n: Node): string {
  let s: string;
  if (n.expert) s = `Expert Info (${severityName(n.expert.severity)}/${groupName(n.expert.group)}): ${n.text}`;
  else if (n.text !== null) s = n.text;
  else if (!n.field) s = '';
  else if (n.field.type === 'protocol' || n.field.type === 'none') s = n.field.name;
  else s = `${bitPattern(n.field, n.value)}${n.field.name}: ${displayValue(n.field, n.value)}`;
  if (n.append) s += n.append;
  return n.generated ? `[${s}]` : s;
}

export function severityName(s: string): string {
  return s === 'warn' ? 'Warning' : s === 'error' ? 'Error' : s === 'note' ? 'Note' : 'Chat';
}
export function groupName(g: string): string {
  return g === 'reassemble' ? 'Reassemble' : g.charAt(0).toUpperCase() + g.slice(1);
}
