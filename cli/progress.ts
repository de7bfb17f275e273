// A progress line for long reads: packets, rate and ETA on stderr, redrawn in place, only when
// stderr is a terminal (nothing at all otherwise, so pipes and logs stay clean). Shared by the
// main command (-2's first pass, long reads), `check` and anything else that reads a capture.
import type { ReadOptions } from '../capture/frame.js';

/** Redraw at most this often. */
const INTERVAL_MS = 250;
/** The clock is read once per this many packets (cheap enough at a million packets/s). */
const STRIDE = 1024;

export interface ProgressStream { isTTY?: boolean; columns?: number; write(s: string): unknown }

export class Progress {
  readonly enabled: boolean;
  private packets = 0;
  private bytesRead = 0;
  private totalBytes = -1;
  private readonly start = Date.now();
  private last = 0;
  private shown = false;

  constructor(private readonly label: string, private readonly stream: ProgressStream = process.stderr, enabled = stream.isTTY === true) {
    this.enabled = enabled;
  }

  /** Read options that report the reader's position, for the ETA (merged into the caller's). */
  readOptions(opts: ReadOptions = {}): ReadOptions {
    if (!this.enabled) return opts;
    return { ...opts, onRead: (read, total) => { this.bytesRead = read; this.totalBytes = total; } };
  }

  /** Counts one packet; redraws the line now and then. */
  tick(): void {
    if (!this.enabled || ++this.packets % STRIDE !== 0) return;
    const now = Date.now();
    if (now - this.last < INTERVAL_MS) return;
    this.last = now;
    this.draw(now);
  }

  private draw(now: number): void {
    const secs = (now - this.start) / 1000;
    const rate = secs > 0 ? this.packets / secs : 0;
    let s = `${this.label}: ${this.packets.toLocaleString('en-US')} packets, ${Math.round(rate).toLocaleString('en-US')} packets/s`;
    if (this.totalBytes > 0 && this.bytesRead > 0) {
      const done = Math.min(1, this.bytesRead / this.totalBytes);
      const eta = done > 0 ? secs * (1 - done) / done : 0;
      s += `, ${(done * 100).toFixed(0)}%, ETA ${formatDuration(eta)}`;
    }
    const width = this.stream.columns || 80;
    if (s.length >= width) s = s.slice(0, Math.max(0, width - 1));
    this.stream.write(`\r${s}\x1b[K`);
    this.shown = true;
  }

  /** Clears the line (call before printing anything else to stderr, and at the end). */
  done(): void {
    if (this.shown) this.stream.write('\r\x1b[K');
    this.shown = false;
  }
}

/** "1:05:09", "4:07", "0:03". */
export function formatDuration(seconds: number): string {
  const t = Math.max(0, Math.round(seconds));
  const h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), s = t % 60;
  const ss = String(s).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
