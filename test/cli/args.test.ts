// One option parser for every command: the main command, check, tui and live capture.
import { describe, expect, it } from 'vitest';
import { defaultOptions, parseArgs, UsageError } from '../../cli/args.js';

describe('parseArgs', () => {
  it('gives every subcommand the same Options for the shared flags', () => {
    const argv = ['-r', 'a.pcapng', '--keys', 'k.json', '-o', 'mip.udp.port:4340', '-Y', 'mip', '-2', '-c', '5'];
    const main = parseArgs(argv), check = parseArgs(argv, { subcommand: 'check' }), tui = parseArgs(argv, { subcommand: 'tui' });
    for (const o of [main, check, tui]) {
      expect(o).toMatchObject({ read: 'a.pcapng', keys: 'k.json', prefs: ['mip.udp.port:4340'], displayFilter: 'mip', twoPass: true, count: 5 });
    }
    expect([main.command, check.command, tui.command]).toEqual(['analyze', 'check', 'tui']);
    expect(parseArgs(['tui', '-r', 'x']).command).toBe('tui');
  });

  it('-o is a preference in check too; the report has --output', () => {
    const o = parseArgs(['-r', 'x', '-o', 'mip.udp.port:4340', '--output', 'r.xml', '--format', 'junit'], { subcommand: 'check' });
    expect(o.prefs).toEqual(['mip.udp.port:4340']);
    expect(o.check).toMatchObject({ output: 'r.xml', format: 'junit' });
  });

  it('subcommand options are refused elsewhere, output flags in check and tui', () => {
    expect(() => parseArgs(['--output', 'r.xml'])).toThrow(new UsageError("unknown option --output (see 'mipscope -h')"));
    expect(() => parseArgs(['-T', 'json'], { subcommand: 'tui' })).toThrow("option -T is not an option of 'mipscope tui'");
    expect(() => parseArgs(['--list-rules=1'], { subcommand: 'check' })).toThrow('option --list-rules takes no value');
  });

  it('-z and -q are collected', () => {
    const o = parseArgs(['-r', 'x', '-q', '-z', 'io,stat,1', '-z', 'mip,reg']);
    expect(o.quiet).toBe(true);
    expect(o.statistics).toEqual(['io,stat,1', 'mip,reg']);
  });

  it('defaults', () => {
    expect(parseArgs([])).toEqual(defaultOptions());
  });
});
