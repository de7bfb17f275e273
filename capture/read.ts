/**
 * Reading captures: pcap (µs, ns, either byte order) and pcapng, from files, standard input
 * or any stream of bytes.
 *
 * Every reader yields each complete frame before any damage, then throws CaptureFileError —
 * never anything else. Files are read in large chunks and frames are views (subarrays) into
 * them, so nothing is copied except a record that straddles two chunks.
 */
import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import pcapParser from 'pcap-parser';
import {
  CaptureFileError,
  MAX_RECORD_LENGTH,
  type CaptureInfo,
  type Frame,
  type InterfaceInfo,
  type ReadOptions,
} from './frame.js';
import {
  PCAP_FILE_HEADER_LENGTH,
  PCAP_RECORD_HEADER_LENGTH,
  createParser,
  magicOf,
  pcapMagicFormat,
  pcapTruncatedInData,
  type RecordParser,
} from './formats.js';

export { CaptureFileError, type Frame, type CaptureInfo, type InterfaceInfo, type ReadOptions } from './frame.js';

/**
 * Files are read this many bytes at a time. Small enough that freed chunks are recycled by
 * the allocator (first-touching fresh pages dominated the cost with 16 MiB chunks: a cold
 * 200k-frame read took ~2.5x longer), large enough that few records straddle two chunks.
 */
const CHUNK_SIZE = 256 * 1024;
const MIN_CHUNK_SIZE = 64 * 1024;
const STDIN_LABEL = 'standard input';

type PullSync = () => Uint8Array | null;
type PullAsync = () => Promise<Uint8Array | null>;

function concat(parts: Uint8Array[], total: number): Uint8Array {
  return Buffer.concat(parts, total);
}

function tooShort(label: string, length: number): CaptureFileError {
  return length === 0
    ? new CaptureFileError(`capture file '${label}' is empty`)
    : new CaptureFileError(`capture file '${label}' is too short to be a capture file (${length} bytes)`);
}

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a component of the path is not a directory',
  ELOOP: 'too many symbolic links',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
};

/** A system error as "cannot read capture file 'x': reason". */
export function ioError(label: string, err: unknown, verb = 'read'): CaptureFileError {
  const e = err as NodeJS.ErrnoException;
  const reason = (e?.code && REASONS[e.code]) ?? (e?.message ?? String(err));
  return new CaptureFileError(`cannot ${verb} capture file '${label}': ${reason}`);
}

// ---------------------------------------------------------------------------------------------
// The reader: one state machine, driven synchronously or asynchronously.
// ---------------------------------------------------------------------------------------------

/** What the reader answers when it wants the next chunk (given with `feed`, null at the end). */
const PULL = Symbol('pull');

/**
 * Runs a parser over chunks. A record that straddles chunks is joined from just the bytes it
 * needs; the rest of the last chunk waits in `spare`. It never reads by itself: when it needs
 * bytes it answers PULL, so the same state machine serves the synchronous and asynchronous drivers.
 */
class RecordReader {
  private spare: Uint8Array | null = null;
  private fed: Uint8Array | null | undefined = undefined;
  private eof = false;
  private buf: Uint8Array = new Uint8Array(0);
  private off = 0;
  private end = 0;
  private pos = 0;
  private parser: RecordParser | null = null;
  private need = 4; // the magic number
  /** A record being joined from several chunks. */
  private parts: Uint8Array[] | null = null;
  private have = 0;

  constructor(private readonly label: string, private readonly opts: ReadOptions) {}

  /** Gives the chunk asked for by PULL (null: there are no more). */
  feed(chunk: Uint8Array | null): void { this.fed = chunk; }

  private chunk(): Uint8Array | null | typeof PULL {
    if (this.spare) { const c = this.spare; this.spare = null; return c; }
    if (this.eof) return null;
    const c = this.fed;
    if (c === undefined) return PULL;
    this.fed = undefined;
    if (c === null) this.eof = true;
    return c;
  }

