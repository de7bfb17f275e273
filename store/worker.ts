// Worker thread: analyzes one capture at a time and posts its rows back in batches.
import { parentPort } from 'node:worker_threads';
import { analyzeCapture } from './analyze.js';
import type { AnalyzeOptions, CaptureIdentity } from './analyze.js';

export interface WorkRequest { ident: CaptureIdentity; opts: AnalyzeOptions }
export type WorkMessage = { kind: 'rows'; rows: import('./schema.js').TableRows } | { kind: 'done'; capture: import('./schema.js').Row } | { kind: 'error'; message: string };

parentPort?.on('message', async (w: WorkRequest) => {
  try {
    const capture = await analyzeCapture(w.ident, w.opts, rows => parentPort!.postMessage({ kind: 'rows', rows } satisfies WorkMessage));
    parentPort!.postMessage({ kind: 'done', capture } satisfies WorkMessage);
  } catch (e) {
    parentPort!.postMessage({ kind: 'error', message: (e as Error).message } satisfies WorkMessage);
  }
});
