// -z io,stat,INTERVAL[,COLUMN…]: frames and bytes per time interval, one column per display
// filter, or a calculation over a field (COUNT(f), SUM(f), MIN(f), MAX(f), AVG(f), FRAMES(),
// BYTES(), each optionally followed by a filter), as tshark's ui/cli/tap-iostat.c counts them:
// times in microseconds from the capture's first frame, an interval of 0 for the whole capture.
import type { FieldDef, Packet } from '../../dissector/index.js';
import { fieldByAbbrev } from '../../dissector/index.js';
import { compileFilter, FilterError } from '../../dissector/filter/index.js';
import type { CompiledFilter } from '../../dissector/filter/index.js';
import type { AbsTime } from '../../dissector/tree.js';
import { UsageError } from '../args.js';
import type { IoStatCalc, IoStatColumn, IoStatRow, Statistic, StatTable } from './types.js';

/**
 * Intervals with frames a column keeps at most, and rows printed at most (a capture of years in
 * 1 µs intervals must not exhaust memory): past them, a last line says what was left out.
 */
export const MAX_CELLS = 1_000_000, MAX_ROWS_PRINTED = 10_000_000;
/** tshark's -z io,stat,0: the whole capture as one interval. */
const WHOLE = Number.MAX_SAFE_INTEGER;

const CALCS: readonly IoStatCalc[] = ['FRAMES', 'BYTES', 'COUNT', 'SUM', 'MIN', 'MAX', 'AVG'];

interface Cell { frames: number; num: number; counter: bigint; double: number }
type Kind = IoStatColumn['valueType'];

class Column {
  /** Interval number → its counts (only intervals that had frames). */
  readonly cells = new Map<number, Cell>();
  /** The interval of the latest frame counted (tshark's last item). */
  current = 0;
  maxFrames = 0;
  /** tshark's max_vals: the largest counter seen (an integer: doubles rounded, times in ns). */
  maxValue = 0n;
  constructor(readonly spec: string | null, readonly calc: IoStatCalc | 'FRAMES BYTES', readonly filter: CompiledFilter | null,
    readonly field: FieldDef | null, readonly kind: Kind) {}
}

const relNs = (v: AbsTime) => BigInt(v.sec) * 1_000_000_000n + BigInt(v.nsec);
const int32 = (x: bigint) => BigInt.asIntN(32, x);

function intValue(f: FieldDef, v: unknown): bigint {
  if (typeof v === 'bigint') return f.type === 'int32' ? v : BigInt.asUintN(64, v);
  if (typeof v === 'number') return BigInt(Math.trunc(v));
  if (typeof v === 'boolean') return v ? 1n : 0n;
  return 0n;
}

/** A field's value class for the calculations (tshark: integers, floating point, relative times; others COUNT only). */
function kindOf(f: FieldDef): Kind | null {
  switch (f.type) {
    case 'uint8': case 'uint16': case 'uint24': case 'uint32': case 'uint64': return 'uint';
    case 'int32': return 'int';
    case 'double': return 'double';
    case 'reltime': return 'reltime';
    default: return null;
  }
}

/** A column's filter does not compile (perhaps a piece of one with a comma: the next piece is tried with it). */
class ColumnFilterError extends UsageError {}

function compile(spec: string, text: string): CompiledFilter | null {
  if (!text.trim()) return null;
  try { return compileFilter(text); } catch (e) {
    if (e instanceof FilterError) throw new ColumnFilterError(`-z ${spec}: invalid filter '${text}': ${e.message}`);
    throw e;
  }
}

