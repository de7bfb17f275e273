// Syntax of display filters (Wireshark 4 grammar): a recursive-descent parser producing an AST.
// Names are not resolved here; the compiler checks them against the registry.
import { MAX_FILTER_DEPTH } from '../limits.js';
import { FilterError } from './errors.js';
import { Lexer } from './lexer.js';
import type { Token } from './lexer.js';

/** A byte or layer range: [i] [i:len] [i-end] [i:] [:len]. */
export interface Range { start: number; len?: number; end?: number; toEnd?: boolean }

interface Span { pos: number; end: number }

export type ValueNode =
  | ({ k: 'word'; text: string } & Span)
  | ({ k: 'string'; bytes: Uint8Array; text: string } & Span)
  | ({ k: 'char'; code: number; text: string } & Span)
  | ({ k: 'layer'; base: ValueNode; ranges: Range[] } & Span)
  | ({ k: 'slice'; base: ValueNode; ranges: Range[] } & Span)
  | ({ k: 'call'; name: string; args: ValueNode[]; namePos: number } & Span)
  | ({ k: 'arith'; op: '+' | '-' | '*' | '/' | '%' | '&'; a: ValueNode; b: ValueNode; opPos: number } & Span)
  | ({ k: 'neg'; a: ValueNode } & Span);

export type BaseOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le' | 'contains' | 'matches';
export type Quantifier = 'any' | 'all';

export type TestNode =
  | { k: 'or' | 'and' | 'xor'; a: TestNode; b: TestNode }
  | { k: 'not'; a: TestNode }
  | { k: 'test'; v: ValueNode }
  | { k: 'cmp'; op: BaseOp; quant: Quantifier; explicit: boolean; a: ValueNode; b: ValueNode; opText: string; opPos: number; opEnd: number }
  | { k: 'in'; negated: boolean; quant: Quantifier; a: ValueNode; elems: Array<{ lo: ValueNode; hi: ValueNode | null }>; opPos: number; opEnd: number };

/** Comparison operators: symbol or word → base relation and Wireshark 4's default quantifier. */
const RELOPS: Record<string, [BaseOp, Quantifier]> = {
  '==': ['eq', 'any'], eq: ['eq', 'any'], any_eq: ['eq', 'any'],
  '!=': ['ne', 'all'], ne: ['ne', 'all'], all_ne: ['ne', 'all'],
  '===': ['eq', 'all'], all_eq: ['eq', 'all'],
  '!==': ['ne', 'any'], '~=': ['ne', 'any'], any_ne: ['ne', 'any'],
  '>': ['gt', 'any'], gt: ['gt', 'any'], '>=': ['ge', 'any'], ge: ['ge', 'any'],
  '<': ['lt', 'any'], lt: ['lt', 'any'], '<=': ['le', 'any'], le: ['le', 'any'],
  contains: ['contains', 'any'], matches: ['matches', 'any'], '~': ['matches', 'any'],
};

const KEYWORDS = new Set(['and', 'or', 'xor', 'not', 'in', 'any', 'all', 'bitwise_and', ...Object.keys(RELOPS).filter(k => /^[a-z_]+$/.test(k))]);

/** The error for a filter past MAX_FILTER_DEPTH: one line, without the (long) filter text. */
export function tooDeep(pos: number): FilterError {
  return new FilterError(`filter nested too deeply (more than ${MAX_FILTER_DEPTH} levels of parentheses, braces, functions, slices or operators)`, pos, 1, false);
}

function unexpected(t: Token): FilterError {
  if (t.kind === 'eof') return new FilterError('Unexpected end of filter expression.', t.pos, 0);
  return new FilterError(`"${t.text}" was unexpected in this context.`, t.pos, t.end - t.pos);
}

export function parseFilter(text: string): TestNode | null {
  const p = new Parser(text);
  if (p.lex.peek().kind === 'eof') return null;
  const t = p.expr();
  const rest = p.lex.next();
  if (rest.kind !== 'eof') throw unexpected(rest);
  return t;
}

class Parser {
  readonly lex: Lexer;
  /** Open nesting levels (MAX_FILTER_DEPTH): the parser and the compiler recurse over them. */
  private depth = 0;
  constructor(readonly text: string) { this.lex = new Lexer(text); }

  private enter(pos: number): void { if (++this.depth > MAX_FILTER_DEPTH) throw tooDeep(pos); }

  private isOp(t: Token, ...ops: string[]): boolean { return t.kind === 'op' && ops.includes(t.text); }
  private isWord(t: Token, ...words: string[]): boolean { return t.kind === 'word' && words.includes(t.text); }

  private expect(op: string): Token {
    const t = this.lex.next();
    if (!this.isOp(t, op)) throw unexpected(t);
    return t;
  }

  expr(): TestNode {
    let a = this.xor();
    for (;;) {
      const t = this.lex.peek();
      if (!(this.isWord(t, 'or') || this.isOp(t, '||'))) return a;
      this.lex.next();
      a = { k: 'or', a, b: this.xor() };
    }
  }

