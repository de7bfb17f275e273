// `-T fields`: one line per packet, the values of the -e fields (tshark's conventions).
import { expertByAbbrev, fieldByAbbrev } from '../fields.js';
import type { FieldDef } from '../fields.js';
import type { Packet } from '../packet.js';
import type { Node } from '../tree.js';
import { columnValue, isColumnName } from './summary.js';
import { extractedValue } from './view.js';

export interface FieldsOptions {
  header: boolean;
  separator: string;
  occurrence: 'f' | 'l' | 'a' | number;
  aggregator: string;
  quote: 'd' | 's' | 'n';
  /** Decimals of the time columns for a frame's interface (tshark's automatic precision); default 6. */
  timeDigits?: (ifIndex: number) => number;
}

export const defaultFieldsOptions: FieldsOptions = { header: false, separator: '\t', occurrence: 'a', aggregator: ',', quote: 'n' };

export class FieldsError extends Error {}

/** Parses one `-E name=value` option into opts. */
export function applyFieldsOption(opts: FieldsOptions, s: string): void {
  const i = s.indexOf('=');
  if (i <= 0) throw new FieldsError(`invalid -E option '${s}': expected name=value`);
  const name = s.slice(0, i), v = s.slice(i + 1);
  switch (name) {
    case 'header':
      if (v !== 'y' && v !== 'n') throw new FieldsError(`invalid -E header value '${v}': expected y or n`);
      opts.header = v === 'y'; break;
    case 'separator':
      // As tshark: /t and /s name tab and space; otherwise the first character is the separator.
      opts.separator = v === '/t' ? '\t' : v === '/s' ? ' ' : [...v][0] ?? '';
      if (!opts.separator) throw new FieldsError('invalid -E separator: empty');
      break;
    case 'occurrence':
      if (v === 'f' || v === 'l' || v === 'a') opts.occurrence = v;
      else if (/^-?\d+$/.test(v)) opts.occurrence = parseInt(v, 10);
      else throw new FieldsError(`invalid -E occurrence value '${v}': expected f, l, a or a number`);
      break;
    case 'aggregator':
      opts.aggregator = v === '/s' ? ' ' : v;
      break;
    case 'quote':
      if (v !== 'd' && v !== 's' && v !== 'n') throw new FieldsError(`invalid -E quote value '${v}': expected d, s or n`);
      opts.quote = v; break;
    case 'bom': break;
    default: throw new FieldsError(`invalid -E option '${name}': expected header, separator, occurrence, aggregator, quote or bom`);
  }
}

type Column = { kind: 'field'; def: FieldDef } | { kind: 'column'; name: string } | { kind: 'expert'; abbrev: string };

/** Compiles the -e list against the registry once; unknown names are an error. */
export class FieldExtractor {
  private readonly columns: Column[];
  /** field id → column indexes, for one pass over the packet's nodes. */
  private readonly byId = new Map<number, number[]>();
  private readonly quote: string;
  /** expert abbrev → column indexes. */
  private readonly experts = new Map<string, number[]>();
  /** Whether a column is a summary column (_ws.col.*). */
  private readonly hasColumns: boolean;

  constructor(readonly names: readonly string[], readonly opts: FieldsOptions) {
    this.columns = names.map((n, i) => {
      const def = fieldByAbbrev(n);
      if (def) {
        const list = this.byId.get(def.id) ?? [];
        list.push(i);
        this.byId.set(def.id, list);
        return { kind: 'field', def } as Column;
      }
      if (isColumnName(n)) return { kind: 'column', name: n } as Column;
      // An expert item's abbrev (`-G fields` lists them): "1" for each occurrence, as tshark prints it.
      if (expertByAbbrev(n)) { this.experts.set(n, [...(this.experts.get(n) ?? []), i]); return { kind: 'expert', abbrev: n } as Column; }
      throw new FieldsError(`Some fields aren't valid: '${n}' is neither a field nor a column name (see 'mipscope -G fields')`);
    });
    this.quote = opts.quote === 'd' ? '"' : opts.quote === 's' ? "'" : '';
    this.hasColumns = this.columns.some(c => c.kind === 'column');
  }

