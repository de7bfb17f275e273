// Worker thread: analyzes one capture at a time and posts its rows back in batches.
import { parentPort } from 'node:worker_threads';
import { analyzeCapture } from './analyze.js';
import type { AnalyzeOptions, CaptureIdentity } from './analyze.js';
import { CsvStage } from './stage.js';

/** With `stage`, the rows are written to that folder here (store/stage.ts) and only the captures row comes back. */
export interface WorkRequest { ident: CaptureIdentity; opts: AnalyzeOptions; stage?: string }
export type WorkMessage = { kind: 'rows'; rows: import('./schema.js').TableRows } | { kind: 'done'; capture: import('./schema.js').Row } | { kind: 'error'; message: string };

parentPort?.on('message', async (w: WorkRequest) => {
  const stage = w.stage !== undefined ? new CsvStage(w.stage) : null;
  try {
    const capture = await analyzeCapture(w.ident, w.opts, stage ? rows => stage.write(rows) : rows => parentPort!.postMessage({ kind: 'rows', rows } satisfies WorkMessage));
    stage?.close();
    parentPort!.postMessage({ kind: 'done', capture } satisfies WorkMessage);
  } catch (e) {
    stage?.close();
    parentPort!.postMessage({ kind: 'error', message: (e as Error).message } satisfies WorkMessage);
  }
});
