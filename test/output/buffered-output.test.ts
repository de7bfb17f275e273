// The output buffer reuses a chunk only once stdout has finished with it: a pipe that takes
// chunks asynchronously receives every byte in order, from a handful of buffers.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Output } from '../../cli/output.js';

describe('buffered output over an asynchronous pipe', () => {
  it('writes every byte in order and reuses written chunks', async () => {
    const e = new EventEmitter();
    const received: Buffer[] = [];
    const buffers = new Set<ArrayBufferLike>();
    let inFlight = 0;
    const s = Object.assign(e, {
      write: (c: Uint8Array | string, done?: () => void) => {
        const chunk = typeof c === 'string' ? Buffer.from(c) : c;
        buffers.add(chunk.buffer);
        inFlight += chunk.length;
        // The system reads the chunk later; only then is it done with it.
        setImmediate(() => { received.push(Buffer.from(chunk)); inFlight -= chunk.length; done?.(); });
        return true;
      },
    });
    // Bytes handed over but not yet written, as a pipe reports them.
    Object.defineProperty(s, 'writableLength', { get: () => inFlight });
    const out = new Output(false, s);
    let expected = '';
    for (let i = 0; i < 20000; i++) {
      const line = `packet ${i} ${'é→'.repeat(i % 7)} ${'x'.repeat(i % 900)}\n`;
      expected += line;
      out.write(line);
      if (i % 50 === 0) await new Promise(r => setImmediate(r));
    }
    out.flush();
    await new Promise(r => setTimeout(r, 20));
    expect(Buffer.concat(received).toString('utf8')).toBe(expected);
    expect(received.length).toBeGreaterThan(buffers.size);
  });
});
