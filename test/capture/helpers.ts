/** Shared fixtures and harness for the capture tests. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll } from 'vitest';
import { CaptureFileError, type Frame } from '../../capture/frame.js';
import { parseCaptureBuffer, readCapture, readCaptureStream, readCaptureSync } from '../../capture/read.js';
import { PcapngWriter, type FrameLike, type WriterOptions } from '../../capture/write.js';
import { prng } from '../helpers.js';

/** Frames with recognisable payloads: byte i of frame k is (k * 7 + i) & 0xff. */
export function makeFrames(
  count: number,
  opts: { linktype?: number | ((k: number) => number); size?: (k: number) => number; tsSec?: number; nsec?: (k: number) => number; ifIndex?: (k: number) => number } = {},
): FrameLike[] {
  const frames: FrameLike[] = [];
  for (let k = 0; k < count; k++) {
    const size = opts.size ? opts.size(k) : 40 + ((k * 13) % 60);
    const data = new Uint8Array(size);
    for (let i = 0; i < size; i++) data[i] = (k * 7 + i) & 0xff;
    const lt = opts.linktype ?? 1;
    frames.push({
      linktype: typeof lt === 'function' ? lt(k) : lt,
      tsSec: (opts.tsSec ?? 1700000000) + k,
      tsNsec: opts.nsec ? opts.nsec(k) : (k * 123456789) % 1e9,
      data,
      ifIndex: opts.ifIndex ? opts.ifIndex(k) : undefined,
    });
  }
  return frames;
}

/** A frame as plain comparable data. */
export function plain(f: Frame) {
  return {
    no: f.no, tsSec: f.tsSec, tsNsec: f.tsNsec, linktype: f.linktype, caplen: f.caplen, len: f.len,
    ifIndex: f.ifIndex, data: Buffer.from(f.data).toString('hex'),
  };
}

export interface ReadResult {
  frames: ReturnType<typeof plain>[];
  /** The CaptureFileError message, or null when the read ended cleanly. */
  error: string | null;
}

function settle(err: unknown): string {
  if (err instanceof CaptureFileError) return err.message;
  throw err; // anything else is a bug: let the test fail with it
}

export function readBufferSync(buf: Uint8Array, label = 'fixture'): ReadResult {
  const frames: ReturnType<typeof plain>[] = [];
  try {
    for (const f of parseCaptureBuffer(buf, label)) frames.push(plain(f));
  } catch (err) {
    return { frames, error: settle(err) };
  }
  return { frames, error: null };
}

export function readFileSyncAll(file: string): ReadResult {
  const frames: ReturnType<typeof plain>[] = [];
  try {
    for (const f of readCaptureSync(file)) frames.push(plain(f));
  } catch (err) {
    return { frames, error: settle(err) };
  }
  return { frames, error: null };
}

export async function readAsyncAll(gen: AsyncIterable<Frame>): Promise<ReadResult> {
  const frames: ReturnType<typeof plain>[] = [];
  try {
    for await (const f of gen) frames.push(plain(f));
  } catch (err) {
    return { frames, error: settle(err) };
  }
  return { frames, error: null };
}

/** Splits bytes into chunks of pseudo-random sizes (1..max), as a pipe would deliver them. */
export function chunked(buf: Uint8Array, seed: number, max = 37): Readable {
  const rnd = prng(seed);
  const chunks: Buffer[] = [];
  for (let i = 0; i < buf.length;) {
    const n = 1 + Math.floor(rnd() * max);
    chunks.push(Buffer.from(buf.subarray(i, i + n)));
    i += n;
  }
  return Readable.from(chunks);
}

let tmpRoot: string | null = null;
export function tmpDir(): string {
  tmpRoot ??= fs.mkdtempSync(path.join(os.tmpdir(), 'mipscope-capture-'));
  return tmpRoot;
}

