#!/usr/bin/env node
// The mipscope command: tshark-style analysis of captures, `check` and `tui`.
import { readCapture, readCaptureSync, CaptureFileError } from '../capture/read.js';
import type { Frame, InterfaceInfo, ReadOptions } from '../capture/frame.js';
import { dissectFrame } from '../dissector/index.js';
import type { Packet } from '../dissector/index.js';
import { FieldsError } from '../dissector/output/fields.js';
import { timePrecision } from '../dissector/output/summary.js';
import { parseArgs, USAGE, UsageError } from './args.js';
import type { Options } from './args.js';
import { Output } from './output.js';
import { Progress } from './progress.js';
import type { runLive as RunLive } from './live.js';
import { prepare } from './prepare.js';
import { feed, parseStatistics, statisticsOutput, STATISTICS_HELP } from './stats/index.js';
import { createRenderer, fastPathFields, openingWithFirstPacket, VERSION } from './render.js';
import { createFrameWriter } from '../capture/write.js';
import { StreamingDissection, trackingFreeAllowed } from './tracking-free.js';
import { boundHeapGrowth } from './heap.js';

export { VERSION } from './render.js';

/** An error for people: one line, exit code 2. */
export class FatalError extends Error {}

/**
 * Runs `visit` over every frame until it returns false. A synchronous source (a file) is read
 * without a promise per frame; the loop waits only while the output is blocked (back-pressure).
 */
async function eachFrame(frames: Iterable<Frame> | AsyncIterable<Frame>, visit: (f: Frame) => boolean, out?: Output): Promise<void> {
  if (Symbol.iterator in frames) {
    for (const f of frames) {
      if (!visit(f)) break;
      if (out?.blocked) await out.drained();
    }
  } else {
    for await (const f of frames) {
      if (!visit(f)) break;
      if (out?.blocked) await out.drained();
    }
  }
}

async function analyze(o: Options): Promise<number> {
  // Preferences, the display filter (compiled once) and the keys: a bad one is a usage error.
  const { session, filter } = prepare(o);
  // -z: the statistics read a few fields of every displayed packet; they print after the packets.
  const stats = parseStatistics(o.statistics);
  const want = fastPathFields(o, filter, stats.flatMap(st => st.fields));
  const finish = () => (stats.length ? statisticsOutput(stats, o.outputFormat === 'json') : '');
  // One streaming pass keeps no per-frame results; two passes need them for the second.
  session.retain = o.twoPass;
  const digits = new Map<number, number>();
  let failure: Error | null = null;
  const r = openingWithFirstPacket(createRenderer(o, { timeDigits: ifIndex => digits.get(ifIndex) ?? 6 }), () => failure !== null);
  const out = new Output(o.lineBuffered);
  if (o.interfaces.length || o.listInterfaces) {
    // Live capture, check, the TUI and the exports are loaded when asked for: a file read does not
    // pay for their modules (the TUI's terminal library alone is a tenth of the start-up).
    const { runLive } = await import('./live.js') as { runLive: typeof RunLive };
    return await runLive(o, {
      onStart: ifaces => { for (const i of ifaces) digits.set(i.index, timePrecision(i.tsresol)); },
      onFrame: f => { const pkt = dissectFrame(f, session, want); feed(stats, pkt); if ((!filter || filter.match(pkt)) && !o.quiet) out.write(r.packet(pkt)); },
      onEnd: () => { if (r.end && !o.quiet) out.write(r.end()); out.write(finish()); out.flush(); },
      ...(o.bufferMiB !== undefined ? { bufferMiB: o.bufferMiB } : {}),
      print: o.printWhileWriting,
    });
  }
  if (o.read === undefined) throw new UsageError("no input: use -r FILE (or '-r -' for standard input), or -i IFACE");
  const readOpts = { onInterface: (i: InterfaceInfo) => { digits.set(i.index, timePrecision(i.tsresol)); } };
  // Progress on stderr when it is a terminal and the packets are not printed on that terminal.
  const progress = new Progress(o.twoPass ? 'first pass' : 'reading', process.stderr, process.stderr.isTTY === true && (o.twoPass || !process.stdout.isTTY));
  const open = (opts: ReadOptions): Iterable<Frame> | AsyncIterable<Frame> => (o.read === '-' ? readCapture('-', opts) : readCaptureSync(o.read!, opts));
  let seen = 0;
  // -w with -r writes the packets that pass -Y and -c to a file instead of printing them (tshark).
  const writer = o.write !== undefined ? createFrameWriter(o.write, o.writeFormat) : null;
  const emit = (f: Frame, pkt: Packet) => {
    // As tshark: the -z taps see every packet read, -Y chooses only what is printed.
    feed(stats, pkt);
    if (filter && !filter.match(pkt)) return;
    if (writer) writer.write(f);
    if ((!writer || o.printWhileWriting) && !o.quiet) out.write(r.packet(pkt));
  };
  const limit = o.count ?? Infinity;
  try {
    if (o.twoPass) {
      // The first pass keeps nothing per frame here (the session keeps what it learns); a file
      // is simply read again for the second, standard input has to be held.
      const held: Frame[] | null = o.read === '-' ? [] : null;
      try {
        await eachFrame(open(progress.readOptions(readOpts)), f => {
          if (seen >= limit) return false;
          seen++;
          held?.push(f);
          dissectFrame(f, session);
          progress.tick();
          return true;
        });
      } catch (e) { if (e instanceof CaptureFileError) failure = e; else throw e; }
      progress.done();
      let second = 0;
      const again = (f: Frame) => { if (second >= seen) return false; second++; emit(f, dissectFrame(f, session, want)); return true; };
      if (held) await eachFrame(held, again, out);
      else {
        try { await eachFrame(open({}), again, out); } catch (e) { if (!(e instanceof CaptureFileError)) throw e; }
      }
    } else {
      // Registration tracking is skipped while nothing printed can depend on it (./tracking-free.ts).
      // MIPSCOPE_SLOW_PATH=1 keeps it on, for the tests that compare the two.
      const free = process.env['MIPSCOPE_SLOW_PATH'] !== '1' && trackingFreeAllowed(o, filter, want, stats.length);
      const d = new StreamingDissection(session, want, free, () => prepare(o).session, () => readCaptureSync(o.read!, {}));
      // The commonest frames' lines straight from their bytes, when nothing else reads the packet.
      const lines = free && r.direct && stats.length === 0 && !writer && !o.quiet
        ? d.directLines(r.direct, ifIndex => digits.get(ifIndex) ?? 6, filter && !filter.empty ? filter : null) : null;
      await eachFrame(open(progress.readOptions(readOpts)), f => {
        if (seen >= limit) return false;
        seen++;
        if (lines === null) emit(f, d.dissect(f));
        else {
          const head = r.opening();
          if (head) out.write(head);
          if (!d.writeLine(f, lines, out)) emit(f, d.dissect(f));
        }
        progress.tick();
        return true;
      }, out);
    }
  } catch (e) {
    if (e instanceof CaptureFileError) failure = e; else throw e;
  }
  progress.done();
  if (writer) writer.close();
  if ((!writer || o.printWhileWriting) && !o.quiet && r.end) out.write(r.end());
  if (!failure) out.write(finish());
  out.flush();
  if (failure) throw new FatalError(failure.message);
  return 0;
}

