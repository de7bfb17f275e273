// `mipscope index FILE|DIR…`: captures into a database (DuckDB by default, Parquet, ClickHouse).
import { availableParallelism } from 'node:os';
import { PrefError, parsePrefs } from '../dissector/index.js';
import { KeysFileError, loadKeysFile } from '../dissector/keys/index.js';
import { StoreError } from '../store/backend.js';
import type { Backend } from '../store/backend.js';
import { openStore } from '../store/open.js';
import { indexFiles } from '../store/indexer.js';
import { parseArgs, UsageError } from './args.js';

export const INDEX_USAGE = `Usage: mipscope index FILE|DIR... [options]
  --db PATH              DuckDB database to write (default mipscope.duckdb)
  --parquet DIR          also write the tables as Parquet, hive-partitioned by day (DIR/packets/date=…/)
  --clickhouse URL,...   write to ClickHouse over HTTP instead (one URL per shard with --cluster)
  --cluster NAME         the remote_servers cluster: <table>_local on each server and Distributed tables
  --database DB          ClickHouse database (default mipscope)
  --keys FILE            KEY0/SPI table: decrypt and verify as the CLI does
  -o NAME:VALUE          set a preference (e.g. -o mip.udp.port:4340)
  --jobs N               analyze N files at once in worker threads (default: the cores)
Files already in the database (same content) are skipped; a request answered in another file is linked.
`;

export interface IndexArgs {
  inputs: string[]; db?: string; parquet?: string; clickhouse?: string[]; cluster?: string; database?: string;
  keys?: string; prefs: string[]; jobs: number; help: boolean;
}

/** The flags of `index`, read by the one option parser of every command (cli/args.ts). */
export function parseIndexArgs(argv: readonly string[]): IndexArgs {
  const o = parseArgs(argv, { subcommand: 'index' });
  const st = o.store;
  const a: IndexArgs = {
    inputs: o.operands, prefs: o.prefs, jobs: o.jobs ?? availableParallelism(), help: o.help,
    ...(st.db !== undefined ? { db: st.db } : {}), ...(st.parquet !== undefined ? { parquet: st.parquet } : {}),
    ...(st.clickhouse ? { clickhouse: st.clickhouse } : {}), ...(st.cluster !== undefined ? { cluster: st.cluster } : {}),
    ...(st.database !== undefined ? { database: st.database } : {}), ...(o.keys !== undefined ? { keys: o.keys } : {}),
  };
  if (a.cluster !== undefined && !a.clickhouse) throw new UsageError('--cluster needs --clickhouse URL,...');
  if (a.clickhouse && a.parquet) throw new UsageError('--parquet writes beside a DuckDB database, not with --clickhouse');
  return a;
}

export async function runIndex(argv: readonly string[]): Promise<number> {
  const a = parseIndexArgs(argv);
  if (a.help) { process.stdout.write(INDEX_USAGE); return 0; }
  if (!a.inputs.length) throw new UsageError("mipscope index needs captures: FILE or DIR ... (see 'mipscope index --help')");
  // Bad preferences and keys are found before anything is written.
  try { parsePrefs(a.prefs); } catch (e) { if (e instanceof PrefError) throw new UsageError(e.message); throw e; }
  if (a.keys !== undefined) { try { loadKeysFile(a.keys); } catch (e) { if (e instanceof KeysFileError) throw new UsageError(e.message); throw e; } }
  let store: Backend;
  try {
    store = await openStore({ ...(a.db !== undefined ? { db: a.db } : {}), ...(a.parquet !== undefined ? { parquet: a.parquet } : {}), ...(a.clickhouse ? { clickhouse: a.clickhouse } : {}), ...(a.cluster !== undefined ? { cluster: a.cluster } : {}), ...(a.database !== undefined ? { database: a.database } : {}) });
  } catch (e) { if (e instanceof StoreError) throw new UsageError(e.message); throw e; }
  let problems = 0;
  try {
    const r = await indexFiles(a.inputs, store, {
      jobs: a.jobs, prefs: a.prefs, ...(a.keys !== undefined ? { keys: a.keys } : {}),
      onProblem: line => { problems++; process.stderr.write(`mipscope: ${line}\n`); },
    });
    process.stdout.write(`${store.label}: ${r.indexed} capture${r.indexed === 1 ? '' : 's'} indexed (${r.packets} packets), ${r.skipped} already indexed, ${r.failed} failed; ${r.linked} repl${r.linked === 1 ? 'y' : 'ies'} linked across files\n`);
  } catch (e) {
    if (e instanceof StoreError) throw new UsageError(e.message);
    throw e;
  } finally { await store.close(); }
  return problems ? 2 : 0;
}