  /** The next frame, PULL when it needs a chunk, or null at the end of the capture. */
  next(): Frame | typeof PULL | null {
    for (;;) {
      if (this.end - this.off < this.need) {
        if (this.parts === null) {
          // Whole chunks when nothing is pending (the common case: no copy); else join `need`.
          if (this.end === this.off) {
            const c = this.chunk();
            if (c === PULL) return PULL;
            if (c === null) {
              if (this.parser === null) throw tooShort(this.label, this.pos);
              return null;
            }
            this.buf = c; this.off = 0; this.end = c.length;
            continue;
          }
          this.parts = [this.buf.subarray(this.off, this.end)];
          this.have = this.end - this.off;
        }
        while (this.have < this.need) {
          const c = this.chunk();
          if (c === PULL) return PULL;
          if (c === null) break;
          const take = Math.min(c.length, this.need - this.have);
          this.parts.push(take === c.length ? c : c.subarray(0, take));
          if (take < c.length) this.spare = c.subarray(take);
          this.have += take;
        }
        const have = this.have;
        this.buf = concat(this.parts, have); this.off = 0; this.end = have;
        this.parts = null;
        if (have < this.need) {
          if (this.parser === null) throw tooShort(this.label, have);
          throw this.parser.truncated(this.buf, 0, have, this.pos);
        }
      }
      if (this.parser === null) {
        this.parser = createParser(this.buf.subarray(this.off, this.off + 4), this.label, this.opts);
        this.need = 1;
        continue;
      }
      const parser = this.parser;
      const n = parser.step(this.buf, this.off, this.end, this.pos);
      if (n > 0) {
        const frame = parser.frame;
        if (frame !== null && this.opts.onFrameOffset) {
          // Frames are views into `buf`, whose byte `off` sits at file position `pos`.
          const d = frame.data;
          this.opts.onFrameOffset(d.buffer === this.buf.buffer ? this.pos + (d.byteOffset - this.buf.byteOffset - this.off) : -1);
        }
        this.off += n;
        this.pos += n;
        this.need = 1;
        if (frame !== null) return frame;
      } else {
        this.need = parser.need;
      }
    }
  }
}

function* driveSync(label: string, pull: PullSync, opts: ReadOptions): Generator<Frame> {
  const reader = new RecordReader(label, opts);
  for (;;) {
    const r = reader.next();
    if (r === null) return;
    if (r === PULL) reader.feed(pull());
    else yield r;
  }
}

async function* driveAsync(label: string, pull: PullAsync, opts: ReadOptions): AsyncGenerator<Frame> {
  const reader = new RecordReader(label, opts);
  for (;;) {
    const r = reader.next();
    if (r === null) return;
    if (r === PULL) reader.feed(await pull());
    else yield r;
  }
}

// ---------------------------------------------------------------------------------------------
// Public entry points
// ---------------------------------------------------------------------------------------------

