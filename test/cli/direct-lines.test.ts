// Direct lines (cli/direct-lines.ts) write what the packet path prints: for every field they
// know, alone and together under other -E options, and for the summary line at two time
// precisions, over every sample capture, the benchmark corpus, edge cases and damaged frames.
// A frame they leave is dissected on the same session, as the main command does.
import { describe, expect, it } from 'vitest';
import type { Frame } from '../../capture/frame.js';
import { DirectLines, DIRECT_FIELD_NAMES, fieldsPlan } from '../../cli/direct-lines.js';
import type { DirectPlan } from '../../cli/direct-lines.js';
import { Output } from '../../cli/output.js';
import { SimpleFrames } from '../../cli/simple-frames.js';
import { independentOfTracking } from '../../cli/tracking-free.js';
import { dissectFrame, Session, wantSet } from '../../dissector/index.js';
import type { Packet } from '../../dissector/index.js';
import { applyFieldsOption, defaultFieldsOptions, FieldExtractor } from '../../dissector/output/fields.js';
import type { FieldsOptions } from '../../dissector/output/fields.js';
import { summaryLine } from '../../dissector/output/summary.js';
import { compileFilter } from '../../dissector/filter/index.js';
import type { CompiledFilter } from '../../dissector/filter/index.js';
import { benchFrames } from '../../bench/corpus.js';
import { standardFrames } from '../../samples/standard.js';
import { toFrames } from '../helpers.js';
import { damaged, frameSets } from './frame-sets.js';

/** An output that keeps every line it is handed (copied: the buffer is reused). */
function collecting(): { out: Output; lines: string[] } {
  const lines: string[] = [];
  const stream = {
    write: (chunk: Uint8Array | string, done?: (e?: Error | null) => void) => { lines.push(Buffer.from(chunk).toString('utf8')); done?.(); return true; },
    writableLength: 0,
    once: () => undefined,
    on: () => undefined,
  };
  return { out: new Output(true, stream), lines };
}

/**
 * Both paths over the frames: the packet path's line (render), and the direct line wherever
 * direct lines take the frame. The number of frames they took.
 */
function compare(frames: readonly Frame[], plan: DirectPlan, want: Uint8Array, render: (pkt: Packet) => string, digits: number, label: string, filter: CompiledFilter | null = null): number {
  const fresh = () => { const s = new Session(); s.retain = false; s.skipTracking = true; return s; };
  let full = fresh(), fast = fresh();
  const make = () => new DirectLines(new SimpleFrames(fast.prefs), plan, () => digits, filter, want);
  let lines = make();
  let taken = 0;
  for (const f of frames) {
    const a = dissectFrame(f, full, want);
    // As in a tracking-free pass, which ends at the first packet that could depend on tracking.
    if (!independentOfTracking(a)) { full = fresh(); fast = fresh(); lines = make(); continue; }
    const c = collecting();
    if (!lines.write(f, fast, c.out)) { dissectFrame(f, fast, want); continue; }
    taken++;
    expect(c.lines.join(''), `${label} frame ${f.no}`).toBe(!filter || filter.match(a) ? render(a) + '\n' : '');
  }
  return taken;
}

function fields(names: readonly string[], options: readonly string[] = []): { plan: DirectPlan; want: Uint8Array; render: (pkt: Packet) => string } {
  const opts: FieldsOptions = { ...defaultFieldsOptions };
  for (const e of options) applyFieldsOption(opts, e);
  const plan = fieldsPlan(names, opts);
  expect(plan, names.join(' ')).not.toBeNull();
  const x = new FieldExtractor(names, opts);
  return { plan: plan!, want: wantSet(names), render: pkt => x.line(pkt) };
}

