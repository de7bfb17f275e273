// Value formatting driven by the registry: the -T fields form (as tshark prints a field's
// value) and the tree-label form (as tshark -V shows a node).
import type { FieldDef } from './fields.js';
import { valueName } from './fields.js';
import type { AbsTime, Node, Value } from './tree.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const utf8Decoder = new TextDecoder('utf-8', { fatal: false });
const utf8Encoder = new TextEncoder();
/** Bytes as UTF-8 text, malformed sequences replaced (as Wireshark's ENC_UTF_8). */
export function utf8Text(b: Uint8Array): string { return utf8Decoder.decode(b); }
/** Text as UTF-8 bytes. */
export function utf8Bytes(s: string): Uint8Array { return utf8Encoder.encode(s); }

let flatSink = 0;
/**
 * The string made flat. V8 keeps a concatenation as a tree of its parts until the string is
 * read; a string cached and then copied into every packet's text (a label, a line, a key) is
 * flattened once here, so that each copy reads one run of characters instead of walking the tree.
 */
export function flat(s: string): string {
  flatSink ^= s.charCodeAt(0) | 0; // reading a character flattens the string in place
  return s;
}

export function ipv4String(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** A dotted IPv4 address as a number, or undefined when the text is not one. */
export function parseIpv4(s: string): number | undefined {
  const p = s.split('.').map(Number);
  if (p.length !== 4 || p.some(x => !(Number.isInteger(x) && x >= 0 && x <= 255))) return undefined;
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}

/** An SPI as tshark prints a BASE_HEX uint32: 0x and eight digits. */
export function spiHex(spi: number): string { return '0x' + spi.toString(16).padStart(8, '0'); }

// Long hex strings are written as bytes into a scratch buffer and read back as one flat string:
// concatenating two digits at a time would leave a tree of hundreds of parts to every reader.
const HEX_DIGITS = Uint8Array.from('0123456789abcdef', c => c.charCodeAt(0));
const LONG_HEX = 8;
let scratch = Buffer.allocUnsafe(4096);
/** Two hex digits per byte, with the separator byte `sep` between them (none when −1). */
function longHex(b: Uint8Array, sep: number): string {
  const n = b.length, size = n * 3;
  if (scratch.length < size) scratch = Buffer.allocUnsafe(Math.max(size, scratch.length * 2));
  const out = scratch;
  let j = 0;
  for (let i = 0; i < n; i++) {
    const x = b[i]!;
    if (i && sep >= 0) out[j++] = sep;
    out[j++] = HEX_DIGITS[x >> 4]!;
    out[j++] = HEX_DIGITS[x & 15]!;
  }
  return out.toString('latin1', 0, j);
}

export function hex(b: Uint8Array): string {
  const n = b.length;
  if (n > LONG_HEX) return longHex(b, -1);
  let s = '';
  for (let i = 0; i < n; i++) s += HEX2[b[i]!];
  return s;
}
/** Bytes from an even number of hex digits (the caller checks the digits). */
export function hexToBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}
const HEX2: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function etherString(b: Uint8Array): string {
  if (b.length > LONG_HEX) return longHex(b, 0x3a); // ':'
  let s = '';
  for (let i = 0; i < b.length; i++) s += (i ? ':' : '') + HEX2[b[i]!];
  return s;
}

/**
 * A MAC address as Wireshark names it with its manufacturer table off but for the names it
 * always knows: "Broadcast", and the 00:00:00 block as "00:00:00_xx:xx:xx".
 */
export function etherName(b: Uint8Array): string {
  if (b.length === 6 && b.every(x => x === 0xff)) return 'Broadcast';
  if (b.length === 6 && b[0] === 0 && b[1] === 0 && b[2] === 0) return `00:00:00_${etherString(b.subarray(3))}`;
  return etherString(b);
}

