// `-T json`: tshark's JSON (write_json_proto_tree): an array of Elasticsearch-style documents
// whose `_source.layers` mirror the tree. A field with children writes `key` (its value) and
// `key_tree` (an object of the children); a node without a value (protocol, text label,
// FT_NONE) writes `key` as the object of its children, or "" (a protocol: its label) when it
// has none. Keys repeat within an object, as tshark 4.0 writes them; `mergeDuplicateKeys`
// gives tshark's --no-duplicate-keys form (one key, an array of values) instead.
import { flat, nodeText } from '../format.js';
import type { Packet } from '../packet.js';
import type { Node } from '../tree.js';
import type { FieldDef } from '../fields.js';
import type { FieldExtractor } from './fields.js';
import { displayRepr, FT_NUMBERS, hasDisplayRepr, indexName, isProtocolLike, macKey, rawHex, renderChildren, spanLength, viewChildren } from './view.js';

export interface JsonOptions {
  /** -x: add a `<key>_raw` member ([hex, offset, length, bitmask, FT number]) before each field. */
  raw?: boolean;
  /** Write the values (default true); false with `raw` is -T jsonraw. */
  text?: boolean;
  /** Merge repeated keys of an object into one key whose value is an array (--no-duplicate-keys). */
  mergeDuplicateKeys?: boolean;
  /** -e: write only these fields, each as an array of its values. */
  fields?: FieldExtractor;
}

const IND: string[] = Array.from({ length: 64 }, (_, i) => '  '.repeat(i));
const ind = (level: number) => IND[level] ?? '  '.repeat(level);
const str = JSON.stringify;

/** The key of a node: its field's abbrev, or for a text label the label itself. */
function keyOf(n: Node): string {
  return n.field ? n.field.abbrev : nodeText(n);
}

// Quoted member names ("\"mip.type\": "), computed once per field and suffix.
const quotedKeys = new Map<string, string>();
function memberName(key: string): string {
  let q = quotedKeys.get(key);
  if (q === undefined) { q = str(key) + ': '; if (quotedKeys.size < 100_000) quotedKeys.set(key, q); }
  return q;
}
const plainKeys: string[] = [], treeKeys: string[] = [];
/** The quoted member name of a field node, or its "_tree" form (cached by field id). */
function fieldKey(f: FieldDef, tree: boolean): string {
  const cache = tree ? treeKeys : plainKeys;
  if (f.id < 0) return memberName(tree ? f.abbrev + '_tree' : f.abbrev);
  return cache[f.id] ??= str(tree ? f.abbrev + '_tree' : f.abbrev) + ': ';
}

/** A value as a JSON string: displayRepr's digits, addresses, hex and times need no escaping. */
function quoted(n: Node, repr: string): string {
  return n.field!.type === 'string' || typeof n.value === 'string' ? str(repr) : '"' + repr + '"';
}

// Members of plain fields repeat from packet to packet (',\n          "ip.version": "4"'): each
// is cached whole (separator, indent, key, value) per field, level and value, a bounded number
// per slot; members of values that do not repeat are the slot's cached prefix and the value.
const MEMBER_LIMIT = 512;
const MAX_CACHED_LEVEL = 64;
const SMALL = 256;
interface FieldMembers {
  small: Array<Array<string | undefined> | undefined>;
  other: Array<Map<unknown, string> | undefined>;
  /** ',\n' + indent + '"abbrev": ', and the '"abbrev_tree": ' form. */
  prefix: Array<string | undefined>;
  tree: Array<string | undefined>;
}
const levels = <T>(): Array<T | undefined> => Array.from({ length: MAX_CACHED_LEVEL }, () => undefined);
// Indexed by field id, kept dense (filled with undefined) so that lookups stay fast.
let fieldMembers: Array<FieldMembers | undefined> = Array.from({ length: 4096 }, () => undefined);
function membersOf(id: number): FieldMembers {
  if (id >= fieldMembers.length) fieldMembers = fieldMembers.concat(Array.from({ length: id + 1 - fieldMembers.length + 1024 }, () => undefined));
  return fieldMembers[id] ??= { small: levels(), other: levels(), prefix: levels(), tree: levels() };
}

