// A bad filter names the problem and points at it: message, offset (0-based), length.
import { describe, expect, it } from 'vitest';
import { checkFilter, compileFilter, FilterError } from '../../dissector/filter/index.js';

/** [filter, message, the text the error points at ('' = the end of the filter)] */
const ERRORS: Array<[string, string, string]> = [
  // unknown names
  ['mip.foo == 1', '"mip.foo" is not a valid protocol or protocol field.', 'mip.foo'],
  ['mip.foo', '"mip.foo" is not a valid protocol or protocol field.', 'mip.foo'],
  ['mip.type == 1 && mip.bar', '"mip.bar" is not a valid protocol or protocol field.', 'mip.bar'],
  ['1 == mip.bar', '"mip.bar" is not a valid protocol or protocol field.', 'mip.bar'],
  ['mip.life == foo.bar', '"foo.bar" is not a valid protocol or protocol field.', 'foo.bar'],
  ['ip.src == ip.foo', '"ip.foo" is not a valid protocol or protocol field.', 'ip.foo'],
  ['5', '"5" is not a valid protocol or protocol field.', '5'],
  ['"abc"', '"abc" is a string, not a protocol or protocol field.', '"abc"'],
  ['foo(mip.nai) == 1', "The function 'foo' does not exist.", 'foo'],
  // syntax
  ['mip.type ==', 'Unexpected end of filter expression.', ''],
  ['mip.type == 1 and', 'Unexpected end of filter expression.', ''],
  ['(mip.type == 1', 'Unexpected end of filter expression.', ''],
  ['mip.type == 1)', '")" was unexpected in this context.', ')'],
  ['mip.type = 1', '"=" was unexpected in this context.', '='],
  ['mip.type == 1 and or mip', '"or" was unexpected in this context.', 'or'],
  ['mip.type == 1 ^ 2', '"^" was unexpected in this context.', '^'],
  ['mip.s == 3 4', '"4" was unexpected in this context.', '4'],
  ['mip.type in {1..}', '"}" was unexpected in this context.', '}'],
  ['mip.type in {}', '"}" was unexpected in this context.', '}'],
  ['any mip.type', '"any" needs a comparison after it.', 'any'],
  ['mip.nai == "abc', 'The final quote was missing from a quoted string.', '"abc'],
  ['mip.nai == "a\\qb"', '\\q is not a valid character escape sequence', '\\q'],
  ["mip.nai == 'ab'", 'A character constant must contain exactly one character.', "'ab'"],
  ['ip.src#-1 == 1.2.3.4', 'Expected digit or "[", not "-"', '-'],
  ['eth.src[x] == 01', '"x" is not a valid range.', 'x'],
  ['eth.src[3-1] == 01', 'Range end 1 is before its start 3.', '3-1'],
  ['eth.src[1:0] == 01', 'A range cannot have length 0.', '1:0'],
  ['eth.src[1:2 == 01', 'Missing "]" after a range.', '[1:2 == 01'],
  ['${mip.type} == 1', 'Field references (${…}) need a selected packet and are not available here.', '$'],
  // literal types
  ['mip.life == 99999999999', '"99999999999" too big for this field, maximum 65535.', '99999999999'],
  ['icmp.pref_level == 4294967295', '"4294967295" too big for this field, maximum 2147483647.', '4294967295'],
  ['mip.life == 1799.0', '"1799.0" is not a valid number.', '1799.0'],
  ['mip.life == 08', '"08" is not a valid number.', '08'],
  ['mip.life == 1_800', '"1_800" is not a valid number.', '1_800'],
  ['mip.code == Reg', '"Reg" cannot be found among the possible values for mip.code.', 'Reg'],
  ['mip.code == "0"', '"0" cannot be found among the possible values for mip.code.', '"0"'],
  ['mip.life == "1800"', 'Unsigned integer (2 bytes) cannot be converted from a string ("1800").', '"1800"'],
  ['mip.s == yes', '"yes" cannot be found among the possible values for mip.s.', 'yes'],
  ['_ws.expert.severity == "Fatal"', '"Fatal" cannot be found among the possible values for _ws.expert.severity.', '"Fatal"'],
  ['ip.src == 10.0.0.300', '"10.0.0.300" is not a valid hostname or IPv4 address.', '10.0.0.300'],
  ['ip.src == 10.0.0.0/33', 'Netmask bits in a CIDR IPv4 address should be <= 32, not 33', '10.0.0.0/33'],
  ['ip.src == "10.1.0.5"', 'IPv4 address cannot be converted from a string ("10.1.0.5").', '"10.1.0.5"'],
  ['eth.src == 02:00', '"02:00" contains too few bytes to be a valid Ethernet address.', '02:00'],
  ['eth.src == 02:00:00:00:00:00:00', '"02:00:00:00:00:00:00" contains too many bytes to be a valid Ethernet address.', '02:00:00:00:00:00:00'],
  ['eth.src == "02:00:00:00:01:01"', 'Ethernet or other MAC address cannot be converted from a string ("02:00:00:00:01:01").', '"02:00:00:00:01:01"'],
  ['mip.auth.auth == 0xzz', '"0xzz" is not a valid byte string.', '0xzz'],
  ['frame.time == 1790000001', '"1790000001" is not a valid absolute time. Example: "Nov 12, 1999 08:55:44.123" or "2011-07-04 12:34:56"', '1790000001'],
  ['frame.time == "Sep 21 2026 14:13:20"', '"Sep 21 2026 14:13:20" is not a valid absolute time. Example: "Nov 12, 1999 08:55:44.123" or "2011-07-04 12:34:56"', '"Sep 21 2026 14:13:20"'],
  ['frame.time_delta == "0.037"', 'Time offset cannot be converted from a string ("0.037").', '"0.037"'],
  ['frame.time_relative >= 1s', '"1s" is not a valid time.', '1s'],
  // operators that a type does not have
  ['mip.type contains 1', 'mip.type (type=Unsigned integer (1 byte)) cannot participate in contains comparison.', 'mip.type'],
  ['mip.type matches "x"', 'mip.type (type=Unsigned integer (1 byte)) cannot participate in matches comparison.', 'mip.type'],
  ['_ws.expert == 1', '_ws.expert (type=Label) cannot participate in "==" comparison.', '_ws.expert'],
  ['mip.ext.len.overrun == 1', 'mip.ext.len.overrun (an expert item) cannot participate in "==" comparison.', 'mip.ext.len.overrun'],
  ['mip.nai matches mn1', 'Matches requires a double quoted string on the right side.', 'mn1'],
  ['mip.nai matches "("', 'Regex compilation error: Unterminated group.', '"("'],
  ['mip.nai matches "(?i:abc)"', 'Regex compilation error: option settings are supported only at the start of the pattern.', '"(?i:abc)"'],
  ['mip.nai matches "a++"', 'Regex compilation error: possessive quantifiers (*+, ++, ?+) are not supported.', '"a++"'],
  ['mip.type == mip.nai', 'mip.type and mip.nai are not of compatible types.', 'mip.nai'],
  ['mip.type == ip.src', 'mip.type and ip.src are not of compatible types.', 'ip.src'],
  ['mip.type in {ip.src}', 'mip.type and ip.src are not of compatible types.', 'ip.src'],
  ['mip.type in {1..mip.code}', 'The ends of a range in a set must be literal values.', 'mip.code'],
  ['mip.life[0:1] == 07', '"mip.life" is a Unsigned integer (2 bytes) and cannot be sliced into a sequence of bytes.', 'mip.life'],
  ['mip & 1', 'mip (type=Protocol) cannot be used with "&".', 'mip'],
  ['mip.s & 1', 'mip.s (type=Boolean) cannot be used with "&".', 'mip.s'],
  ['frame.time_delta * 2 > 0.07', 'frame.time_delta (type=Time offset) cannot be used with "*".', 'frame.time_delta'],
  ['mip.life == 1 / 0', 'Division by zero.', '1 / 0'],
  ['-mip.nai', 'Character string cannot be negated.', '-mip.nai'],
  // functions
  ['len(mip.nai)', 'You cannot test whether a function is present.', 'len'],
  ['len(mip.nai, mip.life) == 1', 'Function len() takes exactly one argument, not 2.', 'len(mip.nai, mip.life)'],
  ['len(5) == 1', 'The argument of len() must be a field, a slice or a function, not the literal 5.', '5'],
  ['count(mip.nai[0:1]) == 1', 'count() takes a field.', 'mip.nai[0:1]'],
  ['upper(mip.life) == "A"', 'Only strings can be used in upper(), not Unsigned integer (2 bytes).', 'mip.life'],
  ['string(mip.s) == "1"', 'String conversion for field "mip.s" is not supported', 'mip.s'],
  ['max(mip.nai) == "a"', 'max() takes numbers or times, not Character string.', 'max(mip.nai)'],
];

describe('error messages and positions', () => {
  for (const [filter, message, at] of ERRORS) {
    it(filter, () => {
      const e = checkFilter(filter);
      expect(e, 'the filter should be rejected').toBeInstanceOf(FilterError);
      expect(e!.message).toBe(message);
      const offset = at === '' ? filter.length : filter.indexOf(at);
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(filter.slice(e!.offset, e!.offset + e!.length)).toBe(at);
      expect(e!.column).toBe(offset + 1);
    });
  }

  it('compileFilter throws the same error', () => {
    expect(() => compileFilter('mip.foo == 1')).toThrow(FilterError);
    expect(checkFilter('mip.type == 1')).toBeNull();
  });

  it('describe() prints the filter with a caret line under the offending token, as tshark does', () => {
    const text = 'mip.type == 1 && mip.foo';
    const e = checkFilter(text)!;
    expect(e.describe(text)).toBe([
      '"mip.foo" is not a valid protocol or protocol field.',
      '    mip.type == 1 && mip.foo',
      '                     ^~~~~~~',
    ].join('\n'));
    const end = checkFilter('mip.type ==')!;
    expect(end.caret()).toBe(' '.repeat(11) + '^');
  });
});
