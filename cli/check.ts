// `mipscope check`: the conformance checker as a command that can gate CI.
// Exit code 0 when no finding reaches error severity, 1 when one does, 2 on bad input.
import { writeFileSync } from 'node:fs';
import { readCapture, readCaptureSync, CaptureFileError } from '../capture/read.js';
import type { Frame } from '../capture/frame.js';
import { openLiveCapture } from '../capture/live.js';
import { dissectFrame, Session, defaultPrefs } from '../dissector/index.js';
import { treeText } from '../dissector/output/text.js';
import { Checker, atLeast, defaultCheckOptions } from '../conformance/checker.js';
import { allRules, catalogMarkdown, catalogText, selectRules } from '../conformance/rules/index.js';
import { REPORT_FORMATS, renderReport } from '../conformance/report/index.js';
import type { ReportFormat } from '../conformance/report/index.js';
import type { Severity } from '../conformance/rule.js';
import { UsageError } from './args.js';
import { Progress } from './progress.js';

export const CHECK_USAGE = `Usage: mipscope check -r FILE [options]
  -r FILE                capture to check ('-' = standard input)
  -i IFACE               check live traffic instead (repeatable); -f BPF filter; stop with
                         -c N, -a duration:S or Ctrl-C
  --keys FILE            KEY0/SPI table: rules that need keys run
  --format F             text (default), json, junit, html or markdown
  -o FILE                write the report to FILE instead of standard output
  --rules ID,...         only these rules (ids or prefixes, e.g. MIP-ORDER)
  --disable ID,...       leave these rules out
  --severity S           report findings of at least S: note (default), warning, error
  --ts-window SECONDS    allowed Identification timestamp skew (default 7)
  -c N                   check only the first N packets
  --list-rules           print the rule catalog (text, or markdown with --format markdown)
Exit code: 0 no error-severity finding, 1 at least one, 2 bad input.
`;

interface CheckArgs {
  read?: string; interfaces: string[]; captureFilter?: string; duration?: number; keys?: string; format: ReportFormat; output?: string; rules: string[]; disable: string[];
  severity: Severity; window: number; count?: number; listRules: boolean; help: boolean;
}

function parseCheckArgs(argv: readonly string[]): CheckArgs {
  const a: CheckArgs = { interfaces: [], format: 'text', rules: [], disable: [], severity: 'note', window: defaultCheckOptions.timestampWindow, listRules: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`option ${flag} requires an argument`);
      return v;
    };
    switch (flag) {
      case '-r': a.read = value(); break;
      case '-i': a.interfaces.push(value()); break;
      case '-f': a.captureFilter = value(); break;
      case '-a': {
        const v = value(), m = /^duration:(\d+)$/.exec(v);
        if (!m) throw new UsageError(`invalid -a value '${v}': expected duration:SECONDS`);
        a.duration = parseInt(m[1]!, 10); break;
      }
      case '--keys': a.keys = value(); break;
      case '--format': case '-F': {
        const f = value();
        if (!REPORT_FORMATS.includes(f as ReportFormat)) throw new UsageError(`invalid --format '${f}': expected one of ${REPORT_FORMATS.join(', ')}`);
        a.format = f as ReportFormat; break;
      }
      case '-o': case '--output': a.output = value(); break;
      case '--rules': a.rules.push(...value().split(',').map(s => s.trim()).filter(Boolean)); break;
      case '--disable': a.disable.push(...value().split(',').map(s => s.trim()).filter(Boolean)); break;
      case '--severity': {
        const s = value();
        if (s !== 'note' && s !== 'warning' && s !== 'error') throw new UsageError(`invalid --severity '${s}': expected note, warning or error`);
        a.severity = s; break;
      }
      case '--ts-window': {
        const v = value();
        if (!/^\d+(\.\d+)?$/.test(v)) throw new UsageError(`invalid --ts-window '${v}': expected a number of seconds`);
        a.window = parseFloat(v); break;
      }
      case '-c': {
        const v = value();
        if (!/^\d+$/.test(v) || parseInt(v, 10) <= 0) throw new UsageError(`invalid -c value '${v}': expected a positive integer`);
        a.count = parseInt(v, 10); break;
      }
      case '--list-rules': a.listRules = true; break;
      case '-h': case '--help': a.help = true; break;
      default: throw new UsageError(`unknown check option '${arg}' (see 'mipscope check --help')`);
    }
  }
  return a;
}

