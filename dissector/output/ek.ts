// `-T ek`: tshark's newline-delimited Elasticsearch bulk format (write_ek_proto_tree). Per
// packet an index line and a document line. Within a protocol the tree is flattened: every
// descendant that is not itself a protocol becomes a member named "<protocol>_<abbrev>" with
// dots turned into underscores ("mip_mip_homeaddr"), text labels are "text", and members that
// share a name under the same parent are gathered into an array. Protocols (and expert items)
// nest as objects. Booleans are JSON booleans, FT_NONE is null, absolute times are ISO 8601.
import { flat, nodeText } from '../format.js';
import type { Packet } from '../packet.js';
import type { AbsTime, Node } from '../tree.js';
import type { FieldExtractor } from './fields.js';
import { displayRepr, indexName, isProtocolLike, macKey, memoByValue, parentProtocol, rawHex, renderChildren, spanLength, viewChildren } from './view.js';
import type { ValueMemo } from './view.js';

export interface EkOptions {
  /** -x: add "<name>_raw" members with the bytes (bit fields: the value) in hex. */
  raw?: boolean;
  /** -e: write only these fields, each as an array of its values. */
  fields?: FieldExtractor;
}

const str = JSON.stringify;
const names = new Map<string, string>();

const TEXT_ID = -0x7fff;
/** The id that groups a node under its tree parent (Wireshark groups by abbrev; "text" for labels). */
function ownId(n: Node): number {
  return n.field ? n.field.id : TEXT_ID;
}
const GROUP_OFFSET = 0x8000;

const protocolNames: string[] = [], fieldNames: string[] = [];
/** The quoted member name of a node and its colon: "<parent protocol>_<abbrev>", dots as underscores. */
function memberName(n: Node): string {
  const f = n.field;
  if (!f) return '"text":';
  const protocolLike = f.type === 'protocol' || n.expert !== null;
  const cache = protocolLike ? protocolNames : fieldNames;
  if (f.id >= 0 && cache[f.id] !== undefined) return cache[f.id]!;
  const key = (protocolLike ? 'P' : 'F') + f.abbrev;
  let s = names.get(key);
  if (s === undefined) {
    s = str((protocolLike ? f.abbrev : `${parentProtocol(f.abbrev)}_${f.abbrev}`).replace(/\./g, '_')) + ':';
    names.set(key, s);
  }
  if (f.id >= 0) cache[f.id] = s;
  return s;
}

function isoTime(t: AbsTime): string {
  // The date and time of day of the last few seconds are kept (packets come many to a second).
  const slot = t.sec & (ISO_SLOTS - 1);
  let prefix = isoPrefixes[slot];
  if (isoSeconds[slot] !== t.sec || prefix === undefined) {
    const d = new Date(t.sec * 1000);
    if (Number.isNaN(d.getTime())) return '';
    prefix = isoPrefixes[slot] = flat(d.toISOString().slice(0, 19) + '.');
    isoSeconds[slot] = t.sec;
  }
  return prefix + String(t.nsec).padStart(9, '0') + 'Z';
}
const ISO_SLOTS = 16;
const isoSeconds: number[] = Array.from({ length: ISO_SLOTS }, () => NaN);
const isoPrefixes: Array<string | undefined> = Array.from({ length: ISO_SLOTS }, () => undefined);

/** A member's value as the writer writes it: JSON.stringify of its display form. */
function writerFieldValue(n: Node): string {
  const f = n.field;
  if (!f) return str(nodeText(n));
  if (f.type === 'none') return 'null';
  if (f.type === 'bool') return n.value ? 'true' : 'false';
  if (f.type === 'abstime' && n.value !== null) return str(isoTime(n.value as AbsTime));
  const v = displayRepr(n);
  return v === null ? 'null' : str(v);
}

/** writerFieldValue without JSON.stringify where the value cannot need escaping. */
function fieldValue(n: Node): string {
  const f = n.field;
  if (!f) return str(nodeText(n));
  if (f.type === 'none') return 'null';
  if (f.type === 'bool') return n.value ? 'true' : 'false';
  if (f.type === 'abstime' && n.value !== null) return '"' + isoTime(n.value as AbsTime) + '"';
  const v = displayRepr(n);
  if (v === null) return 'null';
  // Only strings can hold what JSON escapes; digits, addresses, hex and times are quoted as they are.
  return f.type === 'string' || typeof n.value === 'string' ? str(v) : '"' + v + '"';
}

