/**
 * Capture writers: pcapng (SHB + IDBs + EPBs, optionally SPBs and raw blocks) and classic pcap
 * (µs or ns), to a file path, `'-'` (standard output) or a sink function; plus in-memory
 * encoders for tests and sample generators. Little-endian unless asked otherwise.
 *
 * References: draft-ietf-opsawg-pcapng §4 (blocks), draft-ietf-opsawg-pcap §4 (records).
 */
import * as fs from 'node:fs';
import { CaptureFileError, type InterfaceInfo } from './frame.js';
import {
  PCAPNG_BYTE_ORDER_MAGIC,
  PCAPNG_EPB,
  PCAPNG_IDB,
  PCAPNG_SHB,
  PCAPNG_SPB,
  PCAP_MAGIC_NS,
  PCAP_MAGIC_US,
  resolutionOf,
} from './formats.js';

export type Sink = (chunk: Uint8Array) => void;
export type ByteOrder = 'le' | 'be';

export interface WriterOptions {
  /** shb_userappl of pcapng files (default "mipscope"). */
  appName?: string;
  /** Byte order of the file (default 'le'); 'be' exists mostly to test readers. */
  byteOrder?: ByteOrder;
}

export interface PcapngInterfaceOptions {
  linktype: number;
  /** Default 262144; 0 means no limit. Longer packets are cut to snaplen (len keeps the original). */
  snaplen?: number;
  name?: string;
  description?: string;
  /** Raw if_tsresol byte: 6 µs (default), 9 ns, 0x80|n for 2^-n s. */
  tsresol?: number;
  /** if_tsoffset seconds, subtracted from tsSec when writing (default 0). */
  tsoffset?: number;
}

export interface PacketToWrite {
  /** Index returned by addInterface (default 0). */
  ifIndex?: number;
  tsSec: number;
  tsNsec: number;
  data: Uint8Array;
  /** Original length on the wire (default data.length). */
  len?: number;
}

/** The minimum a frame needs to be written; a Frame read from a file qualifies. */
export interface FrameLike {
  linktype: number;
  tsSec: number;
  tsNsec: number;
  data: Uint8Array;
  len?: number;
  ifIndex?: number;
}

export const DEFAULT_SNAPLEN = 262144;

// ---------------------------------------------------------------------------------------------
// Output: a buffer in front of a sink, a file, or standard output.
// ---------------------------------------------------------------------------------------------

const FLUSH_SIZE = 1 << 20;

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

class Output {
  private buf = Buffer.allocUnsafe(FLUSH_SIZE);
  private n = 0;
  private fd = -1;
  private ownsFd = false;
  private sink: Sink | null = null;
  /** Bytes already in the file: always a whole number of blocks. */
  private written = 0;
  /** Where each block in the buffer starts (reserve is called once per block). */
  private starts: number[] = [];
  closed = false;
  readonly label: string;

  constructor(target: Sink | string, readonly le: boolean) {
    if (typeof target === 'function') {
      this.sink = target;
      this.label = 'sink';
    } else if (target === '-') {
      this.fd = 1;
      this.label = 'standard output';
    } else {
      this.label = target;
      try {
        this.fd = fs.openSync(target, 'w');
      } catch (err) {
        throw writeError(target, err);
      }
      this.ownsFd = true;
    }
  }

  /** Room for `size` more bytes; returns the buffer and the offset to write at. */
  reserve(size: number): number {
    if (this.closed) throw new Error(`capture writer for '${this.label}' is already closed`);
    if (this.n + size > this.buf.length) {
      this.flush();
      if (size > this.buf.length) this.buf = Buffer.allocUnsafe(size);
    }
    const at = this.n;
    this.n += size;
    this.starts.push(at);
    return at;
  }

  get buffer(): Buffer {
    return this.buf;
  }

  u32(v: number, at: number): void {
    if (this.le) this.buf.writeUInt32LE(v >>> 0, at);
    else this.buf.writeUInt32BE(v >>> 0, at);
  }

  u16(v: number, at: number): void {
    if (this.le) this.buf.writeUInt16LE(v & 0xffff, at);
    else this.buf.writeUInt16BE(v & 0xffff, at);
  }

