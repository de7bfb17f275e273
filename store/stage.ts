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

/** The staged file of a table in a capture's folder. */
export function stagedFile(dir: string, t: Table): string { return join(dir, `${t.name}.csv`); }

/** The tables that have rows staged in the folder, with their files. */
export function stagedTables(dir: string): Array<[Table, string]> {
  return TABLES.filter(t => t.name !== 'captures').map(t => [t, stagedFile(dir, t)] as [Table, string]).filter(([, f]) => existsSync(f));
}

export class CsvStage {
  private readonly fds = new Map<Table, number>();
  constructor(readonly dir: string) {}

  /** Appends a batch (the captures row is not staged: it is written last, by the commit). */
  write(rows: TableRows): void {
    for (const t of TABLES) {
      const list = rows[t.name];
      if (t.name === 'captures' || !list.length) continue;
      let fd = this.fds.get(t);
      if (fd === undefined) { fd = openSync(stagedFile(this.dir, t), 'w'); this.fds.set(t, fd); }
      const ty = TYPES.get(t)!;
      // A few thousand lines per write: few system calls, no string the size of a large batch.
      for (let i = 0; i < list.length; i += 4096) {
        let text = '';
        for (let j = i, end = Math.min(list.length, i + 4096); j < end; j++) text += csvLine(ty, list[j]!);
        writeSync(fd, text);
      }
    }
  }

  close(): void {
    for (const fd of this.fds.values()) { try { closeSync(fd); } catch { /* already closed */ } }
    this.fds.clear();
  }
}
