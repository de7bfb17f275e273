// tshark-style command-line parsing. Bad flags give one clear line (UsageError → exit 2).

export class UsageError extends Error {}

export interface Options {
  command: 'analyze' | 'check' | 'tui';
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
  outputFormat: 'text' | 'fields' | 'json' | 'ek' | 'pdml' | 'jsonraw';
  fields: string[];
  fieldOptions: string[];
  count?: number;
  glossary?: string;
  displayFilter?: string;
  twoPass: boolean;
  prefs: string[];
  write?: string;
  writeFormat: 'pcapng' | 'pcap';
  quiet: boolean;
  /** -P: print packets even while writing them with -w. */
  printWhileWriting: boolean;
  /** --no-duplicate-keys: -T json merges repeated keys into arrays. */
  noDuplicateKeys: boolean;
  timeFormat: string;
  keys?: string;
  help: boolean;
  version: boolean;
  /** Arguments of subcommands (check, tui) not understood here. */
  rest: string[];
}

/** Options that take a value. */
const WITH_VALUE = new Set(['r', 'T', 'e', 'E', 'c', 'Y', 'R', 'o', 'w', 'F', 'i', 'f', 'a', 's', 't', 'G', 'd', 'z', 'X', 'b', 'B', 'y', 'N', 'j', 'J', 'C']);
const FLAGS = new Set(['V', 'x', '2', 'D', 'p', 'l', 'q', 'n', 'h', 'v', 'S', 'Q', 'P', 'H', 'I', 'L', 'O', 'U', 'g', 'M', 'A', 'K', 'W', 'k', 'u', 'm']);
const OPTIONAL_VALUE = new Set(['G']);

export function parseArgs(argv: readonly string[]): Options {
  const o: Options = {
    command: 'analyze', interfaces: [], listInterfaces: false, autostop: {}, noPromiscuous: false, lineBuffered: false,
    verbose: false, hex: false, outputFormat: 'text', fields: [], fieldOptions: [], twoPass: false, prefs: [],
    writeFormat: 'pcapng', quiet: false, printWhileWriting: false, noDuplicateKeys: false, timeFormat: 'r', help: false, version: false, rest: [],
  };
  const args = [...argv];
  if (args[0] === 'check' || args[0] === 'tui') o.command = args.shift() as 'check' | 'tui';
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') { positional.push(...args.slice(i + 1)); break; }
    if (a.startsWith('--')) {
      const [name, inline] = a.includes('=') ? [a.slice(2, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a.slice(2), undefined];
      const value = () => {
        if (inline !== undefined) return inline;
        const v = args[++i];
        if (v === undefined) throw new UsageError(`option --${name} requires an argument`);
        return v;
      };
      switch (name) {
        case 'keys': o.keys = value(); break;
        case 'no-duplicate-keys': o.noDuplicateKeys = true; break;
        case 'help': o.help = true; break;
        case 'version': o.version = true; break;
        default:
          if (o.command !== 'analyze') { o.rest.push(a); if (inline === undefined && args[i + 1] !== undefined && !args[i + 1]!.startsWith('-')) o.rest.push(args[++i]!); break; }
          throw new UsageError(`unknown option --${name} (see 'mipscope -h')`);
      }
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const ch = a[j]!;
        if (WITH_VALUE.has(ch)) {
          let v: string | undefined = a.slice(j + 1) || undefined;
          if (v === undefined && !(OPTIONAL_VALUE.has(ch) && (args[i + 1] === undefined || args[i + 1]!.startsWith('-')))) {
            v = args[++i];
            if (v === undefined) throw new UsageError(`option -${ch} requires an argument`);
          }
          apply(o, ch, v);
          break;
        }
        if (!FLAGS.has(ch)) {
          if (o.command !== 'analyze') { o.rest.push(a); break; }
          throw new UsageError(`invalid option -- '${ch}' (see 'mipscope -h')`);
        }
        apply(o, ch, undefined);
      }
      continue;
    }
    positional.push(a);
  }
  if (positional.length) {
    if (o.command !== 'analyze') o.rest.push(...positional);
    else {
      if (o.displayFilter !== undefined) throw new UsageError('a display filter was given both with -Y and as arguments');
      o.displayFilter = positional.join(' ');
    }
  }
  if (o.fields.length && o.outputFormat !== 'fields' && o.outputFormat !== 'json' && o.outputFormat !== 'ek') throw new UsageError("-e requires -T fields (or -T json / -T ek)");
  if (o.outputFormat === 'fields' && o.fields.length === 0) throw new UsageError('-T fields requires at least one -e field');
  if (o.read !== undefined && o.interfaces.length) throw new UsageError('-r and -i cannot be used together');
  return o;
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
      const fmts = ['text', 'fields', 'json', 'ek', 'pdml', 'jsonraw'];
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
       mipscope check -r FILE [--keys FILE] [--format text|json|junit|html|markdown]
       mipscope tui -r FILE [--keys FILE] [-Y FILTER]   (mipscope tui -i IFACE: live)

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
  -T text|fields|json|ek|pdml
  -e FIELD             field to print with -T fields (repeatable)
  -E header=y|n  separator=C  occurrence=f|l|a  aggregator=C  quote=d|s|n
  -t r|a|ad|d|e|u|ud   time format of the summary line
  -w FILE  -F pcapng|pcap   write packets to a file
  -l                   flush output after each packet;  -q  quiet;  -P  print while writing (-w)
  --no-duplicate-keys  -T json: repeated keys merged into arrays
  -G fields|protocols|prefs|experts   dump the registry
  -h  -v               help, version
`;