  /** The header line: field names unquoted, as tshark prints them whatever -E quote says. */
  header(): string {
    return this.names.join(this.opts.separator);
  }

  /** The values of each column for a packet. */
  values(pkt: Packet): string[][] {
    const vals: string[][] = this.columns.map(() => []);
    this.collect(pkt, vals);
    return vals;
  }

  /**
   * Field id → its column, -1 for none, -2 for several (then byId): one array read per node.
   * Made on first use, when the registry is complete.
   */
  private colOf: Int32Array | null = null;
  /** The value lists of line(), reused from packet to packet. */
  private readonly scratch: string[][] = [];

  private columnIndex(): Int32Array {
    let max = 0;
    for (const id of this.byId.keys()) if (id > max) max = id;
    const a = new Int32Array(max + 1).fill(-1);
    for (const [id, cols] of this.byId) if (id >= 0) a[id] = cols.length === 1 ? cols[0]! : -2;
    return a;
  }

  /** Adds each column's values for a packet to vals (one list per column). */
  private collect(pkt: Packet, vals: string[][]): void {
    const colOf = this.colOf ??= this.columnIndex();
    const all: readonly Node[] = pkt.all;
    const experts = this.experts.size > 0;
    for (let i = 0; i < all.length; i++) {
      const n = all[i]!;
      const f = n.field;
      if (!f) continue;
      if (experts && n.expert) for (const c of this.experts.get(n.expert.abbrev) ?? []) vals[c]!.push('1');
      const c = f.id >= 0 && f.id < colOf.length ? colOf[f.id]! : -1;
      if (c >= 0) vals[c]!.push(extractedValue(n));
      else if (c === -2) for (const k of this.byId.get(f.id)!) vals[k]!.push(extractedValue(n));
    }
    if (this.hasColumns) {
      const digits = this.opts.timeDigits ? this.opts.timeDigits(pkt.frame.ifIndex) : 6;
      for (let i = 0; i < this.columns.length; i++) { const c = this.columns[i]!; if (c.kind === 'column') vals[i]!.push(columnValue(pkt, c.name, digits)); }
    }
  }

  /** The values of one column that the -E occurrence option selects. */
  occurrences(v: string[]): string[] {
    const occ = this.opts.occurrence;
    if (v.length === 0 || occ === 'a' || occ === 0) return v;
    if (occ === 'f') return [v[0]!];
    if (occ === 'l') return [v[v.length - 1]!];
    const x = v[occ > 0 ? occ - 1 : v.length + occ];
    return x === undefined ? [] : [x];
  }

  line(pkt: Packet): string {
    const vals = this.scratch;
    if (vals.length !== this.columns.length) for (let i = vals.length; i < this.columns.length; i++) vals.push([]);
    for (let i = 0; i < vals.length; i++) vals[i]!.length = 0;
    this.collect(pkt, vals);
    const occ = this.opts.occurrence, sep = this.opts.separator;
    let out = '';
    for (let i = 0; i < vals.length; i++) {
      const v = vals[i]!;
      if (i > 0) out += sep;
      // A field the packet lacks prints as nothing, unquoted (tshark).
      if (v.length === 0) continue;
      let s: string;
      if (occ === 'f') s = v[0]!;
      else if (occ === 'l') s = v[v.length - 1]!;
      else if (occ === 'a' || occ === 0) s = v.length === 1 ? v[0]! : v.join(this.opts.aggregator);
      else {
        const x = v[occ > 0 ? occ - 1 : v.length + occ];
        if (x === undefined) continue;
        s = x;
      }
      out += this.quote ? this.quote + s + this.quote : s;
    }
    return out;
  }
}
