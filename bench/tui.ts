// The TUI on a large capture: time to the first screen, time to read the whole file, peak
// memory, and the time of a display filter over it. Not a test (it takes minutes).
//
//   node dist/bench/tui.js [FRAMES] [FILTER]      (default 1000000, 'mip.code == 131')
//
// Builds /tmp/mipscope-bench-tui-FRAMES.pcap with bench/corpus.ts once, then runs the view-model
// headless under /usr/bin/time -v (peak RSS), and the real TUI in tmux (first screen as the
// user sees it).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { writeBenchCapture } from './corpus.js';
import { TuiModel } from '../tui/model/app.js';

const self = fileURLToPath(import.meta.url);
const cli = fileURLToPath(new URL('../cli/main.js', import.meta.url));

/** Headless: prints JSON timings of one load and one filter pass. */
async function load(file: string, filter: string): Promise<void> {
  const t0 = performance.now();
  let first = -1, listed = -1, rssListed = 0;
  const m = new TuiModel({ historyFile: null });
  m.onChange = () => {
    if (first < 0 && m.list.count > 0) first = performance.now() - t0;
    if (listed < 0 && m.checking) { listed = performance.now() - t0; rssListed = process.memoryUsage().rss; }
  };
  await m.openFile(file, statSync(file).size);
  const loaded = performance.now() - t0;
  const rssLoaded = process.memoryUsage().rss;
  const f0 = performance.now();
  await m.applyFilter(filter);
  const filtered = performance.now() - f0;
  process.stdout.write(JSON.stringify({ frames: m.list.total, firstScreenMs: Math.round(first), listedMs: Math.round(listed), rssListedMiB: Math.round(rssListed / 2 ** 20), checkedMs: Math.round(loaded), filterMs: Math.round(filtered), shown: m.list.count, rssLoadedMiB: Math.round(rssLoaded / 2 ** 20), findings: m.findings.all.length }) + '\n');
}

/** The real TUI in tmux: milliseconds until the first rows are on screen, and until loading ends. */
function tmuxFirstScreen(file: string): { firstScreenMs: number; loadedMs: number } | null {
  if (spawnSync('tmux', ['-V']).status !== 0) return null;
  const name = `mipscope-bench-tui-${process.pid}`;
  const t0 = Date.now();
  execFileSync('tmux', ['new-session', '-d', '-s', name, '-x', '160', '-y', '48', `env NCURSES_NO_UTF8_ACS=1 ${process.execPath} ${cli} tui -r ${file}; sleep 5`]);
  let first = -1, loaded = -1;
  try {
    while (Date.now() - t0 < 600_000) {
      const s = execFileSync('tmux', ['capture-pane', '-p', '-t', name], { encoding: 'utf8' });
      if (first < 0 && /^\s+1\s+0\.000000 /m.test(s)) first = Date.now() - t0;
      if (first >= 0 && /Frames: \d+ shown/.test(s) && !s.includes('Loading')) { loaded = Date.now() - t0; break; }
      spawnSync('sleep', ['0.05']);
    }
  } finally {
    spawnSync('tmux', ['send-keys', '-t', name, 'q']);
    spawnSync('sleep', ['0.5']);
    spawnSync('tmux', ['kill-session', '-t', name]);
  }
  return { firstScreenMs: first, loadedMs: loaded };
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'load') {
  await load(rest[0]!, rest[1]!);
} else {
  const frames = parseInt(mode ?? '1000000', 10);
  const filter = rest[0] ?? 'mip.code == 131';
  const file = `/tmp/mipscope-bench-tui-${frames}.pcap`;
  if (!existsSync(file)) { process.stderr.write(`building ${file}…\n`); writeBenchCapture(file, frames, 'pcap'); }
  process.stdout.write(`capture: ${file}, ${frames} frames, ${(statSync(file).size / 2 ** 20).toFixed(1)} MiB\n`);
  const r = spawnSync('/usr/bin/time', ['-v', process.execPath, self, 'load', file, filter], { encoding: 'utf8' });
  const peak = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1];
  process.stdout.write(`headless model: ${r.stdout.trim()}\n`);
  process.stdout.write(`peak RSS (load + filter "${filter}"): ${peak ? Math.round(parseInt(peak, 10) / 1024) : '?'} MiB\n`);
  const t = tmuxFirstScreen(file);
  if (t) process.stdout.write(`real TUI in tmux: first screen after ${t.firstScreenMs} ms, whole list shown after ${t.loadedMs} ms (the conformance pass goes on)\n`);
}