/** Hook for the keys module: attaches a keys file to the session (set by the CLI when available). */
export type KeysLoader = (session: Session, path: string) => void;

/** Live frames for `check -i`: stops on -c, -a duration or Ctrl-C, then the report is written. */
async function liveFrames(a: CheckArgs): Promise<AsyncIterable<Frame>> {
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  const capture = await openLiveCapture({
    interfaces: a.interfaces,
    ...(a.captureFilter !== undefined ? { filter: a.captureFilter } : {}),
    ...(a.count !== undefined ? { count: a.count } : {}),
    ...(a.duration !== undefined ? { duration: a.duration } : {}),
    signal: stop.signal,
    onNote: note => process.stderr.write(`mipscope: note: ${note}\n`),
  });
  return capture;
}

export async function runCheck(argv: readonly string[], loadKeys?: KeysLoader): Promise<number> {
  const a = parseCheckArgs(argv);
  if (a.help) { process.stdout.write(CHECK_USAGE); return 0; }
  if (a.listRules) { process.stdout.write(a.format === 'markdown' ? catalogMarkdown() : catalogText()); return 0; }
  if (a.read === undefined && !a.interfaces.length) throw new UsageError("mipscope check needs a capture: -r FILE or -i IFACE (see 'mipscope check --help')");
  if (a.read !== undefined && a.interfaces.length) throw new UsageError('-r and -i cannot be used together');
  let rules;
  try { rules = selectRules(a.rules, a.disable); } catch (e) { throw new UsageError((e as Error).message); }
  const session = new Session(defaultPrefs);
  if (a.keys) {
    if (!loadKeys) throw new UsageError('--keys is not available in this build');
    loadKeys(session, a.keys);
  }
  const checker = new Checker(rules, a.keys !== undefined, { timestampWindow: a.window });
  const keep = a.format === 'html';
  // Only the html report shows trees of earlier frames again: otherwise memory stays flat.
  session.retain = keep;
  const progress = new Progress('checking', process.stderr, process.stderr.isTTY === true && !a.interfaces.length);
  const frames: Frame[] = [];
  const source: Iterable<Frame> | AsyncIterable<Frame> = a.interfaces.length
    ? await liveFrames(a)
    : a.read === '-' ? readCapture('-', progress.readOptions()) : readCaptureSync(a.read!, progress.readOptions());
  let n = 0;
  let failure: CaptureFileError | null = null;
  try {
    for await (const f of source) {
      if (a.count !== undefined && n >= a.count) break;
      n++;
      if (keep) frames.push(f);
      checker.add(dissectFrame(f, session));
      progress.tick();
    }
  } catch (e) {
    if (e instanceof CaptureFileError) failure = e; else throw e;
  }
  progress.done();
  // A damaged file: the packets before the damage are checked and reported, then the error (exit 2).
  const summary = checker.finish();
  const findings = checker.findings.filter(f => atLeast(f, a.severity));
  let trees: Map<number, string> | undefined;
  if (keep) {
    trees = new Map();
    for (const no of new Set(findings.map(f => f.frame))) {
      const f = frames[no - 1];
      if (f) trees.set(no, treeText(dissectFrame(f, session)));
    }
  }
  const report = renderReport(a.format, { file: a.read ?? a.interfaces.join(','), findings, summary, ...(trees ? { trees } : {}) });
  if (a.output) {
    try { writeFileSync(a.output, report); } catch (e) { throw new UsageError(`cannot write report '${a.output}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
  } else process.stdout.write(report);
  if (failure) throw failure;
  return summary.errors > 0 ? 1 : 0;
}

export { allRules };
