// Tree nodes: every node knows its bytes (DESIGN.md principle 2).
import type { ExpertDef, FieldDef } from './fields.js';
import { EXPERT_FIELDS, GROUP_CODES, SEVERITY_CODES } from './fields.js';
import type { Cursor } from './cursor.js';
import { utf8Text } from './format.js';

export interface AbsTime { sec: number; nsec: number }

/** The difference a − b as a relative time (nsec kept in 0 … 1e9 − 1). */
export function timeDiff(a: AbsTime, b: AbsTime): AbsTime {
  let sec = a.sec - b.sec, nsec = a.nsec - b.nsec;
  if (nsec < 0) { nsec += 1e9; sec -= 1; }
  return { sec, nsec };
}
/** A time in seconds (with fraction). */
export function timeSeconds(t: AbsTime): number { return t.sec + t.nsec / 1e9; }
/** The seconds from b to a (with fraction). */
export function secondsBetween(a: AbsTime, b: AbsTime): number { return (a.sec - b.sec) + (a.nsec - b.nsec) / 1e9; }
/** A frame's time stamp in seconds since the epoch (with fraction). */
export function frameSeconds(f: { tsSec: number; tsNsec: number }): number { return f.tsSec + f.tsNsec / 1e9; }
export type Value = number | bigint | boolean | string | Uint8Array | AbsTime | null;

export interface Node {
  /** The registered field; null for a text-only subtree label (Wireshark's proto_tree_add_subtree). */
  field: FieldDef | null;
  value: Value;
  offset: number;
  length: number;
  /** Index of the data source (0 = the frame; others are reassembled or decrypted buffers). */
  src: number;
  children: Node[] | null;
  /** Computed by the analyzer rather than read off the wire (shown in brackets). */
  generated: boolean;
  /** Label for text-only nodes, or a replacement label. */
  text: string | null;
  /** Appended to the generated label, like Wireshark's proto_item_append_text. */
  append: string | null;
  /** Set when this node is an expert item. */
  expert: ExpertDef | null;
  /** Hidden fields are filterable and extractable but not shown in the tree (like ip.addr). */
  hidden: boolean;
}

export function makeNode(field: FieldDef | null, value: Value, offset: number, length: number, src: number): Node {
  return { field, value, offset, length, src, children: null, generated: false, text: null, append: null, expert: null, hidden: false };
}

export interface DataSource { name: string; data: Uint8Array }

/** Adds a child, creating the children array on first use. */
export function addChild(parent: Node, child: Node): Node {
  (parent.children ??= []).push(child);
  return child;
}

/** Depth-first walk, including hidden nodes. */
export function walk(nodes: readonly Node[], visit: (n: Node, depth: number) => void, depth = 0): void {
  for (const n of nodes) {
    visit(n, depth);
    if (n.children) walk(n.children, visit, depth + 1);
  }
}

/** Builds the node set of an expert item: `_ws.expert` with its message, severity and group. */
export function makeExpertNode(def: ExpertDef, message: string, offset: number, length: number, src: number): Node {
  const n = makeNode(EXPERT_FIELDS.expert, null, offset, length, src);
  n.expert = def;
  n.text = message;
  n.generated = true;
  const sub = (f: FieldDef, v: Value) => { const c = makeNode(f, v, offset, length, src); c.generated = true; addChild(n, c); };
  sub(EXPERT_FIELDS.message, message);
  sub(EXPERT_FIELDS.severity, SEVERITY_CODES[def.severity]);
  sub(EXPERT_FIELDS.group, GROUP_CODES[def.group]);
  return n;
}

/** What items are added through: the packet (its fast path decides what is kept). */
export interface ItemSink {
  add(parent: Node | null, field: FieldDef, value: Value, offset: number, length: number, src?: number): Node;
}

/** Bytes of an integer or address field: its type's width. */
export function fieldWidth(f: FieldDef): number {
  switch (f.type) {
    case 'uint8': case 'bool': return f.bits === 16 ? 2 : f.bits === 32 ? 4 : 1;
    case 'uint16': return 2;
    case 'uint24': return 3;
    case 'uint32': case 'int32': case 'ipv4': return 4;
    case 'uint64': return 8;
    default: return 0;
  }
}

