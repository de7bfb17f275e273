// Seeded randomness for the agents: every key, IV/nonce, DH exponent, SPI and identification's low
// bits comes from here, so a simulation run twice gives the same bytes. SHA-256 in counter mode
// over a 32-byte seed; `fork` derives an independent stream from the seed alone (not from what
// was drawn), so adding an agent or a draw in one agent leaves every other stream unchanged.
import { sha256 } from '@noble/hashes/sha2.js';

const utf8 = new TextEncoder();

export class Rng {
  private counter = 0;
  private block = new Uint8Array(0);
  private pos = 0;

  constructor(private readonly seed: Uint8Array) {}

  static fromLabel(label: string): Rng {
    return new Rng(sha256(utf8.encode(label)));
  }

  /** An independent stream named `label`. */
  fork(label: string): Rng {
    const l = utf8.encode('/' + label);
    const buf = new Uint8Array(this.seed.length + l.length);
    buf.set(this.seed, 0); buf.set(l, this.seed.length);
    return new Rng(sha256(buf));
  }

  private refill(): void {
    const buf = new Uint8Array(this.seed.length + 8);
    buf.set(this.seed, 0);
    new DataView(buf.buffer).setBigUint64(this.seed.length, BigInt(this.counter++));
    this.block = sha256(buf);
    this.pos = 0;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (this.pos >= this.block.length) this.refill();
      out[i] = this.block[this.pos++]!;
    }
    return out;
  }

  u32(): number {
    const b = this.bytes(4);
    return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    if (n <= 0 || n > 0x100000000) throw new RangeError(`bad range ${n}`);
    const limit = Math.floor(0x100000000 / n) * n;
    for (;;) { const v = this.u32(); if (v < limit) return v % n; }
  }

  /** A uniform integer in [lo, hi]. */
  between(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** A random integer of exactly `bits` bits (top bit set). */
  bigint(bits: number): bigint {
    const b = this.bytes(Math.ceil(bits / 8));
    let v = 0n;
    for (const x of b) v = (v << 8n) | BigInt(x);
    v &= (1n << BigInt(bits)) - 1n;
    return v | (1n << BigInt(bits - 1));
  }
}
