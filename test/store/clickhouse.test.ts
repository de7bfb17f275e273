// `mipscope index --clickhouse` on a two-shard cluster of real servers (Debian's clickhouse-server,
// started here on loopback ports): both shards hold rows, counts and -z mip,reg through the
// Distributed tables equal DuckDB's, re-indexing adds nothing, a batch whose answer was lost is
// sent again without being written twice, a server that is down is one clear line.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClickHouse } from '../../bench/clickhouse.js';
import type { ClickHouseCluster } from '../../bench/clickhouse.js';
import { CLI, ROOT, runCli } from '../helpers.js';

/** The CLI without blocking this process (the proxy below answers from it). */
function runCliAsync(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise(res => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', d => { stdout += String(d); });
    child.stderr.on('data', d => { stderr += String(d); });
    child.on('close', code => res({ code: code ?? -1, stdout, stderr }));
  });
}

const BUSY = join(ROOT, 'samples', 'captures', 'kx-busy.pcapng');
const BUSY_KEYS = join(ROOT, 'samples', 'captures', 'kx-busy.keys.json');
const TUNNEL = join(ROOT, 'samples', 'captures', 'mip-tunnel.pcapng');
const TUNNEL_KEYS = join(ROOT, 'samples', 'captures', 'mip-tunnel.keys.json');
const TABLES = ['captures', 'packets', 'extensions', 'findings', 'registrations', 'keys_learned', 'bindings', 'home_addresses'];
const haveServer = spawnSync('clickhouse-server', ['--version'], { encoding: 'utf8' }).error === undefined;

/** Forwards to a server; the answer to the first INSERT INTO packets is lost after the server took it. */
function lossyProxy(target: string): Promise<{ url: string; lost: () => number; server: Server }> {
  let lost = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c as Buffer));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const r = await fetch(target + req.url, { method: req.method ?? 'POST', body: req.method === 'GET' ? undefined : body });
      const text = Buffer.from(await r.arrayBuffer());
      if (lost === 0 && /INSERT(\s|\+|%20)+INTO(\s|\+|%20)+\w+\.packets(\s|\+|%20)/i.test(decodeURIComponent(req.url ?? ''))) { lost++; res.socket?.destroy(); return; }
      res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'text/plain' });
      res.end(text);
    });
  });
  return new Promise(res => server.listen(0, '127.0.0.1', () => res({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, lost: () => lost, server })));
}

