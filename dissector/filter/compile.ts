// Compiles a parsed filter into a tree of closures, typed by the registry. Evaluating it on a
// packet makes one pass over pkt.all that sorts the nodes of the fields the filter names into
// per-field lists (a slot per field, looked up by field id); the tests then read those lists.
import type { ExpertDef, FieldDef, FieldType } from '../fields.js';
import { expertByAbbrev, fieldByAbbrev } from '../fields.js';
import { ipv4String, etherString } from '../format.js';
import type { Packet } from '../packet.js';
import type { AbsTime, Node } from '../tree.js';
import { FilterError } from './errors.js';
import type { Literal } from './literals.js';
import { convertLiteral, looksLikeField, negTime, unknownField } from './literals.js';
import type { BaseOp, Quantifier, Range, TestNode, ValueNode } from './parser.js';
import { compilePcre, RegexError } from './regex.js';
import type { Cidr, Cls, VType } from './types.js';
import { CMP, EQ, ORDERED, TYPE_NAMES, bytesIndexOf, clsOf, isCidr, latin1, utf8Bytes, utf8String, wireSize } from './types.js';

type Pred = (v: any) => boolean;
export type Test = (ctx: Ctx) => boolean;

/** A value expression: a field, a slice, a function or arithmetic; it may have many values. */
interface Prod {
  type: VType;
  /** Filter text of the expression, for messages. */
  desc: string;
  values(ctx: Ctx): unknown[];
  /** Some value satisfies pred. */
  some(ctx: Ctx, pred: Pred): boolean;
  /** There is a value, and all values satisfy pred. */
  every(ctx: Ctx, pred: Pred): boolean;
  /** Set for plain fields (count(), existence). */
  slot?: number;
  isFunction?: boolean;
}

interface Slot { field: FieldDef | null; expert: ExpertDef | null; layered: boolean }

/** Per-filter evaluation state, reused from packet to packet. */
export class Ctx {
  pkt!: Packet;
  private gathered = false;
  readonly lists: Node[][];
  readonly layerLists: number[][];
  private readonly fieldSlot: Int32Array;
  private readonly expertSlot: Int32Array;
  private readonly protoCounter: Int32Array;
  private readonly slotCounter: Int32Array;
  private readonly counts: Int32Array;
  private readonly needLayers: boolean;
  private readonly hasExperts: boolean;

  constructor(slots: readonly Slot[]) {
    this.lists = slots.map(() => []);
    this.layerLists = slots.map(() => []);
    this.needLayers = slots.some(s => s.layered);
    this.hasExperts = slots.some(s => s.expert !== null);
    const maxField = Math.max(-1, ...slots.map(s => s.field?.id ?? -1));
    this.fieldSlot = new Int32Array(maxField + 1).fill(-1);
    const maxExpert = Math.max(-1, ...slots.map(s => s.expert?.id ?? -1));
    this.expertSlot = new Int32Array(maxExpert + 1).fill(-1);
    slots.forEach((s, i) => {
      if (s.field) this.fieldSlot[s.field.id] = i;
      if (s.expert) this.expertSlot[s.expert.id] = i;
    });
    // Layer numbers (ip.src#2): count the protocol nodes of each slot's protocol as the pass goes.
    const protos: FieldDef[] = [];
    this.slotCounter = new Int32Array(slots.length).fill(-1);
    slots.forEach((s, i) => {
      if (!this.needLayers) return;
      const proto = s.field?.proto ?? s.expert!.abbrev.split('.')[0]!;
      const pf = fieldByAbbrev(proto);
      if (!pf || pf.type !== 'protocol') return;
      let c = protos.indexOf(pf);
      if (c < 0) { c = protos.length; protos.push(pf); }
      this.slotCounter[i] = c;
    });
    this.protoCounter = new Int32Array(Math.max(-1, ...protos.map(p => p.id)) + 1).fill(-1);
    protos.forEach((p, i) => { this.protoCounter[p.id] = i; });
    this.counts = new Int32Array(protos.length);
  }

  reset(pkt: Packet): void {
    this.pkt = pkt;
    this.gathered = false;
  }

  /** The nodes of a slot in this packet, in tree order. */
  nodes(slot: number): Node[] {
    if (!this.gathered) this.gather();
    return this.lists[slot]!;
  }

