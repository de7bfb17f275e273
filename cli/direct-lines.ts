// Output lines written straight from a simple frame's bytes (./simple-frames.ts): the summary
// line and `-T fields` lines, encoded into the output buffer without a packet, tree nodes or
// strings. A summary or fields pass spends most of its time making the packet and then reading
// it back into text; for the commonest frames the line is the bytes' fields, formatted. Plain
// Mobile IP agent advertisements (dissector/icmp.ts plainAdvertisement) take the same path.
//
// Used only where the packet path would print the same bytes: a tracking-free pass (no
// registration tracking, no keys), no -z, no -w, the summary line with relative times (-t r,
// the default) or -T fields over the fields below with every occurrence (-E occurrence=a, the
// default; any separator, aggregator and quote). A display filter is matched on the packet of
// its own fields, as on the packet path; only the line is written from the bytes. Any other
// frame goes the packet path. test/cli/direct-lines.test.ts compares the two over every sample
// capture, the benchmark corpus, edge cases and damaged frames: every field above in one line,
// under other -E options, the summary line at three precisions, with and without filters.
import type { Frame } from '../capture/frame.js';
import type { FieldDef, Session } from '../dissector/index.js';
import { allFields, fieldByAbbrev } from '../dissector/index.js';
import { F } from '../dissector/frame.js';
import { ETH } from '../dissector/link.js';
import { IP } from '../dissector/ipv4.js';
import { UDP } from '../dissector/udp.js';
import { MIP } from '../dissector/mip/fields.js';
import { advertisementInfo } from '../dissector/icmp.js';
import { ntpToTime } from '../dissector/mip/messages.js';
import { absTimeString, fieldValueString, ipv4String, relTimeString, utf8Text } from '../dissector/format.js';
import { csvEscaped } from '../dissector/output/view.js';
import type { FieldsOptions } from '../dissector/output/fields.js';
import { withDigits } from '../dissector/output/summary.js';
import type { CompiledFilter } from '../dissector/filter/index.js';
import { CHUNK } from './output.js';
import type { Output } from './output.js';
import { rd } from './simple-frames.js';
import type { SimpleFrames } from './simple-frames.js';

/** A simple frame's layout, as the writers read it. */
interface Parsed {
  frame: Frame;
  session: Session;
  b: Uint8Array;
  /** Start of the Mobile IP message, its end (the IP datagram's), its type, and its Identification. */
  s: number;
  end: number;
  type: number;
  ident: number;
  /** An agent advertisement (ICMP at s), not a registration: no UDP or Mobile IP fields. */
  icmp: boolean;
  /** What tells the extension types apart (authentication or NAI, by the preferences). */
  simple: SimpleFrames;
}

const DIGITS = Uint8Array.from('0123456789abcdef', c => c.charCodeAt(0));

/** Bytes into a buffer from `pos`: the caller made room for them. */
class Writer {
  buf: Buffer = Buffer.alloc(0);
  pos = 0;
  /** Values written into the current column, and the bytes that separate and quote them. */
  count = 0;
  agg: Uint8Array = new Uint8Array([44]);
  quote = -1;
  /** Dotted addresses as bytes (a capture's addresses repeat), a bounded number. */
  private readonly addresses = new Map<number, Uint8Array>();

  /** Starts a value of the current column: the opening quote, or the aggregator after another value. */
  v(): void {
    if (this.count++ === 0) { if (this.quote >= 0) this.buf[this.pos++] = this.quote; } else this.raw(this.agg);
  }

  /** Ends a column: the closing quote when it had a value. */
  close(): void { if (this.count > 0 && this.quote >= 0) this.buf[this.pos++] = this.quote; this.count = 0; }