  private xor(): TestNode {
    let a = this.and();
    for (;;) {
      const t = this.lex.peek();
      if (!(this.isWord(t, 'xor') || this.isOp(t, '^^'))) return a;
      this.lex.next();
      a = { k: 'xor', a, b: this.and() };
    }
  }

  private and(): TestNode {
    let a = this.not();
    for (;;) {
      const t = this.lex.peek();
      if (!(this.isWord(t, 'and') || this.isOp(t, '&&'))) return a;
      this.lex.next();
      a = { k: 'and', a, b: this.not() };
    }
  }

  private not(): TestNode {
    const t = this.lex.peek();
    if (this.isWord(t, 'not') || this.isOp(t, '!')) {
      this.lex.next();
      this.enter(t.pos);
      const a = this.not();
      this.depth--;
      return { k: 'not', a };
    }
    if (this.isOp(t, '(')) {
      this.lex.next();
      this.enter(t.pos);
      const e = this.expr();
      this.expect(')');
      this.depth--;
      return e;
    }
    return this.relation();
  }

  private relation(): TestNode {
    let quant: Quantifier | null = null;
    const q = this.lex.peek();
    if (this.isWord(q, 'any', 'all')) {
      // A quantifier only when a value follows ("any ip.addr == …").
      const save = this.lex.pos;
      this.lex.next();
      const after = this.lex.peek();
      if (after.kind === 'eof' || (after.kind === 'op' && !this.isOp(after, '-', '{')) || (after.kind === 'word' && KEYWORDS.has(after.text))) this.lex.pos = save;
      else quant = q.text as Quantifier;
    }
    const a = this.value();
    const t = this.lex.peek();
    const rel = (t.kind === 'op' || (t.kind === 'word' && KEYWORDS.has(t.text))) && Object.hasOwn(RELOPS, t.text) ? RELOPS[t.text] : undefined;
    if (rel) {
      this.lex.next();
      const b = this.value();
      return { k: 'cmp', op: rel[0], quant: quant ?? rel[1], explicit: quant !== null, a, b, opText: t.text, opPos: t.pos, opEnd: t.end };
    }
    if (this.isWord(t, 'in') || this.isWord(t, 'not')) {
      this.lex.next();
      let negated = false;
      if (t.text === 'not') {
        const i = this.lex.next();
        if (!this.isWord(i, 'in')) throw unexpected(i);
        negated = true;
      }
      return { k: 'in', negated, quant: quant ?? 'any', a, elems: this.set(), opPos: t.pos, opEnd: t.end };
    }
    if (quant) throw new FilterError(`"${quant}" needs a comparison after it.`, q.pos, q.end - q.pos);
    return { k: 'test', v: a };
  }

  /** `{a, b, lo..hi}`; elements are separated by commas or, as older versions had it, spaces. */
  private set(): Array<{ lo: ValueNode; hi: ValueNode | null }> {
    this.expect('{');
    const elems: Array<{ lo: ValueNode; hi: ValueNode | null }> = [];
    for (;;) {
      const lo = this.unary();
      let hi: ValueNode | null = null;
      if (this.isOp(this.lex.peek(), '..')) { this.lex.next(); hi = this.unary(); }
      elems.push({ lo, hi });
      const t = this.lex.peek();
      if (this.isOp(t, '}')) { this.lex.next(); return elems; }
      if (this.isOp(t, ',')) this.lex.next();
      else if (t.kind === 'eof') throw unexpected(t);
    }
  }

  /** Bitwise and binds loosest among value operators, then + -, then * / %. */
  value(): ValueNode {
    let a = this.additive();
    const depth = this.depth;
    for (;;) {
      const t = this.lex.peek();
      if (!this.isOp(t, '&') && !this.isWord(t, 'bitwise_and')) { this.depth = depth; return a; }
      this.lex.next();
      this.enter(t.pos);
      const b = this.additive();
      a = { k: 'arith', op: '&', a, b, opPos: t.pos, pos: a.pos, end: b.end };
    }
  }

  private additive(): ValueNode {
    let a = this.multiplicative();
    const depth = this.depth;
    for (;;) {
      const t = this.lex.peek();
      if (!this.isOp(t, '+', '-')) { this.depth = depth; return a; }
      this.lex.next();
      this.enter(t.pos);
      const b = this.multiplicative();
      a = { k: 'arith', op: t.text as '+' | '-', a, b, opPos: t.pos, pos: a.pos, end: b.end };
    }
  }

  private multiplicative(): ValueNode {
    let a = this.unary();
    const depth = this.depth;
    for (;;) {
      const t = this.lex.peek();
      if (!this.isOp(t, '*', '/', '%')) { this.depth = depth; return a; }
      this.lex.next();
      this.enter(t.pos);
      const b = this.unary();
      a = { k: 'arith', op: t.text as '*' | '/' | '%', a, b, opPos: t.pos, pos: a.pos, end: b.end };
    }
  }