  flush(): void {
    if (this.n === 0) return;
    const bytes = this.buf.subarray(0, this.n);
    const starts = this.starts;
    this.n = 0;
    this.starts = [];
    if (this.sink) {
      this.sink(Buffer.from(bytes)); // a copy: our buffer is reused
      return;
    }
    let done = 0;
    while (done < bytes.length) {
      try {
        done += fs.writeSync(this.fd, bytes, done, bytes.length - done);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') { sleepSync(1); continue; }
        this.cutToWholeBlocks(starts, done);
        throw writeError(this.label, err);
      }
    }
    this.written += bytes.length;
  }

  /**
   * After a failed write (a full disk): the file is cut back to its last complete block, so
   * that it reads cleanly up to the last packet that was written whole.
   */
  private cutToWholeBlocks(starts: number[], done: number): void {
    if (!this.ownsFd) return;
    let keep = 0;
    for (const b of starts) if (b <= done) keep = b;
    try { fs.ftruncateSync(this.fd, this.written + keep); } catch { /* not a regular file: nothing to cut */ }
    this.written += keep;
    this.n = 0;
    this.closed = true;
    try { fs.closeSync(this.fd); } catch { /* already failing */ }
    this.ownsFd = false;
  }

  close(): void {
    if (this.closed) return;
    try {
      this.flush();
    } finally {
      this.closed = true;
      if (this.ownsFd) {
        try {
          fs.closeSync(this.fd);
        } catch (err) {
          throw writeError(this.label, err);
        }
      }
    }
  }
}

function writeError(label: string, err: unknown): CaptureFileError {
  const e = err as NodeJS.ErrnoException;
  const reasons: Record<string, string> = {
    ENOENT: 'no such directory', EACCES: 'permission denied', EISDIR: 'it is a directory',
    ENOSPC: 'no space left on device', EROFS: 'read-only file system', EPIPE: 'the reader went away',
    EFBIG: 'file too large (the file size limit is reached)', EDQUOT: 'disk quota exceeded',
  };
  const reason = (e?.code && reasons[e.code]) ?? (e?.message ?? String(err));
  return new CaptureFileError(`cannot write capture file '${label}': ${reason}`);
}

function checkTimestamp(tsSec: number, tsNsec: number): void {
  if (!Number.isInteger(tsSec) || !Number.isInteger(tsNsec) || tsNsec < 0 || tsNsec >= 1e9) {
    throw new RangeError(`bad timestamp ${tsSec}.${tsNsec}: tsSec and tsNsec must be integers, 0 ≤ tsNsec < 1e9`);
  }
}

const pad4 = (n: number) => (n + 3) & ~3;

// ---------------------------------------------------------------------------------------------
// pcapng
// ---------------------------------------------------------------------------------------------

interface WriterInterface {
  snaplen: number;
  tsresol: number;
  tsoffset: number;
  units: bigint;
}

const textEncoder = new TextEncoder();

export class PcapngWriter {
  private readonly out: Output;
  private readonly interfaces: WriterInterface[] = [];

  constructor(target: Sink | string, opts: WriterOptions = {}) {
    this.out = new Output(target, (opts.byteOrder ?? 'le') === 'le');
    this.writeSectionHeader(opts.appName ?? 'mipscope');
  }

  private writeSectionHeader(appName: string): void {
    const app = textEncoder.encode(appName);
    const optionsLength = app.length > 0 ? 4 + pad4(app.length) + 4 : 0;
    const total = 28 + optionsLength;
    const out = this.out;
    const at = out.reserve(total);
    const b = out.buffer;
    b.writeUInt32BE(PCAPNG_SHB, at); // palindromic
    out.u32(total, at + 4);
    out.u32(PCAPNG_BYTE_ORDER_MAGIC, at + 8);
    out.u16(1, at + 12);
    out.u16(0, at + 14);
    b.fill(0xff, at + 16, at + 24); // section length unknown (-1)
    let p = at + 24;
    if (app.length > 0) p = this.option(p, 4, app);
    if (optionsLength > 0) p = this.endOfOptions(p);
    out.u32(total, p);
  }

  private option(p: number, code: number, value: Uint8Array): number {
    const out = this.out;
    out.u16(code, p);
    out.u16(value.length, p + 2);
    out.buffer.set(value, p + 4);
    out.buffer.fill(0, p + 4 + value.length, p + 4 + pad4(value.length));
    return p + 4 + pad4(value.length);
  }

  private endOfOptions(p: number): number {
    this.out.buffer.fill(0, p, p + 4);
    return p + 4;
  }