/** fieldValue of a grouped member (one of an array), cached like leafMember's members. */
function groupedValue(n: Node): string {
  const f = n.field;
  if (f !== null && f.id >= 0 && f.type === 'ether') {
    const key = macKey(n.value);
    if (key !== undefined) {
      const m = membersOf(f.id);
      const c = m.macValues ??= new Map();
      let s = c.get(key);
      if (s === undefined) {
        s = fieldValue(n);
        if (c.size < MEMBER_LIMIT) c.set(key, flat(s));
      }
      return s;
    }
  }
  return memoByValue(fastValues, n, fieldValue);
}

const ekValues: ValueMemo = [];
const fastValues: ValueMemo = [];

class Writer {
  constructor(private readonly pkt: Packet, private readonly opts: EkOptions) {}

  /** The members of the object for `parent` (null: the packet's top level), without braces. */
  members(parent: Node | null): string {
    const groups = new Map<number, Node[]>();
    const fill = (parentId: number | null, nodes: readonly Node[]) => {
      for (let i = 0; i < nodes.length; i++) {
        const c = nodes[i]!;
        const own = ownId(c);
        const key = parentId === null ? own : (parentId + GROUP_OFFSET) * 0x10000 + own + GROUP_OFFSET;
        const g = groups.get(key);
        if (g) g.push(c); else groups.set(key, [c]);
        if (!isProtocolLike(c)) {
          const children = viewChildren(c);
          if (children) fill(own, children);
        }
      }
    };
    fill(parent ? ownId(parent) : null, parent ? viewChildren(parent) ?? [] : this.pkt.tree);
    const out: string[] = [];
    let sep = '';
    for (const g of groups.values()) {
      const first = g[0]!;
      const name = memberName(first);
      if (this.opts.raw && first.field && spanLength(first) > 0) {
        out.push(sep, name.slice(0, -2), '_raw":', g.length === 1 ? str(rawHex(this.pkt, first)) : `[${g.map(n => str(rawHex(this.pkt, n))).join(',')}]`);
        sep = ',';
      }
      out.push(sep, name);
      sep = ',';
      if (g.length === 1) this.value(first, out);
      else {
        out.push('[');
        for (let i = 0; i < g.length; i++) { if (i) out.push(','); this.value(g[i]!, out); }
        out.push(']');
      }
    }
    return out.join('');
  }

  private value(n: Node, out: string[]): void {
    if (isProtocolLike(n)) out.push('{', this.members(n), '}');
    else out.push(memoByValue(ekValues, n, writerFieldValue));
  }

  fields(x: FieldExtractor): string {
    const vals = x.values(this.pkt);
    const out: string[] = [];
    x.names.forEach((name, i) => {
      const v = x.occurrences(vals[i]!);
      if (v.length) out.push(`${str(name.replace(/\./g, '_'))}:[${v.map(s => str(s)).join(',')}]`);
    });
    return out.join(',');
  }
}

// The common case (no -x, no -e) without the writer's closures and arrays: the members of an
// object are grouped in one map without arrays for single members, and the member of a plain field
// (',"ip_ip_version":"4"') is cached whole per field and value, a bounded number per field.
const MEMBER_LIMIT = 512;
const SMALL = 256;
interface FieldMembers { small: Array<string | undefined> | undefined; other: Map<unknown, string> | undefined; macValues: Map<number, string> | undefined }
let fieldMembers: Array<FieldMembers | undefined> = Array.from({ length: 4096 }, () => undefined);
function membersOf(id: number): FieldMembers {
  if (id >= fieldMembers.length) fieldMembers = fieldMembers.concat(Array.from({ length: id + 1 - fieldMembers.length + 1024 }, () => undefined));
  return fieldMembers[id] ??= { small: undefined, other: undefined, macValues: undefined };
}