/** ',\n' + indent + the quoted key of a field (or its "_tree" form) + ': '. */
function keyPrefix(f: FieldDef, level: number, tree: boolean): string {
  if (f.id < 0 || level >= MAX_CACHED_LEVEL) return ',\n' + ind(level) + fieldKey(f, tree);
  const m = membersOf(f.id);
  const cache = tree ? m.tree : m.prefix;
  let p = cache[level];
  if (p === undefined) p = cache[level] = flat(',\n' + ind(level) + fieldKey(f, tree));
  return p;
}

/** The member of a node's value: ',\n', indent, key, the quoted value (displayRepr, not null). */
function valueMember(n: Node, f: FieldDef, level: number): string {
  const v = n.value;
  if (f.id >= 0 && level < MAX_CACHED_LEVEL) {
    if (typeof v === 'number' && v >= 0 && v < SMALL && (v | 0) === v) {
      const m = membersOf(f.id);
      let a = m.small[level];
      if (a === undefined) a = m.small[level] = Array.from({ length: SMALL }, () => undefined);
      let s = a[v];
      if (s === undefined) s = a[v] = flat(keyPrefix(f, level, false) + quoted(n, displayRepr(n)!));
      return s;
    }
    const key = typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string' ? v : f.type === 'ether' ? macKey(v) : undefined;
    if (key !== undefined) {
      const m = membersOf(f.id);
      let c = m.other[level];
      if (c === undefined) c = m.other[level] = new Map();
      let s = c.get(key);
      if (s !== undefined) return s;
      s = keyPrefix(f, level, false) + quoted(n, displayRepr(n)!);
      if (c.size < MEMBER_LIMIT) c.set(key, flat(s));
      return s;
    }
  }
  return keyPrefix(f, level, false) + quoted(n, displayRepr(n)!);
}

// Keys of text labels ("Extension: Mobile Node NAI Extension") with their separator and indent,
// per level and text: the label, escaped and quoted, depends on the text alone.
const textKeys: Array<Map<string, string> | undefined> = levels();
function textKey(n: Node, level: number): string {
  const text = n.text;
  if (text === null || n.append !== null || n.expert !== null || level >= MAX_CACHED_LEVEL) return ',\n' + ind(level) + memberName(nodeText(n));
  const m = textKeys[level] ??= new Map();
  let s = m.get(text);
  if (s === undefined) {
    s = ',\n' + ind(level) + memberName(nodeText(n));
    if (m.size < MEMBER_LIMIT) m.set(text, flat(s));
  }
  return s;
}

/** The object for `nodes` (values, duplicate keys, no -x) as one string. */
function fastObjectText(nodes: readonly Node[], level: number): string {
  // Every member begins with ',\n': the first one's comma becomes the object's brace.
  let s = '';
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    const f = n.field;
    const value = hasDisplayRepr(n);
    const children = renderChildren(n);
    if (value) {
      const m = valueMember(n, f!, level);
      s = s === '' ? '{' + m.substring(1) : s + m;
    }
    if (children !== null || !value) {
      let key = f !== null ? keyPrefix(f, level, children !== null && value) : textKey(n, level);
      if (s === '') key = '{' + key.substring(1);
      s += key + (children !== null ? (children.length ? fastObjectText(children, level + 1) : '{}') : isProtocolLike(n) ? str(nodeText(n)) : '""');
    }
  }
  return s + '\n' + ind(level - 1) + '}';
}

class Writer {
  private readonly text: boolean;
  private readonly fast: boolean;
  constructor(private readonly pkt: Packet, private readonly opts: JsonOptions, private readonly out: string[], shortcuts = true) {
    this.text = opts.text ?? true;
    this.fast = shortcuts && this.text && !opts.raw && !opts.mergeDuplicateKeys;
  }

  /** An object holding the members for `nodes`, its members indented at `level`. */
  object(nodes: readonly Node[], level: number): void {
    const out = this.out;
    if (nodes.length === 0) { out.push('{}'); return; }
    if (this.fast) { this.fastObject(nodes, level); return; }
    out.push('{');
    const mark = out.length;
    if (this.opts.mergeDuplicateKeys) {
      const groups = new Map<string, Node[]>();
      for (const n of nodes) {
        const k = keyOf(n);
        const g = groups.get(k);
        if (g) g.push(n); else groups.set(k, [n]);
      }
      for (const g of groups.values()) this.members(g[0]!, g, level);
    } else for (let i = 0; i < nodes.length; i++) this.members(nodes[i]!, null, level);
    if (out.length === mark) { out[mark - 1] = '{}'; return; }
    out.push('\n', ind(level - 1), '}');
  }

