// What the renderers share: the children of a node as Wireshark shows them, field values in
// the forms of -T json/ek/pdml, and the protocol a field belongs to.
import type { FieldDef } from '../fields.js';
import { EXPERT_FIELDS, fieldByAbbrev } from '../fields.js';
import { etherString, fieldValueString, hex, nodeText } from '../format.js';
import type { Node } from '../tree.js';
import type { Packet } from '../packet.js';

const expertChildren = new WeakMap<Node, Node[]>();

/**
 * The children of a node as the renderers show them. An expert item's subtree is laid out as
 * Wireshark's: the expert's own entry (labelled with the message), `_ws.expert.message`
 * (hidden), severity and group; all of them at offset 0, length 0.
 */
export function viewChildren(n: Node): readonly Node[] | null {
  if (!n.expert || !n.children) return n.children;
  let list = expertChildren.get(n);
  if (!list) {
    list = expertView(n, n.children);
    expertChildren.set(n, list);
  }
  return list;
}

/**
 * viewChildren for a renderer that reads each node once (-V, json, ek): an expert item's
 * subtree is built anew rather than remembered, which would give every expert item of the
 * stream an entry in a weak map for the collector to process.
 */
export function renderChildren(n: Node): readonly Node[] | null {
  if (n.expert === null || n.children === null) return n.children;
  return expertChildren.get(n) ?? expertView(n, n.children);
}

function expertView(n: Node, children: readonly Node[]): Node[] {
  const own: Node = { field: n.expert!.field, value: null, offset: 0, length: 0, src: n.src, children: null, generated: true, text: n.text, append: null, expert: null, hidden: false };
  const list = [own];
  for (const c of children) list.push({ ...c, offset: 0, length: 0, hidden: c.hidden || c.field === EXPERT_FIELDS.message });
  return list;
}

/** True when displayRepr gives the node a value (not null). */
export function hasDisplayRepr(n: Node): boolean {
  const f = n.field;
  return f !== null && f.type !== 'protocol' && f.type !== 'none' && n.expert === null && n.value !== null;
}

/**
 * A MAC address (six bytes) as one number, the key its rendered forms are cached under; undefined
 * for any other value.
 */
export function macKey(v: unknown): number | undefined {
  if (!(v instanceof Uint8Array) || v.length !== 6) return undefined;
  return ((v[0]! * 256 + v[1]!) * 256 + v[2]!) * 16777216 + ((v[3]! << 16) | (v[4]! << 8) | v[5]!);
}

/** The byte length a structured format reports: expert items cover no bytes, as in Wireshark. */
export function spanLength(n: Node): number { return n.expert ? 0 : n.length; }
/** The offset a structured format reports: an expert item sits at 0, as in Wireshark. */
export function spanOffset(n: Node): number { return n.expert ? 0 : n.offset; }

/** True for nodes that Wireshark represents as protocols (objects in -T ek, no value in -T json). */
export function isProtocolLike(n: Node): boolean {
  return n.expert !== null || n.field?.type === 'protocol';
}

/**
 * The value of a node as -T json, -T ek and PDML's `show` print it (Wireshark's display
 * representation), or null when the field has no value (protocols, FT_NONE, text labels).
 */
export function displayRepr(n: Node): string | null {
  if (!hasDisplayRepr(n)) return null;
  const f = n.field!;
  if (f.type === 'bytes') return etherString(n.value as Uint8Array); // colon-separated hex, as Wireshark shows bytes
  if (f.type === 'string') return n.value as string; // the string itself; each format escapes it
  return fieldValueString(f, n.value);
}

