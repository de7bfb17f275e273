/**
 * Wall-clock timestamps with nanosecond resolution for live capture.
 *
 * cap's 'packet' event carries no timestamp (libpcap's pcap_pkthdr.ts is not passed on), so a
 * packet is stamped when it is delivered to JavaScript. Date.now() only has milliseconds, and
 * process.hrtime is monotonic but not anchored to the epoch; so the clock is anchored once —
 * at the instant Date.now() ticks to a new millisecond, which pins the anchor to within a
 * few microseconds instead of up to 1 ms — and every timestamp is the anchor plus the
 * hrtime elapsed since. Consequences, documented for users:
 *  - a timestamp is the delivery time: later than the kernel's by the event loop's latency
 *    (microseconds when idle, more while the process is busy), and packets delivered in one
 *    batch get close, increasing times;
 *  - steps of the system clock during a capture (settimeofday, NTP step) are not followed;
 *    slewing is, since CLOCK_MONOTONIC is slewed too.
 */
export interface Timestamp {
  tsSec: number;
  tsNsec: number;
}

export class WallClock {
  private readonly epochSec: number;
  private readonly epochNsec: number;
  private readonly hrSec: number;
  private readonly hrNsec: number;

  constructor() {
    const start = Date.now();
    let now = start;
    let hr = process.hrtime();
    // Spin (at most 1 ms) until the millisecond changes: then Date.now() is exact to the tick.
    while (now === start) {
      hr = process.hrtime();
      now = Date.now();
    }
    this.epochSec = Math.floor(now / 1000);
    this.epochNsec = (now % 1000) * 1e6;
    this.hrSec = hr[0];
    this.hrNsec = hr[1];
  }

  /** Now, as seconds and nanoseconds since the epoch. */
  now(): Timestamp {
    const hr = process.hrtime();
    let sec = this.epochSec + (hr[0] - this.hrSec);
    let nsec = this.epochNsec + (hr[1] - this.hrNsec);
    while (nsec >= 1e9) { nsec -= 1e9; sec++; }
    while (nsec < 0) { nsec += 1e9; sec--; }
    return { tsSec: sec, tsNsec: nsec };
  }
}