  /** Writes an IDB and returns its index (the ifIndex to pass to writePacket). */
  addInterface(iface: PcapngInterfaceOptions): number {
    const snaplen = iface.snaplen ?? DEFAULT_SNAPLEN;
    const tsresol = iface.tsresol ?? 6;
    const tsoffset = iface.tsoffset ?? 0;
    const res = resolutionOf(tsresol);
    if (!res) throw new RangeError(`unusable if_tsresol 0x${tsresol.toString(16)}`);
    if (!Number.isInteger(tsoffset)) throw new RangeError(`if_tsoffset must be an integer, not ${tsoffset}`);
    const options: [number, Uint8Array][] = [];
    if (iface.name !== undefined) options.push([2, textEncoder.encode(iface.name)]);
    if (iface.description !== undefined) options.push([3, textEncoder.encode(iface.description)]);
    if (tsresol !== 6) options.push([9, Uint8Array.of(tsresol)]);
    if (tsoffset !== 0) {
      const v = Buffer.alloc(8);
      if (this.out.le) v.writeBigInt64LE(BigInt(tsoffset));
      else v.writeBigInt64BE(BigInt(tsoffset));
      options.push([14, v]);
    }
    let optionsLength = 0;
    for (const [, v] of options) optionsLength += 4 + pad4(v.length);
    if (optionsLength > 0) optionsLength += 4;
    const total = 20 + optionsLength;
    const out = this.out;
    const at = out.reserve(total);
    out.u32(PCAPNG_IDB, at);
    out.u32(total, at + 4);
    out.u16(iface.linktype, at + 8);
    out.u16(0, at + 10);
    out.u32(snaplen, at + 12);
    let p = at + 16;
    for (const [code, v] of options) p = this.option(p, code, v);
    if (optionsLength > 0) p = this.endOfOptions(p);
    out.u32(total, p);
    this.interfaces.push({ snaplen, tsresol, tsoffset, units: res.units });
    return this.interfaces.length - 1;
  }

  /** Writes an Enhanced Packet Block. */
  writePacket(packet: PacketToWrite): void {
    const ifIndex = packet.ifIndex ?? 0;
    const iface = this.interfaces[ifIndex];
    if (!iface) throw new RangeError(`no interface ${ifIndex}: call addInterface first`);
    checkTimestamp(packet.tsSec, packet.tsNsec);
    const { high, low } = toUnits(packet.tsSec - iface.tsoffset, packet.tsNsec, iface);
    const data = iface.snaplen > 0 && packet.data.length > iface.snaplen ? packet.data.subarray(0, iface.snaplen) : packet.data;
    const total = 32 + pad4(data.length);
    const out = this.out;
    const at = out.reserve(total);
    const b = out.buffer;
    out.u32(PCAPNG_EPB, at);
    out.u32(total, at + 4);
    out.u32(ifIndex, at + 8);
    out.u32(high, at + 12);
    out.u32(low, at + 16);
    out.u32(data.length, at + 20);
    out.u32(packet.len ?? packet.data.length, at + 24);
    b.set(data, at + 28);
    b.fill(0, at + 28 + data.length, at + total - 4);
    out.u32(total, at + total - 4);
  }

  /**
   * Writes a Simple Packet Block (interface 0, no timestamp). Readers take its captured length
   * as min(len, snaplen of interface 0), so `data` is cut to that.
   */
  writeSimplePacket(packet: { data: Uint8Array; len?: number }): void {
    const iface = this.interfaces[0];
    if (!iface) throw new RangeError('a simple packet block needs interface 0: call addInterface first');
    const len = packet.len ?? packet.data.length;
    const caplen = Math.min(len, iface.snaplen > 0 ? iface.snaplen : len, packet.data.length);
    const total = 16 + pad4(caplen);
    const out = this.out;
    const at = out.reserve(total);
    out.u32(PCAPNG_SPB, at);
    out.u32(total, at + 4);
    out.u32(len, at + 8);
    out.buffer.set(packet.data.subarray(0, caplen), at + 12);
    out.buffer.fill(0, at + 12 + caplen, at + total - 4);
    out.u32(total, at + total - 4);
  }

  /** Writes any block (e.g. a custom or not-yet-known type) with `body` padded to 32 bits. */
  writeBlock(type: number, body: Uint8Array): void {
    const total = 12 + pad4(body.length);
    const out = this.out;
    const at = out.reserve(total);
    out.u32(type, at);
    out.u32(total, at + 4);
    out.buffer.set(body, at + 8);
    out.buffer.fill(0, at + 8 + body.length, at + total - 4);
    out.u32(total, at + total - 4);
  }

