// One declaration per layout (DESIGN.md principles 1 and 4), as Scapy's `fields_desc`: a message's
// fixed part or an extension's body is a list of items naming a registry field, a key and a
// width. The dissector (tree nodes at the bytes each value came from), the decoder (values
// only), the encoder (missing values are 0, as Scapy's defaults) and the encoding length are
// all read off that one list.
import { Cursor } from '../cursor.js';
import type { ExpertDef, FieldDef } from '../fields.js';
import { utf8Bytes, utf8Text } from '../format.js';
import type { Packet } from '../packet.js';
import type { AbsTime, Node } from '../tree.js';
import { addBitmask, addItem, fieldWidth, readField } from '../tree.js';
import { defaultPrefs } from '../prefs.js';
import type { Prefs } from '../prefs.js';
import { extensionHandler, extensionTable } from './extensions.js';
import type { ExtensionHandler, Layout } from './extensions.js';
import { EXTENSION_TYPES, MIP } from './fields.js';

export type FieldValue = number | bigint | string | Uint8Array;
/**
 * The values of a layout by item key. `subtype` holds the header's second byte of long and CVSE
 * extensions; `trailing` the bytes after the last item (kept so that decoding loses nothing).
 */
export type Values = { [key: string]: FieldValue | undefined };

/** What a field's check sees right after the field is read (to hang expert items on its node). */
export interface CheckContext { pkt: Packet; node: Node; value: number; offset: number; length: number; /** The values read so far. */ v: Values }

export type LayoutItem =
  /** An integer or IPv4 address of its field's width; with `bits`, its bit fields as children. */
  | { kind: 'uint'; key: string; field: FieldDef; width: number; bits?: readonly FieldDef[]; optional?: boolean; check?: (x: CheckContext) => void }
  /** Identification: 8 bytes shown as NTP time plus the generated hex form (RFC 5944 §5.7.1). */
  | { kind: 'ident'; key: string }
  /** The rest of the layout as bytes; with a null field, read but not shown (as Wireshark). */
  | { kind: 'bytes'; key: string; field: FieldDef | null; optional?: boolean; maxLength?: number }
  /** The rest of the layout as UTF-8 text. */
  | { kind: 'text'; key: string; field: FieldDef }
  /** The rest of the layout, not dissected: an expert item over it. */
  | { kind: 'undissected'; key: string; expert: ExpertDef; message?: string; evenEmpty?: boolean }
  /** Items chosen by the value of an earlier item. */
  | { kind: 'cases'; key: string; cases: Readonly<Record<number, readonly LayoutItem[]>>; otherwise: readonly LayoutItem[] }
  /**
   * The first alternative whose leading item fits the bytes left (decoding) or whose leading
   * key has a value (encoding); the last one otherwise.
   */
  | { kind: 'choice'; alternatives: ReadonlyArray<readonly LayoutItem[]> }
  /** Items under a text subtree labelled from the first byte. */
  | { kind: 'subtree'; label: (first: number) => string; items: readonly LayoutItem[] };

// ---- Declaring ----

export function uint(key: string, field: FieldDef, o: { optional?: boolean; check?: (x: CheckContext) => void } = {}): LayoutItem {
  const width = fieldWidth(field);
  if (!width) throw new Error(`${field.abbrev} has no fixed width`);
  return { kind: 'uint', key, field, width, ...o };
}
/** An integer and its bit fields, as Wireshark's proto_tree_add_bitmask. */
export function bitmask(key: string, field: FieldDef, bits: readonly FieldDef[], o: { check?: (x: CheckContext) => void } = {}): LayoutItem {
  return { ...uint(key, field, o), bits } as LayoutItem;
}
export function ident(key: string): LayoutItem { return { kind: 'ident', key }; }
export function bytes(key: string, field: FieldDef | null, o: { optional?: boolean; maxLength?: number } = {}): LayoutItem { return { kind: 'bytes', key, field, ...o }; }
export function text(key: string, field: FieldDef): LayoutItem { return { kind: 'text', key, field }; }
export function undissected(key: string, expert: ExpertDef, o: { message?: string; evenEmpty?: boolean } = {}): LayoutItem { return { kind: 'undissected', key, expert, ...o }; }
export function cases(key: string, table: Readonly<Record<number, readonly LayoutItem[]>>, otherwise: readonly LayoutItem[] = []): LayoutItem {
  return { kind: 'cases', key, cases: table, otherwise };
}
export function choice(...alternatives: ReadonlyArray<readonly LayoutItem[]>): LayoutItem { return { kind: 'choice', alternatives }; }
export function subtree(label: (first: number) => string, items: readonly LayoutItem[]): LayoutItem { return { kind: 'subtree', label, items }; }

// ---- Reading (dissecting with a packet, decoding without) ----

