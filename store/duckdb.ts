// The embedded default back end: one DuckDB file that DuckDB's own CLI, Python and R open.
// A capture's rows are staged as CSV files beside the database while it is analyzed (bounded
// batches: neither this process nor DuckDB holds a whole capture), then loaded by DuckDB's CSV
// reader in one transaction that writes the capture's row last: a killed run leaves no partial
// capture (only staging files, removed by the next run), and the next run indexes it again.
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type * as DuckDB from '@duckdb/node-api';
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { StoreError } from './backend.js';
import type { Backend, CaptureWriter, Link, LooseReply, OpenRequest, QueryResult } from './backend.js';
import type { Rebinding } from './datapath.js';
import { table, TABLES } from './schema.js';
import { CsvStage, STAGE_FROM, stagedTables } from './stage.js';
import type { ColumnType, Row, Table, TableRows } from './schema.js';

// Loaded with require: imported from an ES module, the package's CommonJS files are each lexed
// for their exports first (a tenth of a second at every start of `stats` and `sql`).
const { DuckDBInstance, LIST, UINTEGER, timestampValue } = createRequire(import.meta.url)('@duckdb/node-api') as typeof DuckDB;
type DuckDBInstance = DuckDB.DuckDBInstance;

const SQL_TYPES: Record<ColumnType, string> = {
  u64: 'UBIGINT', u32: 'UINTEGER', u16: 'USMALLINT', u8: 'UTINYINT', f64: 'DOUBLE', text: 'VARCHAR', time: 'TIMESTAMP', 'u32[]': 'UINTEGER[]',
};
const U32_LIST = LIST(UINTEGER);

/** DuckDB's memory limit while captures are loaded (it writes to the database file past it). */
export const LOAD_MEMORY = '128MB';

export function duckdbCreateTable(t: Table): string {
  const cols = t.columns.map(c => `${c.name} ${SQL_TYPES[c.type]}${c.nullable ? '' : ' NOT NULL'}`);
  return `CREATE TABLE IF NOT EXISTS ${t.name} (${cols.join(', ')})`;
}

function appendRow(a: DuckDBAppender, t: Table, row: Row): void {
  const cols = t.columns;
  for (let i = 0; i < cols.length; i++) {
    const v = row[i];
    if (v === null || v === undefined) { a.appendNull(); continue; }
    switch (cols[i]!.type) {
      case 'u64': a.appendUBigInt(typeof v === 'bigint' ? v : BigInt(v as number)); break;
      case 'u32': a.appendUInteger(v as number); break;
      case 'u16': a.appendUSmallInt(v as number); break;
      case 'u8': a.appendUTinyInt(v as number); break;
      case 'f64': a.appendDouble(v as number); break;
      case 'text': a.appendVarchar(v as string); break;
      case 'time': a.appendTimestamp(timestampValue(BigInt(v as number))); break;
      case 'u32[]': a.appendList(v as number[], U32_LIST); break;
    }
  }
  a.endRow();
}

function quote(s: string): string { return `'${s.replace(/'/g, "''")}'`; }

/** Loads a staged CSV file into its table: the reader's column types, then times and lists converted; the capture id is the one being committed (not staged). */
export function csvInsert(t: Table, file: string, id: bigint): string {
  const staged = t.columns.slice(STAGE_FROM);
  const read = staged.map(c => `${quote(c.name)}: '${c.type === 'time' ? 'BIGINT' : c.type === 'u32[]' ? 'VARCHAR' : SQL_TYPES[c.type]}'`).join(', ');
  const cols = staged.map(c => (c.type === 'time' ? `make_timestamp(${c.name})` : c.type === 'u32[]' ? `CAST(${c.name} AS UINTEGER[])` : c.name)).join(', ');
  return `INSERT INTO ${t.name} SELECT ${id}::UBIGINT, ${cols} FROM read_csv(${quote(file)}, header = false, delim = ',', quote = '"', escape = '"', nullstr = '\\N',
    allow_quoted_nulls = false, auto_detect = false, columns = {${read}})`;
}

/** Plain values of a result: numbers, bigint for 64-bit integers, arrays for lists, DuckDB's text for the rest (timestamps to the microsecond). */
function plain(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(plain);
  const items = (v as { items?: unknown }).items;
  if (Array.isArray(items)) return items.map(plain);
  return String(v);
}

export class DuckDbBackend implements Backend {
  readonly label: string;
  /** Where captures are staged (one folder per capture being indexed). */
  private readonly staging: string;

  protected constructor(private readonly instance: DuckDBInstance, protected readonly conn: DuckDBConnection, path: string, db: string = path) {
    this.label = path;
    this.staging = db === ':memory:' || db === '' ? join(tmpdir(), `mipscope-staging-${process.pid}`) : `${db}.staging`;
  }

  /** Runs inside a capture's transaction, just before it commits (the Parquet copy). */
  protected async beforeCommit(_run: (sql: string) => Promise<unknown>, _id: bigint): Promise<void> {}

  /** Runs after links were stored, with the captures whose registrations changed. */
  protected async afterLink(_captures: ReadonlySet<bigint>): Promise<void> {}

