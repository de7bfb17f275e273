// Display-filter throughput: `-Y FILTER -T fields -e frame.number` over a large Mobile IP
// capture, mipscope against tshark, in packets read per second.
// A second table times compileFilter(...).match alone over packets dissected beforehand.
// Usage: node dist/bench/filter.js [packets=200000] [runs=1]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCaptureSync } from '../capture/read.js';
import { dissectFrame, Session, defaultPrefs } from '../dissector/index.js';
import { compileFilter } from '../dissector/filter/index.js';
import { writeBenchCapture } from './corpus.js';

const count = parseInt(process.argv[2] ?? '200000', 10);
const runs = parseInt(process.argv[3] ?? '1', 10);
const cli = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'cli', 'main.js');

const FILTERS = [
  '', // no filter: the cost of reading, dissecting and printing
  'mip.type == 1',
  'mip.code == 131',
  'ip.addr == 10.2.0.0/16 && mip.nai contains "mn3"',
  'mip.auth.spi in {0x1001..0x1010} or not mip',
  'mip.nai matches "^mn[0-9]+@home"',
  'count(mip.ext.type) == 3 && mip.auth.auth[0] > 0x80',
];

interface Result { seconds: number; frames: string }

function measure(cmd: string, args: string[]): Result {
  let best: Result | null = null;
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
    if (!best || seconds < best.seconds) best = { seconds, frames: r.stdout };
  }
  return best!;
}

const dir = join(tmpdir(), 'mipscope-bench');
mkdirSync(dir, { recursive: true });
const file = join(dir, `filter-${count}.pcap`);
if (!existsSync(file)) writeBenchCapture(file, count);

const rate = (s: number) => `${Math.round(count / s).toLocaleString('en-US')}`;
const rows: string[][] = [['filter', 'matched', 'mipscope s', 'mipscope pkt/s', 'tshark s', 'tshark pkt/s', 'speed vs tshark', 'same frames']];
for (const filter of FILTERS) {
  const args = ['-r', file, ...(filter ? ['-Y', filter] : []), '-T', 'fields', '-e', 'frame.number'];
  const ours = measure(process.execPath, [cli, ...args]);
  const theirs = measure('tshark', args);
  const matched = ours.frames ? ours.frames.split('\n').length - 1 : 0;
  rows.push([
    filter || '(none)', matched.toLocaleString('en-US'),
    ours.seconds.toFixed(2), rate(ours.seconds), theirs.seconds.toFixed(2), rate(theirs.seconds),
    `${(theirs.seconds / ours.seconds).toFixed(2)}×`, ours.frames === theirs.frames ? 'yes' : 'NO',
  ]);
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map(r => r[i]!.length)));
process.stdout.write(`${count.toLocaleString('en-US')} packets, ${file}, best of ${runs}\n`);
for (const [i, r] of rows.entries()) {
  process.stdout.write(r.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('  ') + '\n');
  if (i === 0) process.stdout.write(widths.map(w => '-'.repeat(w)).join('  ') + '\n');
}

// Filter evaluation alone: dissect a sample once, then run match() over it until `count` evaluations.
const session = new Session(defaultPrefs);
const sample = [];
for (const f of readCaptureSync(file)) { sample.push(dissectFrame(f, session)); if (sample.length >= 20_000) break; }
const evalRows: string[][] = [['filter', 'compile µs', 'match() ns/packet', 'match() pkt/s']];
for (const filter of FILTERS.filter(Boolean)) {
  const c0 = process.hrtime.bigint();
  const compiled = compileFilter(filter);
  const compileUs = Number(process.hrtime.bigint() - c0) / 1e3;
  let best = Infinity, hits = 0;
  for (let r = 0; r < 3; r++) {
    const t0 = process.hrtime.bigint();
    hits = 0;
    for (let i = 0; i < count; i++) if (compiled.match(sample[i % sample.length]!)) hits++;
    best = Math.min(best, Number(process.hrtime.bigint() - t0));
  }
  void hits;
  evalRows.push([filter, compileUs.toFixed(0), (best / count).toFixed(0), Math.round(count / (best / 1e9)).toLocaleString('en-US')]);
}
const w2 = evalRows[0]!.map((_, i) => Math.max(...evalRows.map(r => r[i]!.length)));
process.stdout.write(`\nfilter evaluation alone (${sample.length.toLocaleString('en-US')} packets dissected once, ${count.toLocaleString('en-US')} evaluations, best of 3)\n`);
for (const [i, r] of evalRows.entries()) {
  process.stdout.write(r.map((c, j) => (j === 0 ? c.padEnd(w2[j]!) : c.padStart(w2[j]!))).join('  ') + '\n');
  if (i === 0) process.stdout.write(w2.map(w => '-'.repeat(w)).join('  ') + '\n');
}
