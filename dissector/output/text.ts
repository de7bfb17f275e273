// `-V`: the packet details tree as indented text, as tshark prints it (proto_tree_print):
// four spaces per level, generated items in brackets, hidden items left out.
import { displayValue, escapedNodeText, flat, nodeLabel, plainLabel, setFlagNames } from '../format.js';
import type { ExpertDef } from '../fields.js';
import type { Packet } from '../packet.js';
import type { Node } from '../tree.js';
import { hexDumpBuffer, packetHexDump } from './hexdump.js';
import { summaryLine } from './summary.js';
import type { Stamp, TimeFormat } from './summary.js';
import { macKey, nodeBytes, renderChildren, viewChildren } from './view.js';

export interface TreeTextOptions {
  /**
   * Dump the bytes of undissected data ("Data" protocol) inside the tree, as tshark does
   * unless the whole packet is dumped with -x. Default true.
   */
  dataHex?: boolean;
}

const INDENT: string[] = Array.from({ length: 64 }, (_, i) => flat('    '.repeat(i)));

// Lines of plain fields repeat from packet to packet ("    Version: 4\n", "    Home Agent:
// 10.1.0.1\n"): each is cached whole (indent, label, newline) per field, depth, generated or
// not, and value, a bounded number per slot; lines of nodes with a label of their own ("Ext: …")
// per depth, text and appended text, whatever their field. Lines of values that do not repeat
// (times, checksums, authenticators) are the slot's prefix ("    [Name: ") and the value.
const LINE_CACHE_LIMIT = 512;
const MAX_CACHED_DEPTH = 32;
const SLOTS = MAX_CACHED_DEPTH * 2;
const SMALL = 256;

/** The cached lines of one field, per slot (depth × 2 + generated). */
interface FieldLines {
  /** Lines of the values 0 … SMALL − 1. */
  small: Array<Array<string | undefined> | undefined>;
  /** Lines of other numbers, booleans and strings. */
  other: Array<Map<unknown, string> | undefined>;
  /** "    [Name: ", for values that are formatted each time. */
  prefix: Array<string | undefined>;
  /** Lines of a protocol by its appended text ("Internet Protocol Version 4" + ", Src: …"). */
  appended: Array<Map<string, string> | undefined>;
  /** Lines of a MAC address, by macKey. */
  macs: Array<Map<number, string> | undefined>;
  /** Lines of an integer with bit fields below, by value and the names of its set flags. */
  flagged: Array<Map<number, Map<string, string>> | undefined>;
}
const slots = <T>(): Array<T | undefined> => Array.from({ length: SLOTS }, () => undefined);
// Indexed by field id: kept dense (filled with undefined), so that lookups stay fast.
let fieldLines: Array<FieldLines | undefined> = Array.from({ length: 4096 }, () => undefined);
const textLines: Array<Map<string, string> | undefined> = slots();
const appendedTextLines: Array<Map<string, Map<string, string>> | undefined> = slots();
const APPENDED_LIMIT = 64;
const expertLines: Array<Map<ExpertDef, Map<string, string>> | undefined> = slots();

function linesOf(id: number): FieldLines {
  if (id >= fieldLines.length) fieldLines = fieldLines.concat(Array.from({ length: id + 1 - fieldLines.length + 1024 }, () => undefined));
  return fieldLines[id] ??= { small: slots(), other: slots(), prefix: slots(), appended: slots(), macs: slots(), flagged: slots() };
}

/** A node's line as -V prints it, from its parts: indent, label (generated ones in brackets), newline. */
function builtLine(n: Node, depth: number): string {
  return (INDENT[depth] ?? '    '.repeat(depth)) + nodeLabel(n) + '\n';
}

