// ClickHouse over its HTTP interface (fetch, batched JSONEachRow inserts): MergeTree tables
// partitioned by month; with a cluster, a <table>_local on every server and a Distributed
// table over them on every server, sharded by the home agent so that a request and its reply
// meet on one shard. The SQL runs on Debian's 18.16 (no ON CLUSTER without ZooKeeper, no
// DateTime64: times are whole seconds there) and on current releases (DateTime64(6)).
// Crash safety without transactions: a capture's own row is written last; rows left by a killed
// run are deleted before the capture is written again; a failed batch is deleted (by its frames)
// before it is sent again, so nothing is written twice.
import { StoreError } from './backend.js';
import type { Backend, CaptureWriter, Link, LooseReply, OpenRequest, QueryResult } from './backend.js';
import type { Rebinding } from './datapath.js';
import { table, TABLES } from './schema.js';
import type { Column, Row, Table, TableRows } from './schema.js';

export interface ClickHouseOptions { urls: string[]; cluster?: string; database?: string }

/** Rows per INSERT: large enough to make few parts, small enough to retry cheaply. */
const BATCH_ROWS = 50_000;
const ATTEMPTS = 4;
/** A request without an answer by then counts as failed (and an INSERT is then retried). */
const REQUEST_TIMEOUT_MS = 120_000;

function frameColumn(t: Table): string { return t.name === 'registrations' ? 'request_frame' : t.name === 'captures' ? 'capture' : t.name === 'data_path' ? 'part' : 'frame'; }

function timeText(us: number, fraction: boolean): string {
  const iso = new Date(Math.floor(us / 1000)).toISOString();
  const base = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  return fraction ? `${base}.${String(((us % 1e6) + 1e6) % 1e6).padStart(6, '0')}` : base;
}

export class ClickHouseBackend implements Backend {
  readonly label: string;
  readonly distributed: boolean;
  private readonly db: string;
  private modern = false;

  private constructor(private readonly o: ClickHouseOptions) {
    this.db = o.database ?? 'mipscope';
    this.distributed = o.cluster !== undefined;
    this.label = `ClickHouse ${o.urls.join(',')}${o.cluster ? ` (cluster ${o.cluster})` : ''}`;
  }

  static async open(o: ClickHouseOptions, opts: { readOnly?: boolean } = {}): Promise<ClickHouseBackend> {
    if (!o.urls.length) throw new StoreError('--clickhouse needs a URL, e.g. http://127.0.0.1:8123');
    if (o.urls.length > 1 && !o.cluster) throw new StoreError('several --clickhouse URLs are the shards of a cluster: name it with --cluster');
    const b = new ClickHouseBackend(o);
    for (const u of o.urls) {
      const v = (await b.send(u, 'SELECT version()', { database: 'default' })).trim();
      b.modern = parseInt(v, 10) >= 21;
    }
    if (!opts.readOnly) await b.createTables();
    return b;
  }

