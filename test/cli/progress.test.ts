import { describe, expect, it } from 'vitest';
import { EventEmitter } from 'node:events';
import { Progress, formatDuration } from '../../cli/progress.js';
import { Output } from '../../cli/output.js';

function stream(isTTY: boolean) {
  const written: string[] = [];
  return { isTTY, columns: 120, write: (s: string) => { written.push(s); return true; }, written };
}

describe('progress line', () => {
  it('draws packets, rate, percentage and ETA on a terminal, then clears the line', async () => {
    const s = stream(true);
    const p = new Progress('reading', s);
    const opts = p.readOptions();
    opts.onRead!(250, 1000);
    await new Promise(r => setTimeout(r, 300));
    for (let i = 0; i < 1024; i++) p.tick();
    expect(s.written.length).toBe(1);
    expect(s.written[0]).toMatch(/^\rreading: 1,024 packets, [\d,]+ packets\/s, 25%, ETA \d+:\d\d\x1b\[K$/);
    p.done();
    expect(s.written.at(-1)).toBe('\r\x1b[K');
  });

  it('writes nothing when stderr is not a terminal', async () => {
    const s = stream(false);
    const p = new Progress('reading', s);
    expect(p.readOptions({}).onRead).toBeUndefined();
    await new Promise(r => setTimeout(r, 300));
    for (let i = 0; i < 5000; i++) p.tick();
    p.done();
    expect(s.written).toEqual([]);
  });

  it('formats durations as h:mm:ss or m:ss', () => {
    expect(formatDuration(3)).toBe('0:03');
    expect(formatDuration(247)).toBe('4:07');
    expect(formatDuration(3909)).toBe('1:05:09');
  });
});

describe('buffered output', () => {
  it('is blocked after a write the stream could not take, until it drains', async () => {
    const e = new EventEmitter();
    const chunks: Uint8Array[] = [];
    let accept = false;
    const s = Object.assign(e, { write: (c: Uint8Array | string) => { chunks.push(typeof c === 'string' ? Buffer.from(c) : c); return accept; } });
    const out = new Output(false, s);
    out.write('a'.repeat(1000));
    expect(out.blocked).toBe(false); // still buffered
    out.flush();
    expect(out.blocked).toBe(true);
    let resolved = false;
    const d = out.drained().then(() => { resolved = true; });
    await new Promise(r => setTimeout(r, 10));
    expect(resolved).toBe(false);
    accept = true;
    e.emit('drain');
    await d;
    expect(out.blocked).toBe(false);
    out.write('b');
    out.flush();
    expect(out.blocked).toBe(false);
    expect(Buffer.concat(chunks).toString()).toBe('a'.repeat(1000) + 'b');
  });
});