  private unary(): ValueNode {
    const t = this.lex.peek();
    if (this.isOp(t, '-') || this.isOp(t, '+')) {
      this.lex.next();
      this.enter(t.pos);
      const a = this.unary();
      this.depth--;
      return t.text === '-' ? { k: 'neg', a, pos: t.pos, end: a.end } : a;
    }
    return this.postfix();
  }

  private postfix(): ValueNode {
    let v = this.primary();
    const depth = this.depth;
    // field#2 or field#[1-2]: occurrences in the given protocol layers.
    if (this.text[this.lex.pos] === '#') {
      this.lex.pos++;
      let ranges: Range[];
      if (this.text[this.lex.pos] === '[') ranges = this.rangeList(this.lex.pos, true);
      else {
        const m = /^\d+/.exec(this.text.slice(this.lex.pos));
        if (!m) throw new FilterError(`Expected digit or "[", not "${this.text[this.lex.pos] ?? 'end of filter'}"`, this.lex.pos, 1);
        ranges = [{ start: parseInt(m[0], 10), len: 1 }];
        this.lex.pos += m[0].length;
      }
      v = { k: 'layer', base: v, ranges, pos: v.pos, end: this.lex.pos };
    }
    for (;;) {
      this.lex.skipSpace();
      if (this.text[this.lex.pos] !== '[') { this.depth = depth; return v; }
      this.enter(this.lex.pos);
      const ranges = this.rangeList(this.lex.pos, false);
      v = { k: 'slice', base: v, ranges, pos: v.pos, end: this.lex.pos };
    }
  }

  /** Reads `[r, r, …]` at `open` (the bracket), leaving the lexer after the closing bracket. */
  private rangeList(open: number, layers: boolean): Range[] {
    const close = this.text.indexOf(']', open);
    if (close < 0) throw new FilterError('Missing "]" after a range.', open, this.text.length - open);
    const body = this.text.slice(open + 1, close);
    const ranges: Range[] = [];
    let at = open + 1;
    for (const part of body.split(',')) {
      const m = /^\s*(-?\d+)?\s*(?:(:)\s*(\d+)?|-\s*(-?\d+))?\s*$/.exec(part);
      const where = (): [number, number] => [at + (part.length - part.trimStart().length), Math.max(1, part.trim().length)];
      if (!m || (m[1] === undefined && m[2] === undefined)) throw new FilterError(`"${part.trim()}" is not a valid range.`, ...where());
      const start = m[1] !== undefined ? parseInt(m[1], 10) : 0;
      let r: Range;
      if (m[2]) r = m[3] !== undefined ? { start, len: parseInt(m[3], 10) } : { start, toEnd: true };
      else if (m[4] !== undefined) {
        const end = parseInt(m[4], 10);
        if (end >= 0 && start >= 0 && end < start) throw new FilterError(`Range end ${end} is before its start ${start}.`, ...where());
        r = { start, end };
      } else r = { start, len: 1 };
      if (layers && (start < 0 || (r.end !== undefined && r.end < 0))) throw new FilterError('Layer numbers cannot be negative.', ...where());
      if (r.len === 0) throw new FilterError('A range cannot have length 0.', ...where());
      ranges.push(r);
      at += part.length + 1;
    }
    this.lex.pos = close + 1;
    return ranges;
  }

  private primary(): ValueNode {
    const t = this.lex.next();
    switch (t.kind) {
      case 'word': {
        if (KEYWORDS.has(t.text)) throw unexpected(t);
        if (this.isOp(this.lex.peek(), '(')) {
          this.lex.next();
          this.enter(t.pos);
          const args: ValueNode[] = [];
          if (!this.isOp(this.lex.peek(), ')')) {
            for (;;) {
              args.push(this.value());
              const s = this.lex.next();
              if (this.isOp(s, ')')) break;
              if (!this.isOp(s, ',')) throw unexpected(s);
            }
          } else this.lex.next();
          this.depth--;
          return { k: 'call', name: t.text, args, namePos: t.pos, pos: t.pos, end: this.lex.pos };
        }
        return { k: 'word', text: t.text, pos: t.pos, end: t.end };
      }
      case 'string': return { k: 'string', bytes: t.bytes!, text: t.text, pos: t.pos, end: t.end };
      case 'char': return { k: 'char', code: t.code!, text: t.text, pos: t.pos, end: t.end };
      case 'op':
        if (t.text === '{') {
          // Braces group arithmetic ({a + b} * 2); parentheses group logical tests.
          this.enter(t.pos);
          const v = this.value();
          const c = this.expect('}');
          this.depth--;
          return { ...v, pos: t.pos, end: c.end };
        }
        if (t.text === '$') throw new FilterError('Field references (${…}) need a selected packet and are not available here.', t.pos, 1);
        throw unexpected(t);
      default:
        throw unexpected(t);
    }
  }
}