/** ',' + the member of a node that is not protocol-like: its name and value. */
function leafMember(n: Node): string {
  const f = n.field;
  if (f === null || f.id < 0) return ',' + memberName(n) + memoByValue(fastValues, n, fieldValue);
  // Without a field of its own, the value depends on the field and the value alone.
  const v = n.value;
  if (typeof v === 'number' && v >= 0 && v < SMALL && (v | 0) === v) {
    const m = membersOf(f.id);
    const a = m.small ??= Array.from({ length: SMALL }, () => undefined);
    let s = a[v];
    if (s === undefined) s = a[v] = flat(',' + memberName(n) + fieldValue(n));
    return s;
  }
  const key = typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string' ? v : f.type === 'ether' ? macKey(v) : undefined;
  if (key === undefined) return ',' + memberName(n) + fieldValue(n);
  const m = membersOf(f.id);
  const c = m.other ??= new Map();
  let s = c.get(key);
  if (s === undefined) {
    s = ',' + memberName(n) + fieldValue(n);
    if (c.size < MEMBER_LIMIT) c.set(key, flat(s));
  }
  return s;
}

type Group = Node | Node[];

// The group key of the writer, (parent id, own id), made a small integer where the ids allow
// (no number object per key): each id mapped one-to-one to 0 … 2^14 − 1, text labels to 0.
const SMALL_ID = 1 << 13;
function smallId(id: number): number {
  return id >= 0 ? (id < SMALL_ID - 1 ? 2 * id + 2 : -1) : id === TEXT_ID ? 0 : id > -SMALL_ID ? -2 * id + 1 : -1;
}
function groupKey(parentId: number | null, own: number): number {
  const o = smallId(own);
  if (parentId === null) return o >= 0 ? o : own - 0x40000000;
  const p = smallId(parentId);
  return o >= 0 && p >= 0 ? (p + 1) * (2 * SMALL_ID) + o : (parentId + GROUP_OFFSET) * 0x10000 + own + GROUP_OFFSET + 0x40000000;
}

function gather(groups: Map<number, Group>, parentId: number | null, nodes: readonly Node[]): void {
  for (let i = 0; i < nodes.length; i++) {
    const c = nodes[i]!;
    const own = ownId(c);
    const key = groupKey(parentId, own);
    const g = groups.get(key);
    if (g === undefined) groups.set(key, c);
    else if (Array.isArray(g)) g.push(c);
    else groups.set(key, [g, c]);
    if (!isProtocolLike(c)) {
      const children = renderChildren(c);
      if (children !== null) gather(groups, own, children);
    }
  }
}

/** The members of the object for `parent` (null: the top level), separated by commas. */
function fastMembers(tree: readonly Node[], parent: Node | null): string {
  // A fresh map: one reused across packets keeps young nodes alive through its old tables.
  const groups = new Map<number, Group>();
  gather(groups, parent ? ownId(parent) : null, parent ? renderChildren(parent) ?? [] : tree);
  let s = '';
  for (const g of groups.values()) {
    if (!Array.isArray(g)) {
      if (isProtocolLike(g)) s += (s === '' ? '' : ',') + memberName(g) + '{' + fastMembers(tree, g) + '}';
      else { const m = leafMember(g); s = s === '' ? m.substring(1) : s + m; }
      continue;
    }
    s += (s === '' ? '' : ',') + memberName(g[0]!) + '[';
    for (let i = 0; i < g.length; i++) {
      const n = g[i]!;
      if (i) s += ',';
      s += isProtocolLike(n) ? '{' + fastMembers(tree, n) + '}' : groupedValue(n);
    }
    s += ']';
  }
  return s;
}

/** The two lines (index, document) of one packet, each ending with a newline. */
export function packetEk(pkt: Packet, opts: EkOptions = {}): string {
  return ekLines(pkt, opts, true);
}

/** packetEk without the shortcuts of the common case: the reference it is tested against. */
export function referencePacketEk(pkt: Packet, opts: EkOptions = {}): string {
  return ekLines(pkt, opts, false);
}

function ekLines(pkt: Packet, opts: EkOptions, shortcuts: boolean): string {
  const f = pkt.frame;
  const timestamp = `${f.tsSec}${String(Math.floor(f.tsNsec / 1e6)).padStart(3, '0')}`;
  let layers: string;
  if (opts.fields) layers = new Writer(pkt, opts).fields(opts.fields);
  else if (shortcuts && !opts.raw) layers = fastMembers(pkt.tree, null);
  else layers = new Writer(pkt, opts).members(null);
  return '{"index":{"_index":' + str(indexName(f.tsSec)) + ',"_type":"doc"}}\n{"timestamp":"' + timestamp + '","layers":{' + layers + '}}\n';
}
