// Which back end a command writes to or reads from.
import type { Backend } from './backend.js';
import { DuckDbBackend } from './duckdb.js';
import { ParquetBackend } from './parquet.js';
import { ClickHouseBackend } from './clickhouse.js';

export interface StoreOptions { db?: string; parquet?: string; clickhouse?: string[]; cluster?: string; database?: string; readOnly?: boolean }

export const DEFAULT_DB = 'mipscope.duckdb';

export async function openStore(o: StoreOptions): Promise<Backend> {
  if (o.clickhouse) return ClickHouseBackend.open({ urls: o.clickhouse, ...(o.cluster !== undefined ? { cluster: o.cluster } : {}), ...(o.database !== undefined ? { database: o.database } : {}) }, { ...(o.readOnly ? { readOnly: true } : {}) });
  if (o.parquet !== undefined) return ParquetBackend.openWith(o.db ?? DEFAULT_DB, o.parquet);
  return DuckDbBackend.open(o.db ?? DEFAULT_DB, { ...(o.readOnly ? { readOnly: true } : {}) });
}
