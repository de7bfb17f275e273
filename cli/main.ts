#!/usr/bin/env node
// The mipscope command: tshark-style analysis of captures, `check` and `tui`.
import { readCapture, readCaptureSync, CaptureFileError } from '../capture/read.js';
import type { Frame, InterfaceInfo, ReadOptions } from '../capture/frame.js';
import { allFields, dissectFrame, fieldByAbbrev, parsePrefs, PrefError, Session } from '../dissector/index.js';
import type { Packet } from '../dissector/index.js';
import { FieldExtractor, FieldsError, applyFieldsOption, defaultFieldsOptions } from '../dissector/output/fields.js';
import { timePrecision } from '../dissector/output/summary.js';
import type { TimeFormat } from '../dissector/output/summary.js';
import { textPacket } from '../dissector/output/text.js';
import { JsonRenderer } from '../dissector/output/json.js';
import { packetEk } from '../dissector/output/ek.js';
import { packetPdml, pdmlFinale, pdmlPreamble } from '../dissector/output/pdml.js';
import { parseArgs, USAGE, UsageError } from './args.js';
import type { Options } from './args.js';
import { Output } from './output.js';
import { Progress } from './progress.js';
import { glossary } from './glossary.js';
import { runCheck } from './check.js';
import { attachKeysFile } from './keys.js';
import { runLive } from './live.js';
import { runTui } from './tui.js';
import { luaPlugin, runExport } from './export.js';
import { createFrameWriter } from '../capture/write.js';
import { compileFilter, FilterError } from '../dissector/filter/index.js';
import type { CompiledFilter } from '../dissector/filter/index.js';

export const VERSION = '0.1.0';

/** An error for people: one line, exit code 2. */
export class FatalError extends Error {}

type Renderer = { begin?: () => string; packet: (pkt: Packet) => string; end?: () => string };

/** What the renderers learn from the capture: the time precision of each interface. */
interface RenderContext { timeDigits: (ifIndex: number) => number }

function renderer(o: Options, ctx: RenderContext): Renderer {
  const fmt = o.timeFormat as TimeFormat;
  const extractor = () => {
    const fo = { ...defaultFieldsOptions, timeDigits: ctx.timeDigits };
    for (const e of o.fieldOptions) applyFieldsOption(fo, e);
    return new FieldExtractor(o.fields, fo);
  };
  switch (o.outputFormat) {
    case 'fields': {
      const x = extractor();
      return { begin: () => (x.opts.header ? x.header() + '\n' : ''), packet: pkt => x.line(pkt) + '\n' };
    }
    case 'text': {
      // tshark prints the summary line unless -V or -x asks for details or bytes.
      const summary = !o.verbose && !o.hex;
      return { packet: pkt => textPacket(pkt, { summary, details: o.verbose, hex: o.hex, timeFormat: fmt, timeDigits: ctx.timeDigits(pkt.frame.ifIndex) }) };
    }
    case 'json': case 'jsonraw': {
      const j = new JsonRenderer({ raw: o.hex || o.outputFormat === 'jsonraw', text: o.outputFormat === 'json', mergeDuplicateKeys: o.noDuplicateKeys, fields: o.fields.length ? extractor() : undefined });
      return { begin: () => j.begin(), packet: pkt => j.packet(pkt), end: () => j.end() };
    }
    case 'ek': {
      const opts = { raw: o.hex, fields: o.fields.length ? extractor() : undefined };
      return { packet: pkt => packetEk(pkt, opts) };
    }
    case 'pdml':
      return {
        begin: () => pdmlPreamble({ creator: `mipscope/${VERSION}`, captureFile: o.read === '-' ? '' : o.read ?? '' }),
        packet: pkt => packetPdml(pkt),
        end: () => pdmlFinale(),
      };
    default:
      throw new UsageError(`invalid -T value '${o.outputFormat}': expected one of text, fields, json, jsonraw, ek, pdml`);
  }
}

/**
 * Defers a renderer's opening (the "[" of -T json, the PDML preamble) to its first packet, or
 * to the end when the capture was read: an unreadable capture gives the error alone, as tshark.
 */
