// Growable typed columns: per-frame (or per-message) state kept as flat numbers instead of one
// object per item, so that a long capture costs a few bytes per frame and nothing for the GC to trace.

export type Column = Float64Array | Int32Array | Uint32Array | Uint16Array | Uint8Array;

/** A typed column grown (doubling) to hold index `no`. */
export function grown<T extends Column>(a: T, no: number): T {
  let n = a.length;
  if (no < n) return a;
  while (n <= no) n *= 2;
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

/** The first index in [0, count) whose value in a nondecreasing column is ≥ `v`. */
export function lowerBound(a: Column, count: number, v: number): number {
  let lo = 0, hi = count;
  while (lo < hi) { const m = (lo + hi) >> 1; if (a[m]! < v) lo = m + 1; else hi = m; }
  return lo;
}
