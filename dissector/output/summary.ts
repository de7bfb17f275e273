// The one-line summary of a packet (tshark's default output) and its columns.
import type { Packet } from '../packet.js';
import { formatText, relTimeString } from '../format.js';
import { escapeXml } from './pdml.js';
import { timeDiff } from '../tree.js';

export type TimeFormat = 'r' | 'a' | 'ad' | 'd' | 'e' | 'u' | 'ud' | 'dd';

const COLUMN_NAMES = new Set(['_ws.col.No.', '_ws.col.Time', '_ws.col.Source', '_ws.col.Destination', '_ws.col.Protocol', '_ws.col.Length', '_ws.col.Info',
  '_ws.col.number', '_ws.col.time', '_ws.col.def_src', '_ws.col.def_dst', '_ws.col.protocol', '_ws.col.length', '_ws.col.info']);

export function isColumnName(n: string): boolean { return COLUMN_NAMES.has(n); }

/**
 * Decimal digits of the time column for an interface's if_tsresol (pcap: 6, pcap-ns: 9), as
 * Wireshark picks its automatic precision: the largest power of ten not finer than the clock.
 */
export function timePrecision(tsresol: number): number {
  const exponent = tsresol & 0x7f;
  const digits = tsresol & 0x80 ? Math.floor(exponent * Math.log10(2) + 1e-9) : exponent;
  return Math.max(0, Math.min(9, digits));
}

export function columnValue(pkt: Packet, name: string, digits = 6): string {
  switch (name) {
    case '_ws.col.No.': case '_ws.col.number': return String(pkt.no);
    case '_ws.col.Time': case '_ws.col.time': return timeColumn(pkt, 'r', digits);
    case '_ws.col.Source': case '_ws.col.def_src': return pkt.src;
    case '_ws.col.Destination': case '_ws.col.def_dst': return pkt.dst;
    case '_ws.col.Protocol': case '_ws.col.protocol': return pkt.protocol;
    case '_ws.col.Length': case '_ws.col.length': return String(pkt.frame.len);
    default: return pkt.info;
  }
}

function pad2(n: number): string { return n < 10 ? '0' + n : String(n); }

/** Nanoseconds as a fraction of `digits` digits (truncated), with its dot; nothing for 0 digits. */
function fraction(nsec: number, digits: number): string {
  return digits > 0 ? '.' + String(nsec).padStart(9, '0').slice(0, digits) : '';
}

/** A time stamp: seconds and nanoseconds. */
export interface Stamp { sec: number; nsec: number }

/**
 * The Time column in a -t format, with `digits` decimals (tshark's automatic precision).
 * `shownBefore` is the time of the previous *displayed* packet, for -t dd (none: this is the first).
 */
export function timeColumn(pkt: Packet, fmt: TimeFormat, digits = 6, shownBefore?: Stamp): string {
  const f = pkt.frame;
  switch (fmt) {
    case 'e': return `${f.tsSec}${fraction(f.tsNsec, digits)}`;
    case 'a': case 'ad': case 'u': case 'ud': {
      const d = new Date(f.tsSec * 1000);
      const utc = fmt === 'u' || fmt === 'ud';
      const h = utc ? d.getUTCHours() : d.getHours(), m = utc ? d.getUTCMinutes() : d.getMinutes(), s = utc ? d.getUTCSeconds() : d.getSeconds();
      const time = `${pad2(h)}:${pad2(m)}:${pad2(s)}${fraction(f.tsNsec, digits)}`;
      if (fmt === 'a' || fmt === 'u') return time;
      const y = utc ? d.getUTCFullYear() : d.getFullYear(), mo = (utc ? d.getUTCMonth() : d.getMonth()) + 1, da = utc ? d.getUTCDate() : d.getDate();
      return `${y}-${pad2(mo)}-${pad2(da)} ${time}`;
    }
    default: {
      const s = pkt.session;
      const own = { sec: f.tsSec, nsec: f.tsNsec };
      const base = fmt === 'dd' ? (shownBefore ?? own) : fmt === 'd' ? (s.prevTs(pkt.no) ?? own) : (s.firstTs ?? own);
      return withDigits(relTimeString(timeDiff(own, base)), digits);
    }
  }
}

/** Seconds with nine decimals cut to `digits` decimals (none: no dot either), as the Time column shows them. */
export function withDigits(t: string, digits: number): string {
  return digits >= 9 ? t : t.slice(0, t.length - (digits > 0 ? 9 - digits : 10));
}

/**
 * tshark's summary line, with its column padding (tshark.c print_columns): No. right-aligned
 * in 5, Time right-aligned in 10, Source right-aligned in 12, " → ", Destination left-aligned
 * in 12, then Protocol, Length and Info.
 */
export function summaryLine(pkt: Packet, fmt: TimeFormat = 'r', digits = 6, shownBefore?: Stamp): string {
  const no = String(pkt.no).padStart(5, ' ');
  const time = timeColumn(pkt, fmt, digits, shownBefore).padStart(10, ' ');
  // formatText escapes character by character, and the number, time, padding and arrow need
  // none: the columns are escaped apart, short one-byte strings rather than the whole line.
  return `${no} ${time} ${formatText(pkt.src.padStart(12, ' '))} → ${formatText(pkt.dst.padEnd(12, ' '))} ${formatText(pkt.protocol)} ${pkt.frame.len} ${formatText(pkt.info)}`;
}

/** -T tabs: tshark's summary columns padded as in the summary line, separated by tabs. */
export function tabsLine(pkt: Packet, fmt: TimeFormat = 'r', digits = 6, shownBefore?: Stamp): string {
  return [String(pkt.no).padStart(5, ' '), timeColumn(pkt, fmt, digits, shownBefore), pkt.src.padStart(12, ' '), '→', pkt.dst.padEnd(12, ' '),
    pkt.protocol, String(pkt.frame.len), formatText(pkt.info)].join('\t');
}

const PSML_COLUMNS = ['No.', 'Time', 'Source', 'Destination', 'Protocol', 'Length', 'Info'];

/** -T psml: the opening and column structure, as tshark writes them. */
export function psmlPreamble(creator: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n<psml version="0" creator="${escapeXml(creator)}">\n<structure>\n${PSML_COLUMNS.map(c => `<section>${c}</section>\n`).join('')}</structure>\n\n`;
}

/** -T psml: one packet's summary columns. */
export function packetPsml(pkt: Packet, fmt: TimeFormat = 'r', digits = 6, shownBefore?: Stamp): string {
  const cols = [String(pkt.no), timeColumn(pkt, fmt, digits, shownBefore), pkt.src, pkt.dst, pkt.protocol, String(pkt.frame.len), pkt.info];
  return `<packet>\n${cols.map(c => `<section>${escapeXml(c)}</section>\n`).join('')}</packet>\n\n`;
}

export const psmlFinale = (): string => '</psml>\n';
