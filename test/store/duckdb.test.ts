// `mipscope index` into DuckDB as a user runs it: row counts against the capture and tshark,
// findings against `mipscope check`, ring buffers split with editcap, re-indexing, a killed run.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { standardFrames } from '../../samples/standard.js';
import { writeBenchCapture } from '../../bench/corpus.js';
import { DuckDbBackend } from '../../store/duckdb.js';
import { CLI, ROOT, runCli, runTshark, writePcapng } from '../helpers.js';

const BUSY = join(ROOT, 'samples', 'captures', 'kx-busy.pcapng');
const BUSY_KEYS = join(ROOT, 'samples', 'captures', 'kx-busy.keys.json');

function dir(): string { return mkdtempSync(join(tmpdir(), 'mipscope-store-')); }

/** Queries in this process (the sql command itself is tested once, below). */
async function sql(db: string, query: string): Promise<Array<Record<string, unknown>>> {
  const b = await DuckDbBackend.open(db, { readOnly: true });
  try {
    const r = await b.query(query);
    return r.rows.map(row => Object.fromEntries(r.columns.map((c, i) => [c, typeof row[i] === 'bigint' ? Number(row[i]) : row[i]])));
  } finally { await b.close(); }
}
async function count(db: string, query: string): Promise<number> { return Number(Object.values((await sql(db, query))[0]!)[0]); }

function index(args: string[]): { code: number; stdout: string; stderr: string } { return runCli(['index', ...args]); }

function tsharkCount(file: string, filter?: string): number {
  return runTshark(['-r', file, ...(filter ? ['-Y', filter] : []), '-T', 'fields', '-e', 'frame.number']).split('\n').filter(Boolean).length;
}

/** Occurrences of a field over a capture, as -T fields -E occurrence=a prints them. */
function occurrences(out: string): number { return out.split(/[\n ]/).filter(Boolean).length; }

const TABLES = ['captures', 'packets', 'extensions', 'findings', 'registrations', 'keys_learned', 'bindings', 'home_addresses'];
async function allCounts(db: string): Promise<Record<string, number>> {
  const r = await sql(db, TABLES.map(t => `SELECT '${t}' AS t, count(*) AS n FROM ${t}`).join(' UNION ALL '));
  return Object.fromEntries(r.map(x => [x.t, Number(x.n)]));
}

/** Request→reply links as frame numbers of the unsplit capture (pieces in capture order). */
async function globalLinks(db: string): Promise<string[]> {
  const caps = await sql(db, 'SELECT capture, frames FROM captures ORDER BY first_time');
  const offset = new Map<string, number>();
  let n = 0;
  for (const c of caps) { offset.set(String(c.capture), n); n += Number(c.frames); }
  return (await sql(db, 'SELECT capture, request_frame, reply_capture, reply_frame FROM registrations WHERE reply_frame IS NOT NULL'))
    .map(r => `${offset.get(String(r.capture))! + Number(r.request_frame)}→${offset.get(String(r.reply_capture))! + Number(r.reply_frame)}`)
    .sort();
}

/** Bindings rows with frames (of the binding and of its request) as frame numbers of the unsplit capture. */
async function globalBindings(db: string): Promise<string[]> {
  const caps = await sql(db, 'SELECT capture, frames FROM captures ORDER BY first_time');
  const offset = new Map<string, number>();
  let n = 0;
  for (const c of caps) { offset.set(String(c.capture), n); n += Number(c.frames); }
  return (await sql(db, `SELECT capture, frame, request_capture, request_frame, epoch_us(time) AS t, home_address, care_of_address, home_agent, lifetime, epoch_us(expires) AS x, epoch_us(ended) AS e,
      encapsulation, reverse_tunnelling, to_mn_packets, to_mn_bytes, from_mn_packets, from_mn_bytes FROM bindings`))
    .map(({ capture, frame, request_capture, request_frame, ...rest }) => JSON.stringify([offset.get(String(capture))! + Number(frame), offset.get(String(request_capture))! + Number(request_frame), rest]))
    .sort();
}

