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
import { bindAcross } from './datapath.js';
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


/**
 * The old-generation heap of a worker that analyzes a capture, MB: V8 collects well before it, so
 * a worker stays near its live data (about 100 MB) instead of growing to several hundred MB
 * between collections. A capture that needs more is analyzed again without the limit.
 */
export const WORKER_HEAP_MB = 192;
/** Its young generation, MB (scavenges often enough that short-lived rows and trees die young). */
export const WORKER_YOUNG_MB = 32;

/** The analysis of a capture ran out of its worker's heap limit. */
export class HeapLimitError extends Error {}

/**
 * Each capture is analyzed in a worker thread of its own (at most `jobs` at once), ended when
 * its rows are staged: its heap is given back before DuckDB loads them. Rows that go to the
 * writer instead (ClickHouse) with one job, or when the workers' code is not built (tests on the
 * sources), are made in this thread, waiting for the writer after each batch.
 */
function analyzers(jobs: number, opts: AnalyzeOptions): { run: (ident: CaptureIdentity, onRows: (rows: TableRows) => Promise<void>, stage: string | undefined, limit: boolean) => Promise<Row>; close: () => Promise<void> } {
  const url = new URL('./worker.js', import.meta.url);
  const built = existsSync(fileURLToPath(url));
  // MIPSCOPE_WORKER_HEAP_MB: another limit (a machine with more memory than cores to spare; the tests' own run past it).
  const heapMb = Number(process.env.MIPSCOPE_WORKER_HEAP_MB) > 0 ? Number(process.env.MIPSCOPE_WORKER_HEAP_MB) : WORKER_HEAP_MB;
  const inThread = async (ident: CaptureIdentity, onRows: (rows: TableRows) => Promise<void>, stage: string | undefined): Promise<Row> => {
    if (stage === undefined) return analyzeCapture(ident, opts, onRows);
    const st = new CsvStage(stage);
    try { return await analyzeCapture(ident, opts, rows => st.write(rows)); } finally { st.close(); }
  };
  let running = 0;
  const waiting: Array<() => void> = [];
  const live = new Set<Worker>();
  const slot = () => new Promise<void>(res => { if (running < jobs) { running++; res(); } else waiting.push(res); });
  const release = () => { const next = waiting.shift(); if (next) next(); else running--; };
  const inWorker = (ident: CaptureIdentity, onRows: (rows: TableRows) => Promise<void>, stage: string | undefined, limit: boolean) => new Promise<Row>((resolve, reject) => {
    const w = new Worker(url, limit ? { resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: WORKER_YOUNG_MB } } : {});
    live.add(w);
    let settled = false;
    // Settled once the worker has stopped: its heap is given back before the rows are loaded.
    const end = (f: () => void) => { if (settled) return; settled = true; live.delete(w); void w.terminate().then(f, f); };
    w.on('message', (m: WorkMessage) => {
      if (m.kind === 'rows') { void onRows(m.rows); return; }
      end(() => (m.kind === 'done' ? resolve(m.capture) : reject(new Error(m.message))));
    });
    w.on('error', e => end(() => reject((e as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY' ? new HeapLimitError(e.message) : e)));
    w.on('exit', code => end(() => reject(new Error(`the analysis stopped (worker exit code ${code})`))));
    w.postMessage({ ident, opts, ...(stage !== undefined ? { stage } : {}) } satisfies WorkRequest);
  });
  return {
    run: async (ident, onRows, stage, limit) => {
      if (!built || (jobs <= 1 && stage === undefined)) return inThread(ident, onRows, stage);
      await slot();
      try { return await inWorker(ident, onRows, stage, limit); } finally { release(); }
    },
    close: async () => { await Promise.all([...live].map(w => w.terminate())); },
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
        let writer = await store.begin(ident.id);
        let chain: Promise<void> = Promise.resolve();
        let failed: Error | null = null;
        const onRows = (rows: TableRows) => { const w = writer; chain = chain.then(() => failed ? undefined : w.append(rows)).catch(e => { failed ??= e as Error; }); return chain; };
        try {
          let capture: Row;
          try { capture = await pool.run(ident, onRows, writer.stage, true); } catch (e) {
            if (!(e instanceof HeapLimitError)) throw e;
            // Past the worker's heap limit: what it wrote is dropped, and the capture analyzed again without it.
            await chain;
            await writer.abort();
            failed = null;
            writer = await store.begin(ident.id);
            capture = await pool.run(ident, onRows, writer.stage, false);
          }
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
  // Then the data path: bindings carried on from file to file (registrations are linked first, as files are).
  await bindAcross(store);
  return report;
}