  layers(slot: number): number[] {
    if (!this.gathered) this.gather();
    return this.layerLists[slot]!;
  }

  /** The one pass over the packet's nodes. */
  private gather(): void {
    this.gathered = true;
    const lists = this.lists;
    for (let i = 0; i < lists.length; i++) { lists[i]!.length = 0; this.layerLists[i]!.length = 0; }
    const fieldSlot = this.fieldSlot, nf = fieldSlot.length;
    const all = this.pkt.all;
    if (!this.needLayers && !this.hasExperts) {
      // The common case, kept tight: one typed-array lookup per node.
      for (let i = 0; i < all.length; i++) {
        const n = all[i]!;
        const f = n.field;
        if (f === null) continue;
        const id = f.id;
        if (id < nf && id >= 0) {
          const s = fieldSlot[id]!;
          if (s >= 0) lists[s]!.push(n);
        }
      }
      return;
    }
    const expertSlot = this.expertSlot, ne = expertSlot.length;
    if (this.needLayers) this.counts.fill(0);
    for (let i = 0; i < all.length; i++) {
      const n = all[i]!;
      const f = n.field;
      if (f === null) continue;
      const id = f.id;
      if (this.needLayers && f.type === 'protocol' && id >= 0 && id < this.protoCounter.length) {
        const c = this.protoCounter[id]!;
        if (c >= 0) this.counts[c]!++;
      }
      if (id >= 0 && id < nf) {
        const s = fieldSlot[id]!;
        if (s >= 0) this.add(s, n);
      }
      if (n.expert !== null) {
        const e = n.expert.id;
        if (e < ne) {
          const s = expertSlot[e]!;
          if (s >= 0) this.add(s, n);
        }
      }
    }
  }

  private add(s: number, n: Node): void {
    this.lists[s]!.push(n);
    if (this.needLayers) {
      const c = this.slotCounter[s]!;
      this.layerLists[s]!.push(c >= 0 ? Math.max(1, this.counts[c]!) : 1);
    }
  }
}

const INT32: VType = { cls: 'int', ftype: 'uint32', field: null };

function inRanges(ranges: readonly Range[], layer: number): boolean {
  for (const r of ranges) {
    if (r.toEnd) { if (layer >= r.start) return true; }
    else if (r.end !== undefined) { if (layer >= r.start && layer <= r.end) return true; }
    else if (layer >= r.start && layer < r.start + (r.len ?? 1)) return true;
  }
  return false;
}