  /** Runs after bindings were followed across files, with the captures whose bindings rows changed. */
  protected async afterRebind(_captures: ReadonlySet<bigint>): Promise<void> {}

  static async open(path: string, opts: { readOnly?: boolean } = {}): Promise<DuckDbBackend> {
    const { instance, conn } = await DuckDbBackend.connect(path, opts);
    const b = new DuckDbBackend(instance, conn, path);
    if (!opts.readOnly) b.clearStaging();
    return b;
  }

  protected static async connect(path: string, opts: { readOnly?: boolean }): Promise<{ instance: DuckDBInstance; conn: DuckDBConnection }> {
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(path, opts.readOnly ? { access_mode: 'READ_ONLY' } : {});
    } catch (e) {
      throw new StoreError(`cannot open database '${path}': ${((e as Error).message.split('\n')[0] ?? '').replace(/^IO Error: /, '')}`);
    }
    const conn = await instance.connect();
    if (!opts.readOnly) for (const t of TABLES) await conn.run(duckdbCreateTable(t));
    return { instance, conn };
  }

  async has(id: bigint): Promise<boolean> {
    const r = await this.conn.runAndReadAll(`SELECT count(*) FROM captures WHERE capture = ${id}`);
    return Number(r.getRows()[0]![0]) > 0;
  }

  /** Staging files a killed run left (this process has the database open for writing: no other writer is staging). */
  protected clearStaging(): void { this.writable = true; rmSync(this.staging, { recursive: true, force: true }); }

  async begin(id: bigint): Promise<CaptureWriter> {
    const dir = join(this.staging, String(id));
    try {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
    } catch (e) { throw new StoreError(`cannot stage rows in '${dir}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
    // Rows handed to append (the analysis may instead write them to the folder itself).
    const own = new CsvStage(dir);
    const cleanUp = () => { own.close(); rmSync(dir, { recursive: true, force: true }); };
    return {
      stage: dir,
      append: async rows => { own.write(rows); },
      commit: async capture => {
        own.close();
        const conn = await this.instance.connect();
        try {
          await this.loading(conn, +1);
          await conn.run('BEGIN TRANSACTION');
          try {
            for (const [t, file] of stagedTables(dir)) await conn.run(csvInsert(t, file, id));
            const a = await conn.createAppender('captures');
            appendRow(a, table('captures'), capture);
            a.closeSync();
            await this.beforeCommit(sql => conn.run(sql), id);
          } catch (e) { await conn.run('ROLLBACK'); throw e; }
          await conn.run('COMMIT');
        } finally {
          await this.loading(conn, -1).catch(() => {});
          conn.closeSync();
          cleanUp();
        }
      },
      abort: async () => { cleanUp(); },
    };
  }

  /** Captures being loaded now. */
  private loads = 0;

  /**
   * While captures are loaded, DuckDB runs on one thread within LOAD_MEMORY: a staged file is
   * read in fewer, smaller buffers (a 200,000-packet capture's commit took 200 MB above the
   * process before, 130 MB so; one thread was also faster on two cores). The settings are the
   * database's, so they are set by the first load and reset after the last.
   */
  private async loading(conn: DuckDBConnection, step: 1 | -1): Promise<void> {
    this.loads += step;
    if (step === 1 && this.loads === 1) { await conn.run('SET threads = 1'); await conn.run(`SET memory_limit = '${LOAD_MEMORY}'`); }
    if (step === -1 && this.loads === 0) { await conn.run('RESET threads'); await conn.run('RESET memory_limit'); }
  }

  async openRequests(from: number, to: number): Promise<OpenRequest[]> {
    const r = await this.conn.runAndReadAll(`SELECT r.capture, r.request_frame, epoch_us(r.time), r.source, r.destination, r.identification, r.home_address, r.home_agent, r.care_of_address, epoch_us(c.first_time)
      FROM registrations r JOIN captures c ON c.capture = r.capture
      WHERE r.reply_frame IS NULL AND r.time BETWEEN make_timestamp(${from}::BIGINT) AND make_timestamp(${to}::BIGINT)`);
    return r.getRowsJS().map(x => ({
      capture: x[0] as bigint, frame: x[1] as number, time: Number(x[2]), source: x[3] as string | null, destination: x[4] as string | null, identification: x[5] as bigint | null,
      homeAddress: x[6] as string | null, homeAgent: x[7] as string | null, careOfAddress: x[8] as string | null, captureTime: Number(x[9]),
    }));
  }

  async looseReplies(from: number, to: number): Promise<LooseReply[]> {
    const r = await this.conn.runAndReadAll(`SELECT p.capture, p.frame, epoch_us(p.time), p.source, p.destination, p.identification, p.code, p.home_address, p.home_agent, epoch_us(c.first_time)
      FROM packets p JOIN captures c ON c.capture = p.capture
      WHERE p.type = 3 AND p.time BETWEEN make_timestamp(${from}::BIGINT) AND make_timestamp(${to}::BIGINT)
        AND NOT EXISTS (SELECT 1 FROM registrations r WHERE r.reply_capture = p.capture AND r.reply_frame = p.frame)`);
    return r.getRowsJS().map(x => ({
      capture: x[0] as bigint, frame: x[1] as number, time: Number(x[2]), source: x[3] as string | null, destination: x[4] as string | null, identification: x[5] as bigint | null,
      code: x[6] as number | null, homeAddress: x[7] as string | null, homeAgent: x[8] as string | null, captureTime: Number(x[9]),
    }));
  }

  async link(links: readonly Link[]): Promise<void> {
    if (!links.length) return;
    await this.conn.run('BEGIN TRANSACTION');
    try {
      const st = await this.conn.prepare('UPDATE registrations SET reply_capture = $1, reply_frame = $2, code = $3, response_time = $4 WHERE capture = $5 AND request_frame = $6 AND reply_frame IS NULL');
      for (const l of links) {
        st.bindUBigInt(1, l.replyCapture); st.bindUInteger(2, l.replyFrame);
        if (l.code === null) st.bindNull(3); else st.bindUTinyInt(3, l.code);
        st.bindDouble(4, l.seconds); st.bindUBigInt(5, l.capture); st.bindUInteger(6, l.requestFrame);
        await st.run();
      }
      await this.conn.run('COMMIT');
    } catch (e) { await this.conn.run('ROLLBACK'); throw e; }
    await this.afterLink(new Set(links.map(l => l.capture)));
  }

  async captureSpans(): Promise<Array<{ capture: bigint; first: number; last: number; logged: boolean }>> {
    const r = await this.conn.runAndReadAll(`SELECT c.capture, epoch_us(c.first_time), epoch_us(c.last_time), EXISTS (SELECT 1 FROM data_path d WHERE d.capture = c.capture AND d.kind = 'events')
      FROM captures c WHERE c.first_time IS NOT NULL ORDER BY c.first_time, c.capture`);
    return r.getRowsJS().map(x => ({ capture: x[0] as bigint, first: Number(x[1]), last: Number(x[2]), logged: x[3] === true }));
  }

  async bindingSeeds(): Promise<Map<bigint, bigint>> {
    const r = await this.conn.runAndReadAll(`SELECT capture, data FROM data_path WHERE kind = 'seed'`);
    return new Map(r.getRowsJS().map(x => [x[0] as bigint, BigInt((x[1] as string) || '0')]));
  }

  async dataPath(capture: bigint, kind: 'events' | 'state'): Promise<string[]> {
    const r = await this.conn.runAndReadAll(`SELECT data FROM data_path WHERE capture = ${capture} AND kind = '${kind}' ORDER BY part`);
    return r.getRowsJS().map(x => x[0] as string);
  }

  async rebind(r: Rebinding): Promise<void> {
    const bindings = table('bindings'), dataPath = table('data_path');
    await this.conn.run('BEGIN TRANSACTION');
    try {
      if (r.captures.length) await this.conn.run(`DELETE FROM bindings WHERE capture IN (${r.captures.join(',')})`);
      if (r.carried.length) {
        const st = await this.conn.prepare('DELETE FROM bindings WHERE capture = $1 AND frame = $2');
        for (const [c, f] of r.carried) { st.bindUBigInt(1, c); st.bindUInteger(2, f); await st.run(); }
      }
      if (r.states.length) await this.conn.run(`DELETE FROM data_path WHERE kind IN ('state', 'seed') AND capture IN (${r.states.map(x => x.capture).join(',')})`);
      const a = await this.conn.createAppender('bindings');
      for (const row of r.rows) appendRow(a, bindings, row);
      a.closeSync();
      const d = await this.conn.createAppender('data_path');
      for (const x of r.states) {
        appendRow(d, dataPath, [x.capture, x.time, 'state', 0, x.state]);
        appendRow(d, dataPath, [x.capture, x.time, 'seed', 0, x.seed === 0n ? '' : String(x.seed)]);
      }
      d.closeSync();
      await this.conn.run('COMMIT');
    } catch (e) { await this.conn.run('ROLLBACK'); throw e; }
    await this.afterRebind(new Set([...r.captures, ...r.carried.map(([c]) => c)]));
  }

  async timeSpan(ids: readonly bigint[]): Promise<{ first: number; last: number } | null> {
    if (!ids.length) return null;
    const r = await this.conn.runAndReadAll(`SELECT epoch_us(min(first_time)), epoch_us(max(last_time)) FROM captures WHERE capture IN (${ids.join(',')})`);
    const [a, b] = r.getRowsJS()[0]!;
    return a === null || b === null ? null : { first: Number(a), last: Number(b) };
  }

  async query(sql: string): Promise<QueryResult> {
    let r;
    try { r = await this.conn.runAndReadAll(sql); } catch (e) { throw new StoreError(((e as Error).message.split('\n')[0] ?? '')); }
    return { columns: r.columnNames(), rows: r.getRows().map(row => row.map(plain)) };
  }

  private writable = false;

  async close(): Promise<void> {
    this.conn.closeSync();
    this.instance.closeSync();
    if (this.writable) this.clearStaging();
  }
}