describe('mipscope index into DuckDB', async () => {
  // One index of the busy hour, shared by the tests that read it.
  let whole = '';
  let indexed: ReturnType<typeof index>;
  beforeAll(() => {
    whole = join(dir(), 'busy.duckdb');
    indexed = index([BUSY, '--keys', BUSY_KEYS, '--db', whole]);
  }, 240_000);

  it('rows match the capture: frames as tshark counts them, requests, extensions, keys, findings as check reports them', async () => {
    const db = whole, r = indexed;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('1 capture indexed (3232 packets)');
    const tshark = runTshark(['-r', BUSY, '-T', 'fields', '-e', 'frame.number', '-e', 'mip.type']).split('\n').filter(Boolean).map(l => l.split('\t'));
    expect(await count(db, 'SELECT frames FROM captures')).toBe(tshark.length);
    expect(await count(db, 'SELECT count(*) FROM packets')).toBe(tshark.length);
    expect(await count(db, 'SELECT count(*) FROM registrations')).toBe(tshark.filter(t => t[1] === '1').length);
    expect(await count(db, 'SELECT count(*) FROM packets WHERE type = 3')).toBe(tshark.filter(t => t[1] === '3').length);
    // Our own CLI's view of the same file: extensions, learned keys, verdicts, replies found in two passes.
    const cols = runCli(['-r', BUSY, '--keys', BUSY_KEYS, '-2', '-T', 'fields', '-e', 'mip.ext.type', '-e', 'mip.kx.learned.spi', '-e', 'mip.auth.status', '-e', 'mip.type', '-e', 'mip.response_in',
      '-E', 'occurrence=a', '-E', 'aggregator= ']).stdout.split('\n').filter(Boolean).map(l => l.split('\t'));
    const total = (i: number, keep: (v: string) => boolean = () => true) => cols.reduce((n, c) => n + (c[i] ?? '').split(' ').filter(v => v !== '' && keep(v)).length, 0);
    expect(await count(db, 'SELECT count(*) FROM extensions')).toBe(total(0));
    expect(await count(db, 'SELECT count(*) FROM keys_learned')).toBeGreaterThan(0);
    expect(await count(db, 'SELECT count(*) FROM keys_learned')).toBe(total(1));
    expect(await count(db, "SELECT count(*) FROM extensions WHERE verdict = 'good'")).toBe(total(2, v => v === 'good'));
    // Every request answered in the file, as the session matched it.
    expect(await count(db, 'SELECT count(*) FROM registrations WHERE reply_frame IS NOT NULL')).toBe(cols.filter(c => c[3] === '1' && c[4]).length);
    const check = JSON.parse(runCli(['check', '-r', BUSY, '--keys', BUSY_KEYS, '--format', 'json']).stdout) as { findings: Array<{ frame: number; rule: string; severity: string; message: string }> };
    const stored = await sql(db, 'SELECT frame, rule, severity, message FROM findings ORDER BY frame, rule, message');
    expect(stored.length).toBeGreaterThan(0);
    expect(stored).toEqual(check.findings.map(f => ({ frame: f.frame, rule: f.rule, severity: f.severity, message: f.message }))
      .sort((a, b) => a.frame - b.frame || a.rule.localeCompare(b.rule) || a.message.localeCompare(b.message)));
    // Each finding at its frame's time.
    expect(await count(db, 'SELECT count(*) FROM findings f JOIN packets p ON p.capture = f.capture AND p.frame = f.frame WHERE f.time = p.time')).toBe(stored.length);
    // The data path's bindings: one row per binding -z mip,bindings lists over the file.
    const made = (JSON.parse(runCli(['-r', BUSY, '--keys', BUSY_KEYS, '-q', '-T', 'json', '-z', 'mip,bindings']).stdout) as Array<{ rows: unknown[] }>)[0]!.rows.length;
    expect(made).toBeGreaterThan(100);
    expect(await count(db, 'SELECT count(*) FROM bindings')).toBe(made);
    // SQL types: timestamps, unsigned 64-bit, addresses as text.
    const types = await sql(db, "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'packets'");
    const type = (c: string) => types.find(t => t.column_name === c)?.data_type;
    expect([type('time'), type('capture'), type('identification'), type('home_agent'), type('spis')]).toEqual(['TIMESTAMP', 'UBIGINT', 'UBIGINT', 'VARCHAR', 'UINTEGER[]']);
    const btypes = await sql(db, "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'bindings'");
    const btype = (c: string) => btypes.find(t => t.column_name === c)?.data_type;
    expect([btype('time'), btype('expires'), btype('ended'), btype('home_address'), btype('to_mn_bytes')]).toEqual(['TIMESTAMP', 'TIMESTAMP', 'TIMESTAMP', 'VARCHAR', 'UBIGINT']);
  }, 240_000);

  it('standard captures: extensions as tshark counts them', async () => {
    const file = writePcapng(standardFrames());
    const db = join(dir(), 'std.duckdb');
    expect(index([file, '--db', db]).code).toBe(0);
    expect(await count(db, 'SELECT count(*) FROM packets')).toBe(tsharkCount(file));
    expect(await count(db, 'SELECT count(*) FROM extensions')).toBe(occurrences(runTshark(['-r', file, '-T', 'fields', '-e', 'mip.ext.type', '-E', 'occurrence=a', '-E', 'aggregator= '])));
    expect(await count(db, 'SELECT count(*) FROM registrations')).toBe(tsharkCount(file, 'mip.type == 1'));
    // home_addresses: the aggregate of packets that -z mip,reg reads, as computed from packets.
    const node = "CASE WHEN nai IS NOT NULL THEN nai WHEN home_address IS NOT NULL AND home_address <> '0.0.0.0' THEN home_address ELSE 'unknown mobile node' END";
    const homes = await sql(db, `SELECT ${node} AS node, home_address, epoch_us(min(time)) AS t FROM packets WHERE type IN (1, 3) AND home_address IS NOT NULL AND home_address <> '0.0.0.0' GROUP BY 1, 2 ORDER BY 1, 2`);
    expect(homes.length).toBeGreaterThan(0);
    expect(await sql(db, 'SELECT node, home_address, epoch_us(min(time)) AS t FROM home_addresses GROUP BY 1, 2 ORDER BY 1, 2')).toEqual(homes);
    // The sql command: a table, JSON, CSV; a bad query or database is one line, exit 2.
    const q = 'SELECT frame, home_agent, identification FROM packets WHERE type = 1 ORDER BY frame LIMIT 2';
    const rows = await sql(db, q);
    const table = runCli(['sql', '--db', db, q]);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^frame\s+home_agent\s+identification$/);
    expect(table.stdout).toContain('(2 rows)');
    const json = JSON.parse(runCli(['sql', '--db', db, '-T', 'json', q]).stdout) as Array<Record<string, unknown>>;
    expect(json.map(r => [r.frame, r.home_agent])).toEqual(rows.map(r => [r.frame, r.home_agent]));
    expect(String(json[0]!.identification)).toMatch(/^\d+$/);
    expect(runCli(['sql', '--db', db, '-T', 'csv', q]).stdout.split('\n')[0]).toBe('frame,home_agent,identification');
    const bad = runCli(['sql', '--db', db, 'SELECT nothing FROM nowhere']);
    expect([bad.code, bad.stderr.trimEnd().split('\n').length]).toEqual([2, 1]);
    const none = runCli(['sql', '--db', join(dir(), 'none.duckdb'), 'SELECT 1']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^mipscope: cannot open database/);
  }, 240_000);

  it('a ring buffer split with editcap links exactly the replies of the unsplit file, in one run and file by file', async () => {
    const d = dir();
    const pieces = join(d, 'ring');
    spawnSync('mkdir', [pieces]);
    const sp = spawnSync('editcap', ['-c', '1000', BUSY, join(pieces, 'ring.pcapng')], { encoding: 'utf8' });
    expect(sp.status).toBe(0);
    // Names in the reverse of capture order: files are ordered by their first timestamp.
    const names = readdirSync(pieces).sort();
    expect(names.length).toBe(4);
    names.forEach((n, i) => renameSync(join(pieces, n), join(pieces, `piece-${String(names.length - i).padStart(2, '0')}.pcapng`)));
    const expected = await globalLinks(whole);
    const oneRun = join(d, 'one-run.duckdb');
    const parquet = join(d, 'parquet');
    const r = index([pieces, '--keys', BUSY_KEYS, '--db', oneRun, '--jobs', '2', '--parquet', parquet]);
    expect(r.code).toBe(0);
    const linked = Number(/(\d+) repl/.exec(r.stdout)![1]);
    expect(linked).toBeGreaterThan(0);
    expect(await count(oneRun, 'SELECT count(*) FROM registrations WHERE reply_capture <> capture')).toBe(linked);
    expect(await globalLinks(oneRun)).toEqual(expected);
    // The Parquet copy: hive-partitioned by day, the same rows, the links written after the files.
    expect(readdirSync(join(parquet, 'packets'))).toEqual(['date=2024-03-01']);
    for (const t of TABLES) {
      const n = await count(oneRun, `SELECT count(*) FROM ${t}`);
      // A table without rows (no home address travels in the clear here) has no files.
      if (n === 0) expect(existsSync(join(parquet, t)) ? readdirSync(join(parquet, t), { recursive: true }).filter(f => String(f).endsWith('.parquet')) : []).toEqual([]);
      else expect(await count(oneRun, `SELECT count(*) FROM read_parquet('${join(parquet, t)}/*/*.parquet', hive_partitioning = true)`)).toBe(n);
    }
    expect(await count(oneRun, 'SELECT count(*) FROM bindings')).toBeGreaterThan(0);
    expect(await count(oneRun, `SELECT count(*) FROM read_parquet('${join(parquet, 'registrations')}/*/*.parquet') WHERE reply_capture <> capture`)).toBe(linked);
    // File by file as the buffer rotates, newest first even.
    const byFile = join(d, 'by-file.duckdb');
    for (const n of readdirSync(pieces).sort()) expect(index([join(pieces, n), '--keys', BUSY_KEYS, '--db', byFile]).code).toBe(0);
    expect(await globalLinks(byFile)).toEqual(expected);
    expect(await count(byFile, 'SELECT count(*) FROM packets')).toBe(3232);
    const bindings = await globalBindings(whole);
    expect(await globalBindings(oneRun)).toEqual(bindings);
    expect(await globalBindings(byFile)).toEqual(bindings);
  }, 240_000);

  it('a tunnelled ring buffer split with editcap gives the bindings of the unsplit file, in one run and file by file', async () => {
    const d = dir();
    const file = join(ROOT, 'samples', 'captures', 'mip-tunnel.pcapng'), keys = join(ROOT, 'samples', 'captures', 'mip-tunnel.keys.json');
    const db = join(d, 'whole.duckdb');
    expect(index([file, '--keys', keys, '--db', db]).code).toBe(0);
    const expected = await globalBindings(db);
    expect(expected).toHaveLength(4);
    // Pieces of 5 frames: requests in one file, their accepting replies and the tunnelled datagrams in the next ones.
    const pieces = join(d, 'ring');
    spawnSync('mkdir', [pieces]);
    expect(spawnSync('editcap', ['-c', '5', file, join(pieces, 'ring.pcapng')]).status).toBe(0);
    const oneRun = join(d, 'one-run.duckdb');
    expect(index([pieces, '--keys', keys, '--db', oneRun, '--jobs', '2']).code).toBe(0);
    expect(await count(oneRun, 'SELECT count(*) FROM bindings WHERE request_capture <> capture')).toBe(3);
    expect(await count(oneRun, 'SELECT sum(to_mn_packets) FROM bindings')).toBe(7);
    expect(await globalBindings(oneRun)).toEqual(expected);
    // File by file, newest first: each file that comes in before its successors replays them.
    const byFile = join(d, 'by-file.duckdb');
    for (const n of readdirSync(pieces).sort().reverse()) expect(index([join(pieces, n), '--keys', keys, '--db', byFile]).code).toBe(0);
    expect(await globalBindings(byFile)).toEqual(expected);
    // In the order they were written, and again: nothing changes.
    const inOrder = join(d, 'in-order.duckdb');
    for (const n of readdirSync(pieces).sort()) expect(index([join(pieces, n), '--keys', keys, '--db', inOrder]).code).toBe(0);
    expect(index([pieces, '--keys', keys, '--db', inOrder]).code).toBe(0);
    expect(await globalBindings(inOrder)).toEqual(expected);
  }, 240_000);

  it('re-indexing adds nothing; a bad file gives one line and the rest are indexed', async () => {
    const d = dir();
    const db = join(d, 'x.duckdb');
    const std = writePcapng(standardFrames());
    expect(index([std, '--db', db]).code).toBe(0);
    const before = await allCounts(db);
    const copy = join(d, 'same-content.pcapng');
    copyFileSync(std, copy);
    const bad = join(d, 'bad.pcap');
    writeFileSync(bad, 'not a capture at all');
    const r = index([std, copy, bad, join(d, 'missing.pcap'), BUSY, '--db', db]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trimEnd().split('\n').sort();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^mipscope: .*bad\.pcap: /);
    expect(lines[1]).toMatch(/^mipscope: .*missing\.pcap: no such file or directory$/);
    expect(r.stdout).toContain('1 capture indexed (3232 packets), 2 already indexed, 2 failed');
    const after = await allCounts(db);
    expect(after.captures).toBe(before.captures! + 1);
    expect(after.packets).toBe(before.packets! + 3232);
    expect(index([std, BUSY, '--db', db]).stdout).toContain('0 captures indexed (0 packets), 2 already indexed');
    expect(await allCounts(db)).toEqual(after);
  }, 240_000);

  it('a capture past its worker\'s heap limit is analyzed again without it: the same rows', async () => {
    const db = join(dir(), 'x.duckdb');
    const r = spawnSync(process.execPath, [CLI, 'index', BUSY, '--keys', BUSY_KEYS, '--db', db, '--jobs', '1'], { encoding: 'utf8', env: { ...process.env, MIPSCOPE_WORKER_HEAP_MB: '4' } });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('1 capture indexed (3232 packets)');
    expect(await allCounts(db)).toEqual(await allCounts(whole));
  }, 240_000);

  it('a run killed in the middle of a file leaves nothing of it; the next run indexes it completely', async () => {
    const d = dir();
    const big = join(d, 'big.pcap');
    writeBenchCapture(big, 40_000);
    const std = writePcapng(standardFrames());
    // The clean run goes on beside the one that is killed.
    const clean = join(d, 'clean.duckdb');
    const cleanRun = new Promise<number | null>(res => spawn(process.execPath, [CLI, 'index', std, big, '--db', clean], { stdio: 'ignore' }).on('close', res));
    const killed = join(d, 'killed.duckdb');
    expect(index([std, '--db', killed]).code).toBe(0);
    const child = spawn(process.execPath, [CLI, 'index', big, '--db', killed], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', b => { out += String(b); });
    let exited = false;
    const closed = new Promise(res => child.on('close', () => { exited = true; res(undefined); }));
    // Killed once the analysis has staged rows of the big file: in the middle of it.
    const staged = () => existsSync(`${killed}.staging`) && readdirSync(`${killed}.staging`, { recursive: true }).some(f => String(f).includes('/'));
    for (const end = Date.now() + 60_000; !staged() && !exited && Date.now() < end;) await new Promise(res => setTimeout(res, 10));
    expect(exited).toBe(false); // still running when its rows were staged
    child.kill('SIGKILL');
    await closed;
    expect(out).toBe(''); // killed before it finished
    expect(await cleanRun).toBe(0);
    expect(await count(killed, 'SELECT count(*) FROM captures')).toBe(1);
    expect(await count(killed, 'SELECT count(*) FROM packets')).toBe(await count(clean, 'SELECT count(*) FROM packets WHERE capture IN (SELECT capture FROM captures WHERE frames < 1000)'));
    // What the killed run staged is still there, and gone after the next run.
    expect(existsSync(`${killed}.staging`)).toBe(true);
    expect(index([big, '--db', killed]).code).toBe(0);
    expect(existsSync(`${killed}.staging`)).toBe(false);
    expect(await allCounts(killed)).toEqual(await allCounts(clean));
  }, 240_000);
});