/** Applies byte ranges to a value; null when a range falls outside it (Wireshark drops the value). */
function sliceBytes(b: Uint8Array, ranges: readonly Range[]): Uint8Array | null {
  const parts: Uint8Array[] = [];
  const L = b.length;
  for (const r of ranges) {
    const start = r.start < 0 ? L + r.start : r.start;
    if (start < 0 || start >= L) return null;
    let end: number; // exclusive
    if (r.toEnd) end = L;
    else if (r.end !== undefined) end = (r.end < 0 ? L + r.end : r.end) + 1;
    else end = start + (r.len ?? 1);
    if (end > L || end <= start) return null;
    parts.push(b.subarray(start, end));
  }
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

function derived(type: VType, desc: string, values: (ctx: Ctx) => unknown[]): Prod {
  return {
    type, desc, values,
    some: (ctx, pred) => values(ctx).some(pred),
    every: (ctx, pred) => { const v = values(ctx); return v.length > 0 && v.every(pred); },
  };
}

const REVERSED: Record<BaseOp, BaseOp> = { eq: 'eq', ne: 'ne', gt: 'lt', ge: 'le', lt: 'gt', le: 'ge', contains: 'contains', matches: 'matches' };
const FUNCTIONS = new Set(['len', 'count', 'upper', 'lower', 'string', 'max', 'min', 'abs']);

function nonZero(cls: Cls): Pred {
  switch (cls) {
    case 'int': case 'double': return v => v != 0; // eslint-disable-line eqeqeq -- bigint too
    case 'ipv4': return v => (isCidr(v) ? v.addr : v) !== 0;
    case 'reltime': case 'abstime': return (v: AbsTime) => v.sec !== 0 || v.nsec !== 0;
    case 'bool': return v => v === true;
    case 'bytes': return (v: Uint8Array) => v.length > 0;
    case 'string': return (v: string) => v.length > 0;
    default: return () => true;
  }
}

export class Compiler {
  readonly slots: Slot[] = [];
  private readonly slotIndex = new Map<string, number>();
  /** Abbrevs of the fields and expert items the filter names. */
  readonly names = new Set<string>();

  constructor(readonly text: string) {}

  private span(v: { pos: number; end: number }): string { return this.text.slice(v.pos, v.end); }
  private err(message: string, v: { pos: number; end: number }): FilterError { return new FilterError(message, v.pos, v.end - v.pos); }

  private slot(field: FieldDef | null, expert: ExpertDef | null, layered: boolean): number {
    const key = field ? `f${field.id}` : `e${expert!.id}`;
    let s = this.slotIndex.get(key);
    if (s === undefined) {
      s = this.slots.length;
      this.slots.push({ field, expert, layered });
      this.slotIndex.set(key, s);
    } else if (layered) this.slots[s]!.layered = true;
    const abbrev = field?.abbrev ?? expert!.abbrev;
    this.names.add(abbrev);
    // Layer numbers are counted from the protocol's own nodes, so those are needed too.
    if (layered) {
      const proto = fieldByAbbrev(abbrev.split('.')[0]!);
      if (proto?.type === 'protocol') this.names.add(proto.abbrev);
    }
    return s;
  }

  compile(t: TestNode): Test {
    switch (t.k) {
      case 'or': case 'and': case 'xor': {
        // A chain of one operator (a left-deep tree of any length) is compiled into one loop,
        // so that thousands of terms cost no stack.
        const terms: TestNode[] = [];
        let n: TestNode = t;
        for (; n.k === t.k; n = (n as typeof t).a) terms.push((n as typeof t).b);
        terms.push(n);
        const fs = terms.reverse().map(x => this.compile(x));
        if (fs.length === 2) {
          const [a, b] = fs as [Test, Test];
          return t.k === 'or' ? ctx => a(ctx) || b(ctx) : t.k === 'and' ? ctx => a(ctx) && b(ctx) : ctx => a(ctx) !== b(ctx);
        }
        if (t.k === 'or') return ctx => { for (const f of fs) if (f(ctx)) return true; return false; };
        if (t.k === 'and') return ctx => { for (const f of fs) if (!f(ctx)) return false; return true; };
        return ctx => { let v = false; for (const f of fs) v = v !== f(ctx); return v; };
      }
      case 'not': { const a = this.compile(t.a); return ctx => !a(ctx); }
      case 'test': return this.test(t.v);
      case 'cmp': return this.comparison(t);
      case 'in': return this.membership(t);
    }
  }

  /** A value on its own: a field exists, a slice is in range, arithmetic is not zero. */
  private test(v: ValueNode): Test {
    const p = this.operand(v);
    if (!('type' in p)) throw this.notAField(p);
    const prod = p;
    if (prod.isFunction) throw this.err('You cannot test whether a function is present.', v.k === 'call' ? { pos: v.pos, end: v.namePos + v.name.length } : v);
    if (prod.slot !== undefined && v.k !== 'arith' && v.k !== 'neg') {
      const slot = prod.slot;
      if (v.k === 'layer') { const ranges = v.ranges; return ctx => existsInLayers(ctx, slot, ranges); }
      return ctx => ctx.nodes(slot).length > 0;
    }
    if (v.k === 'slice') return ctx => prod.some(ctx, () => true);
    const nz = nonZero(prod.type.cls);
    return ctx => prod.some(ctx, nz);
  }

  /** The error for literals where a field is needed: the unknown field, if one looks like a field name. */
  private notAField(...lits: Literal[]): FilterError {
    const find = (l: ValueNode): Literal | null => {
      if (l.k === 'word') return looksLikeField(l.text) ? l : null;
      if (l.k === 'neg') return find(l.a);
      if (l.k === 'arith') return find(l.a) ?? find(l.b);
      return null;
    };
    const lit = lits.map(find).find(x => x) ?? lits[0]!;
    if (lit.k === 'string') return this.err(`${lit.text} is a string, not a protocol or protocol field.`, lit);
    return unknownField(this.span(lit), lit.pos, lit.end);
  }

  private convert(lit: Literal, t: VType): unknown {
    return convertLiteral(lit, t, (op, a, b, at) => {
      const cls = t.cls;
      const allowed = op === '&' ? cls === 'int' || cls === 'ipv4' : op === '+' || op === '-' ? cls === 'int' || cls === 'double' || cls === 'reltime' : cls === 'int' || cls === 'double';
      if (!allowed) throw this.err(`${TYPE_NAMES[t.ftype]} values cannot be used with "${op}".`, at);
      const r = arithmetic(op as '+', cls)(a, b);
      if (r === undefined) throw this.err('Division by zero.', at);
      return r;
    });
  }

  /** A field, or a literal still waiting for the type of what it is compared with. */
  private operand(v: ValueNode): Prod | Literal {
    switch (v.k) {
      case 'word': {
        const f = fieldByAbbrev(v.text);
        if (f) return this.fieldProd(f, null, null, v.text);
        const e = expertByAbbrev(v.text);
        if (e) return this.fieldProd(null, e, null, v.text);
        return v;
      }
      case 'string': case 'char': return v;
      case 'neg': {
        const a = this.operand(v.a);
        if (!('type' in a)) return v;
        return this.negProd(a, v);
      }
      case 'layer': {
        if (v.base.k !== 'word') throw this.err('Only a field can have a layer number (field#2).', v);
        const f = fieldByAbbrev(v.base.text), e = f ? undefined : expertByAbbrev(v.base.text);
        if (!f && !e) throw unknownField(v.base.text, v.base.pos, v.base.end);
        return this.fieldProd(f ?? null, e ?? null, v.ranges, this.span(v));
      }
      case 'slice': return this.sliceProd(v);
      case 'call': return this.callProd(v);
      case 'arith': return this.arithProd(v);
    }
  }

  /** An operand that must be a value expression (not a bare literal). */
  private typed(v: ValueNode, what: string): Prod {
    const p = this.operand(v);
    if (!('type' in p)) {
      if (p.k === 'word' && looksLikeField(p.text)) throw unknownField(p.text, p.pos, p.end);
      throw this.err(`${what} must be a field, a slice or a function, not the literal ${this.span(p)}.`, p);
    }
    return p;
  }

  private fieldProd(field: FieldDef | null, expert: ExpertDef | null, layers: Range[] | null, desc: string): Prod {
    const slot = this.slot(field, expert, layers !== null);
    const ftype: FieldType = field?.type ?? 'none';
    const type: VType = { cls: clsOf(ftype), ftype, field };
    const get = valueGetter(ftype);
    if (layers === null) {
      return {
        type, desc, slot,
        values: ctx => { const out: unknown[] = []; for (const n of ctx.nodes(slot)) { const v = get(n, ctx); if (v !== undefined) out.push(v); } return out; },
        some: (ctx, pred) => {
          const list = ctx.nodes(slot);
          for (let i = 0; i < list.length; i++) { const v = get(list[i]!, ctx); if (v !== undefined && pred(v)) return true; }
          return false;
        },
        every: (ctx, pred) => {
          const list = ctx.nodes(slot);
          let seen = 0;
          for (let i = 0; i < list.length; i++) {
            const v = get(list[i]!, ctx);
            if (v === undefined) continue;
            if (!pred(v)) return false;
            seen++;
          }
          return seen > 0;
        },
      };
    }
    const values = (ctx: Ctx) => {
      const list = ctx.nodes(slot), ls = ctx.layers(slot), out: unknown[] = [];
      for (let i = 0; i < list.length; i++) {
        if (!inRanges(layers, ls[i]!)) continue;
        const v = get(list[i]!, ctx);
        if (v !== undefined) out.push(v);
      }
      return out;
    };
    return { ...derived(type, desc, values), slot };
  }

  private negProd(a: Prod, v: ValueNode): Prod {
    const cls = a.type.cls;
    if (cls !== 'int' && cls !== 'double' && cls !== 'reltime') throw this.err(`${TYPE_NAMES[a.type.ftype]} cannot be negated.`, v);
    const neg = cls === 'reltime' ? (x: AbsTime) => negTime(x) : (x: number | bigint) => -x;
    return derived({ ...a.type, field: null }, this.span(v), ctx => a.values(ctx).map(neg as (x: unknown) => unknown));
  }

  private sliceProd(v: Extract<ValueNode, { k: 'slice' }>): Prod {
    const base = this.typed(v.base, 'A sliced value');
    const { cls, ftype } = base.type;
    let toBytes: (x: any) => Uint8Array;
    if (cls === 'bytes') toBytes = x => x;
    else if (cls === 'string') toBytes = x => utf8Bytes(x);
    else if (cls === 'ipv4') toBytes = (x: number) => Uint8Array.of(x >>> 24, (x >>> 16) & 255, (x >>> 8) & 255, x & 255);
    else throw this.err(`"${base.desc}" is a ${TYPE_NAMES[ftype]} and cannot be sliced into a sequence of bytes.`, v.base);
    const ranges = v.ranges;
    return derived({ cls: 'bytes', ftype: 'bytes', field: null }, this.span(v), ctx => {
      const out: Uint8Array[] = [];
      for (const x of base.values(ctx)) { const s = sliceBytes(toBytes(x), ranges); if (s) out.push(s); }
      return out;
    });
  }

  private callProd(v: Extract<ValueNode, { k: 'call' }>): Prod {
    const name = v.name;
    const at = { pos: v.namePos, end: v.namePos + name.length };
    if (!FUNCTIONS.has(name)) throw this.err(`The function '${name}' does not exist.`, at);
    const one = () => {
      if (v.args.length !== 1) throw this.err(`Function ${name}() takes exactly one argument, not ${v.args.length}.`, v);
      return this.typed(v.args[0]!, `The argument of ${name}()`);
    };
    const desc = this.span(v);
    let p: Prod;
    switch (name) {
      case 'len': {
        const a = one();
        const { cls, ftype } = a.type;
        const len = cls === 'bytes' ? (x: Uint8Array) => x.length : cls === 'string' ? (x: string) => utf8Bytes(x).length : () => wireSize(ftype);
        p = derived(INT32, desc, ctx => a.values(ctx).map(len as (x: unknown) => number));
        break;
      }
      case 'count': {
        const a = one();
        if (a.slot === undefined) throw this.err('count() takes a field.', v.args[0]!);
        p = derived(INT32, desc, ctx => { const n = a.values(ctx).length || (a.type.cls === 'none' ? ctx.nodes(a.slot!).length : 0); return n ? [n] : []; });
        break;
      }
      case 'upper': case 'lower': {
        const a = one();
        if (a.type.cls !== 'string') throw this.err(`Only strings can be used in ${name}(), not ${TYPE_NAMES[a.type.ftype]}.`, v.args[0]!);
        p = derived({ cls: 'string', ftype: 'string', field: null }, desc, ctx => a.values(ctx).map(x => (name === 'upper' ? (x as string).toUpperCase() : (x as string).toLowerCase())));
        break;
      }
      case 'string': {
        const a = one();
        const { cls, ftype } = a.type;
        let conv: (x: any) => string;
        if (cls === 'int') conv = x => String(x);
        else if (cls === 'ipv4') conv = x => ipv4String(x);
        else if (ftype === 'ether') conv = x => etherString(x);
        else if (cls === 'string') conv = x => x;
        else throw this.err(`String conversion for field "${a.desc}" is not supported`, v.args[0]!);
        p = derived({ cls: 'string', ftype: 'string', field: null }, desc, ctx => a.values(ctx).map(conv));
        break;
      }
      case 'abs': {
        const a = one();
        const cls = a.type.cls;
        if (cls !== 'int' && cls !== 'double' && cls !== 'reltime') throw this.err(`abs() takes a number, not ${TYPE_NAMES[a.type.ftype]}.`, v.args[0]!);
        const abs = cls === 'reltime' ? (x: AbsTime) => (x.sec < 0 ? negTime(x) : x) : (x: number | bigint) => (x < 0 ? -x : x);
        p = derived({ ...a.type, field: null }, desc, ctx => a.values(ctx).map(abs as (x: unknown) => unknown));
        break;
      }
      default: { // max, min
        if (v.args.length === 0) throw this.err(`Function ${name}() needs at least one argument.`, v);
        const ops = v.args.map(a => this.operand(a));
        const typedOne = ops.find((o): o is Prod => 'type' in o);
        if (!typedOne) throw this.err(`${name}() needs a field among its arguments.`, v);
        const type: VType = { ...typedOne.type, field: null };
        if (!ORDERED.has(type.cls) || type.cls === 'bytes' || type.cls === 'string' || type.cls === 'bool' || type.cls === 'ipv4') throw this.err(`${name}() takes numbers or times, not ${TYPE_NAMES[type.ftype]}.`, v);
        const parts = ops.map((o, i) => {
          if ('type' in o) {
            if (o.type.cls !== type.cls) throw this.err(`The arguments of ${name}() must all have the same type.`, v.args[i]!);
            return o;
          }
          const c = this.convert(o, type);
          return derived(type, this.span(o), () => [c]);
        });
        const cmp = CMP[type.cls];
        const sign = name === 'max' ? 1 : -1;
        p = derived(type, desc, ctx => {
          let best: unknown, found = false;
          for (const part of parts) for (const x of part.values(ctx)) if (!found || cmp(x, best) * sign > 0) { best = x; found = true; }
          return found ? [best] : [];
        });
      }
    }
    p.isFunction = true;
    return p;
  }

  private arithProd(v: Extract<ValueNode, { k: 'arith' }>): Prod | Literal {
    let a = this.operand(v.a), b = this.operand(v.b);
    // Constant arithmetic is folded once the type it is compared with is known.
    if (!('type' in a) && !('type' in b)) return v;
    const type: VType = { ...('type' in a ? a : b as Prod).type, field: null };
    const { cls, ftype } = type;
    const op = v.op;
    const allowed = op === '&' ? cls === 'int' || cls === 'ipv4' : op === '+' || op === '-' ? cls === 'int' || cls === 'double' || cls === 'reltime' : cls === 'int' || cls === 'double';
    if (!allowed) {
      const side = 'type' in a ? v.a : v.b;
      throw this.err(`${this.span(side)} (type=${TYPE_NAMES[ftype]}) cannot be used with "${op}".`, side);
    }
    const lift = (x: Prod | Literal): Prod => {
      if ('type' in x) {
        if (x.type.cls !== cls) throw this.err(`${this.span(v.a)} and ${this.span(v.b)} are not of compatible types.`, v.b);
        return x;
      }
      const c = this.convert(x, type);
      return derived(type, this.span(x), () => [c]);
    };
    a = lift(a); b = lift(b);
    const fn = arithmetic(op, cls);
    const pa = a, pb = b;
    return derived(type, this.span(v), ctx => {
      const xs = pa.values(ctx);
      if (!xs.length) return xs;
      const ys = pb.values(ctx);
      const out: unknown[] = [];
      for (const x of xs) for (const y of ys) { const r = fn(x, y); if (r !== undefined) out.push(r); }
      return out;
    });
  }

  private checkOp(p: Prod, op: BaseOp, opText: string, at: ValueNode): void {
    const cls = p.type.cls;
    const ok = cls === 'none' ? false
      : op === 'eq' || op === 'ne' ? true
      : op === 'contains' || op === 'matches' ? cls === 'string' || cls === 'bytes'
      : ORDERED.has(cls);
    if (!ok) {
      const name = op === 'contains' || op === 'matches' ? op : `"${opText}"`;
      const what = p.type.field === null && p.slot !== undefined ? `${p.desc} (an expert item)` : `${p.desc} (type=${TYPE_NAMES[p.type.ftype]})`;
      throw this.err(`${what} cannot participate in ${name} comparison.`, at);
    }
  }

  private comparison(t: Extract<TestNode, { k: 'cmp' }>): Test {
    let op = t.op;
    let a = this.operand(t.a), b = this.operand(t.b);
    let an = t.a, bn = t.b;
    if (op === 'matches') {
      const pa = this.typed(t.a, 'The left side of matches');
      this.checkOp(pa, op, t.opText, t.a);
      if (t.b.k !== 'string') throw this.err('Matches requires a double quoted string on the right side.', t.b);
      let re: RegExp;
      try { re = compilePcre(utf8String(t.b.bytes)); } catch (e) {
        if (e instanceof RegexError) throw this.err(`Regex compilation error: ${e.message}.`, t.b);
        throw e;
      }
      const pred: Pred = pa.type.cls === 'string' ? (x: string) => re.test(x) : (x: Uint8Array) => re.test(latin1(x));
      return quantified(pa, t.quant, pred);
    }
    if (!('type' in a) && !('type' in b)) throw this.notAField(a, b);
    if (!('type' in a)) {
      if (op === 'contains') throw this.err(`The left side of contains must be a field, a slice or a function, not the literal ${this.span(a)}.`, a);
      [a, b] = [b, a]; [an, bn] = [bn, an];
      op = REVERSED[op];
    }
    const pa = a as Prod;
    this.checkOp(pa, op, t.opText, an);
    const cls = pa.type.cls;
    if (!('type' in b)) {
      // contains reads its literal as bytes even for an Ethernet address (eth.src contains 01:01).
      const target: VType = op === 'contains' && cls === 'bytes' ? { cls: 'bytes', ftype: 'bytes', field: null } : pa.type;
      const c = this.convert(b, target);
      return quantified(pa, t.quant, predicate(op, cls, c));
    }
    const pb = b;
    if (pb.type.cls !== cls) throw this.err(`${pa.desc} and ${pb.desc} are not of compatible types.`, bn);
    this.checkOp(pb, op === 'contains' ? 'contains' : op, t.opText, bn);
    const rel = relation(op, cls);
    if (t.quant === 'any') {
      return ctx => {
        const ys = pb.values(ctx);
        if (!ys.length) return false;
        return pa.some(ctx, x => { for (const y of ys) if (rel(x, y)) return true; return false; });
      };
    }
    return ctx => {
      const ys = pb.values(ctx);
      if (!ys.length) return false;
      return pa.every(ctx, x => { for (const y of ys) if (!rel(x, y)) return false; return true; });
    };
  }

  private membership(t: Extract<TestNode, { k: 'in' }>): Test {
    const a = this.typed(t.a, 'The left side of in');
    this.checkOp(a, 'eq', 'in', t.a);
    const { cls } = a.type;
    const eq = EQ[cls], cmp = CMP[cls];
    const fixed: Array<{ lo: unknown; hi: unknown }> = [];
    const dynamic: Prod[] = [];
    for (const { lo, hi } of t.elems) {
      const l = this.operand(lo);
      if (hi) {
        if (!ORDERED.has(cls)) throw this.err(`${TYPE_NAMES[a.type.ftype]} values cannot form a range.`, lo);
        const h = this.operand(hi);
        if ('type' in l || 'type' in h) throw this.err('The ends of a range in a set must be literal values.', 'type' in l ? lo : hi);
        fixed.push({ lo: this.convert(l, a.type), hi: this.convert(h, a.type) });
      } else if ('type' in l) {
        if (l.type.cls !== cls) throw this.err(`${a.desc} and ${l.desc} are not of compatible types.`, lo);
        dynamic.push(l);
      } else fixed.push({ lo: this.convert(l, a.type), hi: undefined });
    }
    const inFixed = (x: unknown): boolean => {
      for (const e of fixed) {
        if (e.hi === undefined ? eq(x, e.lo) : cmp(x, e.lo) >= 0 && cmp(x, e.hi) <= 0) return true;
      }
      return false;
    };
    let test: Test;
    if (dynamic.length === 0) test = quantified(a, t.quant, inFixed);
    else {
      test = ctx => {
        const extra = dynamic.flatMap(d => d.values(ctx));
        const pred = (x: unknown) => inFixed(x) || extra.some(y => eq(x, y));
        return t.quant === 'any' ? a.some(ctx, pred) : a.every(ctx, pred);
      };
    }
    return t.negated ? ctx => !test(ctx) : test;
  }
}

function existsInLayers(ctx: Ctx, slot: number, ranges: readonly Range[]): boolean {
  const ls = ctx.layers(slot);
  for (let i = 0; i < ls.length; i++) if (inRanges(ranges, ls[i]!)) return true;
  return false;
}

function quantified(p: Prod, quant: Quantifier, pred: Pred): Test {
  return quant === 'any' ? ctx => p.some(ctx, pred) : ctx => p.every(ctx, pred);
}

/** The value of a node as the filter sees it; undefined when it has none. */
function valueGetter(ftype: FieldType): (n: Node, ctx: Ctx) => unknown {
  switch (ftype) {
    case 'protocol':
      // A protocol's value is its bytes (`mip[0] == 1`, `frame contains "x"`).
      return (n, ctx) => {
        const src = ctx.pkt.sources[n.src];
        if (!src) return undefined;
        return src.data.subarray(n.offset, Math.min(src.data.length, n.offset + n.length));
      };
    case 'none': return () => undefined;
    case 'bool': return n => (n.value === null ? undefined : !!n.value);
    default: return n => (n.value === null ? undefined : n.value);
  }
}

function predicate(op: BaseOp, cls: Cls, c: unknown): Pred {
  switch (op) {
    case 'eq':
      if (cls === 'int' && typeof c === 'number') return (v: number | bigint) => v === c || (typeof v === 'bigint' && BigInt(c) === v);
      if (cls === 'ipv4' && isCidr(c)) {
        const { addr, mask } = c;
        if (mask === 0xffffffff) return v => v === addr;
        return (v: number) => ((v ^ addr) & mask) === 0;
      }
      { const eq = EQ[cls]; return v => eq(v, c); }
    case 'ne': { const eq = EQ[cls]; return v => !eq(v, c); }
    case 'contains': {
      if (cls === 'string') { const s = c as string; return (v: string) => v.includes(s); }
      const b = c as Uint8Array;
      return (v: Uint8Array) => bytesIndexOf(v, b) >= 0;
    }
    default: {
      const cmp = CMP[cls];
      switch (op) {
        case 'gt': return v => cmp(v, c) > 0;
        case 'ge': return v => cmp(v, c) >= 0;
        case 'lt': return v => cmp(v, c) < 0;
        default: return v => cmp(v, c) <= 0;
      }
    }
  }
}

function relation(op: BaseOp, cls: Cls): (a: any, b: any) => boolean {
  const eq = EQ[cls], cmp = CMP[cls];
  switch (op) {
    case 'eq': return eq;
    case 'ne': return (a, b) => !eq(a, b);
    case 'gt': return (a, b) => cmp(a, b) > 0;
    case 'ge': return (a, b) => cmp(a, b) >= 0;
    case 'lt': return (a, b) => cmp(a, b) < 0;
    case 'le': return (a, b) => cmp(a, b) <= 0;
    case 'contains': return cls === 'string' ? (a: string, b: string) => a.includes(b) : (a: Uint8Array, b: Uint8Array) => bytesIndexOf(a, b) >= 0;
    default: throw new Error(`no relation for ${op}`);
  }
}

function addTime(a: AbsTime, b: AbsTime): AbsTime {
  let sec = a.sec + b.sec, nsec = a.nsec + b.nsec;
  if (nsec >= 1e9) { nsec -= 1e9; sec++; }
  return { sec, nsec };
}

/** Binary arithmetic; undefined drops the value (division by zero). */
function arithmetic(op: '+' | '-' | '*' | '/' | '%' | '&', cls: Cls): (a: any, b: any) => unknown {
  if (cls === 'reltime') return op === '+' ? addTime : (a, b) => addTime(a, negTime(b));
  if (cls === 'ipv4') return (a: number | Cidr, b: number | Cidr) => ((isCidr(a) ? a.addr : a) & (isCidr(b) ? b.addr : b)) >>> 0;
  if (cls === 'double') {
    switch (op) {
      case '+': return (a, b) => a + b;
      case '-': return (a, b) => a - b;
      case '*': return (a, b) => a * b;
      case '/': return (a, b) => (b === 0 ? undefined : a / b);
      default: return (a, b) => (b === 0 ? undefined : a % b);
    }
  }
  // Integers: numbers, or bigints once a uint64 is involved.
  const big = (a: number | bigint, b: number | bigint) => typeof a === 'bigint' || typeof b === 'bigint';
  switch (op) {
    case '+': return (a, b) => (big(a, b) ? BigInt(a) + BigInt(b) : a + b);
    case '-': return (a, b) => (big(a, b) ? BigInt(a) - BigInt(b) : a - b);
    case '*': return (a, b) => (big(a, b) ? BigInt(a) * BigInt(b) : a * b);
    case '/': return (a, b) => (b == 0 ? undefined : big(a, b) ? BigInt(a) / BigInt(b) : Math.trunc(a / b)); // eslint-disable-line eqeqeq
    case '%': return (a, b) => (b == 0 ? undefined : big(a, b) ? BigInt(a) % BigInt(b) : a % b); // eslint-disable-line eqeqeq
    default: return (a, b) => {
      if (big(a, b) || a > 0xffffffff || b > 0xffffffff || a < 0 || b < 0) return BigInt.asUintN(64, BigInt(a)) & BigInt.asUintN(64, BigInt(b));
      return (a & b) >>> 0;
    };
  }
}