describe.runIf(haveServer)('mipscope index into a two-shard ClickHouse cluster', () => {
  let cluster: ClickHouseCluster;
  let urls = '';
  let duck = '';
  let pieces = '';
  const ch = (...a: string[]) => runCli([...a, '--clickhouse', urls, '--cluster', cluster.name]);
  const json = (r: { code: number; stdout: string; stderr: string }) => { expect(r.stderr).toBe(''); return JSON.parse(r.stdout) as Array<Record<string, unknown>>; };
  const counts = (args: string[]) => Object.fromEntries(json(runCli(['sql', ...args, '-T', 'json', TABLES.map(t => `SELECT '${t}' AS t, count() AS n FROM ${t}`).join(' UNION ALL ')])).map(r => [r.t, Number(r.n)]));

  beforeAll(async () => {
    // The servers start while the capture is split and indexed into DuckDB.
    const starting = startClickHouse(2, 'probes');
    const d = mkdtempSync(join(tmpdir(), 'mipscope-ch-'));
    pieces = join(d, 'ring');
    mkdirSync(pieces);
    expect(spawnSync('editcap', ['-c', '1000', BUSY, join(pieces, 'ring.pcapng')]).status).toBe(0);
    duck = join(d, 'x.duckdb');
    expect(runCli(['index', pieces, '--keys', BUSY_KEYS, '--db', duck]).code).toBe(0);
    cluster = await starting;
  }, 120_000);

  afterAll(async () => { await cluster?.stop(); }, 60_000);

  it('both shards hold rows; counts, links and -z mip,reg through the Distributed tables equal DuckDB\'s; a lost answer is not a second copy', async () => {
    const proxy = await lossyProxy(cluster.servers[0]!.url);
    try {
      urls = [proxy.url, cluster.servers[1]!.url].join(',');
      const r = await runCliAsync(['index', pieces, '--keys', BUSY_KEYS, '--clickhouse', urls, '--cluster', cluster.name]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(proxy.lost()).toBe(1);
      expect(r.stdout).toMatch(/4 captures indexed \(3232 packets\).* (\d+) replies linked/);
    } finally { proxy.server.close(); }
    urls = cluster.servers.map(s => s.url).join(',');
    const expected = counts(['--db', duck]);
    expect(counts(['--clickhouse', urls, '--cluster', cluster.name])).toEqual(expected);
    // Each shard holds its part; the parts add up to the whole.
    const local = cluster.servers.map(s => Number(json(runCli(['sql', '--clickhouse', s.url, '-T', 'json', 'SELECT count() AS n FROM packets_local']))[0]!.n));
    expect(local.every(n => n > 0)).toBe(true);
    expect(local[0]! + local[1]!).toBe(expected.packets);
    // Any server sees the whole fleet.
    expect(counts(['--clickhouse', cluster.servers[1]!.url, '--cluster', cluster.name])).toEqual(expected);
    const links = (args: string[]) => json(runCli(['sql', ...args, '-T', 'json', 'SELECT capture, request_frame, reply_capture, reply_frame, code FROM registrations WHERE reply_frame IS NOT NULL ORDER BY capture, request_frame']));
    const crossDuck = json(runCli(['sql', '--db', duck, '-T', 'json', 'SELECT count(*) AS n FROM registrations WHERE reply_capture <> capture']))[0]!.n;
    expect(Number(crossDuck)).toBeGreaterThan(0);
    expect(JSON.stringify(links(['--clickhouse', urls, '--cluster', cluster.name]))).toBe(JSON.stringify(links(['--db', duck])));
    // -z mip,reg: the same rows per mobile node. 18.16 keeps whole seconds: the response times of
    // replies in another file, and the order of nodes and hops first seen in the same second, differ there.
    const reg = (args: string[]) => (JSON.parse(runCli(['stats', ...args, '-z', 'mip,reg', '-T', 'json']).stdout) as Array<{ rows: Array<Record<string, unknown>> }>)[0]!.rows
      .map(({ meanReplyTime: _m, maxReplyTime: _x, hops, ...r }) => ({ ...r, hops: [...(hops as string[])].sort() }))
      .sort((a, b) => String(a.mobileNode).localeCompare(String(b.mobileNode)));
    expect(reg(['--clickhouse', urls, '--cluster', cluster.name])).toEqual(reg(['--db', duck]));
    expect(reg(['--db', duck]).length).toBeGreaterThan(10);
    // -z mip,bindings: the same bindings and counts (start and end are to the second on 18.16).
    const bind = (args: string[]) => (JSON.parse(runCli(['stats', ...args, '-z', 'mip,bindings', '-T', 'json']).stdout) as Array<{ rows: Array<Record<string, unknown>> }>)[0]!.rows
      .map(({ start: _s, end: _e, ...b }) => b)
      .sort((a, b) => String(a.homeAddress).localeCompare(String(b.homeAddress)) || Number(a.frame) - Number(b.frame) || Number(a.toMnPackets) - Number(b.toMnPackets));
    expect(bind(['--clickhouse', urls, '--cluster', cluster.name])).toEqual(bind(['--db', duck]));
    expect(bind(['--db', duck]).length).toBeGreaterThan(100);
  }, 240_000);

  it('bindings across files: a tunnelled ring buffer indexed file by file, newest first, gives DuckDB\'s rows', () => {
    const d = mkdtempSync(join(tmpdir(), 'mipscope-ch-'));
    const ring = join(d, 'ring');
    mkdirSync(ring);
    expect(spawnSync('editcap', ['-c', '10', TUNNEL, join(ring, 'ring.pcapng')]).status).toBe(0);
    const duckdb = join(d, 'x.duckdb');
    const files = readdirSync(ring).sort().reverse().map(f => join(ring, f));
    const shards = cluster.servers.map(s => s.url).join(',');
    for (const f of files) {
      expect(runCli(['index', f, '--keys', TUNNEL_KEYS, '--db', duckdb]).code).toBe(0);
      expect(runCli(['index', f, '--keys', TUNNEL_KEYS, '--clickhouse', shards, '--cluster', cluster.name, '--database', 'ring']).stderr).toBe('');
    }
    // Captures by their first time (to the second on 18.16); a JOIN at a time there.
    const rows = (args: string[]) => {
      const first = new Map(json(runCli(['sql', ...args, '-T', 'json', 'SELECT capture, first_time FROM captures'])).map(r => [String(r.capture), String(r.first_time).slice(0, 19)]));
      return json(runCli(['sql', ...args, '-T', 'json', 'SELECT capture, frame, request_capture, request_frame, home_address, lifetime, to_mn_packets, to_mn_bytes, from_mn_packets, from_mn_bytes, ended IS NULL AS running FROM bindings']))
        .map(r => [first.get(String(r.capture)), r.frame, first.get(String(r.request_capture)), r.request_frame, r.home_address, r.lifetime,
          Number(r.to_mn_packets), Number(r.to_mn_bytes), Number(r.from_mn_packets), Number(r.from_mn_bytes), Boolean(Number(r.running))].join(' ')).sort();
    };
    const duck = rows(['--db', duckdb]);
    expect(duck).toHaveLength(4);
    expect(json(runCli(['sql', '--db', duckdb, '-T', 'json', 'SELECT count(*) AS n FROM bindings WHERE request_capture <> capture']))[0]!.n).toBeGreaterThan(0);
    expect(rows(['--clickhouse', shards, '--cluster', cluster.name, '--database', 'ring'])).toEqual(duck);
  }, 240_000);

  it('re-indexing adds nothing; a server that is down is one clear line and exit code 2', () => {
    urls = cluster.servers.map(s => s.url).join(',');
    const before = counts(['--clickhouse', urls, '--cluster', cluster.name]);
    const again = ch('index', pieces, '--keys', BUSY_KEYS);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('0 captures indexed (0 packets), 4 already indexed');
    expect(counts(['--clickhouse', urls, '--cluster', cluster.name])).toEqual(before);
    const down = runCli(['index', BUSY, '--clickhouse', 'http://127.0.0.1:2']);
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(/^mipscope: ClickHouse at http:\/\/127\.0\.0\.1:2 is not reachable \(ECONNREFUSED\)\n$/);
  }, 120_000);
});
