// Where the TUI finds a frame again: per frame only an offset index and the few numbers a
// Frame needs (a file capture is read back from disk on demand; a live one keeps copies).
import * as fs from 'node:fs';
import type { Frame } from '../../capture/frame.js';
import { grown } from '../../dissector/columns.js';

export { grown };

/** Growable typed columns, indexed by frame number (1-based). */
export class FrameIndex {
  count = 0;
  private offset = new Float64Array(1024);
  private tsSec = new Float64Array(1024);
  private tsNsec = new Uint32Array(1024);
  private caplen = new Uint32Array(1024);
  private len = new Uint32Array(1024);
  private linktype = new Uint16Array(1024);
  private ifIndex = new Uint16Array(1024);

  add(f: Frame, offset: number): void {
    const i = f.no;
    if (i >= this.offset.length) this.grow(i);
    this.offset[i] = offset; this.tsSec[i] = f.tsSec; this.tsNsec[i] = f.tsNsec;
    this.caplen[i] = f.caplen; this.len[i] = f.len; this.linktype[i] = f.linktype; this.ifIndex[i] = f.ifIndex;
    if (i > this.count) this.count = i;
  }

  /** The frame `no` with `data` filled in by the caller's bytes. */
  frame(no: number, data: Uint8Array): Frame {
    return { no, tsSec: this.tsSec[no]!, tsNsec: this.tsNsec[no]!, linktype: this.linktype[no]!, caplen: this.caplen[no]!, len: this.len[no]!, data, ifIndex: this.ifIndex[no]! };
  }

  offsetOf(no: number): number { return this.offset[no]!; }
  caplenOf(no: number): number { return this.caplen[no]!; }
  lenOf(no: number): number { return this.len[no]!; }

  private grow(no: number): void {
    this.offset = grown(this.offset, no); this.tsSec = grown(this.tsSec, no); this.tsNsec = grown(this.tsNsec, no);
    this.caplen = grown(this.caplen, no); this.len = grown(this.len, no);
    this.linktype = grown(this.linktype, no); this.ifIndex = grown(this.ifIndex, no);
  }

  /** Bytes per frame the index holds. */
  static readonly BYTES_PER_FRAME = 8 + 8 + 4 + 4 + 4 + 2 + 2;
}

/** Gives frames back by number. */
export interface FrameStore {
  readonly index: FrameIndex;
  add(f: Frame, offset: number): void;
  get(no: number): Frame | undefined;
  close(): void;
}

/** Bytes read at once when frames are asked for in order (a filter or conformance pass). */
const WINDOW = 1 << 20;

/** Frames of a capture file, read back at their offsets. */
export class FileFrameStore implements FrameStore {
  readonly index = new FrameIndex();
  private fd: number;
  /** The file's bytes from `windowAt`, read when frames are asked for in order. */
  private window = new Uint8Array(0);
  private windowAt = 0;
  private windowLen = 0;
  private lastNo = -1;
  constructor(readonly path: string) { this.fd = fs.openSync(path, 'r'); }
  add(f: Frame, offset: number): void { this.index.add(f, offset); }
  get(no: number): Frame | undefined {
    if (no < 1 || no > this.index.count || this.fd < 0) return undefined;
    const off = this.index.offsetOf(no);
    if (off < 0) return undefined;
    const len = this.index.caplenOf(no);
    const sequential = no === this.lastNo + 1;
    this.lastNo = no;
    // In order: one read per window of frames, not one per frame. A frame's bytes are copied
    // out, so nothing that keeps them holds the window.
    if (sequential && len <= WINDOW && (off < this.windowAt || off + len > this.windowAt + this.windowLen)) {
      if (this.window.length < WINDOW) this.window = new Uint8Array(WINDOW);
      this.windowAt = off;
      this.windowLen = this.readAt(this.window, off);
    }
    if (off >= this.windowAt && off + len <= this.windowAt + this.windowLen) {
      return this.index.frame(no, this.window.slice(off - this.windowAt, off - this.windowAt + len));
    }
    const data = new Uint8Array(len);
    return this.index.frame(no, data.subarray(0, this.readAt(data, off)));
  }
  /** Fills `buf` from the file at `off` (less at the end of the file); returns the bytes read. */
  private readAt(buf: Uint8Array, off: number): number {
    let got = 0;
    while (got < buf.length) {
      const n = fs.readSync(this.fd, buf, got, buf.length - got, off + got);
      if (n === 0) break;
      got += n;
    }
    return got;
  }
  close(): void { if (this.fd >= 0) { fs.closeSync(this.fd); this.fd = -1; } }
}

/** Frames kept in memory (live capture, standard input, tests). */
export class MemoryFrameStore implements FrameStore {
  readonly index = new FrameIndex();
  private readonly data: Uint8Array[] = [];
  add(f: Frame, offset: number): void { this.index.add(f, offset); this.data[f.no] = f.data.slice(); }
  get(no: number): Frame | undefined {
    const d = this.data[no];
    return d ? this.index.frame(no, d) : undefined;
  }
  close(): void { /* nothing held outside memory */ }
}
