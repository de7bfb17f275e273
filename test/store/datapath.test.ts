// Bindings across files (store/datapath.ts): the data-path log of a capture replayed alone gives
// the bindings rows its own analysis gives, and the logs of its pieces (editcap -c) replayed in
// order, with the state carried between them as the store keeps it (JSON), give the rows of the
// unsplit capture — over every sample capture, with and without its keys.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaptureFileError } from '../../capture/frame.js';
import { analyzeCapture, identify } from '../../store/analyze.js';
import { Replay } from '../../store/datapath.js';
import type { Row } from '../../store/schema.js';
import { ROOT } from '../helpers.js';

const CAPTURES = join(ROOT, 'samples', 'captures');
const SAMPLES = readdirSync(CAPTURES).filter(f => f.endsWith('.pcapng')).sort();

interface Analyzed { id: bigint; first: number; frames: number; bindings: Row[]; events: string[] }

async function analyze(file: string, keys: string | undefined): Promise<Analyzed> {
  const ident = identify(file);
  const bindings: Row[] = [], events: string[] = [];
  const capture = await analyzeCapture(ident, keys ? { keys } : {}, rows => {
    bindings.push(...rows.bindings);
    for (const r of rows.data_path) events.push(r[4] as string);
  });
  return { id: ident.id, first: capture[6] as number, frames: Number(capture[5]), bindings, events };
}

/** Rows with (capture, frame) and (request capture, request frame) as frame numbers of the unsplit capture. */
function global(rows: readonly Row[], offsets: ReadonlyMap<bigint, number>): string[] {
  return rows.map(r => JSON.stringify([offsets.get(r[0] as bigint)! + (r[1] as number), offsets.get(r[2] as bigint)! + (r[3] as number), ...r.slice(4)])).sort();
}

describe('bindings across files', () => {
  for (const name of SAMPLES) {
    const file = join(CAPTURES, name), keysFile = join(CAPTURES, name.replace(/\.pcapng$/, '.keys.json'));
    for (const keys of existsSync(keysFile) ? [keysFile, undefined] : [undefined]) {
      it(`${name}${keys ? ' with keys' : ''}: replayed alone and in pieces, the rows of the capture`, async () => {
        const read = await analyze(file, keys).catch((e: unknown) => e);
        // A damaged file is not indexed (and has no log).
        if (read instanceof CaptureFileError) return;
        const whole = read as Analyzed;
        const own = new Map([[whole.id, 0]]);
        const alone = new Replay(null);
        alone.capture(whole.id, whole.first, whole.events);
        expect(global(alone.rows(), own)).toEqual(global(whole.bindings, own));
        for (const size of [7, 60]) {
          if (whole.frames <= size) continue;
          const dir = join(mkdtempSync(join(tmpdir(), 'mipscope-pieces-')), 'p');
          mkdirSync(dir);
          expect(spawnSync('editcap', ['-c', String(size), file, join(dir, 'piece.pcapng')]).status).toBe(0);
          const pieces = await Promise.all(readdirSync(dir).sort().map(p => analyze(join(dir, p), keys)));
          const offsets = new Map<bigint, number>();
          let n = 0;
          for (const p of pieces) { offsets.set(p.id, n); n += p.frames; }
          // File by file: each replay starts from the state the previous one left, as stored.
          const rows = new Map<string, Row>();
          let state: string | null = null;
          for (const p of pieces) {
            const r: Replay = new Replay(state === null ? null : JSON.parse(state));
            r.capture(p.id, p.first, p.events);
            for (const row of r.rows()) rows.set(`${row[0]}:${row[1]}`, row);
            state = JSON.stringify(r.state());
          }
          expect(global([...rows.values()], offsets), `pieces of ${size} frames`).toEqual(global(whole.bindings, own));
        }
      }, 60_000);
    }
  }
});
