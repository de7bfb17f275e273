/**
 * The two engines for classic µs pcap (pcap-parser for streams, the direct parser for files)
 * and the async plumbing around them: back-pressure, early exit, FIFOs.
 */
import { spawn, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { readCapture, readCaptureStream, readCaptureSync } from '../../capture/read.js';
import { encodePcap, encodePcapng } from '../../capture/write.js';
import { makeFrames, plain, readAsyncAll, readBufferSync, readEveryWay, tmpDir, tmpFile } from './helpers.js';

describe('pcap-parser and direct engines', () => {
  const bytes = encodePcap(makeFrames(20000, { size: (k) => 30 + (k % 90) }));

  it('give identical frames on a large file, with a slow consumer (back-pressure)', async () => {
    const expected = readBufferSync(bytes);
    for (const pcapEngine of ['pcap-parser', 'direct'] as const) {
      // 1 MiB chunks: one chunk holds far more frames than the pcap-parser queue's high-water mark.
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += 1 << 20) chunks.push(bytes.subarray(i, i + (1 << 20)));
      const got: ReturnType<typeof plain>[] = [];
      for await (const f of readCaptureStream(Readable.from(chunks), 'fixture', { pcapEngine })) {
        got.push(plain(f));
        if (f.no % 500 === 0) await tick();
      }
      expect(got.length).toBe(20000);
      expect(got).toEqual(expected.frames);
    }
  });

  it('stop cleanly when the consumer breaks early', async () => {
    const file = tmpFile(bytes);
    for (const pcapEngine of ['pcap-parser', 'direct'] as const) {
      let n = 0;
      for await (const f of readCapture(file, { pcapEngine })) {
        n = f.no;
        if (n === 3) break;
      }
      expect(n).toBe(3);
    }
    let n = 0;
    for await (const f of readCaptureStream(Readable.from([bytes]), 'x')) {
      n = f.no;
      if (n === 5) break;
    }
    expect(n).toBe(5);
    fs.unlinkSync(file);
  });

  it('a stream that fails mid-way: good frames, then CaptureFileError naming the source', async () => {
    async function* failing() {
      yield bytes.subarray(0, 1000);
      throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
    }
    for (const pcapEngine of ['pcap-parser', 'direct'] as const) {
      const r = await readAsyncAll(readCaptureStream(failing(), 'flaky', { pcapEngine }));
      expect(r.frames.length).toBeGreaterThan(0);
      expect(r.error).toBe("cannot read capture file 'flaky': input/output error");
    }
  });
});

describe('files bigger than one read chunk', () => {
  // Frames from 1 byte to 300 kB: records straddle the reader's chunks, some span several.
  const sizes = (k: number) => (k % 50 === 7 ? 300_000 + k : 1 + ((k * 997) % 3000));

  it('pcap and pcapng: every reader agrees, no record lost or cut at chunk seams', async () => {
    const frames = makeFrames(600, { size: sizes });
    for (const bytes of [encodePcap(frames, { snaplen: 0 }), encodePcapng(frames, { snaplen: 0 })]) {
      expect(bytes.length).toBeGreaterThan(3 << 20);
      // Pipe-sized stream chunks (pcap-parser re-copies its whole backlog on every chunk, so
      // byte-sized chunks under a 300 kB record would be quadratic).
      const r = await readEveryWay(bytes, 1, 65536);
      expect(r.error).toBeNull();
      expect(r.frames.map((f) => f.caplen)).toEqual(frames.map((f) => f.data.length));
      expect(r.frames[7]!.data).toBe(Buffer.from(frames[7]!.data).toString('hex'));
    }
  }, 60_000);
});

describe('FIFOs (named pipes)', () => {
  function fifoWith(bytes: Uint8Array): string {
    const fifo = path.join(tmpDir(), `fifo-${Math.random().toString(36).slice(2)}`);
    execFileSync('mkfifo', [fifo]);
    const src = tmpFile(bytes);
    spawn('sh', ['-c', `cat '${src}' > '${fifo}'`], { stdio: 'ignore' });
    return fifo;
  }

  it('readCapture and readCaptureSync read a FIFO like a file', async () => {
    const pcapng = encodePcapng(makeFrames(300));
    const expected = readBufferSync(pcapng);
    const asyncRead = await readAsyncAll(readCapture(fifoWith(pcapng)));
    expect(asyncRead.frames).toEqual(expected.frames);
    const syncFrames = [...readCaptureSync(fifoWith(pcapng))].map(plain);
    expect(syncFrames).toEqual(expected.frames);
    const pcap = encodePcap(makeFrames(300));
    expect((await readAsyncAll(readCapture(fifoWith(pcap)))).frames).toEqual(readBufferSync(pcap).frames);
  });
});