  raw(bytes: Uint8Array): void {
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < bytes.length; i++) buf[p++] = bytes[i]!;
    this.pos = p;
  }

  byte(c: number): void { this.buf[this.pos++] = c; }

  spaces(n: number): void { for (let i = 0; i < n; i++) this.buf[this.pos++] = 32; }

  /** A non-negative integer in decimal. */
  dec(n: number): void {
    const buf = this.buf;
    if (n < 10) { buf[this.pos++] = 48 + n; return; }
    const len = decimalLength(n);
    let p = this.pos + len;
    this.pos = p;
    while (n >= 10) { const q = Math.floor(n / 10); buf[--p] = 48 + (n - q * 10); n = q; }
    buf[--p] = 48 + n;
  }

  /** An unsigned integer as 0x and `digits` lower-case hex digits (at most 8). */
  hex(n: number, digits: number): void {
    this.buf[this.pos++] = 48; this.buf[this.pos++] = 120;
    this.hexDigits(n, digits);
  }

  /** `digits` lower-case hex digits of an unsigned integer (at most 8). */
  hexDigits(n: number, digits: number): void {
    const buf = this.buf;
    let p = this.pos + digits;
    this.pos = p;
    for (let i = 0; i < digits; i++) { buf[--p] = DIGITS[n & 15]!; n >>>= 4; }
  }

  /** Hex digits of bytes, two per byte, no separator. */
  hexBytes(b: Uint8Array, from: number, to: number): void {
    const buf = this.buf;
    let p = this.pos;
    for (let i = from; i < to; i++) { const x = b[i]!; buf[p++] = DIGITS[x >> 4]!; buf[p++] = DIGITS[x & 15]!; }
    this.pos = p;
  }

  /** Six bytes as a MAC address: colon-separated hex. */
  ether(b: Uint8Array, at: number): void {
    for (let i = 0; i < 6; i++) {
      if (i) this.buf[this.pos++] = 58;
      const x = b[at + i]!;
      this.buf[this.pos++] = DIGITS[x >> 4]!; this.buf[this.pos++] = DIGITS[x & 15]!;
    }
  }

  /** A dotted IPv4 address. */
  ipv4(a: number): void { this.raw(this.dotted(a)); }

  dotted(a: number): Uint8Array {
    let d = this.addresses.get(a);
    if (d === undefined) {
      d = Buffer.from(ipv4String(a), 'latin1');
      if (this.addresses.size >= 4096) this.addresses.clear();
      this.addresses.set(a, d);
    }
    return d;
  }

  /** Text, as UTF-8. */
  text(s: string): void { this.pos += this.buf.write(s, this.pos, 'utf8'); }

  /** A string field's bytes as -T fields prints them: printable ASCII is copied, anything else decoded and escaped. */
  csv(b: Uint8Array, at: number, len: number): void {
    for (let i = at; i < at + len; i++) {
      const c = b[i]!;
      if (c < 0x20 || c > 0x7e) { this.text(csvEscaped(utf8Text(b.subarray(at, at + len)))); return; }
    }
    const buf = this.buf;
    let p = this.pos;
    for (let i = at; i < at + len; i++) buf[p++] = b[i]!;
    this.pos = p;
  }

  /** A time difference or stamp as seconds with nine decimals (relTimeString). */
  reltime(sec: number, nsec: number): void {
    if (sec < 0) { this.text(relTimeString({ sec, nsec })); return; }
    this.dec(sec);
    this.buf[this.pos++] = 46;
    this.nine(nsec);
  }

  /** Nine decimal digits, with leading zeros. */
  nine(n: number): void {
    const buf = this.buf;
    let p = this.pos + 9;
    this.pos = p;
    for (let i = 0; i < 9; i++) { const q = Math.floor(n / 10); buf[--p] = 48 + (n - q * 10); n = q; }
  }
}

function decimalLength(n: number): number {
  let len = 1;
  while (n >= 10) { n = Math.floor(n / 10); len++; }
  return len;
}

function rd16(b: Uint8Array, p: number): number { return (b[p]! << 8) | b[p + 1]!; }

/** One -T fields column: writes every value of its field (w.v() before each). */
type Column = (w: Writer, p: Parsed) => void;

