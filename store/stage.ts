// A capture's rows staged as CSV files, one per table, in a folder the back end names: written by
// the analysis itself (in its worker thread, or in this one), then loaded by DuckDB's CSV reader
// in the capture's transaction. Text is always quoted, so that NULL (an unquoted \N) is never a
// string; times are microseconds since the epoch; lists are DuckDB's list text.
import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { TABLES } from './schema.js';
import type { ColumnType, Row, Table, TableRows } from './schema.js';

/**
 * Every table's first column is the capture id, the same in all its rows: it is not staged (the
 * commit supplies it), which spares a 64-bit number's text in every line.
 */
export const STAGE_FROM = 1;
for (const t of TABLES) if (t.columns[0]!.name !== 'capture') throw new Error(`table ${t.name}: the capture id must come first`);

/** One row as a CSV line, from its second column. */
export function csvLine(types: readonly ColumnType[], row: Row): string {
  let s = '';
  for (let i = STAGE_FROM; i < types.length; i++) {
    if (i > STAGE_FROM) s += ',';
    const v = row[i];
    if (v === null || v === undefined) { s += '\\N'; continue; }
    const t = types[i];
    if (t === 'text') { const x = v as string; s += x.includes('"') ? `"${x.replace(/"/g, '""')}"` : `"${x}"`; }
    else if (t === 'u32[]') s += `"[${(v as number[]).join(',')}]"`;
    else s += typeof v === 'bigint' ? v.toString() : String(v);
  }
  return s + '\n';
}

const TYPES = new Map<Table, ColumnType[]>(TABLES.map(t => [t, t.columns.map(c => c.type)]));

/**
 * Rows per staged file: DuckDB loads each file in a statement of its own, and the memory a load
 * takes grows with the file (a 200,000-packet capture in one file per table took 245 MB of
 * DuckDB's memory at commit, in files of this many rows 140 MB).
 */
export const PART_ROWS = 25_000;

/** The staged file of a table's part in a capture's folder. */
export function stagedFile(dir: string, t: Table, part: number): string { return join(dir, `${t.name}.${part}.csv`); }

/** The staged files of a capture's folder, table by table in schema order, parts in order. */
export function stagedTables(dir: string): Array<[Table, string]> {
  const out: Array<[Table, string]> = [];
  for (const t of TABLES) {
    if (t.name === 'captures') continue;
    for (let part = 0; ; part++) {
      const f = stagedFile(dir, t, part);
      if (!existsSync(f)) break;
      out.push([t, f]);
    }
  }
  return out;
}

interface Part { fd: number; part: number; rows: number }

export class CsvStage {
  private readonly files = new Map<Table, Part>();
  constructor(readonly dir: string) {}

  /** Appends a batch (the captures row is not staged: it is written last, by the commit). */
  write(rows: TableRows): void {
    for (const t of TABLES) {
      const list = rows[t.name];
      if (t.name === 'captures' || !list.length) continue;
      const ty = TYPES.get(t)!;
      // A few thousand lines per write: few system calls, no string the size of a large batch.
      for (let i = 0; i < list.length;) {
        const f = this.part(t);
        const end = Math.min(list.length, i + 4096, i + PART_ROWS - f.rows);
        let text = '';
        for (let j = i; j < end; j++) text += csvLine(ty, list[j]!);
        writeSync(f.fd, text);
        f.rows += end - i;
        i = end;
      }
    }
  }

  /** The table's file with room for another row (the next part once one holds PART_ROWS). */
  private part(t: Table): Part {
    let f = this.files.get(t);
    if (f && f.rows >= PART_ROWS) { closeSync(f.fd); f = { fd: openSync(stagedFile(this.dir, t, f.part + 1), 'w'), part: f.part + 1, rows: 0 }; this.files.set(t, f); }
    if (!f) { f = { fd: openSync(stagedFile(this.dir, t, 0), 'w'), part: 0, rows: 0 }; this.files.set(t, f); }
    return f;
  }

  close(): void {
    for (const f of this.files.values()) { try { closeSync(f.fd); } catch { /* already closed */ } }
    this.files.clear();
  }
}