  /** Hands buffered bytes to the sink or file now. */
  flush(): void {
    this.out.flush();
  }

  close(): void {
    this.out.close();
  }
}

const NS = 1000000000n;

/** tsSec.tsNsec → 64-bit timestamp in the interface's units, split into two 32-bit words. */
function toUnits(tsSec: number, tsNsec: number, iface: WriterInterface): { high: number; low: number } {
  if (iface.tsresol === 6 && tsSec >= 0) {
    const ts = tsSec * 1e6 + Math.floor(tsNsec / 1000);
    if (ts <= Number.MAX_SAFE_INTEGER) return { high: Math.floor(ts / 4294967296), low: ts % 4294967296 };
  }
  const units = iface.units;
  const ns = BigInt(tsNsec);
  let fraction = (ns * units) / NS;
  // Prefer the unit count that reads back as exactly tsNsec (readers truncate), if there is one.
  if (units < NS && (fraction * NS) / units !== ns && ((fraction + 1n) * NS) / units === ns) fraction += 1n;
  const ts = BigInt(tsSec) * units + fraction;
  if (ts < 0n || ts >= 1n << 64n) throw new RangeError(`timestamp ${tsSec}.${tsNsec} does not fit a pcapng timestamp`);
  return { high: Number(ts >> 32n), low: Number(ts & 0xffffffffn) };
}

// ---------------------------------------------------------------------------------------------
// Classic pcap
// ---------------------------------------------------------------------------------------------

export interface PcapWriterOptions {
  linktype: number;
  snaplen?: number;
  /** Nanosecond magic (a1b23c4d) instead of microseconds. */
  nanosecond?: boolean;
  byteOrder?: ByteOrder;
}

export class PcapWriter {
  private readonly out: Output;
  private readonly snaplen: number;
  private readonly nanosecond: boolean;
  readonly linktype: number;

  constructor(target: Sink | string, opts: PcapWriterOptions) {
    this.out = new Output(target, (opts.byteOrder ?? 'le') === 'le');
    this.snaplen = opts.snaplen ?? DEFAULT_SNAPLEN;
    this.nanosecond = opts.nanosecond ?? false;
    this.linktype = opts.linktype;
    const out = this.out;
    const at = out.reserve(24);
    out.u32(this.nanosecond ? PCAP_MAGIC_NS : PCAP_MAGIC_US, at);
    out.u16(2, at + 4);
    out.u16(4, at + 6);
    out.u32(0, at + 8); // thiszone
    out.u32(0, at + 12); // sigfigs
    out.u32(this.snaplen, at + 16);
    out.u32(opts.linktype, at + 20);
  }

  writePacket(packet: Omit<PacketToWrite, 'ifIndex'>): void {
    checkTimestamp(packet.tsSec, packet.tsNsec);
    if (packet.tsSec < 0 || packet.tsSec > 0xffffffff) {
      throw new RangeError(`timestamp ${packet.tsSec} does not fit a pcap record (32-bit seconds)`);
    }
    const data = this.snaplen > 0 && packet.data.length > this.snaplen ? packet.data.subarray(0, this.snaplen) : packet.data;
    const out = this.out;
    const at = out.reserve(16 + data.length);
    out.u32(packet.tsSec, at);
    out.u32(this.nanosecond ? packet.tsNsec : Math.floor(packet.tsNsec / 1000), at + 4);
    out.u32(data.length, at + 8);
    out.u32(packet.len ?? packet.data.length, at + 12);
    out.buffer.set(data, at + 16);
  }

  flush(): void {
    this.out.flush();
  }

