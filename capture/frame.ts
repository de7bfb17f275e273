/**
 * One captured frame as the rest of mipscope sees it: bytes plus where and when they were
 * captured. No protocol knowledge lives here (DESIGN.md, "capture/").
 */
export interface Frame {
  /** Frame number, starting at 1, in file order (across pcapng sections). */
  no: number;
  /** Seconds since the epoch (unsigned in pcap; pcapng may add if_tsoffset). */
  tsSec: number;
  /** Nanoseconds within the second, 0 ≤ tsNsec < 1e9. */
  tsNsec: number;
  /** LINKTYPE_* value (1 Ethernet, 101 raw IP, 113 Linux cooked, …). */
  linktype: number;
  /** Number of bytes captured, always data.length. */
  caplen: number;
  /** Length of the packet on the wire (may exceed caplen when the capture was snapped). */
  len: number;
  /** The captured bytes: a view into the reader's read buffer (no copy). Copy it to keep it
   *  long-term, or it pins the whole 256 KiB read chunk. */
  data: Uint8Array;
  /** Interface number: 0 for pcap; for pcapng the file-wide index of the IDB (0, 1, …). */
  ifIndex: number;
}

/** Everything that can go wrong with a capture file, as one human-readable line. */
export class CaptureFileError extends Error {
  override name = 'CaptureFileError';
}

export type CaptureFormat = 'pcap' | 'pcap-ns' | 'pcapng';

/** One capture interface: the single implicit one of a pcap file, or a pcapng IDB. */
export interface InterfaceInfo {
  /** File-wide index, the value of Frame.ifIndex for its packets. */
  index: number;
  linktype: number;
  /** 0 means "no limit". */
  snaplen: number;
  /** if_name, when the IDB has one. */
  name?: string;
  /** if_description, when the IDB has one. */
  description?: string;
  /** Raw if_tsresol byte: 6 = microseconds, 9 = nanoseconds, 0x80|n = 2^-n seconds. */
  tsresol: number;
  /** if_tsoffset in seconds (0 when absent). */
  tsoffset: number;
  /** pcapng section number (0-based), 0 for pcap. */
  section: number;
}

/** What the reader learned about the file. The same object is updated as pcapng IDBs appear. */
export interface CaptureInfo {
  path: string;
  format: CaptureFormat;
  /** Byte order of the file (pcapng: of the first section). */
  byteOrder: 'le' | 'be';
  /** Format version, e.g. "2.4" for pcap, "1.0" for pcapng. */
  version: string;
  interfaces: InterfaceInfo[];
  /** shb_userappl / shb_hardware / shb_os of the first section, when present. */
  application?: string;
  hardware?: string;
  os?: string;
}

export interface ReadOptions {
  /** Called once, as soon as the format is known (before the first frame). */
  onInfo?: (info: CaptureInfo) => void;
  /** Called for each interface as it is discovered (pcap: once; pcapng: per IDB). */
  onInterface?: (iface: InterfaceInfo) => void;
  /**
   * Which engine parses classic microsecond pcap: the `pcap-parser` package or the direct
   * parser used for the other formats. Default: 'direct' for files (fast, zero-copy) and
   * 'pcap-parser' for standard input and other streams. Both give identical frames and errors.
   */
  pcapEngine?: 'direct' | 'pcap-parser';
  /** Called after each chunk read from a file: bytes read so far and the file size (-1 if unknown). */
  onRead?: (bytesRead: number, totalBytes: number) => void;
  /**
   * readCaptureSync only: called before each frame with the file position of its first data
   * byte (-1 when unknown), so a viewer can read that frame again later without keeping it.
   */
  onFrameOffset?: (dataOffset: number) => void;
}

/** Largest record we accept; a bigger length field means the file is corrupt. */
export const MAX_RECORD_LENGTH = 256 * 1024 * 1024;
