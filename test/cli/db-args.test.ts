// index, sql and stats read their flags with the one parser of every command (cli/args.ts):
// the same flags as before, and bad ones are one line and exit code 2.
import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from '../../cli/args.js';
import { parseIndexArgs } from '../../cli/index-cmd.js';
import { runCli } from '../helpers.js';

describe('index, sql and stats on the shared option parser', () => {
  it('index: files, the database, the keys, preferences and jobs', () => {
    const a = parseIndexArgs(['a.pcapng', '--db', 'x.duckdb', 'dir/', '--keys', 'k.json', '-o', 'mip.udp.port:4340', '--jobs=3', '--parquet', 'lake', '-']);
    expect(a).toMatchObject({ inputs: ['a.pcapng', 'dir/', '-'], db: 'x.duckdb', keys: 'k.json', prefs: ['mip.udp.port:4340'], jobs: 3, parquet: 'lake', help: false });
    expect(parseIndexArgs(['f', '-j', '2']).jobs).toBe(2);
    expect(parseIndexArgs(['f', '-j2']).jobs).toBe(2);
    expect(parseIndexArgs(['f']).jobs).toBeGreaterThan(0);
    expect(parseIndexArgs(['f', '--clickhouse', 'http://a:8123, http://b:8123', '--cluster', 'probes', '--database', 'm'])).toMatchObject({ clickhouse: ['http://a:8123', 'http://b:8123'], cluster: 'probes', database: 'm' });
    expect(parseIndexArgs(['--help']).help).toBe(true);
    expect(parseIndexArgs(['-h']).help).toBe(true);
    for (const [argv, msg] of [
      [['f', '--jobs', '0'], "invalid --jobs value '0': expected a positive integer"],
      [['f', '-j', 'x'], "invalid --jobs value 'x': expected a positive integer"],
      [['f', '--frobnicate'], "unknown option --frobnicate (see 'mipscope index --help')"],
      [['f', '-Y', 'mip'], "option -Y is not an option of 'mipscope index' (see 'mipscope index --help')"],
      [['f', '--db'], 'option --db requires an argument'],
      [['f', '--cluster', 'c'], '--cluster needs --clickhouse URL,...'],
      [['f', '--clickhouse', 'http://a', '--parquet', 'p'], '--parquet writes beside a DuckDB database, not with --clickhouse'],
    ] as const) expect(() => parseIndexArgs(argv), argv.join(' ')).toThrow(new UsageError(msg));
  });

  it('sql: the query words, -T table|json|csv, the database', () => {
    const o = parseArgs(['--db', 'x.duckdb', '-T', 'csv', 'SELECT', '1', '-2', '--nothing'], { subcommand: 'sql' });
    expect(o).toMatchObject({ store: { db: 'x.duckdb' }, queryFormat: 'csv', operands: ['SELECT', '1', '-2', '--nothing'] });
    expect(o.displayFilter).toBeUndefined();
    // sql's own flags still count after the query.
    expect(parseArgs(['SELECT 1', '-T', 'json'], { subcommand: 'sql' })).toMatchObject({ queryFormat: 'json', operands: ['SELECT 1'] });
    expect(parseArgs(['SELECT 1'], { subcommand: 'sql' }).queryFormat).toBe('table');
    expect(() => parseArgs(['-T', 'psml', 'SELECT 1'], { subcommand: 'sql' })).toThrow(new UsageError("invalid -T value 'psml': expected table, json or csv"));
    expect(() => parseArgs(['--keys', 'k', 'SELECT 1'], { subcommand: 'sql' })).toThrow(new UsageError("unknown option --keys (see 'mipscope sql --help')"));
    expect(() => parseArgs(['--parquet', 'p', 'SELECT 1'], { subcommand: 'sql' })).toThrow(/unknown option --parquet/);
  });

  it('the database flags are refused by the other commands', () => {
    expect(() => parseArgs(['--db', 'x'])).toThrow(new UsageError("unknown option --db (see 'mipscope -h')"));
    expect(() => parseArgs(['--jobs', '2'], { subcommand: 'check' })).toThrow(/unknown option --jobs/);
    expect(() => parseArgs(['--parquet', 'p'], { subcommand: 'stats' })).toThrow(/unknown option --parquet/);
  });

  it('from the command line: one line on standard error and exit code 2', () => {
    for (const [args, msg] of [
      [['index', 'x.pcap', '--jobs', '-1'], /^mipscope: invalid --jobs value '-1': expected a positive integer\n$/],
      [['index', 'x.pcap', '--frobnicate'], /^mipscope: unknown option --frobnicate \(see 'mipscope index --help'\)\n$/],
      [['index'], /^mipscope: mipscope index needs captures/],
      [['sql', '--db', 'x.duckdb', '-T', 'xml', 'SELECT 1'], /^mipscope: invalid -T value 'xml': expected table, json or csv\n$/],
      [['sql', '--frobnicate'], /^mipscope: unknown option --frobnicate \(see 'mipscope sql --help'\)\n$/],
      [['sql'], /^mipscope: mipscope sql needs a query/],
      [['stats', '--jobs', '2', '-z', 'mip,reg'], /^mipscope: unknown option --jobs \(see 'mipscope stats --help'\)\n$/],
    ] as const) {
      const r = runCli([...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    }
    const help = runCli(['index', '--help']);
    expect([help.code, help.stdout.split('\n')[0]]).toEqual([0, 'Usage: mipscope index FILE|DIR... [options]']);
    expect(runCli(['sql', '-h']).stdout).toMatch(/^Usage: mipscope sql /);
  });
});