const HEX_WIDTH: Partial<Record<FieldDef['type'], number>> = { uint8: 2, uint16: 4, uint24: 6, uint32: 8 };

/** A column of one integer value, as fieldValueString prints the field (decimal or hex by its base). */
function integer(f: FieldDef, get: (p: Parsed) => number): Column {
  const width = f.base === 'hex' || f.base === 'hex_dec' ? HEX_WIDTH[f.type] : 0;
  if (width === undefined) throw new Error(`no direct writer for ${f.abbrev}`);
  return width ? (w, p) => { w.v(); w.hex(get(p), width); } : (w, p) => { w.v(); w.dec(get(p)); };
}
/** The same, only in a Registration Request (or only in a Reply). */
function ofType(type: number, col: Column): Column { return (w, p) => { if (p.type === type) col(w, p); }; }
const bool = (get: (p: Parsed) => boolean): Column => (w, p) => { w.v(); w.byte(get(p) ? 49 : 48); };
const address = (get: (p: Parsed) => number): Column => (w, p) => { w.v(); w.ipv4(get(p)); };
const ipSrc = (p: Parsed) => rd(p.b, 26), ipDst = (p: Parsed) => rd(p.b, 30);
const ipFlags = (p: Parsed) => rd16(p.b, 20);
const udpPort = (p: Parsed, i: number) => rd16(p.b, 34 + 2 * i);

/** Each extension of the message: its offset (type byte) to `each`. */
function extensions(p: Parsed, each: (off: number) => void): void {
  const b = p.b;
  for (let off = p.ident + 8; off < p.end; off += 2 + b[off + 1]!) each(off);
}

