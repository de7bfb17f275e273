/**
 * Record parsers for classic pcap (µs and ns) and pcapng, written once and driven two ways:
 * synchronously over a whole-file buffer (zero copies, frames are subarrays) and
 * asynchronously over a stream (read.ts). A parser never reads past the bytes it is given;
 * it asks for more by returning a negative count.
 *
 * References: draft-ietf-opsawg-pcap (classic pcap), draft-ietf-opsawg-pcapng (pcapng).
 */
import {
  CaptureFileError,
  MAX_RECORD_LENGTH,
  type CaptureFormat,
  type CaptureInfo,
  type Frame,
  type InterfaceInfo,
  type ReadOptions,
} from './frame.js';

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
export const PCAP_MAGIC_KUZNETZOV = 0xa1b2cd34;
export const PCAPNG_SHB = 0x0a0d0d0a;
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;

export const PCAPNG_IDB = 0x00000001;
export const PCAPNG_PB = 0x00000002; // obsolete Packet Block
export const PCAPNG_SPB = 0x00000003;
export const PCAPNG_EPB = 0x00000006;

const TWO_32 = 4294967296;
/** Largest high word for which high·2^32 + low is still an exact double (< 2^53). */
const MAX_EXACT_HIGH = 0x1fffff;

/**
 * A parser consumes one unit (file header, record or block) per step:
 *  - returns n > 0: n bytes consumed; `frame` is the frame produced, or null;
 *  - returns 0: at least `need` bytes (counted from `off`) are needed to go on;
 *  - throws CaptureFileError on corrupt data.
 * (No negative "need" return: a unary minus seen only at end of file deoptimizes the loop.)
 */
export interface RecordParser {
  readonly format: CaptureFormat;
  frame: Frame | null;
  need: number;
  step(buf: Uint8Array, off: number, end: number, pos: number): number;
  /** The error for input that ends after `avail` bytes of the current unit (avail > 0). */
  truncated(buf: Uint8Array, off: number, avail: number, pos: number): CaptureFileError;
}

/** The 4 bytes at the start of a file, as a big-endian number. */
export function magicOf(buf: Uint8Array): number {
  return ((buf[0]! << 24) | (buf[1]! << 16) | (buf[2]! << 8) | buf[3]!) >>> 0;
}

function hex32(n: number): string {
  return '0x' + n.toString(16).padStart(8, '0');
}

/** Classic pcap magic → format, or null. */
export function pcapMagicFormat(magic: number): { format: CaptureFormat; le: boolean } | null {
  switch (magic) {
    case PCAP_MAGIC_US: return { format: 'pcap', le: false };
    case swap32(PCAP_MAGIC_US): return { format: 'pcap', le: true };
    case PCAP_MAGIC_NS: return { format: 'pcap-ns', le: false };
    case swap32(PCAP_MAGIC_NS): return { format: 'pcap-ns', le: true };
    default: return null;
  }
}

export function swap32(n: number): number {
  return (((n & 0xff) << 24) | ((n & 0xff00) << 8) | ((n >>> 8) & 0xff00) | (n >>> 24)) >>> 0;
}

/** Picks the parser for a file from its first 4 bytes, or throws the "not a capture" error. */
export function createParser(first4: Uint8Array, path: string, opts: ReadOptions): RecordParser {
  const magic = magicOf(first4);
  const classic = pcapMagicFormat(magic);
  if (classic) return new PcapParser(path, classic.format === 'pcap-ns', opts);
  if (magic === PCAPNG_SHB) return new PcapngParser(path, opts);
  if (magic === PCAP_MAGIC_KUZNETZOV || magic === swap32(PCAP_MAGIC_KUZNETZOV)) {
    throw new CaptureFileError(
      `'${path}' is a modified (Kuznetzov) pcap file, which is not supported; convert it with: editcap -F pcapng '${path}' out.pcapng`,
    );
  }
  throw new CaptureFileError(`'${path}' is not a pcap or pcapng capture file (magic ${hex32(magic)})`);
}

function u32(buf: Uint8Array, off: number, le: boolean): number {
  return le
    ? (buf[off]! | (buf[off + 1]! << 8) | (buf[off + 2]! << 16) | (buf[off + 3]! << 24)) >>> 0
    : ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0;
}

