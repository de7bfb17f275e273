// The database side, measured here: `mipscope index` of the 200,000-packet capture into DuckDB
// against `tshark -T ek` on the same file (in alternation, ratio, peak RSS from /usr/bin/time),
// `--jobs 2` over two files against `--jobs 1`, `mipscope stats -z mip,reg` over 10 M packets
// (rows synthesized in SQL from the indexed ones), and the rows and bytes per packet and per
// registration in DuckDB, Parquet and ClickHouse (a local server, when clickhouse-server is installed).
//
// Usage: node dist/bench/store.js [--runs N] [--packets N] [--no-clickhouse] [--stats-only]
//   --stats-only  only the 10 M-packet query times, from the index a previous run left
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { writeBenchCapture } from './corpus.js';
import { startClickHouse } from './clickhouse.js';
import { benchArgs } from './args.js';
import { TABLES } from '../store/schema.js';

const TABLE_NAMES = TABLES.map(t => t.name);

const args = benchArgs('usage: node dist/bench/store.js [--runs N] [--packets N] [--no-clickhouse] [--stats-only]', ['runs', 'packets'], ['no-clickhouse', 'stats-only']);
const runs = args.count('runs', 2);
const count = args.count('packets', 200000);
const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'dist', 'cli', 'main.js');
const dir = join(tmpdir(), 'mipscope-bench-store');
const statsOnly = args.has('stats-only');
if (!statsOnly) rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

interface Run { wall: number; cpu: number; rssMb: number }

