// The one option parser of every mipscope command: the tshark-style main command, `check`,
// `tui` and live capture all read their flags here, so that `-r`, `-i`, `-Y`, `-o`, `-2`, `-c`,
// `-f` and `--keys` mean the same everywhere (and `-o` always sets a preference). Bad flags give
// one clear line (UsageError → exit 2).
import { REPORT_FORMATS } from '../conformance/report/index.js';
import type { ReportFormat } from '../conformance/report/index.js';
import type { Severity } from '../conformance/rule.js';

export class UsageError extends Error {}

export type Command = 'analyze' | 'check' | 'tui' | 'stats' | 'index' | 'sql';

/** What `mipscope check` adds: the report and the choice of rules. */
export interface CheckOptions {
  format: ReportFormat;
  /** --output FILE: the report goes there instead of standard output. */
  output?: string;
  rules: string[];
  disable: string[];
  severity: Severity;
  /** --ts-window: allowed Identification timestamp skew in seconds. */
  timestampWindow: number;
  listRules: boolean;
}

export interface Options {
  command: Command;
  read?: string;
  interfaces: string[];
  captureFilter?: string;
  listInterfaces: boolean;
  autostop: { duration?: number; packets?: number; filesize?: number };
  snaplen?: number;
  /** -B: kernel capture buffer per interface, in MiB. */
  bufferMiB?: number;
  noPromiscuous: boolean;
  lineBuffered: boolean;
  verbose: boolean;
  hex: boolean;
  outputFormat: 'text' | 'fields' | 'json' | 'ek' | 'pdml' | 'jsonraw' | 'psml' | 'tabs';
  fields: string[];
  fieldOptions: string[];
  count?: number;
  glossary?: string;
  displayFilter?: string;
  twoPass: boolean;
  prefs: string[];
  /** -z: statistics printed after the packets (or alone with -q). */
  statistics: string[];
  write?: string;
  writeFormat: 'pcapng' | 'pcap';
  quiet: boolean;
  /** -P: print packets even while writing them with -w. */
  printWhileWriting: boolean;
  /** --no-duplicate-keys: -T json merges repeated keys into arrays. */
  noDuplicateKeys: boolean;
  timeFormat: string;
  keys?: string;
  check: CheckOptions;
  /** `mipscope stats`: the database to read (--db PATH, or --clickhouse URL,... [--cluster] [--database]). */
  store: { db?: string; clickhouse?: string[]; cluster?: string; database?: string; parquet?: string };
  /** `mipscope index --jobs N` (-j N): files analyzed at once. */
  jobs?: number;
  /** `mipscope sql -T table|json|csv`. */
  queryFormat: 'table' | 'json' | 'csv';
  /** The words after the options of `index` (files and directories) and `sql` (the query). */
  operands: string[];
  help: boolean;
  version: boolean;
}

export interface ParseContext {
  /** The subcommand whose flags these are; without it a leading `check` or `tui` word decides. */
  subcommand?: Command;
}

/** Options that take a value. */
const WITH_VALUE = new Set(['r', 'T', 'e', 'E', 'c', 'Y', 'R', 'o', 'w', 'F', 'i', 'f', 'a', 's', 't', 'G', 'd', 'z', 'X', 'b', 'B', 'y', 'N', 'j', 'J', 'C']);
const FLAGS = new Set(['V', 'x', '2', 'D', 'p', 'l', 'q', 'n', 'h', 'v', 'S', 'Q', 'P', 'H', 'I', 'L', 'O', 'U', 'g', 'M', 'A', 'K', 'W', 'k', 'u', 'm']);
const OPTIONAL_VALUE = new Set(['G']);

/** The input and processing flags every command shares. */
const INPUT = 'r i f c a s p B Y R o 2 n h v';
/** Short flags each subcommand takes (the main command takes all of them). */
const SHORT_FOR: Record<Exclude<Command, 'analyze'>, ReadonlySet<string>> = {
  check: new Set(INPUT.split(' ')),
  // The TUI writes what it captures live with -w (and -F).
  tui: new Set([...INPUT.split(' '), 'w', 'F']),
  // Statistics over a database: -z, -T text|json, help.
  stats: new Set(['z', 'T', 'q', 'h', 'v']),
  // Captures into a database: -o NAME:VALUE, -j N (as --jobs).
  index: new Set(['o', 'j', 'h']),
  // A query over a database: -T table|json|csv.
  sql: new Set(['T', 'h']),
};