/** An IPv6 address in RFC 5952 form: lower case, the longest run of two or more zero groups as "::". */
export function ipv6String(b: Uint8Array): string {
  const g: number[] = [];
  for (let i = 0; i + 1 < 16 && i + 1 < b.length; i += 2) g.push((b[i]! << 8) | b[i + 1]!);
  let best = -1, bestLen = 1;
  for (let i = 0; i < g.length;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < g.length && g[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const h = (xs: number[]) => xs.map(x => x.toString(16)).join(':');
  if (best < 0) return h(g);
  // An IPv4-mapped address keeps its dotted tail, as Wireshark prints it.
  if (best === 0 && bestLen === 5 && g[5] === 0xffff) return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  return `${h(g.slice(0, best))}::${h(g.slice(best + bestLen))}`;
}

/** "Nov 27, 2026 17:25:53.123456789 UTC", tshark's absolute UTC time. */
export function absTimeString(t: AbsTime): string {
  // Consecutive packets share their seconds (a packet's arrival time, the time stamp in its
  // Identification): the calendar part of the last few is kept.
  const slot = t.sec & (ABS_SLOTS - 1);
  let prefix = absPrefixes[slot];
  if (absSeconds[slot] !== t.sec || prefix === undefined) {
    const d = new Date(t.sec * 1000);
    if (Number.isNaN(d.getTime())) return 'Not representable';
    const p2 = (n: number) => String(n).padStart(2, '0');
    prefix = absPrefixes[slot] = flat(`${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')}, ${d.getUTCFullYear()} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.`);
    absSeconds[slot] = t.sec;
  }
  return `${prefix}${String(t.nsec).padStart(9, '0')} UTC`;
}
const ABS_SLOTS = 16;
const absSeconds: number[] = Array.from({ length: ABS_SLOTS }, () => NaN);
const absPrefixes: Array<string | undefined> = Array.from({ length: ABS_SLOTS }, () => undefined);

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
    // An address field that also holds IPv6 (mip.kx.ip of a 16-byte GP-IP) carries it as text.
    case 'ipv4': return typeof v === 'string' ? v : ipv4String(v as number);
    case 'ether': return etherString(v as Uint8Array);
    case 'ipv6': return ipv6String(v as Uint8Array);
    case 'bytes': { const b = v as Uint8Array; return b.length ? hex(b) : '<MISSING>'; }
    case 'string': return escapeString(v as string);
    case 'abstime': return absTimeString(v as AbsTime);
    case 'reltime': return relTimeString(v as AbsTime);
    default: return typeof v === 'object' ? '' : String(v);
  }
}

/** Hex digits of a bit field in a label: the mask's width, as Wireshark's hfinfo_mask_bitwidth. */
function maskHexDigits(f: FieldDef): number {
  const bits = 32 - Math.clz32(f.bitmask >>> f.shift);
  return Math.max(1, Math.ceil(bits / 4));
}

/** Bytes in a label: at most 36 bytes, then an ellipsis (Wireshark's MAX_BYTE_STR_LEN). */
export function bytesLabel(b: Uint8Array): string {
  if (!b.length) return '<MISSING>';
  return b.length > 36 ? hex(b.subarray(0, 36)) + '\u2026' : hex(b);
}

/** The value part of a tree label ("Registration Request (1)", "0x02", "True"). */
export function displayValue(f: FieldDef, v: Value): string {
  if (v === null) return '';
  switch (f.type) {
    case 'bool': return f.tf ? (v ? f.tf[0] : f.tf[1]) : (v ? 'True' : 'False');
    case 'uint8': case 'uint16': case 'uint24': case 'uint32': case 'uint64': case 'int32': {
      const num = v as number | bigint;
      const hx = f.bitmask && typeof num === 'number' ? '0x' + num.toString(16).padStart(maskHexDigits(f), '0') : hexValue(f, num);
      const raw = f.base === 'hex' ? hx : f.base === 'hex_dec' ? `${hx} (${num})` : f.base === 'dec_hex' ? `${num} (${hx})` : String(num);
      if (!f.values && !f.ranges) return raw;
      // Wireshark: a value table without a match reads "Unknown"; BASE_NONE shows the name alone.
      const name = (typeof num === 'number' ? valueName(f, num) : undefined) ?? 'Unknown';
      return f.base === 'none' ? name : `${name} (${raw})`;
    }
    case 'bytes': return bytesLabel(v as Uint8Array);
    case 'ether': return `${etherName(v as Uint8Array)} (${etherString(v as Uint8Array)})`;
    case 'reltime': return `${relTimeString(v as AbsTime)} seconds`;
    case 'string': return formatText(v as string);
    default: return fieldValueString(f, v);
  }
}

const C_ESCAPES: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r' };

/**
 * What a terminal must not receive raw: C0 controls and DEL (Wireshark's format_text escapes
 * them), C1 controls (U+0080–U+009F: 8-bit CSI and friends) and the bidirectional overrides
 * that reorder what is shown (U+200E, U+200F, U+202A–U+202E, U+2066–U+2069).
 */
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'g');

/**
 * Text safe to print, as Wireshark's format_text shows a label: C escapes (\a \b \t \n \v \f
 * \r), other C0 controls and DEL as \ooo octal, C1 controls and bidi overrides as \uXXXX.
 * Every label and summary line goes through it (nodeText, summaryLine); field values in
 * -T fields and json keep their own, exact forms.
 */