/** The fields direct lines write, by field id: what the dissectors put in a simple frame, in their order. */
function columnFor(f: FieldDef): Column | null {
  switch (f) {
    case F.number: return integer(f, p => p.frame.no);
    case F.len: return integer(f, p => p.frame.len);
    case F.capLen: return integer(f, p => p.frame.caplen);
    case F.interfaceId: return integer(f, p => p.frame.ifIndex);
    case F.encap: return (w, p) => { w.v(); w.dec(p.frame.linktype); };
    case F.time: return (w, p) => { w.v(); w.text(absTimeString({ sec: p.frame.tsSec, nsec: p.frame.tsNsec })); };
    case F.timeEpoch: return (w, p) => { w.v(); w.reltime(p.frame.tsSec, p.frame.tsNsec); };
    case F.timeRelative: return (w, p) => { w.v(); since(w, p.frame, p.session.firstTs); };
    case F.timeDelta: return (w, p) => { w.v(); since(w, p.frame, p.session.prevTs(p.frame.no)); };
    case F.protocols: {
      const mip = Buffer.from('eth:ethertype:ip:udp:mip'), icmp = Buffer.from('eth:ethertype:ip:icmp');
      return (w, p) => { w.v(); w.raw(p.icmp ? icmp : mip); };
    }
    case ETH.dst: return (w, p) => { w.v(); w.ether(p.b, 0); };
    case ETH.src: return (w, p) => { w.v(); w.ether(p.b, 6); };
    case ETH.addr: return (w, p) => { w.v(); w.ether(p.b, 0); w.v(); w.ether(p.b, 6); };
    case ETH.type: return integer(f, () => 0x0800);
    case IP.version: return integer(f, () => 4);
    case IP.hdrLen: return integer(f, () => 20);
    case IP.dsfield: return integer(f, p => p.b[15]!);
    case IP.dscp: return integer(f, p => p.b[15]! >> 2);
    case IP.ecn: return integer(f, p => p.b[15]! & 3);
    case IP.len: return integer(f, p => rd16(p.b, 16));
    case IP.id: return integer(f, p => rd16(p.b, 18));
    case IP.flags: return integer(f, p => (ipFlags(p) >> 8) & 0xe0);
    case IP.rb: return bool(p => (ipFlags(p) & 0x8000) !== 0);
    case IP.df: return bool(p => (ipFlags(p) & 0x4000) !== 0);
    case IP.mf: return bool(() => false);
    case IP.fragOffset: return integer(f, () => 0);
    case IP.ttl: return integer(f, p => p.b[22]!);
    case IP.proto: return integer(f, p => p.b[23]!);
    case IP.checksum: return integer(f, p => rd16(p.b, 24));
    case IP.checksumStatus: return integer(f, () => 2);
    case IP.src: return address(ipSrc);
    case IP.dst: return address(ipDst);
    case IP.addr: return (w, p) => { w.v(); w.ipv4(ipSrc(p)); w.v(); w.ipv4(ipDst(p)); };
    case UDP.srcport: return integer(f, p => udpPort(p, 0));
    case UDP.dstport: return integer(f, p => udpPort(p, 1));
    case UDP.port: return (w, p) => { w.v(); w.dec(udpPort(p, 0)); w.v(); w.dec(udpPort(p, 1)); };
    case UDP.length: return integer(f, p => udpPort(p, 2));
    case UDP.checksum: return integer(f, p => udpPort(p, 3));
    case UDP.checksumStatus: return integer(f, p => (udpPort(p, 3) === 0 ? 3 : 2));
    case UDP.payload: return (w, p) => { w.v(); w.hexBytes(p.b, p.s, p.end); };
    case MIP.type: return integer(f, p => p.type);
    case MIP.flags: return ofType(1, integer(f, p => p.b[p.s + 1]!));
    case MIP.s: case MIP.b: case MIP.d: case MIP.m: case MIP.g: case MIP.v: case MIP.t: case MIP.x: {
      const mask = f.bitmask;
      return ofType(1, bool(p => (p.b[p.s + 1]! & mask) !== 0));
    }
    case MIP.code: return ofType(3, integer(f, p => p.b[p.s + 1]!));
    case MIP.life: return integer(f, p => rd16(p.b, p.s + 2));
    case MIP.homeaddr: return address(p => rd(p.b, p.s + 4));
    case MIP.haaddr: return address(p => rd(p.b, p.s + 8));
    case MIP.coa: return ofType(1, address(p => rd(p.b, p.s + 12)));
    case MIP.ident: return (w, p) => { w.v(); w.text(fieldValueString(MIP.ident, ntpToTime(rd(p.b, p.ident), rd(p.b, p.ident + 4)))); };
    case MIP.identHex: return (w, p) => { w.v(); w.hex(rd(p.b, p.ident), 8); w.hexDigits(rd(p.b, p.ident + 4), 8); };
    case MIP.extType: return (w, p) => extensions(p, off => { w.v(); w.dec(p.b[off]!); });
    case MIP.extLen: return (w, p) => extensions(p, off => { w.v(); w.dec(p.b[off + 1]!); });
    case MIP.authSpi: return (w, p) => extensions(p, off => { if (p.simple.isAuth(p.b[off]!)) { w.v(); w.hex(rd(p.b, off + 2), 8); } });
    case MIP.authAuth: return (w, p) => extensions(p, off => {
      if (!p.simple.isAuth(p.b[off]!)) return;
      w.v();
      const len = p.b[off + 1]!;
      if (len > 4) w.hexBytes(p.b, off + 6, off + 2 + len); else w.text('<MISSING>');
    });
    case MIP.authStatus: { const v = Buffer.from('unverified'); return (w, p) => extensions(p, off => { if (p.simple.isAuth(p.b[off]!)) { w.v(); w.raw(v); } }); }
    case MIP.nai: return (w, p) => extensions(p, off => { if (!p.simple.isAuth(p.b[off]!)) { w.v(); w.csv(p.b, off + 2, p.b[off + 1]!); } });
    default: return null;
  }
}

