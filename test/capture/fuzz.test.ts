/**
 * Random damage to valid captures: readers may only yield well-formed frames and then
 * (perhaps) throw CaptureFileError — never anything else, never hang — and every reader
 * (buffer, stream in small chunks, pcap-parser) must agree on frames and message.
 */
import { describe, expect, it } from 'vitest';
import { CaptureFileError, type Frame } from '../../capture/frame.js';
import { parseCaptureBuffer, readCaptureStream } from '../../capture/read.js';
import { encodePcap } from '../../capture/write.js';
import { chunked, makeFrames, pcapngBlocks, readAsyncAll, readBufferSync } from './helpers.js';
import { prng } from '../helpers.js';

function validPcapng(): Buffer {
  const frames = makeFrames(12, { size: (k) => 10 + k * 5 });
  const first = pcapngBlocks((w) => {
    w.addInterface({ linktype: 1, name: 'eth0', tsresol: 6 });
    w.addInterface({ linktype: 101, tsresol: 9, snaplen: 40 });
    w.addInterface({ linktype: 113, tsresol: 0x80 | 20, tsoffset: 5 });
    frames.forEach((f, k) => w.writePacket({ ifIndex: k % 3, tsSec: f.tsSec, tsNsec: f.tsNsec, data: f.data }));
    w.writeSimplePacket({ data: new Uint8Array(30).fill(3) });
    w.writeBlock(5, new Uint8Array(12));
    w.writeBlock(0x1234, new Uint8Array(3));
  }).bytes;
  const second = pcapngBlocks((w) => {
    w.addInterface({ linktype: 1 });
    frames.slice(0, 4).forEach((f) => w.writePacket({ tsSec: f.tsSec, tsNsec: f.tsNsec, data: f.data }));
  }, { byteOrder: 'be' }).bytes;
  return Buffer.concat([first, second]);
}

const INTERESTING = [0, 1, 3, 4, 12, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0x80000000, 0xfffffffc, 0xffffffff, 0x0a0d0d0a, 0x1a2b3c4d];

function mutate(base: Buffer, rnd: () => number): Buffer {
  let b = Buffer.from(base);
  const ops = 1 + Math.floor(rnd() * 4);
  for (let i = 0; i < ops; i++) {
    const at = Math.floor(rnd() * b.length);
    switch (Math.floor(rnd() * 6)) {
      case 0: // flip bits
        b[at] = b[at]! ^ (1 << Math.floor(rnd() * 8));
        break;
      case 1: // random byte
        b[at] = Math.floor(rnd() * 256);
        break;
      case 2: { // interesting 32-bit value, either byte order
        if (at + 4 > b.length) break;
        const v = INTERESTING[Math.floor(rnd() * INTERESTING.length)]!;
        if (rnd() < 0.5) b.writeUInt32LE(v >>> 0, at);
        else b.writeUInt32BE(v >>> 0, at);
        break;
      }
      case 3: // truncate
        b = b.subarray(0, at);
        break;
      case 4: { // delete a few bytes
        const n = 1 + Math.floor(rnd() * 8);
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + n)]);
        break;
      }
      case 5: { // insert a few bytes
        const n = 1 + Math.floor(rnd() * 8);
        const junk = Buffer.alloc(n).map(() => Math.floor(rnd() * 256));
        b = Buffer.concat([b.subarray(0, at), junk, b.subarray(at)]);
        break;
      }
    }
  }
  return b;
}

function checkFrame(f: Frame, expectedNo: number): void {
  expect(f.no).toBe(expectedNo);
  expect(f.caplen).toBe(f.data.length);
  expect(Number.isInteger(f.tsSec) && Number.isInteger(f.tsNsec)).toBe(true);
  expect(f.tsNsec >= 0 && f.tsNsec < 1e9).toBe(true);
  expect(f.data.length).toBeLessThanOrEqual(1 << 28);
}

/** Sync buffer reader: frames must be well-formed, the only exception CaptureFileError. */
function readChecked(bytes: Buffer): { count: number; error: string | null } {
  let count = 0;
  try {
    for (const f of parseCaptureBuffer(bytes, 'fuzz')) checkFrame(f, ++count);
  } catch (err) {
    if (!(err instanceof CaptureFileError)) throw err;
    return { count, error: err.message };
  }
  return { count, error: null };
}

async function fuzz(base: Buffer, seed: number, iterations: number, streamEvery: number): Promise<{ errors: number; clean: number }> {
  const rnd = prng(seed);
  let errors = 0;
  let clean = 0;
  for (let i = 0; i < iterations; i++) {
    const bytes = mutate(base, rnd);
    const sync = readChecked(bytes);
    if (sync.error) errors++;
    else clean++;
    if (i % streamEvery === 0) {
      // The stream readers (pcap-parser for classic µs pcap, direct otherwise) must agree exactly.
      const expected = readBufferSync(bytes, 'fuzz');
      for (const pcapEngine of ['pcap-parser', 'direct'] as const) {
        const got = await readAsyncAll(readCaptureStream(chunked(bytes, i, 50), 'fuzz', { pcapEngine }));
        if (JSON.stringify(got) !== JSON.stringify(expected)) {
          throw new Error(`iteration ${i} (${pcapEngine}): stream read differs from buffer read: ` +
            `${got.frames.length}/${JSON.stringify(got.error)} vs ${expected.frames.length}/${JSON.stringify(expected.error)}`);
        }
      }
    }
  }
  return { errors, clean };
}

describe('fuzz: mutated and truncated captures', () => {
  it('pcapng, 3000 mutations', async () => {
    const r = await fuzz(validPcapng(), 0xC0FFEE, 3000, 3);
    expect(r.errors).toBeGreaterThan(100); // the mutations really do damage
    expect(r.errors + r.clean).toBe(3000);
  }, 120_000);

  it('classic pcap (µs, pcap-parser path), 2000 mutations', async () => {
    const r = await fuzz(encodePcap(makeFrames(20, { size: (k) => 8 + k * 3 })), 0xBEEF, 2000, 2);
    expect(r.errors).toBeGreaterThan(100);
  }, 120_000);

  it('classic pcap (ns, big-endian), 1000 mutations', async () => {
    const r = await fuzz(encodePcap(makeFrames(20), { nanosecond: true, byteOrder: 'be' }), 0xFACE, 1000, 3);
    expect(r.errors).toBeGreaterThan(50);
  }, 120_000);
});
