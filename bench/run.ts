// Throughput and memory of mipscope against tshark on the same file, as a ratio.
// Usage: node dist/bench/run.js [packets=200000]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { writeBenchCapture } from './corpus.js';

const count = parseInt(process.argv[2] ?? '200000', 10);
const cli = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'cli', 'main.js');
const dir = join(tmpdir(), 'mipscope-bench');
mkdirSync(dir, { recursive: true });

interface Result { seconds: number; maxRssKb: number }

/** Runs a command under /usr/bin/time to get its wall time and peak memory; best of `runs`. */
function measure(cmd: string, args: string[], runs = 3): Result {
  let best: Result | null = null;
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    // Output goes to /dev/null: what is measured is the tool, not this harness reading it.
    const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
    const maxRssKb = parseInt(r.stderr.trim().split('\n').at(-1)!, 10);
    if (!best || seconds < best.seconds) best = { seconds, maxRssKb };
  }
  return best!;
}

const scenarios: Array<{ name: string; args: string[] }> = [
  { name: '-T fields -e mip.homeaddr', args: ['-T', 'fields', '-e', 'mip.homeaddr'] },
  { name: 'summary lines', args: [] },
  { name: '-T fields -e frame.number -e mip.type -e mip.auth.spi -e mip.nai', args: ['-T', 'fields', '-e', 'frame.number', '-e', 'mip.type', '-e', 'mip.auth.spi', '-e', 'mip.nai'] },
  { name: '-V (full tree)', args: ['-V'] },
];

if (!existsSync('/usr/bin/time')) { process.stderr.write('bench: /usr/bin/time is needed (apt-get install time)\n'); process.exit(2); }
const rows: string[] = [];
for (const format of ['pcap', 'pcapng'] as const) {
  const file = join(dir, `bench-${count}.${format}`);
  if (!existsSync(file)) writeBenchCapture(file, count, format);
  rows.push(`\n${format}: ${count} packets, ${(statSync(file).size / 1e6).toFixed(1)} MB`);
  rows.push('scenario | mipscope pkt/s | tshark pkt/s | speed ratio | mipscope MB | tshark MB');
  for (const s of scenarios) {
    const m = measure(process.execPath, [cli, '-r', file, ...s.args]);
    const t = measure('tshark', ['-r', file, ...s.args]);
    rows.push(`${s.name} | ${Math.round(count / m.seconds)} | ${Math.round(count / t.seconds)} | ${(t.seconds / m.seconds).toFixed(2)}x | ${(m.maxRssKb / 1024).toFixed(0)} | ${(t.maxRssKb / 1024).toFixed(0)}`);
    process.stdout.write(rows.at(-1) + '\n');
  }
}
process.stdout.write(rows.join('\n') + '\n');