/** The time from `base` (none: the frame's own) to the frame, as a reltime field prints it. */
function since(w: Writer, f: Frame, base: { sec: number; nsec: number } | null | undefined): void {
  if (!base) { w.reltime(0, 0); return; }
  let sec = f.tsSec - base.sec, nsec = f.tsNsec - base.nsec;
  if (nsec < 0) { nsec += 1e9; sec -= 1; }
  w.reltime(sec, nsec);
}

/** What direct lines print: the summary line, or -T fields columns. */
export type DirectPlan = { kind: 'summary' } | { kind: 'fields'; names: readonly string[]; opts: FieldsOptions };

/** The plan for -T fields, or null when a field or an option has no direct writer. */
export function fieldsPlan(names: readonly string[], opts: FieldsOptions): DirectPlan | null {
  if (names.length === 0 || !(opts.occurrence === 'a' || opts.occurrence === 0)) return null;
  return names.every(n => { const f = fieldByAbbrev(n); return f !== undefined && DIRECT_FIELDS.has(f); }) ? { kind: 'fields', names, opts } : null;
}

const ARROW = Buffer.from(' \u2192 ');
const ICMP_PROTOCOL = Buffer.from(' ICMP '), ADVERT_INFO_0 = Buffer.from(advertisementInfo(0)), ADVERT_INFO_16 = Buffer.from(advertisementInfo(16));
const MOBILE_IP = Buffer.from(' MobileIP ');
const REQUEST = Buffer.from('Reg Request: HoA='), REPLY = Buffer.from('Reg Reply: HoA='), HA = Buffer.from(' HA='), COA = Buffer.from(' CoA='), CODE = Buffer.from(', Code=');

export class DirectLines {
  private readonly w = new Writer();
  private readonly columns: Column[] = [];
  private readonly sep: Uint8Array = new Uint8Array(0);
  /** Bytes a line may take at most, beyond the frame's own four per byte and column. */
  private readonly slack: number;
  private readonly p: Parsed = { frame: null as unknown as Frame, session: null as unknown as Session, b: new Uint8Array(0), s: 0, end: 0, type: 0, ident: 0, icmp: false, simple: null as unknown as SimpleFrames };

  /**
   * `digits`: the time column's decimals for an interface (the summary line). With a display
   * filter, a simple frame is dissected into a packet of the fields `want` keeps (the filter's)
   * to be matched, and its line, when it passes, is still written from its bytes.
   */
  constructor(private readonly simple: SimpleFrames, private readonly plan: DirectPlan, private readonly digits: (ifIndex: number) => number,
    private readonly filter: CompiledFilter | null = null, private readonly want: Uint8Array | null = null) {
    if (plan.kind === 'fields') {
      for (const n of plan.names) {
        const f = fieldByAbbrev(n)!, col = columnFor(f)!;
        // An advertisement has none of the UDP and Mobile IP fields.
        this.columns.push(REGISTRATION_ONLY.has(f) ? (w, p) => { if (!p.icmp) col(w, p); } : col);
      }
      this.sep = Buffer.from(plan.opts.separator);
      this.w.agg = Buffer.from(plan.opts.aggregator);
      this.w.quote = plan.opts.quote === 'd' ? 34 : plan.opts.quote === 's' ? 39 : -1;
      // 64 extensions at most, each value at most 40 bytes beside its aggregator and quotes.
      this.slack = 64 + this.columns.length * (this.sep.length + 2 + 64 * (this.w.agg.length + 40));
    } else this.slack = 256;
  }

