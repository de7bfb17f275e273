// The mutation fuzzer: seeded, deterministic byte mutations of a valid input.

/** A seeded random source (Mulberry32). */
export class Rng {
  private a: number;
  constructor(seed: number) { this.a = seed >>> 0; }
  next(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number { return Math.floor(this.next() * n); }
  bytes(n: number): Uint8Array { return Uint8Array.from({ length: n }, () => this.int(256)); }
}

const INTERESTING = [0, 1, 2, 3, 4, 7, 8, 0x10, 0x20, 0x3f, 0x40, 0x7f, 0x80, 0xfe, 0xff];
const INTERESTING16 = [0, 1, 8, 0x7f, 0x80, 0xff, 0x100, 0x5b4, 0x7fff, 0x8000, 0xfffe, 0xffff];

/**
 * 1–4 mutations of `base`: bit flips, interesting bytes, length fields inflated or zeroed,
 * truncation, slices repeated or deleted, and splices from `other` (another valid input).
 */
export function mutate(rng: Rng, base: Uint8Array, other: Uint8Array): Uint8Array {
  let b = Uint8Array.from(base);
  for (let k = 1 + rng.int(4); k > 0; k--) {
    if (b.length === 0) { b = Uint8Array.from(other.subarray(0, 1 + rng.int(Math.max(1, other.length)))); continue; }
    const at = rng.int(b.length);
    switch (rng.int(9)) {
      case 0: b[at] = b[at]! ^ (1 << rng.int(8)); break;
      case 1: b[at] = INTERESTING[rng.int(INTERESTING.length)]!; break;
      case 2: if (at + 1 < b.length) { const v = INTERESTING16[rng.int(INTERESTING16.length)]!; b[at] = v >> 8; b[at + 1] = v & 255; } break;
      case 3: b = b.slice(0, at); break;
      case 4: { // repeat a slice (spliced and repeated extensions)
        const len = 1 + rng.int(Math.min(64, b.length - at));
        const times = 1 + rng.int(8);
        const out = new Uint8Array(b.length + len * times);
        out.set(b.subarray(0, at + len), 0);
        for (let i = 1; i <= times; i++) out.set(b.subarray(at, at + len), at + len * i);
        out.set(b.subarray(at + len), at + len * (times + 1));
        b = out.subarray(0, Math.min(out.length, 65535));
        break;
      }
      case 5: { const len = 1 + rng.int(Math.min(32, b.length - at)); b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + len)]); break; }
      case 6: { // splice from another input
        const from = rng.int(Math.max(1, other.length)), len = rng.int(Math.min(64, other.length - from + 1));
        b = Uint8Array.from([...b.subarray(0, at), ...other.subarray(from, from + len), ...b.subarray(at)]);
        break;
      }
      case 7: b[at] = rng.int(256); break;
      default: for (let i = at; i < Math.min(b.length, at + 1 + rng.int(8)); i++) b[i] = rng.int(256);
    }
  }
  return b;
}
