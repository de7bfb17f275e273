// `mipscope check`: the conformance checker as a command that can gate CI. It takes the main
// command's input flags (-r, -i, -f, -c, -a, --keys, -o pref:value, -Y, -2) from the one parser,
// and writes the report to standard output or to --output FILE.
// Exit code 0 when no finding reaches error severity, 1 when one does, 2 on bad input — and 2
// when the input could not be read to its end: the report then says it is incomplete.
import { closeSync, openSync, writeSync } from 'node:fs';
import { readCapture, readCaptureSync, CaptureFileError } from '../capture/read.js';
import type { Frame } from '../capture/frame.js';
import { dissectFrame } from '../dissector/index.js';
import type { Packet } from '../dissector/index.js';
import { treeText } from '../dissector/output/text.js';
import { Checker, checkedFields } from '../conformance/checker.js';
import { wantSet } from '../dissector/fields.js';
import { allRules, catalogMarkdown, catalogText, selectRules } from '../conformance/rules/index.js';
import { reportPieces } from '../conformance/report/index.js';
import type { Findings } from '../conformance/report/index.js';
import { UsageError } from './args.js';
import type { Options } from './args.js';
import type { OutputStream } from './output.js';
import { prepare } from './prepare.js';
import { Output } from './output.js';
import { Progress } from './progress.js';
import { runLive } from './live.js';

export const CHECK_USAGE = `Usage: mipscope check -r FILE [options]
       mipscope check -i IFACE [options]
Input (as in the main command):
  -r FILE                capture to check ('-' = standard input)
  -i IFACE               check live traffic instead (repeatable); stop with -c N,
                         -a duration:S or Ctrl-C
  -f FILTER              capture filter (BPF) with -i;  -s SNAPLEN  -p  -B MiB
  -c N                   check only the first N packets
  --keys FILE            KEY0/SPI table: rules that need keys run
  -o NAME:VALUE          set a preference (e.g. -o mip.udp.port:4340)
  -Y FILTER              check only the packets this display filter keeps
  -2                     two passes (references to later frames in the HTML trees)
Report:
  --format F             text (default), json, junit, html or markdown
  --output FILE          write the report to FILE instead of standard output
  --rules ID,...         only these rules (ids or prefixes, e.g. MIP-ORDER)
  --disable ID,...       leave these rules out
  --severity S           report findings of at least S: note (default), warning, error
  --ts-window SECONDS    allowed Identification timestamp skew (default 7)
  --list-rules           print the rule catalog (text, or markdown with --format markdown)
Exit code: 0 no error-severity finding, 1 at least one, 2 bad input or an input not read to
its end (the report is then marked incomplete and never passes).
`;

export async function runCheck(o: Options): Promise<number> {
  const c = o.check;
  if (o.help) { process.stdout.write(CHECK_USAGE); return 0; }
  if (c.listRules) { process.stdout.write(c.format === 'markdown' ? catalogMarkdown() : catalogText()); return 0; }
  if (o.read === undefined && !o.interfaces.length) throw new UsageError("mipscope check needs a capture: -r FILE or -i IFACE (see 'mipscope check --help')");
  let rules;
  try { rules = selectRules(c.rules, c.disable); } catch (e) { throw new UsageError((e as Error).message); }
  const { session, filter } = prepare(o);
  const checker = new Checker(rules, o.keys !== undefined, { timestampWindow: c.timestampWindow });
  // The HTML report shows the tree of each frame with a finding, -2 reads them twice: only they
  // keep the frames; otherwise memory stays flat.
  const keep = c.format === 'html' || o.twoPass;
  session.retain = keep;
  const frames: Frame[] = [];
  // Without trees to show, the dissector takes its fast path: no tree, only the fields the rules
  // and the display filter read (DESIGN.md principle 7).
  const want = keep ? null : wantSet([...checkedFields(rules), ...(filter?.fields ?? [])]);
  const dissect = (f: Frame) => dissectFrame(f, session, want);
  const check = (pkt: Packet) => { if (!filter || filter.match(pkt)) checker.add(pkt); };
  let damage: string | undefined;
  let failure: CaptureFileError | null = null;
  if (o.interfaces.length) {
    if (o.twoPass) throw new UsageError('-2 needs a capture file: capture with -w FILE, then check it with -r FILE -2');
    await runLive(o, { onFrame: f => { if (keep) frames.push(f); check(dissect(f)); } });
  } else {
    const limit = o.count ?? Infinity;
    let n = 0;
    const progress = new Progress('checking', process.stderr, process.stderr.isTTY === true);
    try {
      const source: Iterable<Frame> | AsyncIterable<Frame> = o.read === '-' ? readCapture('-', progress.readOptions()) : readCaptureSync(o.read!, progress.readOptions());
      for await (const f of source) {
        if (n >= limit) break;
        n++;
        if (keep) frames.push(f);
        if (o.twoPass) dissectFrame(f, session); else check(dissect(f));
        progress.tick();
      }
    } catch (e) {
      if (!(e instanceof CaptureFileError)) throw e;
      failure = e;
      damage = e.message;
    }
    progress.done();
    if (o.twoPass) for (const f of frames) check(dissectFrame(f, session));
  }
  // A damaged input: the packets before the damage are checked and reported, the report says it
  // is incomplete, then the error line and exit 2.
  const summary = checker.finish();
  // The default threshold keeps every finding: the compact list is read as it is.
  const findings: Findings = c.severity === 'note' ? checker.findingList : checker.findingList.atLeast(c.severity);
  let trees: Map<number, string> | undefined;
  if (c.format === 'html') {
    trees = new Map();
    for (const no of new Set(Array.from(findings, f => f.frame))) {
      const f = frames[no - 1];
      if (f) trees.set(no, treeText(dissectFrame(f, session)));
    }
  }
  const input = { file: o.read ?? o.interfaces.join(','), findings, summary, ...(trees ? { trees } : {}), ...(damage !== undefined ? { damage } : {}) };
  // The report is encoded into one reused buffer and written a megabyte at a time. A pipe takes
  // writes asynchronously: the writer waits while it is full, or a slow reader would have the
  // whole report pile up in memory.
  let fd: number | undefined;
  try {
    if (c.output) fd = openSync(c.output, 'w');
    const out = new Output(false, fd === undefined ? process.stdout : fileStream(fd));
    for (const piece of reportPieces(c.format, input)) {
      out.write(piece);
      if (out.blocked) await out.drained();
    }
    out.flush();
  } catch (e) {
    if (!c.output) throw e;
    throw new UsageError(`cannot write report '${c.output}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  } finally { if (fd !== undefined) closeSync(fd); }
  if (failure) throw failure;
  return summary.errors > 0 ? 1 : 0;
}

export { allRules };

/** A report file as Output's stream: each chunk written at once. */
function fileStream(fd: number): OutputStream {
  return { write: chunk => { if (typeof chunk === 'string') writeSync(fd, chunk); else writeSync(fd, chunk); return true; }, writableLength: 0, once: () => undefined, on: () => undefined };
}
