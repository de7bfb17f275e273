// The one-line summary of a packet (tshark's default output) and its columns.
import type { Packet } from '../packet.js';
import { relTimeString } from '../format.js';

export type TimeFormat = 'r' | 'a' | 'ad' | 'd' | 'e' | 'u' | 'ud' | 'dd';

const COLUMN_NAMES = new Set(['_ws.col.No.', '_ws.col.Time', '_ws.col.Source', '_ws.col.Destination', '_ws.col.Protocol', '_ws.col.Length', '_ws.col.Info',
  '_ws.col.number', '_ws.col.time', '_ws.col.def_src', '_ws.col.def_dst', '_ws.col.protocol', '_ws.col.length', '_ws.col.info']);

export function isColumnName(n: string): boolean { return COLUMN_NAMES.has(n); }

export function columnValue(pkt: Packet, name: string): string {
  switch (name) {
    case '_ws.col.No.': case '_ws.col.number': return String(pkt.no);
    case '_ws.col.Time': case '_ws.col.time': return timeColumn(pkt, 'r');
    case '_ws.col.Source': case '_ws.col.def_src': return pkt.src;
    case '_ws.col.Destination': case '_ws.col.def_dst': return pkt.dst;
    case '_ws.col.Protocol': case '_ws.col.protocol': return pkt.protocol;
    case '_ws.col.Length': case '_ws.col.length': return String(pkt.frame.len);
    default: return pkt.info;
  }
}

function pad2(n: number): string { return n < 10 ? '0' + n : String(n); }

export function timeColumn(pkt: Packet, fmt: TimeFormat): string {
  const f = pkt.frame;
  const micro = String(Math.floor(f.tsNsec / 1000)).padStart(6, '0');
  switch (fmt) {
    case 'e': return `${f.tsSec}.${micro}`;
    case 'a': case 'ad': case 'u': case 'ud': {
      const d = new Date(f.tsSec * 1000);
      const utc = fmt === 'u' || fmt === 'ud';
      const h = utc ? d.getUTCHours() : d.getHours(), m = utc ? d.getUTCMinutes() : d.getMinutes(), s = utc ? d.getUTCSeconds() : d.getSeconds();
      const time = `${pad2(h)}:${pad2(m)}:${pad2(s)}.${micro}`;
      if (fmt === 'a' || fmt === 'u') return time;
      const y = utc ? d.getUTCFullYear() : d.getFullYear(), mo = (utc ? d.getUTCMonth() : d.getMonth()) + 1, da = utc ? d.getUTCDate() : d.getDate();
      return `${y}-${pad2(mo)}-${pad2(da)} ${time}`;
    }
    default: {
      const s = pkt.session;
      const base = fmt === 'd' || fmt === 'dd' ? (s.prevTs(pkt.no) ?? { sec: f.tsSec, nsec: f.tsNsec }) : (s.firstTs ?? { sec: f.tsSec, nsec: f.tsNsec });
      let sec = f.tsSec - base.sec, nsec = f.tsNsec - base.nsec;
      if (nsec < 0) { nsec += 1e9; sec -= 1; }
      const t = relTimeString({ sec, nsec });
      return t.slice(0, t.length - 3); // microseconds, as tshark's default column
    }
  }
}

/** tshark's summary line: "    1 0.000000 10.0.0.1 → 10.0.0.2 MobileIP 90 Reg Request: …". */
export function summaryLine(pkt: Packet, fmt: TimeFormat = 'r'): string {
  const no = String(pkt.no).padStart(5, ' ');
  const time = timeColumn(pkt, fmt).padStart(fmt === 'r' || fmt === 'd' ? 12 : 0, ' ');
  return `${no} ${time} ${pkt.src} → ${pkt.dst} ${pkt.protocol} ${pkt.frame.len} ${pkt.info}`;
}
