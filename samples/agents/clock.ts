// Time for the agents. In-process runs use a virtual clock driven by an event queue (whole
// microseconds, so timestamps are exact and runs are repeatable); live runs use the wall clock,
// optionally sped up so that a flow with lifetimes of minutes fits into a few seconds.

export interface Timer { cancelled: boolean }

export interface Clock {
  /** Milliseconds since the Unix epoch (what identifications and lifetimes are measured in). */
  now(): number;
  /** Runs `fn` after `delayMs` of this clock's time. */
  setTimer(delayMs: number, fn: () => void): Timer;
  cancel(t: Timer | undefined): void;
  /**
   * A protocol interval (a retransmission wait, a replay window) in this clock's ms, never
   * shorter than `floorRealMs` of wall time: sped up, 1.5 s of flow time is 15 ms, less than a
   * cold start of the agents takes on loopback.
   */
  atLeastReal(ms: number, floorRealMs: number): number;
}

interface Event { at: number; seq: number; fn: () => void; timer: Timer }

/** A binary heap of events ordered by time, then by insertion (ties keep their order). */
class EventHeap {
  private items: Event[] = [];
  get size(): number { return this.items.length; }
  push(e: Event): void {
    const a = this.items;
    a.push(e);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }
  pop(): Event | undefined {
    const a = this.items;
    if (!a.length) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < a.length && before(a[l]!, a[m]!)) m = l;
        if (r < a.length && before(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
  peek(): Event | undefined { return this.items[0]; }
}
const before = (a: Event, b: Event) => a.at < b.at || (a.at === b.at && a.seq < b.seq);

/** The virtual clock of in-process runs: time advances only by running events. */
export class VirtualClock implements Clock {
  private readonly heap = new EventHeap();
  private seq = 0;
  /** Microseconds since the start. */
  private us = 0;

  constructor(readonly epochMs: number) {}

  now(): number { return this.epochMs + this.us / 1000; }
  /** Microseconds since the start of the run. */
  elapsedUs(): number { return this.us; }

  setTimer(delayMs: number, fn: () => void): Timer {
    return this.atUs(this.us + Math.max(0, Math.round(delayMs * 1000)), fn);
  }

  /** Schedules at an absolute time in microseconds since the start. */
  atUs(us: number, fn: () => void): Timer {
    const timer: Timer = { cancelled: false };
    this.heap.push({ at: Math.max(us, this.us), seq: this.seq++, fn, timer });
    return timer;
  }

  cancel(t: Timer | undefined): void { if (t) t.cancelled = true; }

  atLeastReal(ms: number): number { return ms; }

  /** Runs events until none is left before `untilUs` (or the queue is empty). */
  run(untilUs: number): void {
    for (;;) {
      const e = this.heap.peek();
      if (!e || e.at > untilUs) break;
      this.heap.pop();
      if (e.timer.cancelled) continue;
      this.us = e.at;
      e.fn();
    }
    this.us = Math.max(this.us, untilUs);
  }
}

/** The wall clock, `speed` times faster from `epochMs` on (speed 1 = real time). */
export class RealClock implements Clock {
  private readonly startReal = Date.now();
  private readonly timers = new Set<NodeJS.Timeout>();
  constructor(readonly speed = 1, readonly epochMs = Date.now()) {}

  now(): number { return this.epochMs + (Date.now() - this.startReal) * this.speed; }

  setTimer(delayMs: number, fn: () => void): Timer {
    const timer: Timer = { cancelled: false };
    const h = setTimeout(() => { this.timers.delete(h); if (!timer.cancelled) fn(); }, Math.max(0, delayMs / this.speed));
    this.timers.add(h);
    return timer;
  }

  cancel(t: Timer | undefined): void { if (t) t.cancelled = true; }

  atLeastReal(ms: number, floorRealMs: number): number { return Math.max(ms, floorRealMs * this.speed); }

  /** Stops every pending timer (end of a live run). */
  stopAll(): void {
    for (const h of this.timers) clearTimeout(h);
    this.timers.clear();
  }
}
