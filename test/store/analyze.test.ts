// The rows of one capture do not depend on how they are batched: bindings that can no longer
// change leave with the batch they are final in, the others at the end, and none twice.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeCapture, identify } from '../../store/analyze.js';
import { table } from '../../store/schema.js';
import type { Row, TableRows } from '../../store/schema.js';
import { MAX_ROWS as REPORT_ROWS } from '../../store/reports.js';
import { MAX_ROWS } from '../../cli/stats/accumulate.js';
import { ROOT } from '../helpers.js';

const TUNNEL = join(ROOT, 'samples', 'captures', 'mip-tunnel.pcapng');
const KEYS = join(ROOT, 'samples', 'captures', 'mip-tunnel.keys.json');

async function batches(batch: number | undefined): Promise<TableRows[]> {
  const out: TableRows[] = [];
  await analyzeCapture(identify(TUNNEL), { keys: KEYS, ...(batch !== undefined ? { batch } : {}) }, rows => { out.push(structuredClone(rows)); });
  return out;
}
const key = (r: Row) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

describe('analyzeCapture: bindings rows', () => {
  it('the same rows in small batches as in one; an ended binding leaves before the end', async () => {
    const one = await batches(undefined), small = await batches(5);
    expect(one).toHaveLength(1);
    expect(small.length).toBeGreaterThan(5);
    const all = (bs: TableRows[]) => bs.flatMap(b => b.bindings).map(key).sort();
    expect(all(one)).toHaveLength(4);
    expect(all(small)).toEqual(all(one));
    const ended = table('bindings').columns.findIndex(c => c.name === 'ended');
    expect(small.slice(0, -1).flatMap(b => b.bindings).filter(r => r[ended] !== null).length).toBe(2);
    expect(small.at(-1)!.bindings.every(r => r[ended] === null)).toBe(true);
  });

  it('the database keeps as many bindings for -z mip,bindings as a file does', () => {
    expect(REPORT_ROWS).toBe(MAX_ROWS);
  });
});
