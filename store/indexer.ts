// `index`: many captures into one store. Files are identified by content hash (already indexed
// → skipped), ordered by their first timestamp, analyzed in worker threads, written one
// transaction per capture, then linked across files.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { analyzeCapture, identify } from './analyze.js';
import type { AnalyzeOptions, CaptureIdentity } from './analyze.js';
import type { Backend } from './backend.js';
import { linkAcross } from './link.js';
import type { Row, TableRows } from './schema.js';
import type { WorkMessage, WorkRequest } from './worker.js';
import { CsvStage } from './stage.js';

export interface IndexOptions extends AnalyzeOptions {
  jobs: number;
  /** One line per problem file (the rest are indexed). */
  onProblem: (line: string) => void;
}

export interface IndexReport { indexed: number; skipped: number; failed: number; packets: number; linked: number }

/** Files named, and the files under directories named (recursively, in name order). */
export function expandInputs(inputs: readonly string[], onProblem: (line: string) => void): string[] {
  const out: string[] = [];
  const walk = (p: string, top: boolean) => {
    let st;
    try { st = statSync(p); } catch (e) { if (top) onProblem(`${p}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`); return; }
    if (st.isDirectory()) { for (const n of readdirSync(p).sort()) walk(join(p, n), false); return; }
    if (st.isFile()) out.push(p);
  };
  for (const p of inputs) walk(p, true);
  return out;
}

/** Analyzes a capture: rows staged in `stage` when the back end gives a folder, else handed to onRows. */
type Analyzer = (ident: CaptureIdentity, onRows: (rows: TableRows) => Promise<void>, stage: string | undefined) => Promise<Row>;

/**
 * A pool of worker threads; with one job (or when the workers' code is not built: tests on the
 * sources) analysis runs in this thread, waiting for the writer after each batch: one heap, and
 * memory bounded by a batch.
 */
function analyzers(jobs: number, opts: AnalyzeOptions): { run: Analyzer; close: () => Promise<void>; inThread: boolean } {
  const url = new URL('./worker.js', import.meta.url);
  if (jobs <= 1 || !existsSync(fileURLToPath(url))) {
    return {
      run: async (ident, onRows, stage) => {
        if (stage === undefined) return analyzeCapture(ident, opts, onRows);
        const st = new CsvStage(stage);
        try { return await analyzeCapture(ident, opts, rows => st.write(rows)); } finally { st.close(); }
      },
      close: async () => {}, inThread: true,
    };
  }
  const idle: Worker[] = [], all: Worker[] = [];
  const waiting: Array<(w: Worker) => void> = [];
  const get = () => new Promise<Worker>(res => {
    const w = idle.pop();
    if (w) res(w);
    else if (all.length < jobs) { const n = new Worker(url); all.push(n); res(n); }
    else waiting.push(res);
  });
  const put = (w: Worker) => { const next = waiting.shift(); if (next) next(w); else idle.push(w); };
  return {
    run: async (ident, onRows, stage) => {
      const w = await get();
      try {
        return await new Promise<Row>((resolve, reject) => {
          const onMessage = (m: WorkMessage) => {
            if (m.kind === 'rows') { onRows(m.rows); return; }
            w.off('message', onMessage); w.off('error', onError);
            if (m.kind === 'done') resolve(m.capture); else reject(new Error(m.message));
          };
          const onError = (e: Error) => { w.off('message', onMessage); reject(e); };
          w.on('message', onMessage); w.once('error', onError);
          w.postMessage({ ident, opts, ...(stage !== undefined ? { stage } : {}) } satisfies WorkRequest);
        });
      } finally { put(w); }
    },
    close: async () => { await Promise.all(all.map(w => w.terminate())); },
    inThread: false,
  };
}

export async function indexFiles(inputs: readonly string[], store: Backend, opts: IndexOptions): Promise<IndexReport> {
  const report: IndexReport = { indexed: 0, skipped: 0, failed: 0, packets: 0, linked: 0 };
  const problem = (line: string) => { report.failed++; opts.onProblem(line); };
  const seen = new Set<string>();
  const files: CaptureIdentity[] = [];
  for (const p of expandInputs(inputs, problem)) {
    let ident;
    try { ident = identify(p); } catch (e) { problem(`${p}: ${(e as Error).message}`); continue; }
    if (seen.has(ident.hash)) { report.skipped++; continue; }
    seen.add(ident.hash);
    files.push(ident);
  }
  // A ring buffer's files in the order they were written: by first timestamp, not by name.
  files.sort((a, b) => (a.firstTime ?? Infinity) - (b.firstTime ?? Infinity));
  const todo: CaptureIdentity[] = [];
  for (const f of files) if (await store.has(f.id)) report.skipped++; else todo.push(f);
  let first = Infinity, last = -Infinity;
  const pool = analyzers(Math.max(1, opts.jobs), { ...(opts.keys !== undefined ? { keys: opts.keys } : {}), ...(opts.prefs ? { prefs: opts.prefs } : {}) });
  try {
    let next = 0;
    const lane = async () => {
      while (next < todo.length) {
        const ident = todo[next++]!;
        const writer = await store.begin(ident.id);
        let chain: Promise<void> = Promise.resolve();
        let failed: Error | null = null;
        const onRows = (rows: TableRows) => { chain = chain.then(() => failed ? undefined : writer.append(rows)).catch(e => { failed ??= e as Error; }); return chain; };
        try {
          const capture = await pool.run(ident, onRows, writer.stage);
          await chain;
          if (failed) throw failed;
          await writer.commit(capture);
          report.indexed++;
          report.packets += Number(capture[5]);
          if (capture[6] !== null) first = Math.min(first, capture[6] as number);
          if (capture[7] !== null) last = Math.max(last, capture[7] as number);
        } catch (e) {
          await chain;
          await writer.abort().catch(() => {});
          problem(`${ident.path}: ${(e as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(Math.max(1, opts.jobs), Math.max(1, todo.length)) }, lane));
  } finally { await pool.close(); }
  // Linking runs over every capture named, new or not: a run killed after its last commit links next time.
  const span = await store.timeSpan(files.map(f => f.id));
  if (span) { first = Math.min(first, span.first); last = Math.max(last, span.last); }
  if (first <= last) report.linked = await linkAcross(store, first, last);
  return report;
}