/**
 * Reads a field at the cursor by its type: integers and addresses over `length`, their type's
 * width by default (a one-byte Length in a uint16 field); bytes and strings over `length`, the
 * rest of the cursor by default.
 */
export function readField(c: Cursor, f: FieldDef, length?: number): Value {
  switch (f.type) {
    case 'bytes': return c.bytes(length ?? c.remaining);
    case 'ether': return c.bytes(length ?? 6);
    case 'string': return utf8Text(c.bytes(length ?? c.remaining));
    case 'uint64': return c.u64();
    default: {
      const w = length ?? fieldWidth(f);
      if (w === 1) return c.u8();
      if (w === 2) return c.u16();
      if (w === 4) { const v = c.u32(); return f.type === 'int32' ? v | 0 : v; }
      if (w === 3) { const hi = c.u8(); return hi * 65536 + c.u16(); }
      throw new Error(`field ${f.abbrev} has no width to read`);
    }
  }
}

export interface Item { value: Value; node: Node }

/**
 * Reads a field at the cursor and adds it with the bytes it was read from, in one call, as
 * Wireshark's proto_tree_add_item(tree, hf, tvb, offset, length, encoding).
 */
export function addItem(pkt: ItemSink, parent: Node | null, f: FieldDef, c: Cursor, src: number, length?: number): Item {
  const at = c.pos;
  const read = readField(c, f, length);
  // A field with a bitmask holds its bits only, as proto_tree_add_item gives them.
  const value = f.bitmask && typeof read === 'number' ? bitValue(f, read) : read;
  return { value, node: pkt.add(parent, f, value, at, c.pos - at, src) };
}

/** The value of one bit field of an integer: a boolean for FT_BOOLEAN, else the masked, shifted bits. */
export function bitValue(f: FieldDef, flags: number): boolean | number {
  return f.type === 'bool' ? (flags & f.bitmask) !== 0 : (flags & f.bitmask) >>> f.shift;
}

/**
 * Reads an integer field and adds it with its bit fields as children, as Wireshark's
 * proto_tree_add_bitmask(tree, tvb, offset, hf, ett, fields, encoding).
 */
export function addBitmask(pkt: ItemSink, parent: Node | null, f: FieldDef, bits: readonly FieldDef[], c: Cursor, src: number): { value: number; node: Node } {
  const at = c.pos;
  const value = readField(c, f) as number;
  const len = c.pos - at;
  const node = pkt.add(parent, f, value, at, len, src);
  addBits(pkt, node, bits, value, at, len, src);
  return { value, node };
}

/**
 * Reads an integer of the bit fields' width and adds only the bit fields, under `parent`, as
 * Wireshark's proto_tree_add_bitmask_list. Returns the integer.
 */
export function addBitmaskList(pkt: ItemSink, parent: Node | null, bits: readonly FieldDef[], c: Cursor, src: number): number {
  const at = c.pos, width = (bits[0]?.bits || 8) / 8;
  const value = readField(c, bits[0]!, width) as number;
  for (const b of bits) pkt.add(parent, b, bitValue(b, value), at, width, src);
  return value;
}

/** Adds the bit fields of an integer already read (at [offset, offset + length)) under its node. */
export function addBits(pkt: ItemSink, node: Node, bits: readonly FieldDef[], value: number, offset: number, length: number, src: number): void {
  for (const b of bits) pkt.add(node, b, bitValue(b, value), offset, length, src);
}

/** The integer whose bit fields have these values (the inverse of addBitmask's children). */
export function bitmaskValue(bits: readonly FieldDef[], values: ReadonlyArray<boolean | number | undefined>): number {
  let v = 0;
  bits.forEach((b, i) => {
    const x = values[i];
    if (x === undefined || x === false) return;
    v |= (x === true ? b.bitmask : (x << b.shift) & b.bitmask);
  });
  return v >>> 0;
}