  /** One HTTP request; an unreachable server or a refused statement is a StoreError naming it. */
  private async send(url: string, sql: string, params: Record<string, string> = {}, body?: string): Promise<string> {
    // A statement alone travels as the body; with data (an INSERT) the statement is in the URL.
    const q = new URLSearchParams({ database: this.db, ...params, ...(body !== undefined ? { query: sql } : {}) });
    let res: Response;
    try {
      res = await fetch(`${url.replace(/\/$/, '')}/?${q}`, { method: 'POST', body: body ?? sql, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch (e) {
      const cause = (e as Error).name === 'TimeoutError' ? `no answer in ${REQUEST_TIMEOUT_MS / 1000} s` : (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
      throw new StoreError(`ClickHouse at ${url} is not reachable (${cause})`);
    }
    const text = await res.text();
    if (!res.ok) throw new StoreError(`ClickHouse at ${url} refused: ${text.trim().split('\n')[0]!.slice(0, 300)}`);
    return text;
  }

  private sqlType(c: Column): string {
    const base = { u64: 'UInt64', u32: 'UInt32', u16: 'UInt16', u8: 'UInt8', f64: 'Float64', text: 'String', time: this.modern ? "DateTime64(6, 'UTC')" : "DateTime('UTC')", 'u32[]': 'Array(UInt32)' }[c.type];
    // Arrays cannot be Nullable in ClickHouse: an empty array stands for NULL.
    return c.nullable && c.type !== 'u32[]' ? `Nullable(${base})` : base;
  }

  private keyExpr(t: Table, name: string): string {
    const c = t.columns.find(x => x.name === name)!;
    if (!c.nullable) return name;
    return c.type === 'text' ? `ifNull(${name}, '')` : `assumeNotNull(${name})`;
  }

  private local(t: string): string { return this.o.cluster ? `${t}_local` : t; }

  private micros(col: string): string { return this.modern ? `toUnixTimestamp64Micro(${col})` : `toUInt64(${col}) * 1000000`; }

  private async createTables(): Promise<void> {
    for (const u of this.o.urls) {
      await this.send(u, `CREATE DATABASE IF NOT EXISTS ${this.db}`, { database: 'default' });
      for (const t of TABLES) {
        const cols = t.columns.map(c => `${c.name} ${this.sqlType(c)}`).join(', ');
        await this.send(u, `CREATE TABLE IF NOT EXISTS ${this.db}.${this.local(t.name)} (${cols}) ENGINE = MergeTree() PARTITION BY toYYYYMM(${this.keyExpr(t, t.time)}) ORDER BY (${t.orderBy.map(k => this.keyExpr(t, k)).join(', ')})`);
        if (this.o.cluster) {
          const shard = t.columns.find(c => c.name === t.shardBy)!.type === 'text' ? `cityHash64(${this.keyExpr(t, t.shardBy)})` : t.shardBy;
          await this.send(u, `CREATE TABLE IF NOT EXISTS ${this.db}.${t.name} AS ${this.db}.${t.name}_local ENGINE = Distributed(${this.o.cluster}, ${this.db}, ${t.name}_local, ${shard})`);
        }
      }
    }
  }

  private async rows(sql: string): Promise<QueryResult> {
    const text = await this.send(this.o.urls[0]!, `${sql} FORMAT JSONCompact`);
    const r = JSON.parse(text) as { meta: Array<{ name: string; type: string }>; data: unknown[][] };
    const big = r.meta.map(m => /^(Nullable\()?U?Int64/.test(m.type));
    return { columns: r.meta.map(m => m.name), rows: r.data.map(row => row.map((v, i) => (big[i] && typeof v === 'string' ? BigInt(v) : v))) };
  }

  /** Runs a mutation on every server's local table and waits until it is done (18.16 has no mutations_sync). */
  private async mutate(table: string, sql: string): Promise<void> {
    for (const u of this.o.urls) await this.send(u, `ALTER TABLE ${this.db}.${this.local(table)} ${sql}`);
    for (const u of this.o.urls) {
      for (let i = 0; ; i++) {
        const left = await this.send(u, `SELECT count() FROM system.mutations WHERE database = '${this.db}' AND table = '${this.local(table)}' AND is_done = 0`);
        if (left.trim() === '0') break;
        if (i > 600) throw new StoreError(`ClickHouse at ${u}: a mutation of ${table} did not finish`);
        await new Promise(res => setTimeout(res, 100));
      }
    }
  }

  private line(t: Table, row: Row): string {
    const parts: string[] = [];
    t.columns.forEach((c, i) => {
      const v = row[i];
      let s: string;
      if (v === null || v === undefined) s = c.type === 'u32[]' ? '[]' : 'null';
      else if (c.type === 'time') s = `"${timeText(v as number, this.modern)}"`;
      else if (typeof v === 'bigint') s = v.toString();
      else s = JSON.stringify(v);
      parts.push(`${JSON.stringify(c.name)}:${s}`);
    });
    return `{${parts.join(',')}}`;
  }

  /** Inserts one batch; after a failure its rows are deleted (by frame) before it is sent again. */
  private async insert(t: Table, id: bigint, rows: readonly Row[]): Promise<void> {
    if (!rows.length) return;
    const body = rows.map(r => this.line(t, r)).join('\n') + '\n';
    const key = frameColumn(t), at = t.columns.findIndex(c => c.name === key);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.send(this.o.urls[0]!, `INSERT INTO ${this.db}.${t.name} FORMAT JSONEachRow`, this.o.cluster ? { insert_distributed_sync: '1' } : {}, body);
        return;
      } catch (e) {
        if (attempt >= ATTEMPTS) throw e;
        await new Promise(res => setTimeout(res, 500 * attempt));
        try {
          const frames = [...new Set(rows.map(r => String(r[at])))].join(',');
          const kinds = t.name === 'data_path' ? ` AND kind IN (${[...new Set(rows.map(r => `'${String(r[2])}'`))].join(',')})` : '';
          await this.mutate(t.name, `DELETE WHERE capture = ${id}${key === 'capture' ? '' : ` AND ${key} IN (${frames})`}${kinds}`);
        } catch { /* the server is still away: the next attempt says so */ }
      }
    }
  }

  private async dropCapture(id: bigint): Promise<void> {
    for (const t of TABLES) await this.mutate(t.name, `DELETE WHERE capture = ${id}`);
  }

  async has(id: bigint): Promise<boolean> {
    return Number((await this.rows(`SELECT count() FROM captures WHERE capture = ${id}`)).rows[0]![0]) > 0;
  }

  async begin(id: bigint): Promise<CaptureWriter> {
    // Rows of a killed run of this capture (no captures row): gone before it is written again.
    const left = await this.rows(TABLES.filter(t => t.name !== 'captures').map(t => `SELECT count() AS n FROM ${t.name} WHERE capture = ${id}`).join(' UNION ALL '));
    if (left.rows.some(r => Number(r[0]) > 0)) await this.dropCapture(id);
    const pending: Partial<Record<string, Row[]>> = {};
    const flush = async (all: boolean) => {
      for (const t of TABLES) {
        const list = pending[t.name];
        if (!list?.length || (!all && list.length < BATCH_ROWS)) continue;
        pending[t.name] = [];
        await this.insert(t, id, list);
      }
    };
    return {
      append: async (rows: TableRows) => {
        for (const t of TABLES) if (rows[t.name].length) (pending[t.name] ??= []).push(...rows[t.name]);
        await flush(false);
      },
      commit: async capture => {
        await flush(true);
        await this.insert(table('captures'), id, [capture]);
      },
      abort: async () => { await this.dropCapture(id); },
    };
  }

  private async captureTimes(): Promise<Map<bigint, number>> {
    const r = await this.rows(`SELECT capture, ${this.micros('assumeNotNull(first_time)')} FROM captures WHERE first_time IS NOT NULL`);
    return new Map(r.rows.map(x => [x[0] as bigint, Number(x[1])]));
  }

  async openRequests(from: number, to: number): Promise<OpenRequest[]> {
    const times = await this.captureTimes();
    const r = await this.rows(`SELECT capture, request_frame, ${this.micros('time')} AS us, source, destination, identification, home_address, home_agent, care_of_address FROM registrations
      WHERE reply_frame IS NULL AND ${this.micros('time')} BETWEEN ${Math.max(0, from)} AND ${Math.max(0, to)}`);
    return r.rows.filter(x => times.has(x[0] as bigint)).map(x => ({
      capture: x[0] as bigint, frame: Number(x[1]), time: Number(x[2]), source: x[3] as string | null, destination: x[4] as string | null, identification: x[5] as bigint | null,
      homeAddress: x[6] as string | null, homeAgent: x[7] as string | null, careOfAddress: x[8] as string | null, captureTime: times.get(x[0] as bigint)!,
    }));
  }

  async looseReplies(from: number, to: number): Promise<LooseReply[]> {
    const times = await this.captureTimes();
    const r = await this.rows(`SELECT capture, frame, ${this.micros('time')} AS us, source, destination, identification, code, home_address, home_agent FROM packets
      WHERE type = 3 AND ${this.micros('time')} BETWEEN ${Math.max(0, from)} AND ${Math.max(0, to)}
        AND (capture, frame) ${this.o.cluster ? 'GLOBAL ' : ''}NOT IN (SELECT assumeNotNull(reply_capture), assumeNotNull(reply_frame) FROM registrations WHERE reply_frame IS NOT NULL)`);
    return r.rows.filter(x => times.has(x[0] as bigint)).map(x => ({
      capture: x[0] as bigint, frame: Number(x[1]), time: Number(x[2]), source: x[3] as string | null, destination: x[4] as string | null, identification: x[5] as bigint | null,
      code: x[6] === null ? null : Number(x[6]), homeAddress: x[7] as string | null, homeAgent: x[8] as string | null, captureTime: times.get(x[0] as bigint)!,
    }));
  }

  async link(links: readonly Link[]): Promise<void> {
    // Plain literals: 18.16 rejects a Nullable-typed value in UPDATE (its if() does not unify them).
    const float = (x: number) => (Number.isInteger(x) ? `${x}.0` : String(x));
    for (const l of links) {
      await this.mutate('registrations', `UPDATE reply_capture = ${l.replyCapture}, reply_frame = ${l.replyFrame}, response_time = ${float(l.seconds)}${l.code === null ? '' : `, code = ${l.code}`}
        WHERE capture = ${l.capture} AND request_frame = ${l.requestFrame} AND reply_frame IS NULL`);
    }
  }

  async captureSpans(): Promise<Array<{ capture: bigint; first: number; last: number; logged: boolean }>> {
    const logged = new Set((await this.rows(`SELECT DISTINCT capture FROM data_path WHERE kind = 'events'`)).rows.map(x => String(x[0])));
    const r = await this.rows(`SELECT capture, ${this.micros('assumeNotNull(first_time)')} AS f, ${this.micros('assumeNotNull(last_time)')} FROM captures WHERE first_time IS NOT NULL ORDER BY f, capture`);
    return r.rows.map(x => ({ capture: x[0] as bigint, first: Number(x[1]), last: Number(x[2]), logged: logged.has(String(x[0])) }));
  }

  async bindingSeeds(): Promise<Map<bigint, bigint>> {
    const r = await this.rows(`SELECT capture, data FROM data_path WHERE kind = 'seed'`);
    return new Map(r.rows.map(x => [x[0] as bigint, BigInt((x[1] as string) || '0')]));
  }

  async dataPath(capture: bigint, kind: 'events' | 'state'): Promise<string[]> {
    return (await this.rows(`SELECT data FROM data_path WHERE capture = ${capture} AND kind = '${kind}' ORDER BY part`)).rows.map(x => x[0] as string);
  }

  /** Without transactions: the seeds go first and come back last, so a kill in between is redone by the next run. */
  async rebind(r: Rebinding): Promise<void> {
    const bindings = table('bindings'), dataPath = table('data_path');
    if (r.states.length) await this.mutate('data_path', `DELETE WHERE kind IN ('state', 'seed') AND capture IN (${r.states.map(x => x.capture).join(',')})`);
    const where = [
      ...(r.captures.length ? [`capture IN (${r.captures.join(',')})`] : []),
      ...(r.carried.length ? [`(capture, frame) IN (${r.carried.map(([c, f]) => `(${c}, ${f})`).join(', ')})`] : []),
    ];
    if (where.length) await this.mutate('bindings', `DELETE WHERE ${where.join(' OR ')}`);
    const byCapture = new Map<bigint, Row[]>();
    for (const row of r.rows) { const c = row[0] as bigint; const l = byCapture.get(c); if (l) l.push(row); else byCapture.set(c, [row]); }
    for (const [c, rows] of byCapture) await this.insert(bindings, c, rows);
    for (const x of r.states) await this.insert(dataPath, x.capture, [[x.capture, x.time, 'state', 0, x.state]]);
    for (const x of r.states) await this.insert(dataPath, x.capture, [[x.capture, x.time, 'seed', 0, x.seed === 0n ? '' : String(x.seed)]]);
  }

  async timeSpan(ids: readonly bigint[]): Promise<{ first: number; last: number } | null> {
    if (!ids.length) return null;
    const r = await this.rows(`SELECT count(), min(${this.micros('assumeNotNull(first_time)')}), max(${this.micros('assumeNotNull(last_time)')}) FROM captures WHERE capture IN (${ids.join(',')}) AND first_time IS NOT NULL`);
    const [n, a, b] = r.rows[0]!;
    return Number(n) === 0 ? null : { first: Number(a), last: Number(b) };
  }

  async query(sql: string): Promise<QueryResult> { return this.rows(sql.replace(/;\s*$/, '')); }

  async close(): Promise<void> {}
}
