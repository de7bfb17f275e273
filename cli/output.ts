// Buffered standard output: packets are encoded straight into a large byte buffer that is
// written when full (or after every packet with -l). Encoding each packet's text into the
// buffer avoids joining the strings of thousands of packets, which costs more than rendering.
//
// Back-pressure: a pipe takes writes asynchronously, and a reader slower than the dissector
// (`| less`, `| gzip`) would let written-but-unsent chunks pile up in memory. After a write
// that stdout could not take at once, `blocked` is true until stdout drains; the reading loop
// awaits `drained()` before dissecting more, so at most a few chunks are ever in flight.

/** Bytes of one chunk (the most `room` can give). */
export const CHUNK = 1 << 20;
/** Chunks kept for reuse once stdout has written them (a pipe takes them asynchronously). */
const POOL = 4;

export interface OutputStream {
  /** `done` runs once the chunk has been handed to the system (or failed). */
  write(chunk: Uint8Array | string, done?: (e?: Error | null) => void): boolean;
  /** Bytes written but not yet handed to the system (0: nothing of the last chunk is held). */
  readonly writableLength?: number;
  once(event: 'drain', listener: () => void): unknown;
  on(event: 'error', listener: (e: NodeJS.ErrnoException) => void): unknown;
}

/** A chunk buffer and the number of its writes stdout has not finished. */
interface Chunk { buf: Buffer; pending: number }

export class Output {
  private chunk: Chunk = { buf: Buffer.allocUnsafe(CHUNK), pending: 0 };
  private buf = this.chunk.buf;
  private readonly pool: Chunk[] = [];
  private pos = 0;
  private closed = false;
  private waiting: Promise<void> | null = null;
  constructor(private readonly lineBuffered = false, private readonly stream: OutputStream = process.stdout) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      // A reader that went away (`| head`) ends the output quietly, as tshark does.
      if (e.code === 'EPIPE') { this.closed = true; process.exit(0); }
      throw e;
    });
  }

  /** True while stdout holds more than it could take: await drained() before writing on. */
  get blocked(): boolean { return this.waiting !== null; }

  /** Resolves once stdout has taken what was handed to it. */
  drained(): Promise<void> { return this.waiting ?? Promise.resolve(); }

  write(s: string): void {
    if (this.closed || s.length === 0) return;
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    if (this.pos + s.length * 3 > this.buf.length) {
      this.flush();
      if (s.length * 3 > this.buf.length) { this.send(s); return; }
    }
    this.pos += this.buf.write(s, this.pos);
    if (this.lineBuffered) this.flush();
  }

  /**
   * For writing bytes straight into the buffer: makes room for `n` bytes (at most a chunk) and
   * returns the buffer, to be written from `at` on; `commit(end)` then takes what was written.
   */
  room(n: number): Buffer {
    if (this.pos + n > this.buf.length) this.flush();
    return this.buf;
  }

  get at(): number { return this.pos; }

  commit(end: number): void {
    if (this.closed) return;
    this.pos = end;
    if (this.lineBuffered) this.flush();
  }

  flush(): void {
    if (this.pos === 0) return;
    // stdout may write asynchronously (pipes): it keeps this buffer, the next chunk gets another,
    // and this one goes back to a small pool once written. A chunk that stdout took at once (a
    // file, /dev/null) is reused: fresh megabytes per chunk are garbage that only a full
    // collection frees.
    const c = this.chunk;
    c.pending++;
    const took = this.send(c.buf.subarray(0, this.pos), () => {
      c.pending--;
      if (c.pending === 0 && c !== this.chunk && this.pool.length < POOL) this.pool.push(c);
    });
    this.pos = 0;
    if (took && this.stream.writableLength === 0) return;
    this.chunk = this.pool.pop() ?? { buf: Buffer.allocUnsafe(CHUNK), pending: 0 };
    this.buf = this.chunk.buf;
  }

  /** Hands a chunk to stdout; true when it was taken without waiting. */
  private send(chunk: Uint8Array | string, done?: () => void): boolean {
    if (this.stream.write(chunk, done)) return true;
    if (this.waiting) return false;
    this.waiting = new Promise(resolve => this.stream.once('drain', () => { this.waiting = null; resolve(); }));
    return false;
  }
}