  close(): void {
    this.out.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Frame-level convenience: any frames in, a file or a buffer out.
// ---------------------------------------------------------------------------------------------

export type WriteFormat = 'pcapng' | 'pcap' | 'pcap-ns';

export interface FrameWriterOptions extends WriterOptions {
  /** pcapng if_tsresol for the interfaces it creates (default 9: nanoseconds, exact). */
  tsresol?: number;
  snaplen?: number;
  /**
   * Interfaces of the file the frames came from (CaptureInfo.interfaces): IDBs then copy
   * their link type, snaplen, name and resolution. Frames are matched by ifIndex + linktype.
   */
  interfaces?: InterfaceInfo[];
  /** For 'pcap': the link type to use when no frame has been written yet (header is written first). */
  linktype?: number;
}

export interface FrameWriter {
  write(frame: FrameLike): void;
  close(): void;
}

/**
 * A writer that takes frames as read. pcapng gets one IDB per distinct (ifIndex, linktype),
 * created on first use; pcap needs a single link type and throws CaptureFileError otherwise.
 */
export function createFrameWriter(target: Sink | string, format: WriteFormat, opts: FrameWriterOptions = {}): FrameWriter {
  const label = typeof target === 'string' ? target : 'output';
  if (format === 'pcapng') {
    let writer: PcapngWriter | null = null;
    const ids = new Map<string, number>();
    const open = () => (writer ??= new PcapngWriter(target, opts));
    return {
      write(frame) {
        const w = open();
        const ifIndex = frame.ifIndex ?? 0;
        const key = `${ifIndex}:${frame.linktype}`;
        let id = ids.get(key);
        if (id === undefined) {
          const known = opts.interfaces?.find((i) => i.index === ifIndex && i.linktype === frame.linktype);
          id = w.addInterface({
            linktype: frame.linktype,
            snaplen: known?.snaplen ?? opts.snaplen,
            name: known?.name,
            description: known?.description,
            tsresol: known ? known.tsresol : (opts.tsresol ?? 9),
          });
          ids.set(key, id);
        }
        w.writePacket({ ifIndex: id, tsSec: frame.tsSec, tsNsec: frame.tsNsec, data: frame.data, len: frame.len });
      },
      close() {
        open().close();
      },
    };
  }
  let writer: PcapWriter | null = null;
  const open = (linktype: number) =>
    (writer ??= new PcapWriter(target, {
      linktype, snaplen: opts.snaplen, nanosecond: format === 'pcap-ns', byteOrder: opts.byteOrder,
    }));
  return {
    write(frame) {
      const w = open(frame.linktype);
      if (frame.linktype !== w.linktype) {
        throw new CaptureFileError(
          `cannot write '${label}' as pcap: it would hold link types ${w.linktype} and ${frame.linktype}, but pcap holds only one — write pcapng instead`,
        );
      }
      w.writePacket({ tsSec: frame.tsSec, tsNsec: frame.tsNsec, data: frame.data, len: frame.len });
    },
    close() {
      open(opts.linktype ?? opts.interfaces?.[0]?.linktype ?? 1).close();
    },
  };
}

function checkSingleLinktype(frames: readonly FrameLike[], label: string): void {
  const types = [...new Set(frames.map((f) => f.linktype))];
  if (types.length > 1) {
    throw new CaptureFileError(
      `cannot write '${label}' as pcap: the frames have link types ${types.join(', ')}, but pcap holds only one — write pcapng instead`,
    );
  }
}

/** Writes frames to a file ('-' = standard output). Format defaults from the extension. */
export function writeCaptureFile(
  path: string, frames: readonly FrameLike[], format: WriteFormat = path.endsWith('.pcap') ? 'pcap' : 'pcapng',
  opts: FrameWriterOptions = {},
): void {
  if (format !== 'pcapng') checkSingleLinktype(frames, path);
  const writer = createFrameWriter(path, format, { ...opts, linktype: opts.linktype ?? frames[0]?.linktype });
  for (const frame of frames) writer.write(frame);
  writer.close();
}

function collect(fill: (sink: Sink) => void): Buffer {
  const chunks: Uint8Array[] = [];
  fill((c) => chunks.push(c));
  return Buffer.concat(chunks);
}

/** pcapng bytes for frames: one IDB per distinct (ifIndex, linktype), nanosecond timestamps by default. */
export function encodePcapng(frames: readonly FrameLike[], opts: FrameWriterOptions = {}): Buffer {
  return collect((sink) => {
    const writer = createFrameWriter(sink, 'pcapng', opts);
    for (const frame of frames) writer.write(frame);
    writer.close();
  });
}

/** Classic pcap bytes for frames of one link type (µs unless `nanosecond`). */
export function encodePcap(
  frames: readonly FrameLike[],
  opts: { nanosecond?: boolean; byteOrder?: ByteOrder; snaplen?: number; linktype?: number } = {},
): Buffer {
  checkSingleLinktype(frames, 'buffer');
  return collect((sink) => {
    const writer = createFrameWriter(sink, opts.nanosecond ? 'pcap-ns' : 'pcap', {
      byteOrder: opts.byteOrder, snaplen: opts.snaplen, linktype: opts.linktype ?? frames[0]?.linktype,
    });
    for (const frame of frames) writer.write(frame);
    writer.close();
  });
}
