// Bounded big-endian reader. Reading past the end throws BoundsError, which the layer that
// called the dissector catches and turns into a "Malformed Packet" expert item (as
// Wireshark's ReportedBoundsError): it never escapes the packet (DESIGN.md principle 3).

export class BoundsError extends Error {
  constructor(readonly at: number, readonly wanted: number, readonly end: number) {
    super(`needed ${wanted} byte(s) at offset ${at}, data ends at ${end}`);
  }
}

export class Cursor {
  pos: number;
  constructor(readonly buf: Uint8Array, start = 0, public end = buf.length) {
    this.pos = start;
    if (end > buf.length) this.end = buf.length;
  }
  get remaining(): number { return this.end - this.pos; }
  has(n: number): boolean { return this.pos + n <= this.end; }
  private need(n: number, at = this.pos): void {
    if (at + n > this.end || n < 0) throw new BoundsError(at, n, this.end);
  }
  /** Throws BoundsError unless n bytes remain (to read a group of fields whole or not at all). */
  ensure(n: number): void { this.need(n); }
  u8(): number { this.need(1); return this.buf[this.pos++]!; }
  u16(): number { this.need(2); const b = this.buf, p = this.pos; this.pos += 2; return (b[p]! << 8) | b[p + 1]!; }
  u32(): number { this.need(4); const v = readU32(this.buf, this.pos); this.pos += 4; return v; }
  u64(): bigint { this.need(8); const hi = readU32(this.buf, this.pos), lo = readU32(this.buf, this.pos + 4); this.pos += 8; return (BigInt(hi) << 32n) | BigInt(lo); }
  bytes(n: number): Uint8Array { this.need(n); const v = this.buf.subarray(this.pos, this.pos + n); this.pos += n; return v; }
  skip(n: number): void { this.need(n); this.pos += n; }
  peekU8(at = this.pos): number { this.need(1, at); return this.buf[at]!; }
  peekU16(at = this.pos): number { this.need(2, at); return (this.buf[at]! << 8) | this.buf[at + 1]!; }
  /** A sub-cursor over the next n bytes (bounded by this one's end). */
  sub(n: number): Cursor { this.need(n); const c = new Cursor(this.buf, this.pos, this.pos + n); this.pos += n; return c; }
}

export function readU32(b: Uint8Array, p: number): number {
  return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
}
export function readU16(b: Uint8Array, p: number): number { return (b[p]! << 8) | b[p + 1]!; }
