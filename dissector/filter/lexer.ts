// Tokens of the display-filter language. The lexer is pulled by the parser one token at a
// time, because slices (`[1:2]`) and layers (`#2`) are read from the raw text.
import { FilterError } from './errors.js';

export type TokenKind = 'word' | 'string' | 'char' | 'op' | 'eof';

export interface Token {
  kind: TokenKind;
  /** The token as written (for strings: with quotes). */
  text: string;
  /** 0-based offset in the filter text. */
  pos: number;
  end: number;
  /** String literal bytes (escapes resolved) or the code of a character constant. */
  bytes?: Uint8Array;
  code?: number;
}

const OPS = ['===', '!==', '==', '!=', '~=', '<=', '>=', '&&', '||', '^^', '..', '<', '>', '!', '~', '&', '(', ')', '{', '}', '[', ']', ',', '+', '-', '*', '/', '%', '#', '$', '@'];

const WORD_START = /[A-Za-z0-9_:]/;
const WORD_CHAR = /[A-Za-z0-9_.:\-]/;
const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

const SIMPLE_ESCAPES: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, '"': 34, "'": 39, '?': 63 };

function utf8(code: number, out: number[]): void {
  if (code < 0x80) out.push(code);
  else if (code < 0x800) out.push(0xc0 | (code >> 6), 0x80 | (code & 63));
  else if (code < 0x10000) out.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
  else out.push(0xf0 | (code >> 18), 0x80 | ((code >> 12) & 63), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
}

export class Lexer {
  pos = 0;
  constructor(readonly text: string) {}

  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  /** The next token, without consuming it. */
  peek(): Token {
    const save = this.pos;
    const t = this.next();
    this.pos = save;
    return t;
  }

  next(): Token {
    this.skipSpace();
    const s = this.text, start = this.pos;
    if (start >= s.length) return { kind: 'eof', text: '', pos: s.length, end: s.length };
    const ch = s[start]!;
    if (ch === '"') return this.string(start, start + 1, false);
    if (ch === 'r' && s[start + 1] === '"') return this.string(start, start + 2, true);
    if (ch === "'") return this.char(start);
    if (WORD_START.test(ch)) {
      let i = start + 1;
      // A word stops at "..", the range operator of sets: {64..127}.
      while (i < s.length && WORD_CHAR.test(s[i]!) && !(s[i] === '.' && s[i + 1] === '.')) i++;
      let word = s.slice(start, i);
      // CIDR: 10.0.0.0/8 is one literal (elsewhere '/' divides).
      if (IPV4.test(word) && s[i] === '/' && /\d/.test(s[i + 1] ?? '')) {
        i++;
        while (i < s.length && /\d/.test(s[i]!)) i++;
        word = s.slice(start, i);
      }
      this.pos = i;
      return { kind: 'word', text: word, pos: start, end: i };
    }
    for (const op of OPS) {
      if (s.startsWith(op, start)) {
        this.pos = start + op.length;
        return { kind: 'op', text: op, pos: start, end: this.pos };
      }
    }
    throw new FilterError(`"${ch}" was unexpected in this context.`, start, 1);
  }

  /** Reads one escape sequence at `i` (the backslash); returns the next index. */
  private escape(i: number, out: number[]): number {
    const s = this.text;
    const c = s[i + 1];
    if (c === undefined) throw new FilterError('The final quote was missing from a quoted string.', i, 1);
    if (c in SIMPLE_ESCAPES) { out.push(SIMPLE_ESCAPES[c]!); return i + 2; }
    if (c === 'x') {
      const m = /^[0-9a-fA-F]{1,2}/.exec(s.slice(i + 2, i + 4));
      if (!m) throw new FilterError(`\\x has no following hex digits`, i, 2);
      out.push(parseInt(m[0], 16));
      return i + 2 + m[0].length;
    }
    if (/[0-7]/.test(c)) {
      const m = /^[0-7]{1,3}/.exec(s.slice(i + 1, i + 4))!;
      const v = parseInt(m[0], 8);
      if (v > 255) throw new FilterError(`\\${m[0]} is not a valid octal escape (more than 255)`, i, 1 + m[0].length);
      out.push(v);
      return i + 1 + m[0].length;
    }
    if (c === 'u' || c === 'U') {
      const n = c === 'u' ? 4 : 8;
      const digits = s.slice(i + 2, i + 2 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(digits)) throw new FilterError(`\\${c} needs ${n} hex digits`, i, 2 + digits.length);
      const code = parseInt(digits, 16);
      if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) throw new FilterError(`\\${c}${digits} is not a valid universal character name`, i, 2 + n);
      utf8(code, out);
      return i + 2 + n;
    }
    throw new FilterError(`\\${c} is not a valid character escape sequence`, i, 2);
  }

  private string(start: number, from: number, raw: boolean): Token {
    const s = this.text;
    const out: number[] = [];
    let i = from;
    for (;;) {
      if (i >= s.length) throw new FilterError('The final quote was missing from a quoted string.', start, s.length - start);
      const c = s[i]!;
      if (c === '"') { i++; break; }
      if (c === '\\') {
        if (raw) {
          // Raw strings keep backslashes; \" still does not end the string.
          out.push(92);
          if (s[i + 1] === '"' || s[i + 1] === '\\') { out.push(s.charCodeAt(i + 1)); i += 2; } else i++;
          continue;
        }
        i = this.escape(i, out);
        continue;
      }
      const cp = s.codePointAt(i)!;
      utf8(cp, out);
      i += cp > 0xffff ? 2 : 1;
    }
    this.pos = i;
    return { kind: 'string', text: s.slice(start, i), pos: start, end: i, bytes: Uint8Array.from(out) };
  }

  private char(start: number): Token {
    const s = this.text;
    const out: number[] = [];
    let i = start + 1;
    if (s[i] === '\\') i = this.escape(i, out);
    else if (i < s.length && s[i] !== "'") { const cp = s.codePointAt(i)!; out.push(cp); i += cp > 0xffff ? 2 : 1; }
    if (s[i] !== "'" || out.length !== 1) {
      const end = s.indexOf("'", start + 1);
      throw new FilterError('A character constant must contain exactly one character.', start, (end < 0 ? s.length : end + 1) - start);
    }
    i++;
    this.pos = i;
    return { kind: 'char', text: s.slice(start, i), pos: start, end: i, code: out[0]! };
  }
}