function openingWithFirstPacket(r: Renderer, failed: () => boolean): Renderer {
  let opened = false;
  const open = () => { if (opened) return ''; opened = true; return r.begin ? r.begin() : ''; };
  return {
    packet: pkt => open() + r.packet(pkt),
    end: () => (failed() && !opened ? '' : open() + (r.end ? r.end() : '')),
  };
}

/**
 * The fast path (DESIGN.md principle 7): when the output reads only some fields (-T fields, the
 * summary line) the dissector keeps just those and the display filter's, and builds no tree.
 * Null when the whole tree is needed (-V, -T json/ek/pdml).
 */
function fastPathFields(o: Options, filter: CompiledFilter | null): Uint8Array | null {
  let names: readonly string[];
  if (o.outputFormat === 'fields') names = o.fields;
  else if (o.outputFormat === 'text' && !o.verbose) names = [];
  else return null;
  const want = new Uint8Array(allFields().length);
  for (const n of [...names, ...(filter?.fields ?? [])]) {
    const f = fieldByAbbrev(n);
    if (f) want[f.id] = 1;
  }
  return want;
}

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
  let prefs;
  try { prefs = parsePrefs(o.prefs); } catch (e) { if (e instanceof PrefError) throw new UsageError(e.message); throw e; }
  // The display filter is compiled once, before anything is read; a bad one is a usage error.
  let filter = null;
  try { if (o.displayFilter !== undefined) filter = compileFilter(o.displayFilter); } catch (e) { if (e instanceof FilterError) throw new UsageError(e.describe(o.displayFilter!)); throw e; }
  const session = new Session(prefs);
  if (o.keys !== undefined) attachKeysFile(session, o.keys);
  const want = fastPathFields(o, filter);
  // One streaming pass keeps no per-frame results; two passes need them for the second.
  session.retain = o.twoPass;
  const digits = new Map<number, number>();
  let failure: Error | null = null;
  const r = openingWithFirstPacket(renderer(o, { timeDigits: ifIndex => digits.get(ifIndex) ?? 6 }), () => failure !== null);
  const out = new Output(o.lineBuffered);
  if (o.interfaces.length || o.listInterfaces) {
    return await runLive(o, {
      onStart: ifaces => { for (const i of ifaces) digits.set(i.index, timePrecision(i.tsresol)); },
      onFrame: f => { const pkt = dissectFrame(f, session, want); if (!filter || filter.match(pkt)) out.write(r.packet(pkt)); },
      onEnd: () => { if (r.end) out.write(r.end()); out.flush(); },
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
    if (filter && !filter.match(pkt)) return;
    if (writer) writer.write(f);
    if (!writer || o.printWhileWriting) out.write(r.packet(pkt));
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
      await eachFrame(open(progress.readOptions(readOpts)), f => {
        if (seen >= limit) return false;
        seen++;
        emit(f, dissectFrame(f, session, want));
        progress.tick();
        return true;
      }, out);
    }
  } catch (e) {
    if (e instanceof CaptureFileError) failure = e; else throw e;
  }
  progress.done();
  if (writer) writer.close();
  if ((!writer || o.printWhileWriting) && r.end) out.write(r.end());
  out.flush();
  if (failure) throw new FatalError(failure.message);
  return 0;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    if (argv[0] === 'check') return await runCheck(argv.slice(1), attachKeysFile);
    if (argv[0] === 'export') return runExport(argv.slice(1), VERSION);
    // The database commands load DuckDB: only when asked for.
    if (argv[0] === 'index') return await (await import('./index-cmd.js')).runIndex(argv.slice(1));
    if (argv[0] === 'sql') return await (await import('./sql.js')).runSql(argv.slice(1));
    if (argv[0] === 'stats') return await (await import('./stats-db.js')).runStats(argv.slice(1));
    const o = parseArgs(argv);
    if (o.command === 'tui') return await runTui(o);
    if (o.help) { process.stdout.write(USAGE); return 0; }
    if (o.version) { process.stdout.write(`mipscope ${VERSION}\n`); return 0; }
    if (o.glossary !== undefined) { process.stdout.write(o.glossary === 'lua' ? luaPlugin(VERSION) : glossary(o.glossary)); return 0; }
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

main(process.argv.slice(2)).then(code => { process.exitCode = code; }, e => {
  process.stderr.write(`mipscope: internal error: ${(e as Error)?.stack ?? e}\n`);
  process.exitCode = 70;
});
