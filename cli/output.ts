// Buffered standard output: packets are encoded straight into a large byte buffer that is
// written when full (or after every packet with -l). Encoding each packet's text into the
// buffer avoids joining the strings of thousands of packets, which costs more than rendering.

const CHUNK = 1 << 20;

export class Output {
  private buf = Buffer.allocUnsafe(CHUNK);
  private pos = 0;
  private closed = false;
  constructor(private readonly lineBuffered = false) {
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      // A reader that went away (`| head`) ends the output quietly, as tshark does.
      if (e.code === 'EPIPE') { this.closed = true; process.exit(0); }
      throw e;
    });
  }
  write(s: string): void {
    if (this.closed || s.length === 0) return;
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    if (this.pos + s.length * 3 > this.buf.length) {
      this.flush();
      if (s.length * 3 > this.buf.length) { process.stdout.write(s); return; }
    }
    this.pos += this.buf.write(s, this.pos);
    if (this.lineBuffered) this.flush();
  }
  flush(): void {
    if (this.pos === 0) return;
    // stdout may write asynchronously (pipes): it keeps this buffer, the next chunk gets a new one.
    process.stdout.write(this.buf.subarray(0, this.pos));
    this.buf = Buffer.allocUnsafe(CHUNK);
    this.pos = 0;
  }
}