/** Short flags whose meaning is the subcommand's own. */
const SHORT_OWN: Partial<Record<Command, Record<string, (o: Options, v: string) => void>>> = {
  index: { j: (o, v) => { o.jobs = jobsValue(v); } },
  sql: {
    T: (o, v) => {
      if (v !== 'table' && v !== 'json' && v !== 'csv') throw new UsageError(`invalid -T value '${v}': expected table, json or csv`);
      o.queryFormat = v;
    },
  },
};

/** Commands whose words after the options are operands (files, a query), not a display filter. */
const WITH_OPERANDS: ReadonlySet<Command> = new Set(['index', 'sql']);

function jobsValue(v: string): number {
  if (!/^\d+$/.test(v) || parseInt(v, 10) <= 0) throw new UsageError(`invalid --jobs value '${v}': expected a positive integer`);
  return parseInt(v, 10);
}

interface LongOption { value: boolean; commands: readonly Command[]; apply: (o: Options, v: string) => void }
const ALL: readonly Command[] = ['analyze', 'check', 'tui', 'stats'];
/** The commands that write or read a database. */
const DATABASE: readonly Command[] = ['stats', 'index', 'sql'];
const LONG: Record<string, LongOption> = {
  keys: { value: true, commands: ['analyze', 'check', 'tui', 'index'], apply: (o, v) => { o.keys = v; } },
  db: { value: true, commands: DATABASE, apply: (o, v) => { o.store.db = v; } },
  clickhouse: { value: true, commands: DATABASE, apply: (o, v) => { o.store.clickhouse = list(v); } },
  cluster: { value: true, commands: DATABASE, apply: (o, v) => { o.store.cluster = v; } },
  database: { value: true, commands: DATABASE, apply: (o, v) => { o.store.database = v; } },
  parquet: { value: true, commands: ['index'], apply: (o, v) => { o.store.parquet = v; } },
  jobs: { value: true, commands: ['index'], apply: (o, v) => { o.jobs = jobsValue(v); } },
  help: { value: false, commands: [...ALL, 'index', 'sql'], apply: o => { o.help = true; } },
  version: { value: false, commands: ALL, apply: o => { o.version = true; } },
  'no-duplicate-keys': { value: false, commands: ['analyze'], apply: o => { o.noDuplicateKeys = true; } },
  format: {
    value: true, commands: ['check'], apply: (o, v) => {
      if (!REPORT_FORMATS.includes(v as ReportFormat)) throw new UsageError(`invalid --format '${v}': expected one of ${REPORT_FORMATS.join(', ')}`);
      o.check.format = v as ReportFormat;
    },
  },
  output: { value: true, commands: ['check'], apply: (o, v) => { o.check.output = v; } },
  rules: { value: true, commands: ['check'], apply: (o, v) => { o.check.rules.push(...list(v)); } },
  disable: { value: true, commands: ['check'], apply: (o, v) => { o.check.disable.push(...list(v)); } },
  severity: {
    value: true, commands: ['check'], apply: (o, v) => {
      if (v !== 'note' && v !== 'warning' && v !== 'error') throw new UsageError(`invalid --severity '${v}': expected note, warning or error`);
      o.check.severity = v;
    },
  },
  'ts-window': {
    value: true, commands: ['check'], apply: (o, v) => {
      if (!/^\d+(\.\d+)?$/.test(v)) throw new UsageError(`invalid --ts-window '${v}': expected a number of seconds`);
      o.check.timestampWindow = parseFloat(v);
    },
  },
  'list-rules': { value: false, commands: ['check'], apply: o => { o.check.listRules = true; } },
};

const list = (v: string) => v.split(',').map(s => s.trim()).filter(Boolean);
const helpOf = (c: Command) => (c === 'analyze' ? "'mipscope -h'" : `'mipscope ${c} --help'`);

/** A fresh set of options with every default, for `command`. */
export function defaultOptions(command: Command = 'analyze'): Options {
  return {
    command, interfaces: [], listInterfaces: false, autostop: {}, noPromiscuous: false, lineBuffered: false,
    verbose: false, hex: false, outputFormat: 'text', fields: [], fieldOptions: [], twoPass: false, prefs: [], statistics: [],
    writeFormat: 'pcapng', quiet: false, printWhileWriting: false, noDuplicateKeys: false, timeFormat: 'r', help: false, version: false,
    check: { format: 'text', rules: [], disable: [], severity: 'note', timestampWindow: 7, listRules: false },
    store: {}, queryFormat: 'table', operands: [],
  };
}

/**
 * Parses the flags of one command. `parseArgs(argv)` reads the main command's (a leading
 * `check` or `tui` selects that subcommand); `parseArgs(argv, { subcommand: 'tui' })` reads the
 * arguments after the subcommand's name. Every command gets the same Options.
 */