const CSV_ESCAPES: Record<string, string> = { '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A string as -T fields prints it: tshark's print_escaped_csv escapes only these five control characters. */
export function csvEscaped(s: string): string { return s.replace(/[\b\f\n\r\t]/g, ch => CSV_ESCAPES[ch]!); }

/** The value of a node as -T fields and -e print it (Wireshark's get_node_field_value). */
export function extractedValue(n: Node): string {
  const f = n.field!;
  if (n.expert) return nodeText(n);
  if (f.type === 'protocol') return n.text !== null || n.append !== null ? nodeText(n) : f.abbrev;
  if (f.type === 'none') return '1';
  if (f.type === 'string') return csvEscaped(n.value as string);
  return fieldValueString(f, n.value);
}

/** The bytes a node covers in its data source (clamped to the source). */
export function nodeBytes(pkt: Packet, n: Node): Uint8Array {
  const data = pkt.sources[n.src]?.data;
  if (!data) return new Uint8Array(0);
  return data.subarray(Math.min(n.offset, data.length), Math.min(n.offset + spanLength(n), data.length));
}

/**
 * The hex Wireshark writes for a node's bytes in `_raw` members and PDML `value`: a bit field
 * writes its value in upper-case hex, anything else the bytes it covers.
 */
export function rawHex(pkt: Packet, n: Node): string {
  const f = n.field;
  if (f && f.bitmask) {
    const v = n.value;
    return (typeof v === 'boolean' ? (v ? 1 : 0) : Number(v)).toString(16).toUpperCase();
  }
  return hex(nodeBytes(pkt, n));
}

const parentProtocols = new Map<string, string>();
const WS_PROTOCOLS = new Set(['_ws.expert', '_ws.malformed']);

/**
 * The protocol a field is registered under (Wireshark's hfinfo->parent): the longest
 * dot-prefix of its abbrev that is a protocol, else its first component.
 */
export function parentProtocol(abbrev: string): string {
  let p = parentProtocols.get(abbrev);
  if (p !== undefined) return p;
  p = abbrev.split('.')[0]!;
  for (let i = abbrev.lastIndexOf('.'); i > 0; i = abbrev.lastIndexOf('.', i - 1)) {
    const prefix = abbrev.slice(0, i);
    if (WS_PROTOCOLS.has(prefix) || fieldByAbbrev(prefix)?.type === 'protocol') { p = prefix; break; }
  }
  parentProtocols.set(abbrev, p);
  return p;
}

/** Wireshark's FT_* numbers (ftypes.h, 4.0), written in `_raw` arrays. */
export const FT_NUMBERS: Record<FieldDef['type'], number> = {
  none: 0, protocol: 1, bool: 2, uint8: 4, uint16: 5, uint24: 6, uint32: 7, uint64: 11, int32: 15,
  double: 23, abstime: 24, reltime: 25, string: 26, ether: 29, bytes: 30, ipv4: 32, ipv6: 33, framenum: 35,
};

/** "packets-YYYY-MM-DD" from the packet's local date, as tshark's `_index`. */
export function indexName(sec: number): string {
  // Packets come many to a second: the last second's name is kept.
  if (sec === lastIndexSec) return lastIndexName;
  lastIndexName = localIndexName(sec);
  lastIndexSec = sec;
  return lastIndexName;
}
let lastIndexSec = NaN;
let lastIndexName = '';

function localIndexName(sec: number): string {
  const d = new Date(sec * 1000);
  if (Number.isNaN(d.getTime())) return 'packets-XXXX-XX-XX';
  const p2 = (x: number) => (x < 10 ? '0' : '') + x;
  return `packets-${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())}`;
}

const MEMO_LIMIT = 512;
export type ValueMemo = Array<Map<unknown, string> | undefined>;

/**
 * A string computed from a plain field's value (its label, an escaped form), remembered per
 * field and value: such strings repeat from packet to packet. Nodes with their own text,
 * appended text or children, and non-primitive values, are computed every time.
 */
export function memoByValue(memo: ValueMemo, n: Node, compute: (n: Node) => string): string {
  const f = n.field;
  const v = n.value;
  if (!f || f.id < 0 || n.text !== null || n.append !== null || n.expert || n.children || (typeof v !== 'number' && typeof v !== 'boolean' && typeof v !== 'string')) return compute(n);
  let m = memo[f.id];
  if (!m) m = memo[f.id] = new Map();
  let s = m.get(v);
  if (s === undefined) {
    s = compute(n);
    if (m.size < MEMO_LIMIT) m.set(v, s);
  }
  return s;
}
