// `mipscope stats --db PATH -z mip,reg`: the -z statistics over a database of indexed captures.
import { REPLY_CODES } from '../dissector/mip/fields.js';
import { StoreError } from '../store/backend.js';
import type { QueryResult } from '../store/backend.js';
import { openStore } from '../store/open.js';
import type { StoreOptions } from '../store/open.js';
import { report, REPORTS, runReport } from '../store/reports.js';
import { UsageError } from './args.js';
import { optionReader } from './index-cmd.js';
import { renderResult, storeOption } from './sql.js';

export const STATS_USAGE = `Usage: mipscope stats [--db PATH | --clickhouse URL [--database DB]] -z STAT [-z STAT ...] [-T text|json]
  -z ${REPORTS.map(r => r.name).join(', ')}
`;

const RULE = '='.repeat(80);

/** Seconds to milliseconds with three decimals, and reply codes with their names. */
function present(name: string, r: QueryResult): QueryResult {
  const columns = [...r.columns];
  let rows = r.rows.map(row => row.map((v, i) => (/_response$/.test(columns[i]!) && typeof v === 'number' ? Number((v * 1000).toFixed(3)) : v)));
  columns.forEach((c, i) => { if (/_response$/.test(c)) columns[i] = `${c}_ms`; });
  if (name === 'mip,codes') {
    columns.push('meaning');
    rows = rows.map(row => [...row, row[0] === null ? null : REPLY_CODES[Number(row[0])] ?? 'unknown']);
  }
  return { columns, rows };
}

export async function runStats(argv: readonly string[]): Promise<number> {
  const o: StoreOptions = { readOnly: true };
  const stats: string[] = [];
  let format = 'text', help = false;
  optionReader(argv, 'stats', (flag, value) => {
    if (storeOption(o, flag, value)) return true;
    switch (flag) {
      case '-z': {
        const z = value();
        if (z === 'mip,bindings') throw new UsageError("-z mip,bindings: the data path's bindings are not indexed yet (no bindings table)");
        if (!report(z)) throw new UsageError(`invalid -z argument '${z}': expected one of ${REPORTS.map(r => r.name).join(', ')}`);
        stats.push(z); return true;
      }
      case '-T':
        format = value();
        if (format !== 'text' && format !== 'json') throw new UsageError(`invalid -T value '${format}': expected text or json`);
        return true;
      case '-h': case '--help': help = true; return true;
      default: return false;
    }
  });
  if (help) { process.stdout.write(STATS_USAGE); return 0; }
  if (!stats.length) throw new UsageError(`mipscope stats needs -z STAT (${REPORTS.map(r => r.name).join(', ')})`);
  try {
    const store = await openStore(o);
    try {
      const out: string[] = [];
      const json: Record<string, unknown> = {};
      for (const z of stats) {
        const r = present(z, await runReport(store, z));
        if (format === 'json') json[z] = JSON.parse(renderResult(r, 'json'));
        else out.push(`${RULE}\n${report(z)!.title} (${z})\n${store.label}\n${RULE}\n${renderResult(r, 'table').replace(/\(\d+ rows?\)\n$/, '')}${RULE}\n`);
      }
      process.stdout.write(format === 'json' ? JSON.stringify(json, null, 2) + '\n' : out.join(''));
    } finally { await store.close(); }
  } catch (e) { if (e instanceof StoreError) throw new UsageError(e.message); throw e; }
  return 0;
}
