#!/usr/bin/env node
// The mipscope command: tshark-style analysis of captures, `check` and `tui`.
import { readCapture, readCaptureSync, CaptureFileError } from '../capture/read.js';
import type { Frame } from '../capture/frame.js';
import { dissectFrame, parsePrefs, PrefError, Session } from '../dissector/index.js';
import type { Packet } from '../dissector/index.js';
import { FieldExtractor, FieldsError, applyFieldsOption, defaultFieldsOptions } from '../dissector/output/fields.js';
import { summaryLine } from '../dissector/output/summary.js';
import type { TimeFormat } from '../dissector/output/summary.js';
import { treeText } from '../dissector/output/text.js';
import { parseArgs, USAGE, UsageError } from './args.js';
import type { Options } from './args.js';
import { Output } from './output.js';
import { glossary } from './glossary.js';
import { runCheck } from './check.js';

export const VERSION = '0.1.0';

/** An error for people: one line, exit code 2. */
export class FatalError extends Error {}

type Renderer = { begin?: () => string; packet: (pkt: Packet) => string; end?: () => string };

function renderer(o: Options): Renderer {
  const fmt = o.timeFormat as TimeFormat;
  switch (o.outputFormat) {
    case 'fields': {
      const fo = { ...defaultFieldsOptions };
      for (const e of o.fieldOptions) applyFieldsOption(fo, e);
      const x = new FieldExtractor(o.fields, fo);
      return { begin: () => (fo.header ? x.header() + '\n' : ''), packet: pkt => x.line(pkt) + '\n' };
    }
    case 'text':
      if (o.verbose) return { packet: pkt => treeText(pkt) + (o.hex ? '\n' + hexDump(pkt) : '') + '\n' };
      return { packet: pkt => summaryLine(pkt, fmt) + '\n' + (o.hex ? hexDump(pkt) + '\n' : '') };
    default:
      throw new UsageError(`output format -T ${o.outputFormat} is not available`);
  }
}

function hexDump(pkt: Packet): string {
  const lines: string[] = [];
  for (const [si, s] of pkt.sources.entries()) {
    if (pkt.sources.length > 1) lines.push(`${s.name} (${s.data.length} bytes):`);
    for (let off = 0; off < s.data.length; off += 16) {
      const row = s.data.subarray(off, off + 16);
      let h = '';
      for (let i = 0; i < 16; i++) h += (i < row.length ? row[i]!.toString(16).padStart(2, '0') : '  ') + (i === 7 ? '  ' : ' ');
      const ascii = Array.from(row, b => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
      lines.push(`${off.toString(16).padStart(4, '0')}  ${h} ${ascii}`);
    }
    if (si < pkt.sources.length - 1) lines.push('');
  }
  return lines.join('\n') + '\n';
}

async function analyze(o: Options): Promise<number> {
  let prefs;
  try { prefs = parsePrefs(o.prefs); } catch (e) { if (e instanceof PrefError) throw new UsageError(e.message); throw e; }
  const session = new Session(prefs);
  const r = renderer(o);
  const out = new Output(o.lineBuffered);
  if (o.interfaces.length || o.listInterfaces) throw new FatalError('live capture is not available in this build: use -r FILE');
  if (o.read === undefined) throw new UsageError("no input: use -r FILE (or '-r -' for standard input), or -i IFACE");
  const frames: Iterable<Frame> | AsyncIterable<Frame> = o.read === '-' ? readCapture('-') : readCaptureSync(o.read);
  let seen = 0;
  let failure: Error | null = null;
  if (r.begin) out.write(r.begin());
  const limit = o.count ?? Infinity;
  try {
    if (o.twoPass) {
      const all: Frame[] = [];
      try {
        for await (const f of frames) { if (all.length >= limit) break; all.push(f); dissectFrame(f, session); }
      } catch (e) { if (e instanceof CaptureFileError) failure = e; else throw e; }
      for (const f of all) out.write(r.packet(dissectFrame(f, session)));
    } else {
      for await (const f of frames) {
        if (seen >= limit) break;
        seen++;
        out.write(r.packet(dissectFrame(f, session)));
      }
    }
  } catch (e) {
    if (e instanceof CaptureFileError) failure = e; else throw e;
  }
  if (r.end) out.write(r.end());
  out.flush();
  if (failure) throw new FatalError(failure.message);
  return 0;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    if (argv[0] === 'check') return await runCheck(argv.slice(1));
    const o = parseArgs(argv);
    if (o.help) { process.stdout.write(USAGE); return 0; }
    if (o.version) { process.stdout.write(`mipscope ${VERSION}\n`); return 0; }
    if (o.glossary !== undefined) { process.stdout.write(glossary(o.glossary)); return 0; }
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