function u16(buf: Uint8Array, off: number, le: boolean): number {
  return le ? buf[off]! | (buf[off + 1]! << 8) : (buf[off]! << 8) | buf[off + 1]!;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

// ---------------------------------------------------------------------------------------------
// Classic pcap
// ---------------------------------------------------------------------------------------------

export const PCAP_FILE_HEADER_LENGTH = 24;
export const PCAP_RECORD_HEADER_LENGTH = 16;

export class PcapParser implements RecordParser {
  readonly format: CaptureFormat;
  frame: Frame | null = null;
  need = 0;
  private headerDone = false;
  private le = true;
  private linktype = 0;
  private no = 0;
  private readonly fractionPerSecond: number;
  private readonly nsPerFraction: number;

  constructor(
    private readonly path: string,
    nanosecond: boolean,
    private readonly opts: ReadOptions,
  ) {
    this.format = nanosecond ? 'pcap-ns' : 'pcap';
    this.fractionPerSecond = nanosecond ? 1e9 : 1e6;
    this.nsPerFraction = nanosecond ? 1 : 1000;
  }

  step(buf: Uint8Array, off: number, end: number, pos: number): number {
    const avail = end - off;
    if (!this.headerDone) {
      if (avail < PCAP_FILE_HEADER_LENGTH) { this.need = PCAP_FILE_HEADER_LENGTH; return 0; }
      const le = buf[off] !== 0xa1; // magic already vetted by createParser
      const major = u16(buf, off + 4, le);
      const minor = u16(buf, off + 6, le);
      if (major !== 2) {
        throw new CaptureFileError(
          `capture file '${this.path}' is pcap version ${major}.${minor}; only version 2.x is supported`,
        );
      }
      const snaplen = u32(buf, off + 16, le);
      // The top bits of the link-type field carry FCS information (LT_LINKTYPE in libpcap).
      const linktype = u32(buf, off + 20, le) & 0x03ffffff;
      this.le = le;
      this.linktype = linktype;
      this.headerDone = true;
      const iface: InterfaceInfo = {
        index: 0, linktype, snaplen, tsresol: this.format === 'pcap-ns' ? 9 : 6, tsoffset: 0, section: 0,
      };
      const info: CaptureInfo = {
        path: this.path, format: this.format, byteOrder: le ? 'le' : 'be', version: `${major}.${minor}`,
        interfaces: [iface],
      };
      this.opts.onInfo?.(info);
      this.opts.onInterface?.(iface);
      this.frame = null;
      return PCAP_FILE_HEADER_LENGTH;
    }
    if (avail < PCAP_RECORD_HEADER_LENGTH) { this.need = PCAP_RECORD_HEADER_LENGTH; return 0; }
    const le = this.le;
    const caplen = u32(buf, off + 8, le);
    if (caplen > MAX_RECORD_LENGTH) {
      throw new CaptureFileError(
        `capture file '${this.path}' is corrupt: packet ${this.no + 1} at offset ${pos} claims ${caplen} captured bytes (more than ${MAX_RECORD_LENGTH})`,
      );
    }
    const total = PCAP_RECORD_HEADER_LENGTH + caplen;
    if (avail < total) { this.need = total; return 0; }
    let tsSec = u32(buf, off, le);
    let fraction = u32(buf, off + 4, le);
    if (fraction >= this.fractionPerSecond) {
      // Out-of-range fraction: carry into seconds so that tsNsec stays < 1e9.
      tsSec += Math.floor(fraction / this.fractionPerSecond);
      fraction %= this.fractionPerSecond;
    }
    const dataStart = off + PCAP_RECORD_HEADER_LENGTH;
    this.frame = {
      no: ++this.no,
      tsSec,
      tsNsec: fraction * this.nsPerFraction,
      linktype: this.linktype,
      caplen,
      len: u32(buf, off + 12, le),
      data: buf.subarray(dataStart, dataStart + caplen),
      ifIndex: 0,
    };
    return total;
  }

  truncated(buf: Uint8Array, off: number, avail: number, _pos: number): CaptureFileError {
    if (!this.headerDone) {
      return new CaptureFileError(
        `capture file '${this.path}' is cut short in the file header (${avail} of ${PCAP_FILE_HEADER_LENGTH} bytes)`,
      );
    }
    const n = this.no + 1;
    if (avail < PCAP_RECORD_HEADER_LENGTH) {
      return new CaptureFileError(
        `capture file '${this.path}' is cut short in the record header of packet ${n} (${avail} of ${PCAP_RECORD_HEADER_LENGTH} bytes)`,
      );
    }
    const caplen = u32(buf, off + 8, this.le);
    return pcapTruncatedInData(this.path, n, caplen, avail - PCAP_RECORD_HEADER_LENGTH);
  }
}

/** Shared with the pcap-parser path so both report a cut-off packet in the same words. */
export function pcapTruncatedInData(path: string, n: number, caplen: number, remain: number): CaptureFileError {
  return new CaptureFileError(
    `capture file '${path}' is cut short in the middle of packet ${n} (record header says ${caplen} bytes, ${remain} remain)`,
  );
}

// ---------------------------------------------------------------------------------------------
// pcapng
// ---------------------------------------------------------------------------------------------

/** if_tsresol → how to turn a 64-bit timestamp into seconds + nanoseconds. */
export interface Resolution {
  /** Units per second as a number when it is 10^k with k ≤ 9 (fast exact path), else 0. */
  unitsNumber: number;
  /** Nanoseconds per unit on the fast path. */
  nsPerUnit: number;
  units: bigint;
}

export function resolutionOf(tsresol: number): Resolution | null {
  const exponent = tsresol & 0x7f;
  if (tsresol & 0x80) {
    if (exponent > 63) return null;
    return { unitsNumber: 0, nsPerUnit: 0, units: 1n << BigInt(exponent) };
  }
  if (exponent > 19) return null; // 10^20 units per second no longer fits the 64-bit counter's purpose
  if (exponent <= 9) {
    const unitsNumber = 10 ** exponent;
    return { unitsNumber, nsPerUnit: 1e9 / unitsNumber, units: BigInt(unitsNumber) };
  }
  return { unitsNumber: 0, nsPerUnit: 0, units: 10n ** BigInt(exponent) };
}

const NS_PER_SECOND = 1000000000n;

interface SectionInterface {
  info: InterfaceInfo;
  res: Resolution;
}

const OPT_ENDOFOPT = 0;
const OPT_SHB_HARDWARE = 2;
const OPT_SHB_OS = 3;
const OPT_SHB_USERAPPL = 4;
const OPT_IF_NAME = 2;
const OPT_IF_DESCRIPTION = 3;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

const textDecoder = new TextDecoder('utf-8', { fatal: false });

export class PcapngParser implements RecordParser {
  readonly format: CaptureFormat = 'pcapng';
  frame: Frame | null = null;
  need = 0;
  private le = true;
  private section = -1;
  private ifaces: SectionInterface[] = [];
  private info: CaptureInfo | null = null;
  private no = 0;
  private blockNo = 0;

  constructor(private readonly path: string, private readonly opts: ReadOptions) {}

  private corrupt(what: string, pos: number): CaptureFileError {
    return new CaptureFileError(
      `capture file '${this.path}' is corrupt: ${what} (block ${this.blockNo + 1} at offset ${pos}, after packet ${this.no})`,
    );
  }

  step(buf: Uint8Array, off: number, end: number, pos: number): number {
    const avail = end - off;
    if (avail < 12) { this.need = 12; return 0; }
    let le = this.le;
    const typeBE = u32(buf, off, false);
    if (typeBE === PCAPNG_SHB) {
      // The byte-order magic decides how this section (including this block's length) is read.
      const bom = u32(buf, off + 8, false);
      if (bom === PCAPNG_BYTE_ORDER_MAGIC) le = false;
      else if (bom === swap32(PCAPNG_BYTE_ORDER_MAGIC)) le = true;
      else throw this.corrupt(`section header has a bad byte-order magic ${hex32(bom)}`, pos);
    } else if (this.section < 0) {
      throw this.corrupt('the file does not start with a section header block', pos);
    }
    const type = u32(buf, off, le);
    const total = u32(buf, off + 4, le);
    if (total < 12 || total % 4 !== 0) {
      throw this.corrupt(`block total length ${total} is ${total < 12 ? 'less than 12' : 'not a multiple of 4'}`, pos);
    }
    if (total > MAX_RECORD_LENGTH) {
      throw this.corrupt(`block total length ${total} is larger than ${MAX_RECORD_LENGTH}`, pos);
    }
    if (avail < total) { this.need = total; return 0; }
    const trailer = u32(buf, off + total - 4, le);
    if (trailer !== total) {
      throw this.corrupt(`block total length ${total} does not match its trailing copy ${trailer}`, pos);
    }
    this.frame = null;
    switch (type) {
      case PCAPNG_SHB:
        this.sectionHeader(buf, off, total, le, pos);
        break;
      case PCAPNG_IDB:
        this.interfaceDescription(buf, off, total, pos);
        break;
      case PCAPNG_EPB:
        this.enhancedPacket(buf, off, total, pos);
        break;
      case PCAPNG_SPB:
        this.simplePacket(buf, off, total, pos);
        break;
      case PCAPNG_PB:
        this.obsoletePacket(buf, off, total, pos);
        break;
      default:
        // ISB, NRB, DSB, custom and unknown blocks carry no packets: skip them. (tshark 4.0
        // lists Custom Blocks 0x00000BAD/0x40000BAD as frames, so its numbers run ahead of ours
        // after one; real captures rarely carry them.)
        break;
    }
    this.blockNo++;
    return total;
  }

  private sectionHeader(buf: Uint8Array, off: number, total: number, le: boolean, pos: number): void {
    if (total < 28) throw this.corrupt(`section header block length ${total} is less than 28`, pos);
    const major = u16(buf, off + 12, le);
    const minor = u16(buf, off + 14, le);
    if (major !== 1) {
      throw new CaptureFileError(
        `capture file '${this.path}' has a pcapng section of version ${major}.${minor} at offset ${pos}; only version 1.x is supported`,
      );
    }
    this.le = le;
    this.section++;
    this.ifaces = [];
    if (this.info === null) {
      const info: CaptureInfo = {
        path: this.path, format: 'pcapng', byteOrder: le ? 'le' : 'be', version: `${major}.${minor}`, interfaces: [],
      };
      this.forEachOption(buf, off + 24, off + total - 4, pos, (code, vOff, vLen) => {
        const text = () => textDecoder.decode(buf.subarray(vOff, vOff + vLen)).replace(/\0+$/, '');
        if (code === OPT_SHB_HARDWARE) info.hardware = text();
        else if (code === OPT_SHB_OS) info.os = text();
        else if (code === OPT_SHB_USERAPPL) info.application = text();
      });
      this.info = info;
      this.opts.onInfo?.(info);
    } else {
      this.forEachOption(buf, off + 24, off + total - 4, pos, () => {});
    }
  }

  private interfaceDescription(buf: Uint8Array, off: number, total: number, pos: number): void {
    if (total < 20) throw this.corrupt(`interface description block length ${total} is less than 20`, pos);
    const le = this.le;
    const info: InterfaceInfo = {
      index: this.info!.interfaces.length,
      linktype: u16(buf, off + 8, le),
      snaplen: u32(buf, off + 12, le),
      tsresol: 6,
      tsoffset: 0,
      section: this.section,
    };
    this.forEachOption(buf, off + 16, off + total - 4, pos, (code, vOff, vLen) => {
      switch (code) {
        case OPT_IF_NAME:
          info.name = textDecoder.decode(buf.subarray(vOff, vOff + vLen)).replace(/\0+$/, '');
          break;
        case OPT_IF_DESCRIPTION:
          info.description = textDecoder.decode(buf.subarray(vOff, vOff + vLen)).replace(/\0+$/, '');
          break;
        case OPT_IF_TSRESOL:
          if (vLen !== 1) throw this.corrupt(`if_tsresol option has length ${vLen}, not 1`, pos);
          info.tsresol = buf[vOff]!;
          break;
        case OPT_IF_TSOFFSET: {
          if (vLen !== 8) throw this.corrupt(`if_tsoffset option has length ${vLen}, not 8`, pos);
          const lo = u32(buf, vOff + (le ? 0 : 4), le);
          const hi = u32(buf, vOff + (le ? 4 : 0), le) | 0; // signed
          info.tsoffset = hi * TWO_32 + lo;
          break;
        }
      }
    });
    const res = resolutionOf(info.tsresol);
    if (!res) throw this.corrupt(`interface ${info.index} has an unusable if_tsresol 0x${info.tsresol.toString(16)}`, pos);
    this.ifaces.push({ info, res });
    this.info!.interfaces.push(info);
    this.opts.onInterface?.(info);
  }

  /** Walks an options list; the callback sees each option's code and value range. */
  private forEachOption(
    buf: Uint8Array, start: number, end: number, pos: number,
    visit: (code: number, valueOff: number, valueLen: number) => void,
  ): void {
    const le = this.le;
    let p = start;
    while (p + 4 <= end) {
      const code = u16(buf, p, le);
      const len = u16(buf, p + 2, le);
      if (code === OPT_ENDOFOPT) return;
      if (p + 4 + len > end) throw this.corrupt(`option ${code} runs past the end of its block`, pos);
      visit(code, p + 4, len);
      p += 4 + ((len + 3) & ~3);
    }
  }

  private iface(id: number, pos: number): SectionInterface {
    const iface = this.ifaces[id];
    if (!iface) {
      throw this.corrupt(
        `packet refers to interface ${id}, but its section has ${plural(this.ifaces.length, 'interface')}`, pos,
      );
    }
    return iface;
  }

  private emit(
    iface: SectionInterface, high: number, low: number, timestamped: boolean,
    data: Uint8Array, len: number,
  ): void {
    let tsSec = 0;
    let tsNsec = 0;
    if (timestamped) {
      const res = iface.res;
      if (res.unitsNumber !== 0 && high <= MAX_EXACT_HIGH) {
        const units = res.unitsNumber;
        const ts = high * TWO_32 + low;
        let sec = Math.floor(ts / units);
        let rem = ts - sec * units;
        // Float division may land one off; fix it exactly (all values here are < 2^53).
        if (rem < 0) { sec--; rem += units; } else if (rem >= units) { sec++; rem -= units; }
        tsSec = sec;
        tsNsec = rem * res.nsPerUnit;
      } else {
        const ts = (BigInt(high) << 32n) | BigInt(low);
        tsSec = Number(ts / res.units);
        tsNsec = Number(((ts % res.units) * NS_PER_SECOND) / res.units);
      }
      tsSec += iface.info.tsoffset;
    }
    this.frame = {
      no: ++this.no, tsSec, tsNsec, linktype: iface.info.linktype, caplen: data.length, len, data,
      ifIndex: iface.info.index,
    };
  }

  private enhancedPacket(buf: Uint8Array, off: number, total: number, pos: number): void {
    if (total < 32) throw this.corrupt(`enhanced packet block length ${total} is less than 32`, pos);
    const le = this.le;
    const iface = this.iface(u32(buf, off + 8, le), pos);
    const caplen = u32(buf, off + 20, le);
    if (caplen > total - 32) {
      throw this.corrupt(`enhanced packet block of ${total} bytes cannot hold ${caplen} captured bytes`, pos);
    }
    this.emit(iface, u32(buf, off + 12, le), u32(buf, off + 16, le), true,
      buf.subarray(off + 28, off + 28 + caplen), u32(buf, off + 24, le));
  }

  private simplePacket(buf: Uint8Array, off: number, total: number, pos: number): void {
    if (total < 16) throw this.corrupt(`simple packet block length ${total} is less than 16`, pos);
    const iface = this.iface(0, pos);
    const len = u32(buf, off + 8, this.le);
    // The SPB has no captured-length field: it is min(original length, IDB 0 snaplen).
    const snaplen = iface.info.snaplen;
    const caplen = snaplen !== 0 && snaplen < len ? snaplen : len;
    if (caplen > total - 16) {
      throw this.corrupt(`simple packet block of ${total} bytes cannot hold ${caplen} captured bytes`, pos);
    }
    this.emit(iface, 0, 0, false, buf.subarray(off + 12, off + 12 + caplen), len);
  }

  private obsoletePacket(buf: Uint8Array, off: number, total: number, pos: number): void {
    if (total < 32) throw this.corrupt(`packet block length ${total} is less than 32`, pos);
    const le = this.le;
    const iface = this.iface(u16(buf, off + 8, le), pos);
    const caplen = u32(buf, off + 20, le);
    if (caplen > total - 32) {
      throw this.corrupt(`packet block of ${total} bytes cannot hold ${caplen} captured bytes`, pos);
    }
    this.emit(iface, u32(buf, off + 12, le), u32(buf, off + 16, le), true,
      buf.subarray(off + 28, off + 28 + caplen), u32(buf, off + 24, le));
  }

  truncated(buf: Uint8Array, off: number, avail: number, pos: number): CaptureFileError {
    let what: string;
    if (avail < 12) {
      what = `a block header (${avail} of at least 12 bytes)`;
    } else {
      let le = this.le;
      if (u32(buf, off, false) === PCAPNG_SHB) le = u32(buf, off + 8, false) !== PCAPNG_BYTE_ORDER_MAGIC;
      const type = u32(buf, off, le);
      const total = u32(buf, off + 4, le);
      const kind = BLOCK_NAMES[type] ?? `block of type ${hex32(type)}`;
      const isPacket = type === PCAPNG_EPB || type === PCAPNG_SPB || type === PCAPNG_PB;
      what = `${isPacket ? `packet ${this.no + 1} (${kind})` : `a ${kind}`} (block length says ${total} bytes, ${avail} remain)`;
    }
    return new CaptureFileError(`capture file '${this.path}' is cut short in the middle of ${what} at offset ${pos}`);
  }
}

const BLOCK_NAMES: Record<number, string> = {
  [PCAPNG_SHB]: 'section header block',
  [PCAPNG_IDB]: 'interface description block',
  [PCAPNG_PB]: 'packet block',
  [PCAPNG_SPB]: 'simple packet block',
  4: 'name resolution block',
  5: 'interface statistics block',
  [PCAPNG_EPB]: 'enhanced packet block',
  10: 'decryption secrets block',
};
