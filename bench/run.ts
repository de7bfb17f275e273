// mipscope against tshark on the same files, in alternation: packets/s, the speed ratio and
// peak RSS (/usr/bin/time) for every target of the performance issue, and whether the two
// wrote the same bytes where they must. The captures are built here with the encoders and the
// sample agents' capture (not committed), in the system's temporary directory.
//
// Usage: node dist/bench/run.js [--runs N] [--packets N] [--only NAME,...] [--no-flat]
//   --runs N      repetitions in alternation (default 3); the best run of each tool counts
//   --packets N   size of the standard capture (default 200000); the flatness check uses 10×
//   --only ...    run the scenarios whose name contains one of these words
//   --no-flat     skip the memory-flatness lines (they read a capture of 10× the size)
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeCaptureFile } from '../capture/write.js';
import { repeatedCapture, writeBenchCapture } from './corpus.js';
import { benchArgs } from './args.js';

const args = benchArgs('usage: node dist/bench/run.js [--runs N] [--packets N] [--only NAME,...] [--no-flat]', ['runs', 'packets', 'only'], ['no-flat']);
const runs = args.count('runs', 3);
const count = args.count('packets', 200000);
const only = args.value('only', '').split(',').filter(Boolean);
const flat = !args.has('no-flat');

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'dist', 'cli', 'main.js');
const busy = join(root, 'samples', 'captures', 'kx-busy.pcapng');
const busyKeys = join(root, 'samples', 'captures', 'kx-busy.keys.json');
const dir = join(tmpdir(), 'mipscope-bench');
mkdirSync(dir, { recursive: true });

if (!existsSync('/usr/bin/time')) { process.stderr.write('bench: /usr/bin/time is needed (apt-get install time)\n'); process.exit(2); }

/** A capture in the bench directory, built once. */
function capture(name: string, build: (path: string) => void): string {
  const path = join(dir, name);
  if (!existsSync(path)) { process.stderr.write(`bench: building ${name}\n`); build(path); }
  return path;
}
const busyPackets = repeatedCapture(busy, 1).length;
const std = (n: number) => capture(`std-${n}.pcap`, p => writeBenchCapture(p, n));
const kx = (copies: number) => capture(`kx-busy-x${copies}.pcapng`, p => writeCaptureFile(p, repeatedCapture(busy, copies), 'pcapng'));

interface Run { wall: number; cpu: number; rssKb: number; digest: string; bytes: number }

