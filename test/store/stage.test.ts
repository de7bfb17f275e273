// Rows staged as CSV and loaded by DuckDB's CSV reader come back exactly: text with quotes,
// commas, line breaks, NUL and a literal \N, empty strings and NULLs, lists, 64-bit values, times.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckDbBackend } from '../../store/duckdb.js';
import { emptyRows, table } from '../../store/schema.js';
import type { Row } from '../../store/schema.js';

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