export interface ReadScope {
  /** Null when decoding values only. */
  pkt: Packet | null;
  parent: Node | null;
  src: number;
  c: Cursor;
  v: Values;
  /** The node of each key read, for checks made after the layout. */
  nodes?: Record<string, Node>;
  /** Told each value as it is read (a message copies its own into MipMessage). */
  onValue?: (key: string, value: FieldValue) => void;
  /** The fields are computed (read from decrypted bytes): shown in brackets. */
  generated?: boolean;
}

const NTP_UNIX_OFFSET = 2208988800;

/**
 * NTP timestamp → absolute time, as Wireshark's ENC_TIME_NTP: seconds with the top bit set are
 * era 0 (1968–2036), without it era 1 (2036–2104); only an all-zero value means unset (RFC 4330
 * §3), so a zero seconds word with a non-zero fraction is in 2036 as tshark prints it.
 */
export function ntpToTime(hi: number, lo: number): AbsTime {
  const sec = hi === 0 && lo === 0 ? 0 : (hi & 0x80000000) !== 0 ? hi - NTP_UNIX_OFFSET : hi + 4294967296 - NTP_UNIX_OFFSET;
  const nsec = Math.trunc(1e9 * (lo / 4294967296));
  return { sec, nsec };
}

function fits(item: LayoutItem | undefined, remaining: number): boolean {
  if (!item) return true;
  if (item.kind === 'uint') return remaining >= item.width;
  if (item.kind === 'ident') return remaining >= 8;
  return item.kind === 'bytes' && item.optional ? remaining > 0 : true;
}

function branchOf(item: LayoutItem & { kind: 'cases' }, v: Values): readonly LayoutItem[] {
  return item.cases[Number(v[item.key] ?? 0)] ?? item.otherwise;
}

/** Reads the items at the cursor into s.v, adding each field to the tree when there is a packet. */
export function readItems(items: readonly LayoutItem[], s: ReadScope): void {
  const { pkt, c } = s;
  const set = (key: string, value: FieldValue, node: Node | null) => {
    s.v[key] = value;
    if (node && s.generated) node.generated = true;
    if (node && s.nodes) s.nodes[key] = node;
    s.onValue?.(key, value);
  };
  for (const item of items) {
    switch (item.kind) {
      case 'uint': {
        if (item.optional && c.remaining < item.width) break;
        const at = c.pos;
        if (!pkt) { set(item.key, readField(c, item.field) as number, null); break; }
        const { value, node } = item.bits ? addBitmask(pkt, s.parent, item.field, item.bits, c, s.src) : addItem(pkt, s.parent, item.field, c, s.src);
        set(item.key, value as number, node);
        item.check?.({ pkt, node, value: value as number, offset: at, length: item.width, v: s.v });
        break;
      }
      case 'ident': {
        const at = c.pos;
        const hi = c.u32(), lo = c.u32();
        const value = (BigInt(hi) << 32n) | BigInt(lo);
        const node = pkt ? pkt.add(s.parent, MIP.ident, ntpToTime(hi, lo), at, 8, s.src) : null;
        set(item.key, value, node);
        pkt?.addGenerated(s.parent, MIP.identHex, value, at, 8, s.src);
        break;
      }
      case 'bytes': case 'text': {
        if (item.kind === 'bytes' && item.optional && !c.remaining) break;
        if (pkt && item.field) { const { value, node } = addItem(pkt, s.parent, item.field, c, s.src); set(item.key, value as FieldValue, node); break; }
        const b = c.bytes(c.remaining);
        set(item.key, item.kind === 'text' ? utf8Text(b) : b, null);
        break;
      }
      case 'undissected': {
        const at = c.pos, n = c.remaining;
        if (!n && !item.evenEmpty) break;
        set(item.key, c.bytes(n), null);
        pkt?.addExpert(s.parent, item.expert, at, n, item.message ?? item.expert.summary);
        break;
      }
      case 'cases': readItems(branchOf(item, s.v), s); break;
      case 'choice': {
        const alts = item.alternatives;
        readItems(alts.find((a, i) => i === alts.length - 1 || fits(a[0], c.remaining)) ?? [], s);
        break;
      }
      case 'subtree': {
        const first = c.peekU8();
        const parent = pkt ? pkt.addText(s.parent, item.label(first), c.pos, c.remaining, s.src) : null;
        readItems(item.items, { ...s, parent });
        break;
      }
    }
  }
}

/** Decodes a layout's values from [start, end); bytes left after the items go to `trailing`. */
export function decodeItems(items: readonly LayoutItem[], buf: Uint8Array, start: number, end: number, v: Values = {}): Values {
  const c = new Cursor(buf, start, end);
  readItems(items, { pkt: null, parent: null, src: 0, c, v });
  if (c.remaining) v.trailing = c.bytes(c.remaining);
  return v;
}