export function formatText(s: string): string {
  if (!UNSAFE.test(s)) return s;
  return s.replace(UNSAFE_ALL, ch => {
    const c = ch.charCodeAt(0);
    if (c >= 0x80) return '\\u' + c.toString(16).padStart(4, '0');
    return C_ESCAPES[c] ?? '\\' + c.toString(8).padStart(3, '0');
  });
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

/**
 * Names of the set flags of an integer whose children are its bit fields, appended to its label
 * as Wireshark's proto_tree_add_bitmask does ("Flags: 0x02, Reverse Tunneling").
 */
export function setFlagNames(n: Node): string {
  let s = '';
  for (const c of n.children!) {
    const f = c.field;
    if (f && f.type === 'bool' && f.bitmask && c.value === true && !c.hidden) s += ', ' + f.name;
  }
  return s;
}

// Whether a registered field's own texts (name, value names, true/false names) need no
// escaping, found once per field: 1 plain, 2 needs formatText.
const registryPlain: Uint8Array[] = [new Uint8Array(1024)];
function plainRegistryText(f: FieldDef): boolean {
  const page = registryPlain[f.id >> 10] ??= new Uint8Array(1024);
  const i = f.id & 1023;
  let p = page[i]!;
  if (p === 0) {
    let plain = formatText(f.name) === f.name;
    if (f.tf) plain &&= formatText(f.tf[0]) === f.tf[0] && formatText(f.tf[1]) === f.tf[1];
    if (f.values) for (const k in f.values) plain &&= formatText(f.values[k as unknown as number]!) === f.values[k as unknown as number];
    if (f.ranges) for (const r of f.ranges) plain &&= formatText(r[2]) === r[2];
    p = page[i] = plain ? 1 : 2;
  }
  return p === 1;
}

/**
 * True when nodeText's formatText cannot change a node's label: a registered field without its
 * own text, appended text or expert item, whose registry texts are plain and whose value is a
 * number, address, time or bytes (written as digits and hex) or a string (escaped by displayValue).
 */
export function plainLabel(n: Node, f: FieldDef): boolean {
  return n.expert === null && n.text === null && n.append === null && f.id >= 0 &&
    (typeof n.value !== 'string' || f.type === 'string') && plainRegistryText(f);
}

/** The label of a node without the brackets of generated items (Wireshark's item representation). */
export function nodeText(n: Node): string {
  let s: string;
  const f = n.field;
  if (f !== null && plainLabel(n, f)) {
    if (f.type === 'protocol' || f.type === 'none') return f.name;
    s = f.bitmask ? bitPattern(f, n.value) + f.name + ': ' + displayValue(f, n.value) : f.name + ': ' + displayValue(f, n.value);
    // Flag names come from the children's fields: escaped apart (formatText works per character).
    if (n.children && f.type !== 'bool' && !f.bitmask) { const flags = setFlagNames(n); if (flags) s += formatText(flags); }
    return s;
  }
  return escapedNodeText(n);
}

/**
 * nodeText without its shortcut: the label built whole and passed through formatText. The two
 * agree on every node (test/output/fast-paths.test.ts).
 */
export function escapedNodeText(n: Node): string {
  let s: string;
  const f = n.field;
  if (n.expert) s = `Expert Info (${severityName(n.expert.severity)}/${groupName(n.expert.group)}): ${n.text}`;
  else if (n.text !== null) s = n.text;
  else if (!f) s = '';
  else if (f.type === 'protocol' || f.type === 'none') s = f.name;
  else {
    s = `${bitPattern(f, n.value)}${f.name}: ${displayValue(f, n.value)}`;
    if (n.children && f.type !== 'bool' && !f.bitmask) s += setFlagNames(n);
  }
  if (n.append) s += n.append;
  // Texts and appends may carry packet bytes (a decrypted NAI, a message string): escaped here,
  // once for every renderer.
  return formatText(s);
}

/** The label of a node as tshark -V shows it. */
export function nodeLabel(n: Node): string {
  const s = nodeText(n);
  return n.generated ? `[${s}]` : s;
}

export function severityName(s: string): string {
  return s === 'warn' ? 'Warning' : s === 'error' ? 'Error' : s === 'note' ? 'Note' : 'Chat';
}
export function groupName(g: string): string {
  return g === 'reassemble' ? 'Reassemble' : g.charAt(0).toUpperCase() + g.slice(1);
}