/** One run under /usr/bin/time; stdout is hashed as it arrives (a pipe, as a user's `| less`). */
function runOnce(cmd: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const timing = join(dir, `time-${process.pid}.txt`);
    const child = spawn('/usr/bin/time', ['-o', timing, '-f', '%e %U %S %M', cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const hash = createHash('sha256');
    let bytes = 0, err = '';
    child.stdout.on('data', (c: Buffer) => { hash.update(c); bytes += c.length; });
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    child.on('error', reject);
    child.on('close', code => {
      const t = readFileSync(timing, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
      rmSync(timing, { force: true });
      // check exits 1 when a finding has error severity: that is an answer, not a failure.
      if (code !== 0 && !(code === 1 && args.includes('check'))) { reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err.split('\n').filter(l => !l.startsWith('Running as')).join(' ').slice(0, 300)}`)); return; }
      resolve({ wall: t[0]!, cpu: t[1]! + t[2]!, rssKb: t[3]!, digest: hash.digest('hex'), bytes });
    });
  });
}

const best = (rs: Run[]) => ({ wall: Math.min(...rs.map(r => r.wall)), cpu: Math.min(...rs.map(r => r.cpu)), rssKb: Math.max(...rs.map(r => r.rssKb)), digest: rs[0]!.digest, bytes: rs[0]!.bytes });

interface Scenario {
  name: string;
  file: () => string;
  packets: () => number;
  ours: string[];
  /** tshark's command line, or null for a line that has no tshark counterpart (check). */
  theirs: string[] | null;
  /** The two must write the same bytes. */
  same: boolean;
  /** The target: a speed ratio against tshark, or packets/s for lines without tshark. */
  target: { ratio: number } | { rate: number };
}

const FIVE_FIELDS = ['-T', 'fields', '-e', 'frame.number', '-e', 'ip.src', '-e', 'mip.type', '-e', 'mip.auth.spi', '-e', 'mip.nai'];
const scenarios: Scenario[] = [];
const stdFile = () => std(count);
for (const [name, args, target, same] of [
  ['-T fields, 5 fields', FIVE_FIELDS, 10, true],
  ['summary lines', [], 5, true],
  ['-Y mip.type == 1, summary', ['-Y', 'mip.type == 1'], 5, true],
  // -V/json/ek trees match tshark's for the protocols of this project, with the documented
  // exceptions of the frame layer (test/output has the differential tests): not byte-compared.
  ['-V', ['-V'], 5, false],
  ['-T json', ['-T', 'json'], 10, false],
  ['-T ek', ['-T', 'ek'], 10, false],
] as Array<[string, string[], number, boolean]>) {
  scenarios.push({ name: `standard ${count / 1000}k: ${name}`, file: stdFile, packets: () => count, ours: ['-r', '%F', ...args], theirs: ['-r', '%F', ...args], same, target: { ratio: target } });
}
const kx30 = () => kx(30);
scenarios.push(
  { name: `KX-heavy (busy ×30): summary lines`, file: kx30, packets: () => busyPackets * 30, ours: ['-r', '%F'], theirs: ['-r', '%F'], same: false, target: { ratio: 5 } },
  { name: `KX-heavy (busy ×30): -V`, file: kx30, packets: () => busyPackets * 30, ours: ['-r', '%F', '-V'], theirs: ['-r', '%F', '-V'], same: false, target: { ratio: 5 } },
  { name: `KX-heavy (busy ×30): -2 summary`, file: kx30, packets: () => busyPackets * 30, ours: ['-r', '%F', '-2'], theirs: ['-r', '%F', '-2'], same: false, target: { ratio: 1 } },
);
const kxCopies200k = Math.ceil(200_000 / busyPackets);
scenarios.push({
  name: `keys (busy ×${kxCopies200k}): --keys -V vs tshark -V`, file: () => kx(kxCopies200k), packets: () => busyPackets * kxCopies200k,
  ours: ['-r', '%F', '--keys', busyKeys, '-V'], theirs: ['-r', '%F', '-V'], same: false, target: { ratio: 3 },
});
const kxCopies1m = Math.ceil(1_000_000 / busyPackets);
scenarios.push({
  name: `check (busy ×${kxCopies1m})`, file: () => kx(kxCopies1m), packets: () => busyPackets * kxCopies1m,
  ours: ['check', '-r', '%F'], theirs: null, same: false, target: { rate: 50_000 },
});

const selected = scenarios.filter(s => !only.length || only.some(w => s.name.includes(w)));
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (kb: number) => (kb / 1024).toFixed(0);
const [l1, l5] = loadavg();
process.stdout.write(`mipscope vs tshark, ${runs} run(s) each in alternation, best run counts; ${cpus().length} CPUs, load average ${l1!.toFixed(1)} (1 min) ${l5!.toFixed(1)} (5 min) at start\n`);
process.stdout.write('Speed is packets per CPU second (user+sys, robust on a shared machine); wall-clock ratios alongside.\n\n');
const header = ['scenario', 'packets', 'mipscope pkt/s', 'tshark pkt/s', 'ratio (cpu)', 'ratio (wall)', 'target', 'met', 'mipscope MB', 'tshark MB', 'same output'];
const rows: string[][] = [];
const print = (r: string[]) => process.stdout.write(r.join(' | ') + '\n');
print(header);
for (const s of selected) {
  const file = s.file();
  const packets = s.packets();
  const sub = (a: string[]) => a.map(x => (x === '%F' ? file : x));
  const ours: Run[] = [], theirs: Run[] = [];
  for (let i = 0; i < runs; i++) {
    ours.push(await runOnce(process.execPath, [cli, ...sub(s.ours)]));
    if (s.theirs) theirs.push(await runOnce('tshark', sub(s.theirs)));
  }
  const o = best(ours), t = theirs.length ? best(theirs) : null;
  const ratioCpu = t ? t.cpu / o.cpu : NaN, ratioWall = t ? t.wall / o.wall : NaN;
  const target = 'ratio' in s.target ? `≥ ${s.target.ratio}×` : `≥ ${fmt(s.target.rate)} pkt/s`;
  const met = 'ratio' in s.target ? ratioCpu >= s.target.ratio : packets / o.wall >= s.target.rate;
  const row = [
    s.name, fmt(packets), fmt(packets / o.cpu), t ? fmt(packets / t.cpu) : '—',
    t ? `${ratioCpu.toFixed(2)}×` : '—', t ? `${ratioWall.toFixed(2)}×` : `${fmt(packets / o.wall)} pkt/s wall`,
    target, met ? 'yes' : 'NO', mb(o.rssKb), t ? mb(t.rssKb) : '—',
    !t ? '—' : s.same ? (o.digest === t.digest ? 'identical' : `DIFFERENT (${o.bytes} vs ${t.bytes} bytes)`) : (o.digest === t.digest ? 'identical' : 'not compared'),
  ];
  rows.push(row);
  print(row);
}

// Peak memory of every streaming mode as the file grows: 1× against 10× the packets.
if (flat) {
  process.stdout.write(`\nmemory flatness: peak RSS at ${fmt(count)} and ${fmt(count * 10)} packets (target: within 10 % and under 150 MB)\n`);
  print(['mode', `MB at ${fmt(count)}`, `MB at ${fmt(count * 10)}`, 'growth', 'met']);
  const big = std(count * 10);
  const modes: Array<[string, string[], () => string, () => string]> = [
    ['summary', ['-r', '%F'], stdFile, () => big],
    ['-T fields', ['-r', '%F', ...FIVE_FIELDS], stdFile, () => big],
    ['-V', ['-r', '%F', '-V'], stdFile, () => big],
    ['-T json', ['-r', '%F', '-T', 'json'], stdFile, () => big],
    ['-T ek', ['-r', '%F', '-T', 'ek'], stdFile, () => big],
    ['check', ['check', '-r', '%F'], stdFile, () => big],
  ];
  for (const [name, args, small, large] of modes) {
    if (only.length && !only.some(w => name.includes(w) || 'flat'.includes(w))) continue;
    const a = await runOnce(process.execPath, [cli, ...args.map(x => (x === '%F' ? small() : x))]);
    const b = await runOnce(process.execPath, [cli, ...args.map(x => (x === '%F' ? large() : x))]);
    const growth = b.rssKb / a.rssKb - 1;
    print([name, mb(a.rssKb), mb(b.rssKb), `${(growth * 100).toFixed(0)} %`, growth <= 0.1 && b.rssKb < 150 * 1024 ? 'yes' : 'NO']);
  }
}
const [e1] = loadavg();
process.stdout.write(`\nload average at the end: ${e1!.toFixed(1)}; files in ${dir} (${fmt(statSync(stdFile()).size / 1e6)} MB standard capture)\n`);