describe('direct lines', () => {
  const sets = frameSets();
  const all = (plan: DirectPlan, want: Uint8Array, render: (pkt: Packet) => string, digits = 6) =>
    sets.reduce((n, [label, frames]) => n + compare(frames, plan, want, render, digits, label), 0);

  it('write every field they know as -T fields prints it', () => {
    // One column per field: a line compares them all at once.
    const { plan, want, render } = fields(DIRECT_FIELD_NAMES);
    expect(all(plan, want, render)).toBeGreaterThan(3500);
  });

  it('write several fields under other separators, aggregators and quotes', () => {
    const names = ['frame.number', 'ip.src', 'mip.type', 'mip.auth.spi', 'mip.nai', 'frame.time_delta', 'ip.addr', 'mip.ext.type', 'mip.coa', 'mip.code'];
    for (const options of [[], ['separator=,', 'aggregator=;', 'quote=d'], ['separator=/s', 'aggregator=/s', 'quote=s'], ['occurrence=0', 'aggregator=\u00b7\u00b7']]) {
      const { plan, want, render } = fields(names, options);
      expect(all(plan, want, render), options.join(' ')).toBeGreaterThan(3500);
    }
  });

  it('write the summary line at microsecond and nanosecond precision', () => {
    for (const digits of [6, 9, 0]) {
      expect(all({ kind: 'summary' }, wantSet([]), pkt => summaryLine(pkt, 'r', digits), digits)).toBeGreaterThan(3500);
    }
  });

  it('write the lines of the frames a display filter passes, and nothing for the others', () => {
    for (const text of ['mip.type == 1', 'mip.nai contains "mn1" || ip.src == 192.0.2.1', '!(mip.auth.spi == 0x00001001) && frame.len > 100', 'mip.code']) {
      const filter = compileFilter(text);
      const summary = wantSet(filter.fields);
      let passed = 0;
      const count = (pkt: Packet) => { passed++; return summaryLine(pkt, 'r', 6); };
      expect(sets.reduce((n, [label, frames]) => n + compare(frames, { kind: 'summary' }, summary, count, 6, label, filter), 0), text).toBeGreaterThan(3500);
      expect(passed, text).toBeGreaterThan(100);
      const names = ['frame.number', 'mip.ident', 'mip.nai'];
      // The packet keeps the printed fields and the filter's, as fastPathFields makes it.
      const { plan, render } = fields(names);
      const both = wantSet([...names, ...filter.fields]);
      expect(sets.reduce((n, [label, frames]) => n + compare(frames, plan, both, render, 6, label, filter), 0), text).toBeGreaterThan(3500);
    }
  });

  it('take the agent advertisements as well as the registrations of the corpus', () => {
    const frames = toFrames(benchFrames(3000));
    const icmp = frames.filter(f => f.data[23] === 1).length;
    expect(icmp).toBeGreaterThan(50);
    expect(compare(frames, { kind: 'summary' }, wantSet([]), pkt => summaryLine(pkt, 'r', 6), 6, 'corpus')).toBe(frames.length);
    const { plan, want, render } = fields(['frame.number', 'frame.protocols', 'ip.proto', 'udp.port', 'mip.type', 'mip.nai']);
    expect(compare(frames, plan, want, render, 6, 'corpus')).toBe(frames.length);
  });

  it('take only simple frames among damaged ones, and write what the packet path prints', () => {
    const frames = damaged([...toFrames(benchFrames(500)), ...toFrames(standardFrames())], 20261204, 3000);
    const { plan, want, render } = fields(['frame.number', 'ip.dst', 'udp.port', 'mip.flags', 'mip.life', 'mip.ident', 'mip.auth.auth', 'mip.nai', 'frame.time_relative']);
    const taken = compare(frames, plan, want, render, 6, 'damaged');
    expect(taken).toBeGreaterThan(300);
    expect(taken).toBeLessThan(2700);
    expect(compare(frames, { kind: 'summary' }, wantSet([]), pkt => summaryLine(pkt, 'r', 6), 6, 'damaged')).toBe(taken);
  });

  it('have no plan for a field or an occurrence they do not write', () => {
    expect(fieldsPlan(['frame.number', 'mip.response_in'], defaultFieldsOptions)).toBeNull();
    expect(fieldsPlan(['_ws.col.Info'], defaultFieldsOptions)).toBeNull();
    expect(fieldsPlan(['mip.nai'], { ...defaultFieldsOptions, occurrence: 'f' })).toBeNull();
    expect(fieldsPlan([], defaultFieldsOptions)).toBeNull();
  });
});