/** One column from its text: a filter, or a calculation CALC(field)[filter]. */
function column(spec: string, text: string | null): Column {
  if (text === null) return new Column(null, 'FRAMES BYTES', null, null, 'uint');
  if (text.startsWith('LOAD(')) throw new UsageError(`-z ${spec}: LOAD(*) is not supported (COUNT, SUM, MIN, MAX, AVG, FRAMES and BYTES are)`);
  const calc = CALCS.find(c => text.startsWith(`${c}(`));
  if (!calc) return new Column(text, 'FRAMES BYTES', compile(spec, text), null, 'uint');
  const close = text.indexOf(')', calc.length + 1);
  if (close < 0) throw new UsageError(`-z ${spec}: closing parenthesis missing from calculated expression '${text}'`);
  const name = text.slice(calc.length + 1, close), filter = compile(spec, text.slice(close + 1));
  if (calc === 'FRAMES' || calc === 'BYTES') {
    if (name) throw new UsageError(`-z ${spec}: ${calc} does not require or allow a field name within the parens`);
    return new Column(text, calc, filter, null, 'uint');
  }
  if (!name) throw new UsageError(`-z ${spec}: you didn't specify a field name for ${calc}(*)`);
  const f = fieldByAbbrev(name);
  if (!f) throw new UsageError(`-z ${spec}: there is no field named '${name}'`);
  const kind = kindOf(f);
  if (calc !== 'COUNT' && kind === null) {
    throw new UsageError(`-z ${spec}: ${name} doesn't have integral values, so ${calc}(*) calculations are not supported on it`);
  }
  return new Column(text, calc, filter, f, calc === 'COUNT' ? 'uint' : kind!);
}

/**
 * The columns of `-z io,stat,…`, split at commas as tshark does: a piece that is no valid filter
 * on its own is joined with the next (a comma inside a filter, e.g. a set `{1,2}`).
 */
function columns(spec: string, rest: string): Column[] {
  if (rest === '') return [column(spec, null)];
  const pieces = rest.split(',');
  const out: Column[] = [];
  let pending: string | null = null, lastError: ColumnFilterError | null = null;
  for (const piece of pieces) {
    const text: string = pending === null ? piece : `${pending},${piece}`;
    const trimmed = text.trim();
    try {
      out.push(column(spec, trimmed === '' ? null : trimmed));
      pending = null; lastError = null;
    } catch (e) {
      if (!(e instanceof ColumnFilterError)) throw e;
      pending = text; lastError = e;
    }
  }
  if (lastError) throw lastError;
  return out;
}

const BAD = (spec: string) => new UsageError(`invalid -z argument '${spec}': use io,stat,INTERVAL[,FILTER…] (see 'mipscope -z help')`);

