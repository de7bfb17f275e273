// Display filters cost bounded stack: nesting past MAX_FILTER_DEPTH is one clear error (for the
// CLI: one line, exit 2; for the TUI: checkFilter's result), long flat and/or chains work.
import { describe, expect, it } from 'vitest';
import { checkFilter, compileFilter } from '../../dissector/filter/index.js';
import { MAX_FILTER_DEPTH } from '../../dissector/limits.js';
import { HOSTILE } from '../../bench/hostile.js';
import { dissectAll, runCli } from '../helpers.js';

const deep = (n: number): Record<string, string> => ({
  braces: 'mip.type == ' + '{'.repeat(n) + '1' + '}'.repeat(n),
  parens: '('.repeat(n) + 'mip' + ')'.repeat(n),
  len: 'len('.repeat(n) + 'mip.nai' + ')'.repeat(n) + ' > 0',
  slices: 'frame' + '[0:4]'.repeat(n) + ' == 01:02:03:04',
  not: 'not '.repeat(n) + 'mip',
  minus: 'mip.life == ' + '-'.repeat(n) + '1',
  arithmetic: 'mip.life == ' + Array(n).fill('1').join(' + '),
  mixed: 'len({'.repeat(n) + 'mip.nai' + '})'.repeat(n) + ' > 0',
});

describe('display filter nesting limit', () => {
  for (const [name, text] of Object.entries(deep(3000))) {
    it(`${name} nested 3000 deep: "filter nested too deeply"`, () => {
      const e = checkFilter(text);
      expect(e?.message).toMatch(/^filter nested too deeply/);
      expect(e!.describe(text)).not.toContain('\n');
    });
  }

  it('nesting up to the limit still compiles', () => {
    const n = MAX_FILTER_DEPTH - 10;
    for (const name of ['braces', 'parens', 'slices', 'not', 'arithmetic'] as const) expect(checkFilter(deep(n)[name]!), name).toBeNull();
  });

  it('flat chains of 50,000 and/or terms compile and evaluate in a loop', () => {
    const [pkt] = dissectAll(HOSTILE['nested-tunnel']!.frames(1));
    expect(compileFilter(Array(50_000).fill('mip').join(' and ')).match(pkt!)).toBe(true);
    expect(compileFilter(Array(50_000).fill('mip').join(' and ') + ' and icmp').match(pkt!)).toBe(false);
    expect(compileFilter(Array(50_000).fill('icmp').join(' || ') + ' || mip').match(pkt!)).toBe(true);
    expect(compileFilter(Array(50_001).fill('mip').join(' ^^ ')).match(pkt!)).toBe(true);
    expect(compileFilter(Array(50_000).fill('mip').join(' ^^ ')).match(pkt!)).toBe(false);
  });

  it('the CLI prints one line and exits 2', () => {
    const r = runCli(['-r', 'samples/demo.pcapng', '-Y', deep(3000).braces!]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^mipscope: filter nested too deeply/)]);
  });
});
