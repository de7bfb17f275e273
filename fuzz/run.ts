// The fuzz loop: targets in turn, each input from a seeded generator, until a count or a time
// is reached; memory is sampled to show it stays bounded over a long run.
import { Rng } from './mutate.js';
import { Defect, TARGETS } from './targets.js';
import type { Target } from './targets.js';

export interface FuzzOptions {
  seed: number;
  /** Stop after this many inputs per target… */
  perTarget?: number;
  /** …or after this long. */
  milliseconds?: number;
  targets?: readonly Target[];
  /** Called for each defect; the run goes on with the next input. */
  onDefect?: (d: Defect, inputSeed: number) => void;
  /** Heap growth (bytes) allowed from the first sample to the last. */
  heapGrowthLimit?: number;
}

export interface FuzzResult {
  inputs: Record<string, number>;
  defects: Array<{ target: string; message: string; inputSeed: number; input: Uint8Array | string }>;
  heapStartMb: number;
  heapEndMb: number;
}

export function runFuzz(o: FuzzOptions): FuzzResult {
  const targets = o.targets ?? TARGETS;
  const inputs: Record<string, number> = Object.fromEntries(targets.map(t => [t.name, 0]));
  const defects: FuzzResult['defects'] = [];
  const deadline = o.milliseconds ? Date.now() + o.milliseconds : Infinity;
  const master = new Rng(o.seed);
  const gc = (globalThis as { gc?: () => void }).gc;
  const heap = () => { gc?.(); return process.memoryUsage().heapUsed; };
  let heapStart = 0;
  for (let round = 0; ; round++) {
    if (o.perTarget !== undefined && round >= o.perTarget) break;
    if (Date.now() > deadline) break;
    if (round === 20) heapStart = heap(); // after the seeds and caches are loaded
    for (const t of targets) {
      const inputSeed = master.int(2 ** 31);
      try {
        t.one(new Rng(inputSeed));
      } catch (e) {
        const d = e instanceof Defect ? e : new Defect(t.name, `the harness itself threw: ${(e as Error).stack}`, new Uint8Array());
        defects.push({ target: t.name, message: d.message, inputSeed, input: d.input });
        o.onDefect?.(d, inputSeed);
      }
      inputs[t.name]!++;
    }
  }
  const heapEnd = heap();
  if (heapStart === 0) heapStart = heapEnd;
  const growth = heapEnd - heapStart;
  if (o.heapGrowthLimit !== undefined && growth > o.heapGrowthLimit) {
    defects.push({ target: 'memory', message: `memory: the heap grew by ${(growth / 1e6).toFixed(0)} MB over the run`, inputSeed: o.seed, input: new Uint8Array() });
  }
  return { inputs, defects, heapStartMb: heapStart / 1e6, heapEndMb: heapEnd / 1e6 };
}
