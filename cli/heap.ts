// How far V8 lets the heap grow past the live data before a full collection. By default the old
// generation may grow to about four times the live data between mark-compacts, so a streaming
// run's peak memory is several times what it keeps: `-V` over 200,000 registrations kept about
// 28 MB and peaked at 226-246 MB. A growing factor of 2 (--heap-growing-percent=100) brought
// `-V`, json and ek down by 40-50 MB, for 0-5 % more CPU time.
// `check` is left to V8's default: it keeps more (the findings, the rules' notes per open
// transaction, the keys it follows), so each full collection costs more. On the busy KX sample
// ×310 a factor of 2 took it from 18.8 to 21.7 CPU seconds (below 50,000 packets per second)
// for 176 -> 146 MB, a factor of 3 to 20.0 s and 163 MB.
// V8 reads the flag at each collection, so setting it at start-up takes effect; a user's own
// --heap-growing-percent (on the command line or in NODE_OPTIONS) is left as it is.
import { setFlagsFromString } from 'node:v8';

export const HEAP_GROWING_PERCENT = 100;

/** The commands left to V8's default growth (see above). */
const UNBOUNDED_COMMANDS: ReadonlySet<string> = new Set(['check']);

/** The V8 flag to set for a command line, or null when the user chose a growing factor already or the command is left to V8. */
export function heapGrowthFlag(execArgv: readonly string[], nodeOptions: string | undefined, args: readonly string[] = []): string | null {
  const chosen = (a: string) => /^--heap[-_]growing[-_]percent(=|$)/.test(a);
  if (execArgv.some(chosen) || (nodeOptions ?? '').split(/\s+/).some(chosen)) return null;
  if (args[0] !== undefined && UNBOUNDED_COMMANDS.has(args[0])) return null;
  return `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;
}

export function boundHeapGrowth(args: readonly string[]): void {
  const flag = heapGrowthFlag(process.execArgv, process.env['NODE_OPTIONS'], args);
  if (flag) setFlagsFromString(flag);
}
