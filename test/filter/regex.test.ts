// PCRE2 patterns of `matches`, run as JavaScript regular expressions.
import { describe, expect, it } from 'vitest';
import { compilePcre, RegexError } from '../../dissector/filter/index.js';

describe('PCRE patterns', () => {
  const yes: Array<[string, string]> = [
    ['abc', 'xABCx'], ['(?-i)abc', 'abc'], ['(?s)a.b', 'a\nb'], ['(?m)^b$', 'a\nb\nc'], ['(?x) a b  # spaced out', 'ab'],
    ['(?i)(?s)A.B', 'a\nb'], ['\\Aab\\z', 'ab'], ['\\Aab\\Z', 'ab\n'], ['[[:digit:]]+[[:alpha:]]', '42x'], ['[[:xdigit:]]{4}', 'beef'],
    ['\\Qa.b\\E', 'a.b'], ['\\x{41}', 'A'], ['\\x41', 'A'], ['\\x9', '\t'], ['(?P<n>a)(?P=n)', 'aa'], ['(?#note)a', 'a'],
    ['[]a]', ']'], ['[^]a]', 'b'], ['a{', 'a{'], ['a{2}', 'aa'], ['a}', 'a}'], ['\\h\\H', ' x'], ['(a)\\g1', 'aa'], ['(a)\\g{1}', 'aa'],
    ['a*?b', 'aab'], ['(?<=a)b', 'ab'], ['(?:ab)+', 'abab'], ['\\e', '\x1b'],
  ];
  for (const [pattern, subject] of yes) it(`${pattern} matches ${JSON.stringify(subject)}`, () => expect(compilePcre(pattern).test(subject)).toBe(true));

  const no: Array<[string, string]> = [
    ['(?-i)abc', 'ABC'], ['a.b', 'a\nb'], ['^b$', 'a\nb\nc'], ['\\Aab\\z', 'ab\n'], ['\\Aab\\z', 'xab'], ['\\Qa.b\\E', 'axb'],
    ['[]a]', 'b'], ['a{2}', 'a'], ['(?x)a b', 'a b'],
  ];
  for (const [pattern, subject] of no) it(`${pattern} does not match ${JSON.stringify(subject)}`, () => expect(compilePcre(pattern).test(subject)).toBe(false));

  const refused: Array<[string, RegExp]> = [
    ['(?>a)', /atomic/], ['a++', /possessive/], ['a*+', /possessive/], ['(?i:a)', /start of the pattern/], ['a(?i)b', /start of the pattern/],
    ['\\p{L}', /\\p is not supported/], ['(?J)a', /\(\?J\) is not supported/], ['(', /Unterminated group/], ['a\\', /end of pattern/],
    ['[[:^alpha:]]', /not supported/], ['(?|a)', /not supported/],
  ];
  for (const [pattern, why] of refused) {
    it(`refuses ${pattern}`, () => {
      expect(() => compilePcre(pattern)).toThrow(RegexError);
      expect(() => compilePcre(pattern)).toThrow(why);
    });
  }
});