export function parseArgs(argv: readonly string[], ctx: ParseContext = {}): Options {
  const args = [...argv];
  let command: Command = ctx.subcommand ?? 'analyze';
  if (ctx.subcommand === undefined && (args[0] === 'check' || args[0] === 'tui')) command = args.shift() as Command;
  const o = defaultOptions(command);
  const short = command === 'analyze' ? null : SHORT_FOR[command];
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') { positional.push(...args.slice(i + 1)); break; }
    // A query's words after its first one may look like flags ("SELECT 1 -2"): only sql's own flags are read there.
    if (command === 'sql' && positional.length && !isOptionOf(command, a)) { positional.push(a); continue; }
    if (a.startsWith('--')) {
      const [name, inline] = a.includes('=') ? [a.slice(2, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a.slice(2), undefined];
      const opt = LONG[name];
      if (!opt || !opt.commands.includes(command)) throw new UsageError(`unknown option --${name} (see ${helpOf(command)})`);
      let v = '';
      if (opt.value) {
        if (inline !== undefined) v = inline;
        else {
          const next = args[++i];
          if (next === undefined) throw new UsageError(`option --${name} requires an argument`);
          v = next;
        }
      } else if (inline !== undefined) throw new UsageError(`option --${name} takes no value`);
      opt.apply(o, v);
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const ch = a[j]!;
        if (!WITH_VALUE.has(ch) && !FLAGS.has(ch)) throw new UsageError(`invalid option -- '${ch}' (see ${helpOf(command)})`);
        if (short && !short.has(ch)) throw new UsageError(`option -${ch} is not an option of 'mipscope ${command}' (see ${helpOf(command)})`);
        if (WITH_VALUE.has(ch)) {
          let v: string | undefined = a.slice(j + 1) || undefined;
          if (v === undefined && !(OPTIONAL_VALUE.has(ch) && (args[i + 1] === undefined || args[i + 1]!.startsWith('-')))) {
            v = args[++i];
            if (v === undefined) throw new UsageError(`option -${ch} requires an argument`);
          }
          const own = SHORT_OWN[command]?.[ch];
          if (own) own(o, v!); else apply(o, ch, v);
          break;
        }
        apply(o, ch, undefined);
      }
      continue;
    }
    positional.push(a);
  }
  if (WITH_OPERANDS.has(command)) o.operands = positional;
  else if (positional.length) {
    // As tshark: words after the options are a display filter.
    if (o.displayFilter !== undefined) throw new UsageError('a display filter was given both with -Y and as arguments');
    o.displayFilter = positional.join(' ');
  }
  if (o.fields.length && o.outputFormat !== 'fields' && o.outputFormat !== 'json' && o.outputFormat !== 'ek') throw new UsageError("-e requires -T fields (or -T json / -T ek)");
  if (o.outputFormat === 'fields' && o.fields.length === 0) throw new UsageError('-T fields requires at least one -e field');
  if (o.read !== undefined && o.interfaces.length) throw new UsageError('-r and -i cannot be used together');
  return o;
}

/** Whether `a` is a flag `command` takes (a long option of it, or one of its short flags first). */
function isOptionOf(command: Command, a: string): boolean {
  if (a.startsWith('--')) return LONG[a.slice(2).split('=')[0]!]?.commands.includes(command) ?? false;
  if (!a.startsWith('-') || a.length < 2) return false;
  return command === 'analyze' || (SHORT_FOR[command].has(a[1]!));
}

function positiveInt(flag: string, v: string): number {
  if (!/^\d+$/.test(v) || parseInt(v, 10) <= 0) throw new UsageError(`invalid -${flag} value '${v}': expected a positive integer`);
  return parseInt(v, 10);
}