/**
 * The subcommands: each lives in its own file under cli/ and reads its arguments with
 * parseArgs(argv, { subcommand }), so its flags mean what they mean in the main command.
 */
const SUBCOMMANDS: Record<string, (argv: readonly string[]) => Promise<number>> = {
  check: async argv => (await import('./check.js')).runCheck(parseArgs(argv, { subcommand: 'check' })),
  tui: async argv => (await import('./tui.js')).runTui(parseArgs(argv, { subcommand: 'tui' })),
  export: async argv => (await import('./export.js')).runExport(argv, VERSION),
  // The database commands load DuckDB: only when asked for.
  index: async argv => (await import('./index-cmd.js')).runIndex(argv),
  sql: async argv => (await import('./sql.js')).runSql(argv),
  stats: async argv => (await import('./stats-db.js')).runStats(argv),
};

export async function main(argv: readonly string[]): Promise<number> {
  try {
    const sub = argv[0] !== undefined && Object.hasOwn(SUBCOMMANDS, argv[0]) ? SUBCOMMANDS[argv[0]] : undefined;
    if (sub) return await sub(argv.slice(1));
    const o = parseArgs(argv);
    if (o.help) { process.stdout.write(USAGE); return 0; }
    if (o.version) { process.stdout.write(`mipscope ${VERSION}\n`); return 0; }
    if (o.statistics.includes('help')) { process.stdout.write(`mipscope: The available statistics for the "-z" option are:\n${STATISTICS_HELP}`); return 0; }
    if (o.glossary !== undefined) {
      if (o.glossary === 'lua') process.stdout.write((await import('./export.js')).luaPlugin(VERSION));
      else process.stdout.write((await import('./glossary.js')).glossary(o.glossary));
      return 0;
    }
    if (o.command !== 'analyze') throw new UsageError(`'mipscope ${o.command}' is not available in this build`);
    return await analyze(o);
  } catch (e) {
    if (e instanceof UsageError || e instanceof FatalError || e instanceof FieldsError || e instanceof CaptureFileError) {
      process.stdout.write('');
      process.stderr.write(`mipscope: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

boundHeapGrowth(process.argv.slice(2));
main(process.argv.slice(2)).then(code => { process.exitCode = code; }, e => {
  process.stderr.write(`mipscope: internal error: ${(e as Error)?.stack ?? e}\n`);
  process.exitCode = 70;
});