  /** The common case (values, duplicate keys, no -x) without closures or key lookups. */
  private fastObject(nodes: readonly Node[], level: number): void {
    this.out.push(fastObjectText(nodes, level));
  }

  private begin(level: number, key: string): void {
    const out = this.out;
    out.push(out[out.length - 1] === '{' ? '\n' : ',\n', ind(level), memberName(key));
  }

  /** Writes `write(n)` for one node, or a JSON array of it over a group. */
  private list(first: Node, group: Node[] | null, level: number, write: (n: Node, level: number) => void): void {
    if (!group || group.length === 1) { write(first, level); return; }
    const out = this.out;
    out.push('[');
    group.forEach((n, i) => { out.push(i ? ',\n' : '\n', ind(level + 1)); write(n, level + 1); });
    out.push('\n', ind(level), ']');
  }

  /** The members of one key: a node, or (merged duplicate keys) a group of nodes. */
  private members(first: Node, group: Node[] | null, level: number): void {
    const out = this.out;
    const key = keyOf(first);
    const value = displayRepr(first);
    const children = viewChildren(first);
    const text = this.text;
    if (this.opts.raw && first.field && (!text || spanLength(first) > 0)) {
      this.begin(level, key + '_raw');
      this.list(first, group, level, (n, lv) => this.raw(n, lv));
    }
    if (text && value !== null) {
      this.begin(level, key);
      this.list(first, group, level, n => { out.push(str(n === first ? value : displayRepr(n) ?? '')); });
    }
    if (children) {
      this.begin(level, value !== null ? key + '_tree' : key);
      this.list(first, group, level, (n, lv) => this.object(viewChildren(n) ?? [], lv + 1));
    } else if (value === null && (text || (this.opts.raw && !first.field))) {
      this.begin(level, key);
      this.list(first, group, level, n => { out.push(isProtocolLike(n) ? str(nodeText(n)) : '""'); });
    }
  }

  private raw(n: Node, level: number): void {
    const i = ind(level + 1);
    const f = n.field!;
    this.out.push('[\n', i, str(rawHex(this.pkt, n)), ',\n', i, String(n.offset), ',\n', i, String(spanLength(n)), ',\n', i, String(f.bitmask), ',\n', i, String(FT_NUMBERS[f.type]), '\n', ind(level), ']');
  }

  /** The -e form: each requested field with values, as an array. */
  fields(x: FieldExtractor, level: number): void {
    const vals = x.values(this.pkt);
    const members: string[] = [];
    x.names.forEach((name, i) => {
      const v = x.occurrences(vals[i]!);
      if (v.length === 0) return;
      members.push(`${ind(level)}${str(name)}: [\n${v.map(s => ind(level + 1) + str(s)).join(',\n')}\n${ind(level)}]`);
    });
    this.out.push(members.length ? `{\n${members.join(',\n')}\n${ind(level - 1)}}` : '{}');
  }
}

/** One packet as a tshark -T json document, indented as an element of the top-level array. */
export function packetJson(pkt: Packet, opts: JsonOptions = {}): string {
  return jsonDocument(pkt, opts, true);
}

/** packetJson without the shortcuts of the common case: the reference it is tested against. */
export function referencePacketJson(pkt: Packet, opts: JsonOptions = {}): string {
  return jsonDocument(pkt, opts, false);
}

function jsonDocument(pkt: Packet, opts: JsonOptions, shortcuts: boolean): string {
  const out: string[] = [];
  const w = new Writer(pkt, opts, out, shortcuts);
  if (opts.fields) w.fields(opts.fields, 4); else w.object(pkt.tree, 4);
  // Concatenated rather than joined: the output buffer reads the parts once.
  let s = '  {\n    "_index": ' + str(indexName(pkt.frame.tsSec)) + ',\n    "_type": "doc",\n    "_score": null,\n    "_source": {\n      "layers": ';
  for (let i = 0; i < out.length; i++) s += out[i]!;
  return s + '\n    }\n  }';
}

/** Streams the JSON array: begin(), packet() per packet, end(). */
export class JsonRenderer {
  private count = 0;
  constructor(private readonly opts: JsonOptions = {}) {}
  begin(): string { return '['; }
  packet(pkt: Packet): string { return (this.count++ ? ',\n' : '\n') + packetJson(pkt, this.opts); }
  end(): string { return this.count ? '\n]\n' : ']\n'; }
}
