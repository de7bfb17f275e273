// Parquet: the same tables as files for Spark, Trino and pandas, hive-partitioned by day
// (DIR/packets/date=2026-12-03/capture-<id>-0.parquet), written by DuckDB beside its database.
// A capture's files are written inside its transaction, under names made of its id: a run
// killed before the commit is redone over the same names, so nothing is there twice.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDbBackend } from './duckdb.js';
import { StoreError } from './backend.js';
import { table, TABLES } from './schema.js';
import type { Table } from './schema.js';

function quote(s: string): string { return `'${s.replace(/'/g, "''")}'`; }

export function parquetCopy(dir: string, t: Table, id: bigint): string {
  return `COPY (SELECT *, CAST(${t.time} AS DATE) AS date FROM ${t.name} WHERE capture = ${id}) TO ${quote(join(dir, t.name))}
    (FORMAT PARQUET, PARTITION_BY (date), OVERWRITE_OR_IGNORE, FILENAME_PATTERN 'capture-${id}-{i}')`;
}

export class ParquetBackend extends DuckDbBackend {
  private dir = '';

  static async openWith(db: string, dir: string): Promise<ParquetBackend> {
    try { mkdirSync(dir, { recursive: true }); } catch (e) { throw new StoreError(`cannot create Parquet directory '${dir}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
    const { instance, conn } = await DuckDbBackend.connect(db, {});
    const b = new ParquetBackend(instance, conn, `${db} + ${dir}`, db);
    b.dir = dir;
    b.clearStaging();
    return b;
  }

  protected override async beforeCommit(run: (sql: string) => Promise<unknown>, id: bigint): Promise<void> {
    for (const t of TABLES) if (!t.internal) await run(parquetCopy(this.dir, t, id));
  }

  /** Registrations linked to a reply in another file: their files are written again. */
  protected override async afterLink(captures: ReadonlySet<bigint>): Promise<void> {
    const t = table('registrations');
    for (const id of captures) await this.conn.run(parquetCopy(this.dir, t, id));
  }

  /** Bindings followed across files: their captures' files are written again. */
  protected override async afterRebind(captures: ReadonlySet<bigint>): Promise<void> {
    const t = table('bindings');
    for (const id of captures) await this.conn.run(parquetCopy(this.dir, t, id));
  }
}