/** A node's line at a depth, from the caches where it can be. */
function nodeLine(n: Node, depth: number): string {
  const f = n.field;
  const text = n.text;
  if (text !== null && n.expert === null) {
    // A label of its own (and appended text): the line depends on nothing else.
    if (depth >= MAX_CACHED_DEPTH) return builtLine(n, depth);
    const slot = depth * 2 + (n.generated ? 1 : 0);
    let m = textLines[slot];
    if (m === undefined) m = textLines[slot] = new Map();
    const append = n.append;
    if (append === null) {
      let s = m.get(text);
      if (s === undefined) {
        s = builtLine(n, depth);
        if (m.size < LINE_CACHE_LIMIT) m.set(text, flat(s));
      }
      return s;
    }
    let byAppend = appendedTextLines[slot]?.get(text);
    if (byAppend === undefined) {
      const outer = appendedTextLines[slot] ??= new Map();
      if (outer.size >= LINE_CACHE_LIMIT) return builtLine(n, depth);
      byAppend = new Map();
      outer.set(text, byAppend);
    }
    let s = byAppend.get(append);
    if (s === undefined) {
      s = builtLine(n, depth);
      if (byAppend.size < APPENDED_LIMIT) byAppend.set(append, flat(s));
    }
    return s;
  }
  if (f === null) return builtLine(n, depth);
  if (n.expert !== null) {
    // An expert item: its line depends on the item, its message and nothing else.
    if (text === null || n.append !== null || depth >= MAX_CACHED_DEPTH) return builtLine(n, depth);
    const slot = depth * 2 + (n.generated ? 1 : 0);
    const byExpert = expertLines[slot] ??= new Map();
    let m = byExpert.get(n.expert);
    if (m === undefined) byExpert.set(n.expert, m = new Map());
    let s = m.get(text);
    if (s === undefined) {
      s = builtLine(n, depth);
      if (m.size < APPENDED_LIMIT) m.set(text, flat(s));
    }
    return s;
  }
  if (f.id < 0 || depth >= MAX_CACHED_DEPTH) return builtLine(n, depth);
  const slot = depth * 2 + (n.generated ? 1 : 0);
  const append = n.append;
  if (append !== null) {
    if (f.type !== 'protocol' && f.type !== 'none') return builtLine(n, depth);
    const cache = linesOf(f.id);
    let m = cache.appended[slot];
    if (m === undefined) m = cache.appended[slot] = new Map();
    let s = m.get(append);
    if (s === undefined) {
      s = builtLine(n, depth);
      if (m.size < LINE_CACHE_LIMIT) m.set(append, flat(s));
    }
    return s;
  }
  if (n.children !== null) {
    // An integer with its bit fields below: the names of the set flags end its label.
    const v = n.value;
    if (typeof v !== 'number' || f.type === 'bool' || f.bitmask) return builtLine(n, depth);
    const flags = setFlagNames(n);
    const byValue = linesOf(f.id).flagged[slot] ??= new Map();
    let m = byValue.get(v);
    if (m === undefined) {
      if (byValue.size >= LINE_CACHE_LIMIT) return builtLine(n, depth);
      byValue.set(v, m = new Map());
    }
    let s = m.get(flags);
    if (s === undefined) {
      s = builtLine(n, depth);
      if (m.size < APPENDED_LIMIT) m.set(flags, flat(s));
    }
    return s;
  }
  const cache = linesOf(f.id);
  const v = n.value;
  if (typeof v === 'number' && v >= 0 && v < SMALL && (v | 0) === v) {
    let a = cache.small[slot];
    if (a === undefined) a = cache.small[slot] = Array.from({ length: SMALL }, () => undefined);
    let s = a[v];
    if (s === undefined) s = a[v] = flat(builtLine(n, depth));
    return s;
  }
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') {
    let m = cache.other[slot];
    if (m === undefined) m = cache.other[slot] = new Map();
    let s = m.get(v);
    if (s !== undefined) return s;
    if (m.size < LINE_CACHE_LIMIT) { s = flat(builtLine(n, depth)); m.set(v, s); return s; }
  }
  if (f.type === 'ether') {
    // A MAC address: cached by its six bytes as one number.
    const key = macKey(v);
    if (key !== undefined) {
      const m = cache.macs[slot] ??= new Map();
      let s = m.get(key);
      if (s === undefined) {
        s = builtLine(n, depth);
        if (m.size < LINE_CACHE_LIMIT) m.set(key, flat(s));
      }
      return s;
    }
  }
  if (f.type !== 'protocol' && f.type !== 'none' && !f.bitmask && plainLabel(n, f)) {
    let prefix = cache.prefix[slot];
    if (prefix === undefined) prefix = cache.prefix[slot] = flat(INDENT[depth] + (n.generated ? '[' : '') + f.name + ': ');
    return prefix + displayValue(f, v) + (n.generated ? ']\n' : '\n');
  }
  return builtLine(n, depth);
}

/** The tree of a packet, one line per visible node, each line ending with a newline. */
export function treeText(pkt: Packet, opts: TreeTextOptions = {}): string {
  return treeLines(pkt, pkt.tree, 0, opts.dataHex ?? true);
}

function treeLines(pkt: Packet, nodes: readonly Node[], depth: number, dataHex: boolean): string {
  let s = '';
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    if (n.hidden) continue;
    s += nodeLine(n, depth);
    const f = n.field;
    if (dataHex && f !== null && f.type === 'protocol' && f.abbrev === 'data') {
      const bytes = nodeBytes(pkt, n);
      if (bytes.length) s += '\n' + hexDumpBuffer(bytes);
    }
    const children = renderChildren(n);
    if (children !== null) s += treeLines(pkt, children, depth + 1, dataHex);
  }
  return s;
}

/**
 * treeText without its caches and shortcuts: every label built whole and escaped
 * (escapedNodeText). The reference the fast form is tested against.
 */
export function referenceTreeText(pkt: Packet, opts: TreeTextOptions = {}): string {
  const dataHex = opts.dataHex ?? true;
  const rec = (nodes: readonly Node[], depth: number): string => {
    let s = '';
    for (const n of nodes) {
      if (n.hidden) continue;
      const text = escapedNodeText(n);
      s += '    '.repeat(depth) + (n.generated ? `[${text}]` : text) + '\n';
      if (dataHex && n.field?.abbrev === 'data' && n.field.type === 'protocol') {
        const bytes = nodeBytes(pkt, n);
        if (bytes.length) s += '\n' + hexDumpBuffer(bytes);
      }
      const children = viewChildren(n);
      if (children) s += rec(children, depth + 1);
    }
    return s;
  };
  return rec(pkt.tree, 0);
}

export interface TextPacketOptions {
  /** The summary line (tshark prints it unless -V or -x is given, or with -P). */
  summary: boolean;
  /** -V: the details tree. */
  details: boolean;
  /** -x: the hex dump of every data source. */
  hex: boolean;
  /** Summary line time format and decimals. */
  timeFormat?: TimeFormat;
  timeDigits?: number;
  /** -t dd: the time of the previous displayed packet. */
  shownBefore?: Stamp;
}

/** One packet in tshark's text output (print_packet): summary, details, hex, in that order. */
export function textPacket(pkt: Packet, o: TextPacketOptions): string {
  let s = '';
  if (o.summary) s += summaryLine(pkt, o.timeFormat ?? 'r', o.timeDigits ?? 6, o.shownBefore) + '\n';
  if (o.details) s += treeText(pkt, { dataHex: !o.hex }) + (o.hex ? '' : '\n');
  if (o.hex) s += (o.summary || o.details ? '\n' : '') + packetHexDump(pkt) + '\n';
  return s;
}