// ---- Writing ----

/** Visits the leaf items the values select, in wire order (the encoder and the length share it). */
export function leaves(items: readonly LayoutItem[], v: Values, visit: (item: LayoutItem) => void): void {
  for (const item of items) {
    if (item.kind === 'cases') leaves(branchOf(item, v), v, visit);
    else if (item.kind === 'choice') {
      const alts = item.alternatives;
      const lead = (a: readonly LayoutItem[]) => { const f = a[0]; return f && 'key' in f ? v[f.key] !== undefined : false; };
      leaves(alts.find((a, i) => i === alts.length - 1 || lead(a)) ?? [], v, visit);
    } else if (item.kind === 'subtree') leaves(item.items, v, visit);
    else visit(item);
  }
}

function leafBytes(item: LayoutItem, v: Values): Uint8Array | null {
  if (!('key' in item)) return null;
  const x = v[item.key];
  switch (item.kind) {
    case 'uint': {
      if (x === undefined && item.optional) return null;
      const out = new Uint8Array(item.width);
      let n = Number(x ?? 0);
      for (let i = item.width - 1; i >= 0; i--) { out[i] = n & 255; n = Math.floor(n / 256); }
      return out;
    }
    case 'ident': {
      const b = typeof x === 'bigint' || typeof x === 'number' ? BigInt(x) : 0n, out = new Uint8Array(8);
      new DataView(out.buffer).setBigUint64(0, BigInt.asUintN(64, b));
      return out;
    }
    case 'text': return utf8Bytes(typeof x === 'string' ? x : '');
    default: return x instanceof Uint8Array ? x : null;
  }
}

function leafLength(item: LayoutItem, v: Values): number {
  switch (item.kind) {
    case 'uint': return v[item.key] === undefined && item.optional ? 0 : item.width;
    case 'ident': return 8;
    default: return leafBytes(item, v)?.length ?? 0;
  }
}

/** Encodes values by the layout, `trailing` after the items. */
export function encodeItems(items: readonly LayoutItem[], v: Values): Uint8Array {
  const out = new Uint8Array(itemsLength(items, v));
  let o = 0;
  leaves(items, v, item => { const b = leafBytes(item, v); if (b) { out.set(b, o); o += b.length; } });
  if (v.trailing instanceof Uint8Array) out.set(v.trailing, o);
  return out;
}

/** The encoded length of values by the layout (without encoding them). */
export function itemsLength(items: readonly LayoutItem[], v: Values): number {
  let n = v.trailing instanceof Uint8Array ? v.trailing.length : 0;
  leaves(items, v, item => { n += leafLength(item, v); });
  return n;
}

/** Bytes from the start of the layout to the end of `key`'s item, for fixed layouts. */
export function fixedEnd(items: readonly LayoutItem[], key: string): number {
  let n = 0;
  for (const item of items) {
    n += item.kind === 'uint' ? item.width : item.kind === 'ident' ? 8 : NaN;
    if ('key' in item && item.key === key) return n;
  }
  return NaN;
}

// ---- Extensions ----

/** An extension declared once: its header layout, the field of its sub-type byte, its body. */
export interface ExtensionDecl {
  type: number;
  /** short: Type Length(1); long: Type SubType Length(2); CVSE: Type Reserved Length(2) (RFC 5944 §1.9, RFC 3115). */
  layout: Layout;
  /** The field of the header's second byte (long, CVSE), shown between Type and Length. */
  subtype?: FieldDef;
  body: readonly LayoutItem[];
  name?: string;
}

/** Registers an extension's dissector, derived from its declaration, in the extension table. */
export function declareExtension(d: ExtensionDecl): void {
  const h: ExtensionHandler = {
    name: d.name ?? EXTENSION_TYPES[d.type] ?? `Extension ${d.type}`,
    layout: d.layout,
    decl: d,
    dissect: x => readItems(d.body, { pkt: x.pkt, parent: x.node, src: x.src, c: x.c, v: d.layout === 'short' ? {} : { subtype: x.ext.subtype } }),
  };
  if (d.subtype) h.subtype = d.subtype;
  extensionTable.set(d.type, h);
}

/** The declaration of an extension type (KX types under the default preferences), if any. */
export function extensionDecl(type: number, prefs: Prefs = defaultPrefs): ExtensionDecl | undefined {
  return extensionHandler(type, prefs)?.decl;
}

/** An extension's body values decoded by its declaration (`subtype` from its header). */
export function decodeExtensionBody(d: ExtensionDecl, buf: Uint8Array, start: number, end: number, subtype: number): Values {
  return decodeItems(d.body, buf, start, end, d.layout === 'short' ? {} : { subtype });
}