// Each test file imports this module afresh: remove its scratch directory when the file is done.
afterAll(() => {
  if (tmpRoot !== null) fs.rmSync(tmpRoot, { recursive: true, force: true });
  tmpRoot = null;
});

let counter = 0;
export function tmpFile(bytes: Uint8Array, ext = 'bin'): string {
  const file = path.join(tmpDir(), `f${process.pid}-${counter++}.${ext}`);
  fs.writeFileSync(file, bytes);
  return file;
}

/**
 * Reads the same bytes every way there is — buffer, file sync, file async (direct and
 * pcap-parser), stream in small chunks (default engine and direct) — and checks they agree
 * frame for frame and error for error. Returns the common result.
 */
export async function readEveryWay(bytes: Uint8Array, seed = 1, maxChunk = 37): Promise<ReadResult> {
  const file = tmpFile(bytes);
  const results: [string, ReadResult][] = [
    ['buffer', readBufferSync(bytes, file)],
    ['file sync', readFileSyncAll(file)],
    ['file async', await readAsyncAll(readCapture(file))],
    ['file async pcap-parser', await readAsyncAll(readCapture(file, { pcapEngine: 'pcap-parser' }))],
    ['stream', await readAsyncAll(readCaptureStream(chunked(bytes, seed, maxChunk), file))],
    ['stream direct', await readAsyncAll(readCaptureStream(chunked(bytes, seed + 1, maxChunk), file, { pcapEngine: 'direct' }))],
  ];
  fs.unlinkSync(file);
  const [, first] = results[0]!;
  for (const [name, r] of results.slice(1)) {
    if (JSON.stringify(r) !== JSON.stringify(first)) {
      throw new Error(
        `reader '${name}' disagrees with 'buffer': ${r.frames.length} vs ${first.frames.length} frames, ` +
          `error ${JSON.stringify(r.error)} vs ${JSON.stringify(first.error)}`,
      );
    }
  }
  return first;
}

/** What tshark says about a file: number, epoch time (9 decimals), len, cap_len, interface. */
export function tsharkFields(file: string): string[][] {
  const out = execFileSync(
    'tshark',
    ['-r', file, '-T', 'fields', '-e', 'frame.number', '-e', 'frame.time_epoch', '-e', 'frame.len', '-e', 'frame.cap_len', '-e', 'frame.interface_id'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return out.trim().split('\n').filter(Boolean).map((line) => {
    const [no, epoch, len, caplen, iface] = line.split('\t');
    const [sec, frac = ''] = epoch!.split('.');
    return [no!, `${sec}.${frac.padEnd(9, '0')}`, len!, caplen!, iface ?? ''];
  });
}

export function epoch(tsSec: number, tsNsec: number): string {
  return `${tsSec}.${String(tsNsec).padStart(9, '0')}`;
}

/** Truncate each µs/ns timestamp the way a writer at that resolution stores it. */
export function expectedNsec(tsNsec: number, tsresol: number): number {
  if (tsresol === 9) return tsNsec;
  if (tsresol === 6) return Math.floor(tsNsec / 1000) * 1000;
  throw new Error('use the reader to compute other resolutions');
}

/** Runs `build` on a PcapngWriter whose every block lands in its own chunk; returns bytes + block spans. */
export function pcapngBlocks(build: (w: PcapngWriter) => void, opts: WriterOptions = {}): { bytes: Buffer; spans: [number, number][] } {
  const chunks: Uint8Array[] = [];
  const w = new PcapngWriter((c) => chunks.push(c), opts);
  const flushing = new Proxy(w, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        const r = v.apply(target, args);
        target.flush();
        return r;
      };
    },
  });
  w.flush(); // the SHB
  build(flushing);
  w.close();
  const spans: [number, number][] = [];
  let at = 0;
  for (const c of chunks) {
    spans.push([at, at + c.length]);
    at += c.length;
  }
  return { bytes: Buffer.concat(chunks), spans };
}

