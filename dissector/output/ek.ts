// `-T ek`: tshark's newline-delimited Elasticsearch bulk format (write_ek_proto_tree). Per
// packet an index line and a document line. Within a protocol the tree is flattened: every
// descendant that is not itself a protocol becomes a member named "<protocol>_<abbrev>" with
// dots turned into underscores ("mip_mip_homeaddr"), text labels are "text", and members that
// share a name under the same parent are gathered into an array. Protocols (and expert items)
// nest as objects. Booleans are JSON booleans, FT_NONE is null, absolute times are ISO 8601.
import { nodeText } from '../format.js';
import type { Packet } from '../packet.js';
import type { AbsTime, Node } from '../tree.js';
import type { FieldExtractor } from './fields.js';
import { displayRepr, indexName, isProtocolLike, memoByValue, parentProtocol, rawHex, spanLength, viewChildren } from './view.js';
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
  const d = new Date(t.sec * 1000);
  if (Number.isNaN(d.getTime())) return '';
  return d.toISOString().slice(0, 19) + '.' + String(t.nsec).padStart(9, '0') + 'Z';
}

function fieldValue(n: Node): string {
  const f = n.field;
  if (!f) return str(nodeText(n));
  if (f.type === 'none') return 'null';
  if (f.type === 'bool') return n.value ? 'true' : 'false';
  if (f.type === 'abstime' && n.value !== null) return str(isoTime(n.value as AbsTime));
  const v = displayRepr(n);
  return v === null ? 'null' : str(v);
}

const ekValues: ValueMemo = [];

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
    else out.push(memoByValue(ekValues, n, fieldValue));
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

/** The two lines (index, document) of one packet, each ending with a newline. */
export function packetEk(pkt: Packet, opts: EkOptions = {}): string {
  const w = new Writer(pkt, opts);
  const f = pkt.frame;
  const timestamp = `${f.tsSec}${String(Math.floor(f.tsNsec / 1e6)).padStart(3, '0')}`;
  const layers = opts.fields ? w.fields(opts.fields) : w.members(null);
  return `{"index":{"_index":${str(indexName(f.tsSec))},"_type":"doc"}}\n{"timestamp":"${timestamp}","layers":{${layers}}}\n`;
}
