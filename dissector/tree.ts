// Tree nodes: every node knows its bytes (DESIGN.md principle 2).
import type { ExpertDef, FieldDef } from './fields.js';
import { EXPERT_FIELDS, GROUP_CODES, SEVERITY_CODES } from './fields.js';

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