/** -z io,stat,INTERVAL[,COLUMN…] */
export class IoStat implements Statistic {
  readonly fields: readonly string[];
  /** The interval in µs (WHOLE for 0), and the decimals the user gave it (tshark's invl_prec). */
  private readonly interval: number;
  private readonly prec: number;
  private readonly cols: Column[];
  private first: AbsTime | null = null;
  private last = 0;
  /** The capture's duration (tshark's elapsed time): the latest frame, µs from the first. */
  private elapsed = 0;
  /** Frames not counted in a column for want of room (MAX_CELLS). */
  private dropped = 0;
  /**
   * The fields some filter names. As tshark's, a calculation sees a field only where a filter
   * names it (tshark fills in only the fields its filters ask for): AVG(ip.ttl)ip.ttl, not AVG(ip.ttl)ip.
   */
  private primed = new Set<string>();
  constructor(readonly spec: string) {
    const m = /^io,stat,(\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(,.*)?$/s.exec(spec);
    if (!m || spec.endsWith(',')) throw BAD(spec);
    const seconds = Number(m[1]);
    if (seconds === 0) { this.interval = WHOLE; this.prec = 0; } else {
      this.interval = Math.floor(seconds * 1e6 + 0.5);
      if (!(this.interval >= 1) || !Number.isSafeInteger(this.interval)) throw new UsageError(`-z ${spec}: the interval must be >= 0.000001 seconds, or 0 for the whole capture`);
      let prec = 6;
      for (let i = 10; i < 10_000_000; i *= 10) { if (this.interval % i > 0) break; prec--; }
      // "1.00": as many decimals as given (up to 6) where the value needs none.
      const dot = m[1]!.indexOf('.');
      // (tshark 4.0 measures them up to the next comma: without a column, it shows 6.)
      if (prec === 0 && dot >= 0 && m[1]!.length - dot - 1 > 0) prec = m[2] === undefined ? 6 : Math.min(m[1]!.length - dot - 1, 6);
      this.prec = prec;
    }
    this.cols = columns(spec, m[2]?.slice(1) ?? '');
    this.fields = [...new Set(this.cols.flatMap(c => [...(c.filter?.fields ?? []), ...(c.field ? [c.field.abbrev] : [])]))];
    this.prime(this.filterFields());
  }

  /** The fields this statistic's filters name. */
  filterFields(): string[] { return this.cols.flatMap(c => c.filter?.fields ?? []); }
  /** Fields named by other filters of the run (tshark primes every tap's filter). */
  prime(abbrevs: Iterable<string>): void { for (const a of abbrevs) this.primed.add(a); }

  add(pkt: Packet): void {
    const ts = { sec: pkt.frame.tsSec, nsec: pkt.frame.tsNsec };
    this.first ??= pkt.session.firstTs ?? ts;
    let sec = ts.sec - this.first.sec, nsec = ts.nsec - this.first.nsec;
    if (nsec < 0) { sec--; nsec += 1e9; }
    // As tshark: a frame from before the first counts at the last time seen.
    const t = sec >= 0 ? sec * 1e6 + Math.floor((nsec + 500) / 1000) : this.last;
    this.last = t;
    this.elapsed = Math.max(this.elapsed, t);
    for (const c of this.cols) {
      if (c.filter && !c.filter.match(pkt)) continue;
      // A frame older than the current interval counts in it (as tshark).
      const at = Math.max(c.current, this.interval === WHOLE ? 0 : Math.floor(t / this.interval));
      let cell = c.cells.get(at);
      if (!cell) {
        if (c.cells.size >= MAX_CELLS) { this.dropped++; continue; }
        c.cells.set(at, cell = { frames: 0, num: 0, counter: 0n, double: 0 });
      }
      c.current = at;
      this.count(c, cell, pkt);
    }
  }

  private count(c: Column, cell: Cell, pkt: Packet): void {
    cell.frames++;
    const values = c.field && this.primed.has(c.field.abbrev) ? pkt.all.filter(n => n.field === c.field).map(n => n.value) : [];
    const f = c.field!;
    switch (c.calc) {
      case 'FRAMES': case 'BYTES': case 'FRAMES BYTES': cell.counter += BigInt(pkt.frame.len); break;
      case 'COUNT': cell.counter += BigInt(values.length); break;
      case 'SUM': case 'AVG':
        for (const v of values) {
          if (c.calc === 'AVG') cell.num++;
          if (c.kind === 'double') cell.double += v as number;
          else cell.counter = BigInt.asUintN(64, cell.counter + (c.kind === 'reltime' ? relNs(v as AbsTime) : intValue(f, v)));
        }
        break;
      case 'MIN': case 'MAX':
        values.forEach((v, i) => {
          const init = c.calc === 'MIN' && cell.frames === 1 && i === 0;
          const better = (a: bigint | number, b: bigint | number) => (c.calc === 'MIN' ? a < b : a > b);
          if (c.kind === 'double') { if (init || better(v as number, cell.double)) cell.double = v as number; return; }
          const x = BigInt.asUintN(64, c.kind === 'reltime' ? relNs(v as AbsTime) : intValue(f, v));
          if (init || (c.kind === 'int' ? better(int32(x), int32(cell.counter)) : better(x, cell.counter))) cell.counter = x;
        });
        break;
    }
    // tshark's max_vals and max_frame, for the column widths.
    if (c.calc === 'FRAMES' || c.calc === 'FRAMES BYTES') c.maxFrames = Math.max(c.maxFrames, cell.frames);
    let v = cell.counter;
    if (c.calc === 'AVG') {
      if (!cell.num) return;
      v = c.kind === 'double' ? BigInt(Math.trunc(cell.double)) / BigInt(cell.num)
        : c.kind === 'reltime' ? (cell.counter / BigInt(cell.num) + 500_000_000n) / 1_000_000_000n : cell.counter / BigInt(cell.num);
    } else if (c.kind === 'double' && c.calc !== 'COUNT') v = BigInt(Math.trunc(cell.double + 0.5));
    if (c.calc !== 'FRAMES' && v > c.maxValue) c.maxValue = v;
  }

  table(): StatTable {
    let duration = this.elapsed;
    // An interval longer than the capture is the whole capture (as tshark).
    const whole = this.interval === WHOLE || this.interval > duration;
    const durMag = magnitude(Math.floor(duration / 1e6));
    const prec = whole ? (durMag >= 2 ? 1 : durMag === 1 ? 3 : 6) : this.prec;
    const dv = 10 ** (6 - prec);
    if (duration % dv > 5 * (dv / 10)) duration = Math.floor((duration + 5 * (dv / 10)) / dv) * dv;
    const interval = whole ? duration : this.interval;
    const count = interval === 0 || duration === 0 ? 0 : Math.floor(duration / interval) + (duration % interval > 0 ? 1 : 0);
    // The intervals that had frames (the others print as zeros), in order.
    const used = [...new Set(this.cols.flatMap(c => [...c.cells.keys()]))].filter(i => i < count).sort((a, b) => a - b);
    const rows: IoStatRow[] = used.map(i => {
      const start = i * interval, end = i === count - 1 ? duration : start + interval;
      return { interval: i, start: start / 1e6, end: end / 1e6, cells: this.cols.map(c => cellValue(c, c.cells.get(i))) };
    });
    const cols: IoStatColumn[] = this.cols.map(c => ({
      spec: c.spec, calc: c.calc, ...(c.field ? { field: c.field.abbrev } : {}), valueType: c.kind,
      maxFrames: c.maxFrames,
      // Times: whole seconds (rounded from ns; AVG keeps them so already).
      maxValue: Number(c.kind === 'reltime' && c.calc !== 'AVG' && c.calc !== 'COUNT' ? (c.maxValue + 500_000_000n) / 1_000_000_000n : c.maxValue),
    }));
    return {
      kind: 'io,stat', title: 'IO Statistics', interval: interval / 1e6, precision: prec, whole,
      duration: this.elapsed / 1e6, durationRounded: duration / 1e6, intervals: count, columns: cols, rows,
      ...(this.dropped ? { dropped: this.dropped } : {}),
    };
  }
}

/** A cell as printed: frames, and the value (bytes, a count, or the calculation). */
function cellValue(c: Column, cell: Cell | undefined): { frames: number; value: number } {
  if (!cell) return { frames: 0, value: 0 };
  let value: number;
  if (c.kind === 'double' && c.calc !== 'COUNT') value = c.calc === 'AVG' ? cell.double / (cell.num || 1) : cell.double;
  else {
    let x = c.calc === 'AVG' ? cell.counter / BigInt(cell.num || 1) : cell.counter;
    if (c.kind === 'int') x = BigInt.asIntN(64, x);
    // Times print in µs (rounded from ns), as tshark.
    if (c.kind === 'reltime' && c.calc !== 'COUNT') return { frames: cell.frames, value: Number((x + 500n) / 1000n) / 1e6 };
    value = Number(x);
  }
  return { frames: cell.frames, value };
}

/** tshark's magnitude(): digits of an integer, at most `max`. */
export function magnitude(v: number | bigint, max = 5): number {
  let x = BigInt(v), mag = 0;
  for (let i = 0; i < max; i++) { mag++; if ((x /= 10n) === 0n) break; }
  return mag;
}

export function parseIoStat(spec: string): IoStat | null {
  return spec.startsWith('io,stat,') || spec === 'io,stat' ? new IoStat(spec) : null;
}
