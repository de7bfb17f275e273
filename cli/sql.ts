// `mipscope sql "SELECT …"`: a query over the indexed captures, printed as a table, JSON or CSV.
import { StoreError } from '../store/backend.js';
import type { QueryResult } from '../store/backend.js';
import { openStore } from '../store/open.js';
import type { StoreOptions } from '../store/open.js';
import { parseArgs, UsageError } from './args.js';

export const SQL_USAGE = `Usage: mipscope sql [--db PATH | --clickhouse URL [--database DB]] [-T table|json|csv] "SELECT ..."
  Tables: captures, packets, extensions, findings, registrations, keys_learned, bindings (see docs/store.md).
`;

function cell(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (Array.isArray(v)) return `[${v.map(cell).join(', ')}]`;
  return String(v);
}

function jsonValue(v: unknown): unknown {
  if (typeof v === 'bigint') return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (Array.isArray(v)) return v.map(jsonValue);
  return v ?? null;
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = cell(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function renderResult(r: QueryResult, format: string): string {
  if (format === 'json') return JSON.stringify(r.rows.map(row => Object.fromEntries(r.columns.map((c, i) => [c, jsonValue(row[i])]))), null, 2) + '\n';
  if (format === 'csv') return [r.columns.map(csvCell).join(','), ...r.rows.map(row => row.map(csvCell).join(','))].join('\n') + '\n';
  const text = r.rows.map(row => row.map(cell));
  const width = r.columns.map((c, i) => Math.max(c.length, ...text.map(t => t[i]!.length)));
  const numeric = r.columns.map((_, i) => r.rows.length > 0 && r.rows.every(row => row[i] === null || typeof row[i] === 'number' || typeof row[i] === 'bigint'));
  const line = (cells: string[]) => cells.map((s, i) => (numeric[i] ? s.padStart(width[i]!) : s.padEnd(width[i]!))).join('  ').trimEnd();
  return [line(r.columns), width.map(w => '-'.repeat(w)).join('  '), ...text.map(line)].join('\n') + `\n(${r.rows.length} row${r.rows.length === 1 ? '' : 's'})\n`;
}

export async function runSql(argv: readonly string[]): Promise<number> {
  // The one option parser of every command (cli/args.ts): --db, --clickhouse, --cluster, --database, -T.
  const a = parseArgs(argv, { subcommand: 'sql' });
  const o: StoreOptions = { ...a.store, readOnly: true };
  const format = a.queryFormat, help = a.help, sql = a.operands;
  if (help) { process.stdout.write(SQL_USAGE); return 0; }
  if (!sql.length) throw new UsageError(`mipscope sql needs a query, e.g. mipscope sql "SELECT count(*) FROM packets"`);
  try {
    const store = await openStore(o);
    try { process.stdout.write(renderResult(await store.query(sql.join(' ')), format)); } finally { await store.close(); }
  } catch (e) { if (e instanceof StoreError) throw new UsageError(e.message); throw e; }
  return 0;
}
