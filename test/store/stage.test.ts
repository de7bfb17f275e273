// Rows staged as CSV and loaded by DuckDB's CSV reader come back exactly: text with quotes,
// commas, line breaks, NUL and a literal \N, empty strings and NULLs, lists, 64-bit values, times.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckDbBackend } from '../../store/duckdb.js';
import { emptyRows, table } from '../../store/schema.js';
import type { Row } from '../../store/schema.js';
import { PART_ROWS, stagedTables } from '../../store/stage.js';

const NASTY = ['', '\\N', 'a,b', 'say "hi"', '"', 'line\nbreak\r\n', 'nul\u0000byte', 'tab\tand ünïcödé ✓', 'NULL', ' lead and trail '];

describe('CSV staging', () => {
  it('every value comes back as appended', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'mipscope-stage-')), 'x.duckdb');
    const b = await DuckDbBackend.open(db);
    const id = 0xfedcba9876543210n;
    const t0 = 1_709_283_600_123_456;
    const packets: Row[] = NASTY.map((s, i) => [id, i + 1, t0 + i, s, `dst ${i}`, 'eth:ip:udp:mip', 60 + i, s,
      i % 2 ? null : 1, i % 3 ? null : 255, 0xffff, 1800, i % 2 ? null : '10.0.0.1', null, '0.0.0.0', i === 0 ? 0xffffffffffffffffn : BigInt(i), i % 2 ? null : s, i % 3 ? null : [0, 0x100, 0xffffffff]]);
    const rows = emptyRows();
    rows.packets.push(...packets);
    const w = await b.begin(id);
    expect(w.stage).toBeDefined();
    await w.append(rows);
    await w.commit([id, 'x.pcap', '/tmp/x.pcap', 'ab'.repeat(32), 1, BigInt(packets.length), t0, t0 + 9]);
    const r = await b.query('SELECT *, epoch_us(time) AS us FROM packets ORDER BY frame');
    await b.close();
    const cols = table('packets').columns.map(c => c.name);
    expect(r.rows).toHaveLength(packets.length);
    r.rows.forEach((got, i) => {
      const want = packets[i]!;
      cols.forEach((c, j) => {
        if (c === 'time') expect(Number(got[r.columns.indexOf('us')])).toBe(want[j]);
        else expect(got[j], `${c} of row ${i}`).toEqual(want[j]);
      });
    });
  });
});

describe('CSV staging in parts', () => {
  it(`a table past ${PART_ROWS} rows is staged in several files and loaded in order; DuckDB's load settings are reset after`, async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'mipscope-stage-')), 'x.duckdb');
    const b = await DuckDbBackend.open(db);
    const before = await b.query("SELECT current_setting('threads'), current_setting('memory_limit')");
    const id = 7n, t0 = 1_709_283_600_000_000, n = PART_ROWS * 2 + 3;
    const row = (i: number): Row => [id, i, t0 + i, 's', 'd', 'eth', 60, `info ${i}`, null, null, null, null, null, null, null, null, null, null];
    const w = await b.begin(id);
    // Batches that do not line up with the parts.
    for (let from = 1; from <= n; from += 7_001) {
      const rows = emptyRows();
      for (let i = from; i < Math.min(n + 1, from + 7_001); i++) rows.packets.push(row(i));
      await w.append(rows);
    }
    expect(stagedTables(w.stage!).filter(([t]) => t.name === 'packets')).toHaveLength(3);
    await w.commit([id, 'x.pcap', '/tmp/x.pcap', 'cd'.repeat(32), 1, BigInt(n), t0, t0 + n]);
    const r = await b.query('SELECT count(*), min(frame), max(frame), bool_and(summary = ' + "'info ' || frame) FROM packets");
    expect(r.rows[0]).toEqual([BigInt(n), 1, n, true]);
    // In insertion order, as staged.
    const order = await b.query('SELECT frame FROM packets ORDER BY rowid');
    expect(order.rows.map(x => x[0])).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(await b.query("SELECT current_setting('threads'), current_setting('memory_limit')")).toEqual(before);
    await b.close();
  });
});
