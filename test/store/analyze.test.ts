// The rows of one capture do not depend on how they are batched: bindings that can no longer
// change leave with the batch they are final in, the others at the end, and none twice.
import { existsSync, readdirSync } from 'node:fs';
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

// The analysis dissects without trees, keeping only the fields its rows and the rules read: the
// rows must be those that full trees give, for every sample, with its keys and without.
const SAMPLES = readdirSync(join(ROOT, 'samples', 'captures')).filter(f => f.endsWith('.pcapng') || f.endsWith('.pcap')).sort();

async function allRows(file: string, keys: string | undefined, trees: boolean): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  const ident = identify(file);
  try {
    const capture = await analyzeCapture(ident, { ...(keys ? { keys } : {}), trees }, rows => {
      for (const [t, list] of Object.entries(rows)) (out[t] ??= []).push(...list.map(key));
    });
    (out['captures'] ??= []).push(key(capture));
  } catch (e) {
    // A damaged file (fault-truncated): the same rows before the damage, and the same error.
    out['error'] = [(e as Error).message];
  }
  return out;
}

describe('analyzeCapture without trees', () => {
  it.each(SAMPLES)('%s: the same rows as with full trees, with and without keys', async name => {
    const file = join(ROOT, 'samples', 'captures', name);
    const keysFile = file.replace(/\.pcapng?$/, '.keys.json');
    for (const keys of [undefined, ...(existsSync(keysFile) ? [keysFile] : [])]) {
      const fast = await allRows(file, keys, false), slow = await allRows(file, keys, true);
      expect(Object.keys(fast).sort()).toEqual(Object.keys(slow).sort());
      for (const t of Object.keys(slow)) expect(fast[t], `${t} rows${keys ? ' with keys' : ''}`).toEqual(slow[t]);
    }
  });

  it('the fields the rows read from extensions are found without trees (verdicts, SPIs, keys learned)', async () => {
    const file = join(ROOT, 'samples', 'captures', 'kx-busy.pcapng');
    const fast = await allRows(file, join(ROOT, 'samples', 'captures', 'kx-busy.keys.json'), false);
    const verdict = table('extensions').columns.findIndex(c => c.name === 'verdict');
    const protectedBy = table('keys_learned').columns.length - 1;
    expect(fast['extensions']!.map(r => JSON.parse(r)[verdict]).filter(v => v === 'good').length).toBeGreaterThan(10);
    expect(fast['packets']!.some(r => Array.isArray(JSON.parse(r).at(-1)))).toBe(true);
    expect(fast['keys_learned']!.some(r => JSON.parse(r)[protectedBy] !== null)).toBe(true);
  });
});
