// `matches` takes PCRE2 patterns, as Wireshark does, case-insensitive unless the pattern starts
// with (?-i). JavaScript regular expressions lack a few PCRE constructs; the common ones are
// rewritten, the others are refused with a clear message rather than matched differently.

export class RegexError extends Error {}

const POSIX: Record<string, string> = {
  alpha: 'a-zA-Z', digit: '0-9', alnum: 'a-zA-Z0-9', upper: 'A-Z', lower: 'a-z', space: '\\t\\n\\v\\f\\r ',
  xdigit: '0-9A-Fa-f', punct: '!-\\/:-@\\[-`{-~', blank: ' \\t', cntrl: '\\x00-\\x1f\\x7f', print: ' -~', graph: '!-~',
  word: '\\w', ascii: '\\x00-\\x7f',
};

function codeUnits(cp: number): string {
  const hex = (n: number) => '\\u' + n.toString(16).padStart(4, '0');
  if (cp <= 0xffff) return hex(cp);
  const v = cp - 0x10000;
  return hex(0xd800 + (v >> 10)) + hex(0xdc00 + (v & 0x3ff));
}

function escapeLiteral(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

/** Translates a PCRE2 pattern into a JavaScript RegExp. */
export function compilePcre(pattern: string): RegExp {
  const flags = new Set(['i']);
  let p = pattern;
  // Option settings at the very start apply to the whole pattern: (?i) (?-i) (?s) (?m) (?x) …
  for (;;) {
    const m = /^\(\?([a-zA-Z]*)(?:-([a-zA-Z]*))?\)/.exec(p);
    if (!m || (!m[1] && m[2] === undefined)) break;
    for (const [letters, on] of [[m[1] ?? '', true], [m[2] ?? '', false]] as const) {
      for (const c of letters) {
        if (!'imsx'.includes(c)) throw new RegexError(`the option (?${c}) is not supported`);
        if (on) flags.add(c); else flags.delete(c);
      }
    }
    p = p.slice(m[0].length);
  }
  const extended = flags.delete('x');
  let out = '';
  let inClass = false;
  let lastWasQuantifier = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    const quantified: boolean = lastWasQuantifier;
    lastWasQuantifier = false;
    if (c === '\\') {
      const n = p[i + 1];
      if (n === undefined) throw new RegexError('\\ at end of pattern');
      i++;
      switch (n) {
        case 'A': out += inClass ? 'A' : '(?<![\\s\\S])'; break;
        case 'z': out += inClass ? 'z' : '(?![\\s\\S])'; break;
        case 'Z': out += inClass ? 'Z' : '(?=\\n?(?![\\s\\S]))'; break;
        case 'h': out += inClass ? '\\t ' : '[\\t ]'; break;
        case 'H': if (inClass) throw new RegexError('\\H inside a character class is not supported'); out += '[^\\t ]'; break;
        case 'e': out += '\\x1b'; break;
        case 'a': out += '\\x07'; break;
        case 'Q': {
          const end = p.indexOf('\\E', i + 1);
          const lit = p.slice(i + 1, end < 0 ? p.length : end);
          out += escapeLiteral(lit);
          i = end < 0 ? p.length : end + 1;
          break;
        }
        case 'E': break;
        case 'x': {
          if (p[i + 1] === '{') {
            const end = p.indexOf('}', i);
            const hex = p.slice(i + 2, end);
            if (end < 0 || !/^[0-9a-fA-F]{1,6}$/.test(hex)) throw new RegexError('malformed \\x{…} escape');
            out += codeUnits(parseInt(hex, 16));
            i = end;
          } else {
            // PCRE reads up to two hex digits (none = NUL); JavaScript wants exactly two.
            const hex = /^[0-9a-fA-F]{0,2}/.exec(p.slice(i + 1))![0];
            out += '\\x' + hex.padStart(2, '0');
            i += hex.length;
          }
          break;
        }
        case 'g': {
          const m = /^(?:\{(\d+)\}|(\d+))/.exec(p.slice(i + 1));
          if (!m) throw new RegexError('only numbered \\g back references are supported');
          out += '\\' + (m[1] ?? m[2]);
          i += m[0].length;
          break;
        }
        case 'K': case 'R': case 'X': case 'C': case 'G': case 'p': case 'P': case 'N': case 'V': case 'v':
          throw new RegexError(`\\${n} is not supported`);
        default: out += '\\' + n;
      }
      continue;
    }
    if (inClass) {
      if (c === '[' && p[i + 1] === ':') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(p.slice(i));
        if (m && POSIX[m[2]!] !== undefined) {
          if (m[1]) throw new RegexError(`[:^${m[2]}:] is not supported`);
          out += POSIX[m[2]!];
          i += m[0].length - 1;
          continue;
        }
      }
      if (c === '[') { out += '\\['; continue; }
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (extended) {
      if (/\s/.test(c)) continue;
      if (c === '#') { while (i < p.length && p[i] !== '\n') i++; continue; }
    }
    if (c === '[') {
      inClass = true;
      out += c;
      // A ] right after [ or [^ is a literal in PCRE.
      if (p[i + 1] === '^') { out += '^'; i++; }
      if (p[i + 1] === ']') { out += '\\]'; i++; }
      continue;
    }
    if (c === '(' && p[i + 1] === '?') {
      const rest = p.slice(i + 2);
      if (/^(:|=|!|<=|<!|<[A-Za-z_])/.test(rest)) { out += '(?'; i++; continue; }
      const named = /^P<([A-Za-z_]\w*)>/.exec(rest);
      if (named) { out += `(?<${named[1]}>`; i += 1 + named[0].length; continue; }
      const ref = /^P=([A-Za-z_]\w*)\)/.exec(rest);
      if (ref) { out += `\\k<${ref[1]}>`; i += 1 + ref[0].length; continue; }
      if (rest.startsWith('#')) { const end = p.indexOf(')', i); i = end < 0 ? p.length : end; continue; }
      if (rest.startsWith('>')) throw new RegexError('atomic groups (?>…) are not supported');
      if (/^[a-zA-Z-]*[:)]/.test(rest)) throw new RegexError('option settings are supported only at the start of the pattern');
      throw new RegexError(`the group (?${rest.slice(0, 2)} is not supported`);
    }
    if (c === '+' && quantified) throw new RegexError('possessive quantifiers (*+, ++, ?+) are not supported');
    if (c === '*' || c === '+' || c === '?') {
      lastWasQuantifier = !quantified || c !== '?';
      out += c;
      continue;
    }
    if (c === '{') {
      const m = /^\{\d*(,\d*)?\}/.exec(p.slice(i));
      if (m && m[0] !== '{}' && m[0] !== '{,}') { out += m[0]; i += m[0].length - 1; lastWasQuantifier = true; continue; }
      out += '\\{';
      continue;
    }
    if (c === '}') { out += '\\}'; continue; }
    out += c;
  }
  try {
    return new RegExp(out, [...flags].join(''));
  } catch (e) {
    throw new RegexError((e as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, ''));
  }
}