function apply(o: Options, ch: string, v: string | undefined): void {
  switch (ch) {
    case 'r': o.read = v!; break;
    case 'V': o.verbose = true; break;
    case 'x': o.hex = true; break;
    case 'T': {
      const fmts = ['text', 'fields', 'json', 'ek', 'pdml', 'jsonraw', 'psml', 'tabs'];
      if (!fmts.includes(v!)) throw new UsageError(`invalid -T value '${v}': expected one of ${fmts.join(', ')}`);
      o.outputFormat = v as Options['outputFormat'];
      break;
    }
    case 'e': o.fields.push(v!); break;
    case 'E': o.fieldOptions.push(v!); break;
    case 'c': o.count = positiveInt('c', v!); break;
    case 'G': o.glossary = v ?? 'fields'; break;
    case 'Y': case 'R': o.displayFilter = v!; break;
    case '2': o.twoPass = true; break;
    case 'o': o.prefs.push(v!); break;
    case 'z': o.statistics.push(v!); break;
    case 'w': o.write = v!; break;
    case 'F':
      if (v !== 'pcap' && v !== 'pcapng') throw new UsageError(`invalid -F value '${v}': expected pcap or pcapng`);
      o.writeFormat = v; break;
    case 'i': o.interfaces.push(v!); break;
    case 'f': o.captureFilter = v!; break;
    case 'D': o.listInterfaces = true; break;
    case 'a': {
      const m = /^(duration|packets|filesize):(\d+)$/.exec(v!);
      if (!m) throw new UsageError(`invalid -a value '${v}': expected duration:SECONDS, packets:N or filesize:KB`);
      o.autostop[m[1] as 'duration' | 'packets' | 'filesize'] = parseInt(m[2]!, 10);
      break;
    }
    case 's': if (!/^\d+$/.test(v!)) throw new UsageError(`invalid -s value '${v}': expected a number of bytes`); o.snaplen = parseInt(v!, 10); break;
    case 'B': if (!/^\d+$/.test(v!) || parseInt(v!, 10) <= 0) throw new UsageError(`invalid -B value '${v}': expected a buffer size in MiB`); o.bufferMiB = parseInt(v!, 10); break;
    case 'p': o.noPromiscuous = true; break;
    case 'l': o.lineBuffered = true; break;
    case 'q': o.quiet = true; break;
    case 'P': o.printWhileWriting = true; break;
    case 'n': break; // no name resolution is ever done
    case 't': {
      const fmts = ['r', 'a', 'ad', 'd', 'dd', 'e', 'u', 'ud'];
      if (!fmts.includes(v!)) throw new UsageError(`invalid -t value '${v}': expected one of ${fmts.join(', ')}`);
      o.timeFormat = v!; break;
    }
    case 'h': o.help = true; break;
    case 'v': o.version = true; break;
    default: throw new UsageError(`option -${ch} is not supported by mipscope (see 'mipscope -h')`);
  }
}

export const USAGE = `mipscope — dissector and analyzer for Mobile IPv4 and its key-exchange extensions

Usage: mipscope [options] [display filter]
       mipscope check -r FILE|-i IFACE [--keys FILE] [--format F] [--output FILE] (see 'mipscope check --help')
       mipscope tui -r FILE [--keys FILE] [-Y FILTER]   (mipscope tui -i IFACE: live)
       mipscope export wireshark-lua [-o FILE]   (a Wireshark Lua dissector for the KX extensions)
       mipscope index FILE|DIR... [--db PATH] [--parquet DIR] [--clickhouse URL,...] [--keys FILE] [--jobs N]
       mipscope sql [--db PATH] [-T table|json|csv] "SELECT ..."
       mipscope stats [--db PATH] -z mip,reg|mip,codes|mip,keys|mip,bindings

Input:
  -r FILE              read packets from a pcap or pcapng file ('-' = standard input)
  -i IFACE             capture on an interface (repeatable); -D lists interfaces
  -f FILTER            capture filter (BPF), default "udp port 434 or icmp"
  -s SNAPLEN  -p       snapshot length; no promiscuous mode
  -B MiB               kernel capture buffer per interface (default 32; more for high rates)
  -c N                 stop after N packets;  -a duration:S  stop after S seconds
Processing:
  --keys FILE          KEY0/SPI table (JSON) to decrypt and verify
  -Y FILTER            display filter (also accepted as trailing arguments)
  -o NAME:VALUE        set a preference (e.g. -o mip.udp.port:4340)
  -2                   two passes: show references to later frames
Output:
  -V                   packet details tree;  -x  hex and ASCII dump
  -T text|fields|tabs|psml|json|jsonraw|ek|pdml
  -e FIELD             field to print with -T fields (repeatable)
  -E header=y|n  separator=C  occurrence=f|l|a  aggregator=C  quote=d|s|n
  -t r|a|ad|d|dd|e|u|ud  time format of the summary line
  -z STATISTIC         statistics after the packets (-z help lists them); with -q alone
                       e.g. -z io,stat,1,udp.port==434  (frames and bytes per second, per filter)
  -w FILE  -F pcapng|pcap   write packets to a file
  -l                   flush output after each packet;  -q  quiet;  -P  print while writing (-w)
  --no-duplicate-keys  -T json: repeated keys merged into arrays
  -G fields|protocols|prefs|experts   dump the registry
  -h  -v               help, version
`;