/** Frames of a capture held in memory (e.g. a fixture); `label` names it in errors. */
export function* parseCaptureBuffer(buf: Uint8Array, label = 'buffer', opts: ReadOptions = {}): Generator<Frame> {
  let given = false;
  yield* driveSync(label, () => {
    if (given) return null;
    given = true;
    return buf;
  }, opts);
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Frames of a capture file, synchronously (the CLI's fast path). `'-'` reads standard input.
 * Throws CaptureFileError after the last good frame if the file is damaged or cut short.
 */
export function* readCaptureSync(path: string, opts: ReadOptions = {}): Generator<Frame> {
  const label = path === '-' ? STDIN_LABEL : path;
  let fd: number;
  let size = -1;
  if (path === '-') {
    fd = 0;
  } else {
    try {
      fd = fs.openSync(path, 'r');
    } catch (err) {
      throw ioError(label, err);
    }
  }
  try {
    try {
      const st = fs.fstatSync(fd);
      if (st.isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
      if (st.isFile()) size = st.size;
    } catch (err) {
      throw ioError(label, err);
    }
    let readSoFar = 0;
    const pull = (): Uint8Array | null => {
      const want = size >= 0 ? Math.min(CHUNK_SIZE, Math.max(size - readSoFar, MIN_CHUNK_SIZE)) : CHUNK_SIZE;
      const chunk = Buffer.allocUnsafe(want);
      let n = 0;
      // Fill the chunk (a pipe hands out little pieces); stop early at end of input.
      for (;;) {
        let got: number;
        try {
          got = fs.readSync(fd, chunk, n, want - n, null);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'EAGAIN') { sleepSync(1); continue; }
          if (code === 'EOF') { got = 0; } else throw ioError(label, err);
        }
        if (got === 0) break;
        n += got;
        readSoFar += got;
        if (n === want || size >= 0) break;
      }
      opts.onRead?.(readSoFar, size);
      return n === 0 ? null : chunk.subarray(0, n);
    };
    yield* driveSync(label, pull, opts);
  } finally {
    if (path !== '-') fs.closeSync(fd);
  }
}

/**
 * Frames of a capture file, asynchronously. `'-'` reads standard input. Throws
 * CaptureFileError after the last good frame if the file is damaged or cut short.
 */
export async function* readCapture(path: string, opts: ReadOptions = {}): AsyncGenerator<Frame> {
  if (path === '-') {
    yield* readCaptureStream(process.stdin, STDIN_LABEL, opts);
    return;
  }
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(path, 'r');
  } catch (err) {
    throw ioError(path, err);
  }
  try {
    let size: number;
    try {
      const st = await handle.stat();
      if (st.isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
      size = st.isFile() ? st.size : -1;
    } catch (err) {
      throw ioError(path, err);
    }
    if (size < 0) {
      // A FIFO or device: treat it like any stream.
      yield* readCaptureStream(handle.createReadStream({ autoClose: false }), path, opts);
      return;
    }
    let readSoFar = 0;
    const pull = async (): Promise<Uint8Array | null> => {
      const want = Math.min(CHUNK_SIZE, Math.max(size - readSoFar, MIN_CHUNK_SIZE));
      const chunk = Buffer.allocUnsafe(want);
      let got: number;
      try {
        ({ bytesRead: got } = await handle.read(chunk, 0, want, null));
      } catch (err) {
        throw ioError(path, err);
      }
      readSoFar += got;
      return got === 0 ? null : chunk.subarray(0, got);
    };
    if (opts.pcapEngine === 'pcap-parser') {
      yield* sniffThenParse(path, pull, opts);
    } else {
      yield* driveAsync(path, pull, opts);
    }
  } finally {
    await handle.close().catch(() => {});
  }
}

/**
 * Frames from any byte stream (standard input, a socket, a Readable.from(chunks) in tests).
 * Classic microsecond pcap goes through the `pcap-parser` package unless opts.pcapEngine
 * says 'direct'; everything else through the direct parsers.
 */
export async function* readCaptureStream(
  stream: AsyncIterable<Uint8Array | string>, label = 'stream', opts: ReadOptions = {},
): AsyncGenerator<Frame> {
  const it = stream[Symbol.asyncIterator]();
  let done = false;
  const pull = async (): Promise<Uint8Array | null> => {
    if (done) return null;
    for (;;) {
      let r: IteratorResult<Uint8Array | string>;
      try {
        r = await it.next();
      } catch (err) {
        done = true;
        throw ioError(label, err);
      }
      if (r.done) { done = true; return null; }
      const v = typeof r.value === 'string' ? Buffer.from(r.value, 'latin1') : r.value;
      if (v.length > 0) return v;
    }
  };
  try {
    if (opts.pcapEngine === 'direct') {
      yield* driveAsync(label, pull, opts);
    } else {
      yield* sniffThenParse(label, pull, opts);
    }
  } finally {
    if (!done) await it.return?.().catch(() => {});
  }
}

/** Reads the magic; classic µs pcap goes to pcap-parser, everything else to driveAsync. */
async function* sniffThenParse(label: string, pull: PullAsync, opts: ReadOptions): AsyncGenerator<Frame> {
  const head: Uint8Array[] = [];
  let have = 0;
  while (have < 4) {
    const c = await pull();
    if (c === null) break;
    head.push(c);
    have += c.length;
  }
  if (have < 4) throw tooShort(label, have);
  const first = concat(head, have);
  const classic = pcapMagicFormat(magicOf(first));
  let replayed = false;
  const replay: PullAsync = async () => {
    if (!replayed) { replayed = true; return first; }
    return pull();
  };
  if (classic?.format === 'pcap') {
    yield* viaPcapParser(label, classic.le, replay, opts);
  } else {
    yield* driveAsync(label, replay, opts);
  }
}

/**
 * Classic microsecond pcap through the `pcap-parser` package. It ignores a cut-off tail and
 * never checks record lengths, so we count the bytes it was given against those it consumed,
 * and we stop feeding it when a record header is absurd.
 */
async function* viaPcapParser(label: string, le: boolean, pull: PullAsync, opts: ReadOptions): AsyncGenerator<Frame> {
  const HIGH_WATER = 8192;
  let total = 0;
  let consumed = 0;
  let headerSeen = false;
  let linktype = 0;
  let lastCaplen = 0;
  let no = 0;
  let fatal: CaptureFileError | null = null;
  let ended = false;
  let queue: Frame[] = [];
  let head = 0;
  let wake: (() => void) | null = null;
  const poke = () => { const w = wake; wake = null; w?.(); };

  // Feeds pcap-parser, but first holds back the file header to vet its version: pcap-parser's
  // own check is lax and its message differs from the direct parser's.
  async function* feed(): AsyncGenerator<Buffer> {
    const head: Buffer[] = [];
    let headLength = 0;
    for (;;) {
      if (fatal) return;
      let c: Uint8Array | null;
      try {
        c = await pull();
      } catch (err) {
        fatal = err instanceof CaptureFileError ? err : ioError(label, err);
        poke();
        return;
      }
      if (fatal) return;
      if (c === null) {
        if (headLength > 0) yield Buffer.concat(head, headLength);
        return;
      }
      total += c.length;
      const chunk = Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.length);
      if (headLength < 0) {
        yield chunk;
        continue;
      }
      head.push(chunk);
      headLength += chunk.length;
      if (headLength < PCAP_FILE_HEADER_LENGTH) continue;
      const first = Buffer.concat(head, headLength);
      headLength = -1;
      const major = le ? first.readUInt16LE(4) : first.readUInt16BE(4);
      if (major !== 2) {
        const minor = le ? first.readUInt16LE(6) : first.readUInt16BE(6);
        fatal = new CaptureFileError(
          `capture file '${label}' is pcap version ${major}.${minor}; only version 2.x is supported`,
        );
        poke();
        return;
      }
      yield first;
    }
  }
  const source = Readable.from(feed(), { objectMode: true, highWaterMark: 4 });
  const parser = pcapParser.parse(source);
  parser.on('globalHeader', (h) => {
    if (fatal) return;
    headerSeen = true;
    consumed += PCAP_FILE_HEADER_LENGTH;
    if (h.majorVersion !== 2) {
      fatal = new CaptureFileError(
        `capture file '${label}' is pcap version ${h.majorVersion}.${h.minorVersion}; only version 2.x is supported`,
      );
      return;
    }
    linktype = h.linkLayerType & 0x03ffffff;
    const iface: InterfaceInfo = { index: 0, linktype, snaplen: h.snapshotLength, tsresol: 6, tsoffset: 0, section: 0 };
    const info: CaptureInfo = {
      path: label, format: 'pcap', byteOrder: le ? 'le' : 'be',
      version: `${h.majorVersion}.${h.minorVersion}`, interfaces: [iface],
    };
    opts.onInfo?.(info);
    opts.onInterface?.(iface);
  });
  parser.on('packetHeader', (h) => {
    if (fatal) return;
    lastCaplen = h.capturedLength;
    if (h.capturedLength > MAX_RECORD_LENGTH) {
      fatal = new CaptureFileError(
        `capture file '${label}' is corrupt: packet ${no + 1} at offset ${consumed} claims ${h.capturedLength} captured bytes (more than ${MAX_RECORD_LENGTH})`,
      );
      source.pause();
      poke();
    }
  });
  parser.on('packet', (p) => {
    if (fatal) return;
    consumed += PCAP_RECORD_HEADER_LENGTH + p.header.capturedLength;
    let tsSec = p.header.timestampSeconds;
    let fraction = p.header.timestampMicroseconds;
    if (fraction >= 1e6) { tsSec += Math.floor(fraction / 1e6); fraction %= 1e6; }
    queue.push({
      no: ++no, tsSec, tsNsec: fraction * 1000, linktype, caplen: p.header.capturedLength,
      len: p.header.originalLength, data: p.data, ifIndex: 0,
    });
    if (queue.length - head >= HIGH_WATER) source.pause();
    poke();
  });
  parser.on('error', (err) => {
    if (!fatal) fatal = new CaptureFileError(`capture file '${label}' could not be read: ${err.message}`);
    ended = true;
    poke();
  });
  parser.on('end', () => {
    ended = true;
    poke();
  });

  try {
    for (;;) {
      while (head < queue.length) {
        const f = queue[head]!;
        queue[head++] = undefined as unknown as Frame; // let it go once yielded
        if (head === queue.length) { queue = []; head = 0; }
        yield f;
        if (source.isPaused() && !fatal && queue.length - head < HIGH_WATER / 2) source.resume();
      }
      if (fatal) throw fatal;
      if (ended) break;
      if (source.isPaused()) source.resume();
      await new Promise<void>((resolve) => { wake = resolve; });
    }
    // pcap-parser ended quietly: anything it was given but did not consume is a cut-off tail.
    if (!headerSeen) {
      throw new CaptureFileError(
        `capture file '${label}' is cut short in the file header (${total} of ${PCAP_FILE_HEADER_LENGTH} bytes)`,
      );
    }
    const rest = total - consumed;
    if (rest > 0) {
      if (rest < PCAP_RECORD_HEADER_LENGTH) {
        throw new CaptureFileError(
          `capture file '${label}' is cut short in the record header of packet ${no + 1} (${rest} of ${PCAP_RECORD_HEADER_LENGTH} bytes)`,
        );
      }
      throw pcapTruncatedInData(label, no + 1, lastCaplen, rest - PCAP_RECORD_HEADER_LENGTH);
    }
  } finally {
    fatal ??= new CaptureFileError('reader closed');
    source.destroy();
  }
}
