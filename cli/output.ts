// Buffered standard output: packets are written in large chunks (or at once with -l).

export class Output {
  private parts: string[] = [];
  private size = 0;
  private closed = false;
  constructor(private readonly lineBuffered = false, private readonly limit = 1 << 16) {
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      // A reader that went away (`| head`) ends the output quietly, as tshark does.
      if (e.code === 'EPIPE') { this.closed = true; process.exit(0); }
      throw e;
    });
  }
  write(s: string): void {
    if (this.closed) return;
    this.parts.push(s);
    this.size += s.length;
    if (this.lineBuffered || this.size >= this.limit) this.flush();
  }
  flush(): void {
    if (!this.parts.length) return;
    process.stdout.write(this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
}