  /**
   * Writes the line of a simple frame into `out` (none when the filter rejects it), with the
   * session's frame timing kept as the dissectors keep it; false for any other frame (nothing
   * is written or changed).
   */
  write(frame: Frame, session: Session, out: Output): boolean {
    let s = this.simple.mipStart(frame), icmp = false;
    if (s < 0) {
      // An agent advertisement (not under a filter: the packet of its fields is not made here).
      if (this.filter !== null || (s = this.simple.advertStart(frame)) < 0) return false;
      icmp = true;
    }
    const room = this.slack + 4 * frame.data.length * Math.max(1, this.columns.length);
    if (room > CHUNK) return false;
    if (this.filter !== null) {
      // The packet path for the filter's fields (it records the frame's time and finishes it).
      const pkt = this.simple.dissectAt(frame, s, session, this.want!);
      if (!this.filter.match(pkt)) return true;
    } else session.recordTime(frame.no, frame.tsSec, frame.tsNsec);
    const w = this.w, p = this.p, b = frame.data;
    w.buf = out.room(room); w.pos = out.at;
    p.frame = frame; p.session = session; p.b = b; p.s = s; p.simple = this.simple;
    p.end = 14 + rd16(b, 16); p.icmp = icmp; p.type = icmp ? 0 : b[s]!; p.ident = p.type === 1 ? s + 16 : s + 12;
    if (this.plan.kind === 'summary') this.summary(p, w);
    else {
      const cols = this.columns;
      for (let i = 0; i < cols.length; i++) {
        if (i > 0) w.raw(this.sep);
        cols[i]!(w, p);
        w.close();
      }
      w.byte(10);
    }
    out.commit(w.pos);
    if (this.filter === null) session.finishFrame(frame.no);
    return true;
  }

  /** tshark's summary line (dissector/output/summary.ts summaryLine) with -t r. */
  private summary(p: Parsed, w: Writer): void {
    const f = p.frame, b = p.b, s = p.s;
    w.spaces(5 - decimalLength(f.no)); w.dec(f.no);
    w.byte(32);
    this.relativeTime(w, f, p.session.firstTs);
    w.byte(32);
    const src = w.dotted(rd(b, 26)), dst = w.dotted(rd(b, 30));
    w.spaces(12 - src.length); w.raw(src);
    w.raw(ARROW);
    w.raw(dst); w.spaces(12 - dst.length);
    w.raw(p.icmp ? ICMP_PROTOCOL : MOBILE_IP);
    w.dec(f.len);
    w.byte(32);
    if (p.icmp) { w.raw(b[s + 1] === 0 ? ADVERT_INFO_0 : ADVERT_INFO_16); w.byte(10); return; }
    w.raw(p.type === 1 ? REQUEST : REPLY); w.ipv4(rd(b, s + 4));
    w.raw(HA); w.ipv4(rd(b, s + 8));
    if (p.type === 1) { w.raw(COA); w.ipv4(rd(b, s + 12)); } else { w.raw(CODE); w.dec(b[s + 1]!); }
    w.byte(10);
  }

  /** The Time column (-t r) padded to 10: seconds since the first frame, `digits` decimals (truncated). */
  private relativeTime(w: Writer, f: Frame, first: { sec: number; nsec: number } | null): void {
    let sec = 0, nsec = 0;
    if (first) {
      sec = f.tsSec - first.sec; nsec = f.tsNsec - first.nsec;
      if (nsec < 0) { nsec += 1e9; sec -= 1; }
    }
    const digits = Math.min(9, this.digits(f.ifIndex));
    if (sec < 0) {
      const cut = withDigits(relTimeString({ sec, nsec }), digits);
      w.spaces(10 - cut.length); w.text(cut);
      return;
    }
    const width = decimalLength(sec) + (digits > 0 ? 1 + digits : 0);
    w.spaces(10 - width);
    w.dec(sec);
    if (digits > 0) {
      w.byte(46);
      w.nine(nsec);
      w.pos -= 9 - digits;
    }
  }
}

/** The fields direct lines can write: those columnFor knows. */
const DIRECT_FIELDS: ReadonlySet<FieldDef> = new Set(allFields().filter(f => columnFor(f) !== null));

/** The fields only a registration has. */
const REGISTRATION_ONLY: ReadonlySet<FieldDef> = new Set([...Object.values(UDP), ...Object.values(MIP)]);

/** The abbreviations of the fields direct lines write (for tests). */
export const DIRECT_FIELD_NAMES: readonly string[] = [...DIRECT_FIELDS].map(f => f.abbrev);