function timed(cmd: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t = join(dir, 'time.txt');
    const child = spawn('/usr/bin/time', ['-v', '-o', t, cmd, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', c => { err += String(c); });
    child.on('close', code => {
      if (code !== 0) { reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err.slice(0, 300)}`)); return; }
      const v = readFileSync(t, 'utf8');
      const num = (re: RegExp) => Number(re.exec(v)?.[1] ?? NaN);
      const wallText = /Elapsed \(wall clock\) time.*: (.*)/.exec(v)?.[1] ?? '0';
      const wall = wallText.split(':').reduce((a, p) => a * 60 + Number(p), 0);
      resolve({ wall, cpu: num(/User time \(seconds\): ([\d.]+)/) + num(/System time \(seconds\): ([\d.]+)/), rssMb: num(/Maximum resident set size \(kbytes\): (\d+)/) / 1024 });
    });
  });
}

const best = (rs: Run[]) => ({ wall: Math.min(...rs.map(r => r.wall)), cpu: Math.min(...rs.map(r => r.cpu)), rssMb: Math.max(...rs.map(r => r.rssMb)) });
const out = (s: string) => process.stdout.write(s + '\n');
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
function du(p: string): number {
  const st = statSync(p);
  return st.isDirectory() ? readdirSync(p).reduce((a, n) => a + du(join(p, n)), 0) : st.size;
}

const [l1, l5] = loadavg();
out(`mipscope index / stats benchmarks: ${cpus().length} CPUs, load average ${l1!.toFixed(1)} (1 min) ${l5!.toFixed(1)} (5 min) at start; a shared machine: figures are noisy.`);
const file = join(dir, `std-${count}.pcap`);
if (!statsOnly) await setupAndMeasure();
async function setupAndMeasure(): Promise<void> {
writeBenchCapture(file, count);
const half = [join(dir, 'half-a.pcap'), join(dir, 'half-b.pcap')];
writeBenchCapture(half[0]!, count / 2);
// The second file: the same traffic one day later (other bytes, so not the same capture).
{
  const a = readFileSync(half[0]!);
  const b = Buffer.from(a);
  for (let off = 24; off + 16 <= b.length;) { b.writeUInt32LE(b.readUInt32LE(off) + 86_400, off); off += 16 + b.readUInt32LE(off + 8); }
  writeFileSync(half[1]!, b);
}

// 1. index vs tshark -T ek, in alternation.
const ours: Run[] = [], theirs: Run[] = [];
for (let i = 0; i < runs; i++) {
  rmSync(join(dir, 'idx.duckdb'), { force: true });
  ours.push(await timed(process.execPath, [cli, 'index', file, '--db', join(dir, 'idx.duckdb'), '--jobs', '1']));
  theirs.push(await timed('sh', ['-c', `tshark -r ${file} -T ek > /dev/null 2>&1`]));
}
const o = best(ours), t = best(theirs);
out('\nscenario | packets | mipscope s (wall / cpu) | tshark -T ek s (wall / cpu) | ratio wall | ratio cpu | mipscope peak RSS MB | tshark peak RSS MB');
out(`index ${count / 1000}k into DuckDB vs tshark -T ek | ${fmt(count)} | ${o.wall.toFixed(1)} / ${o.cpu.toFixed(1)} | ${t.wall.toFixed(1)} / ${t.cpu.toFixed(1)} | ${(t.wall / o.wall).toFixed(2)}× | ${(t.cpu / o.cpu).toFixed(2)}× | ${o.rssMb.toFixed(0)} | ${t.rssMb.toFixed(0)}`);
out(`index throughput: ${fmt(count / o.cpu)} packets per CPU second, ${fmt(count / o.wall)} packets/s wall (one job)`);

// 2. --jobs 2 over two files vs --jobs 1.
const jobs: Record<number, Run[]> = { 1: [], 2: [] };
for (let i = 0; i < runs; i++) for (const j of [1, 2]) {
  rmSync(join(dir, `jobs${j}.duckdb`), { force: true });
  jobs[j]!.push(await timed(process.execPath, [cli, 'index', ...half, '--db', join(dir, `jobs${j}.duckdb`), '--jobs', String(j)]));
}
const j1 = best(jobs[1]!), j2 = best(jobs[2]!);
out(`\n--jobs 2 over two files of ${fmt(count / 2)} packets: ${j2.wall.toFixed(1)} s wall vs --jobs 1 ${j1.wall.toFixed(1)} s: ${(j1.wall / j2.wall).toFixed(2)}× (peak RSS ${j2.rssMb.toFixed(0)} MB vs ${j1.rssMb.toFixed(0)} MB)`);

// 3. Bytes per row in DuckDB and Parquet (the 200k index), then in ClickHouse.
const idx = join(dir, 'idx.duckdb');
const inst = await DuckDBInstance.create(idx, { access_mode: 'READ_ONLY' });
const conn = await inst.connect();
const rowsOf = async (c: typeof conn, t: string) => Number((await c.runAndReadAll(`SELECT count(*) FROM ${t}`)).getRows()[0]![0]);
const packets = await rowsOf(conn, 'packets'), regs = await rowsOf(conn, 'registrations');
const allRows = await Promise.all(TABLE_NAMES.map(tb => rowsOf(conn, tb)));
conn.closeSync(); inst.closeSync();
const duckBytes = statSync(idx).size;
const pq = join(dir, 'parquet');
rmSync(join(dir, 'pq.duckdb'), { force: true });
await timed(process.execPath, [cli, 'index', file, '--db', join(dir, 'pq.duckdb'), '--parquet', pq, '--jobs', '1']);
const pqBytes = du(pq), pqPackets = du(join(pq, 'packets')), pqRegs = du(join(pq, 'registrations'));
out(`\nrows: ${fmt(allRows.reduce((a, b) => a + b, 0))} in all tables for ${fmt(packets)} packets (${(allRows.reduce((a, b) => a + b, 0) / packets).toFixed(2)} rows per packet), ${fmt(regs)} registrations`);
out('store | bytes in all tables per packet | per registration (all tables / registrations table alone) | packets table per packet');
out(`DuckDB | ${(duckBytes / packets).toFixed(1)} | ${(duckBytes / regs).toFixed(1)} / — | —`);
out(`Parquet | ${(pqBytes / packets).toFixed(1)} | ${(pqBytes / regs).toFixed(1)} / ${(pqRegs / regs).toFixed(1)} | ${(pqPackets / packets).toFixed(1)}`);
if (!args.has('no-clickhouse') && spawnSync('clickhouse-server', ['--version']).error === undefined) {
  const ch = await startClickHouse(1);
  try {
    const url = ch.servers[0]!.url;
    const r = await timed(process.execPath, [cli, 'index', file, '--clickhouse', url, '--jobs', '1']);
    await fetch(`${url}/`, { method: 'POST', body: 'OPTIMIZE TABLE mipscope.packets FINAL' });
    const res = await fetch(`${url}/?default_format=TSV`, { method: 'POST', body: "SELECT table, sum(bytes_on_disk) FROM system.parts WHERE database = 'mipscope' AND active GROUP BY table" });
    const bytes = new Map((await res.text()).trim().split('\n').map(l => l.split('\t')).map(([a, b]) => [a!, Number(b)]));
    const total = [...bytes.values()].reduce((a, b) => a + b, 0);
    out(`ClickHouse | ${(total / packets).toFixed(1)} | ${(total / regs).toFixed(1)} / ${((bytes.get('registrations') ?? 0) / regs).toFixed(1)} | ${((bytes.get('packets') ?? 0) / packets).toFixed(1)}   (index into one local server: ${r.wall.toFixed(1)} s wall)`);
  } finally { await ch.stop(); }
}

}

// 4. stats -z mip,reg over 10 M packets: the indexed rows copied with shifted ids and times.
const big = join(dir, 'ten-million.duckdb');
rmSync(big, { force: true });
{
  const idx = join(dir, 'idx.duckdb');
  const probe = await DuckDBInstance.create(idx, { access_mode: 'READ_ONLY' });
  const pc = await probe.connect();
  const packets = Number((await pc.runAndReadAll('SELECT count(*) FROM packets')).getRows()[0]![0]);
  pc.closeSync(); probe.closeSync();
  const b = await DuckDBInstance.create(big);
  const c = await b.connect();
  await c.run(`ATTACH '${idx}' AS src (READ_ONLY)`);
  const copies = Math.ceil(10_000_000 / packets);
  for (const tb of TABLE_NAMES) await c.run(`CREATE TABLE ${tb} AS SELECT * FROM src.${tb} LIMIT 0`);
  await c.run(`INSERT INTO packets SELECT p.* REPLACE (xor(capture, k::UBIGINT) AS capture, time + to_days(CAST(k AS INTEGER)) AS time) FROM src.packets p, range(${copies}) r(k)`);
  await c.run(`INSERT INTO registrations SELECT g.* REPLACE (xor(capture, k::UBIGINT) AS capture, time + to_days(CAST(k AS INTEGER)) AS time, CASE WHEN reply_capture IS NULL THEN NULL ELSE xor(reply_capture, k::UBIGINT) END AS reply_capture) FROM src.registrations g, range(${copies}) r(k)`);
  await c.run(`INSERT INTO captures SELECT c.* REPLACE (xor(capture, k::UBIGINT) AS capture) FROM src.captures c, range(${copies}) r(k)`);
  // What the reports read besides: the precomputed home addresses, learned keys, bindings.
  for (const tb of ['home_addresses', 'keys_learned']) await c.run(`INSERT INTO ${tb} SELECT x.* REPLACE (xor(capture, k::UBIGINT) AS capture, time + to_days(CAST(k AS INTEGER)) AS time) FROM src.${tb} x, range(${copies}) r(k)`);
  await c.run(`INSERT INTO bindings SELECT b.* REPLACE (xor(capture, k::UBIGINT) AS capture, time + to_days(CAST(k AS INTEGER)) AS time, expires + to_days(CAST(k AS INTEGER)) AS expires, ended + to_days(CAST(k AS INTEGER)) AS ended) FROM src.bindings b, range(${copies}) r(k)`);
  const n = Number((await c.runAndReadAll('SELECT count(*) FROM packets')).getRows()[0]![0]);
  const nr = Number((await c.runAndReadAll('SELECT count(*) FROM registrations')).getRows()[0]![0]);
  c.closeSync(); b.closeSync();
  out(`\nstats over ${fmt(n)} packets, ${fmt(nr)} registrations in DuckDB (${(statSync(big).size / 1e6).toFixed(0)} MB):`);
  for (const z of ['mip,reg', 'mip,codes', 'mip,bindings']) {
    const rs: Run[] = [];
    for (let i = 0; i < 3; i++) rs.push(await timed(process.execPath, [cli, 'stats', '--db', big, '-z', z]));
    const s = best(rs);
    out(`mipscope stats -z ${z}: ${s.wall.toFixed(2)} s wall including node start-up (best of 3), peak RSS ${s.rssMb.toFixed(0)} MB`);
  }
  const st = await timed(process.execPath, [cli, '-v']);
  out(`(node start-up of the CLI alone: ${st.wall.toFixed(2)} s)`);
}
if (!existsSync(big)) out('no 10 M database');
