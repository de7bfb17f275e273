// The -z tables as tshark prints them (ui/cli/tap-iousers.c layouts for conv and endpoints), and
// the mipscope tables in the same style.
import type { ConversationRow, EndpointRow, ExpertRow, StatTable, TreeRow } from './types.js';
import { spiHex } from '../../dissector/format.js';
import { magnitude, MAX_CELLS, MAX_ROWS_PRINTED } from './iostat.js';

const RULE = '='.repeat(80);
const l = (s: string | number, w: number) => String(s).padEnd(w, ' ');
const r = (s: string | number, w: number) => String(s).padStart(w, ' ');

/** Byte counts as tshark's format_size: "1182 bytes", "26 kB", "12 MB" (SI, whole units). */
export function sizeString(n: number): string {
  const units: Array<[number, string]> = [[1e12, 'TB'], [1e9, 'GB'], [1e6, 'MB'], [1e3, 'kB']];
  for (const [p, u] of units) if (n >= p * 10) return `${Math.floor(n / p)} ${u}`;
  return `${n} bytes`;
}

const filterLine = (t: { filter?: string }) => `Filter:${t.filter ?? '<No Filter>'}`;

function conversations(t: { title: string; proto: string; filter?: string; rows: ConversationRow[] }): string {
  const w = t.proto === 'udp' ? 26 : 20;
  const pad = ' '.repeat(2 * w + 7);
  const out = [RULE, t.title, filterLine(t),
    `${pad}|       <-      | |       ->      | |     Total     |    Relative    |   Duration   |`,
    `${pad}| Frames  Bytes | | Frames  Bytes | | Frames  Bytes |      Start     |              |`];
  for (const c of t.rows) {
    out.push(`${l(c.a, w)} <-> ${l(c.b, w)}  ${r(c.framesBA, 6)} ${l(sizeString(c.bytesBA), 9)}  ${r(c.framesAB, 6)} ${l(sizeString(c.bytesAB), 9)}  `
      + `${r(c.framesAB + c.framesBA, 6)} ${l(sizeString(c.bytesAB + c.bytesBA), 9)}  ${r(c.start.toFixed(9), 14)} ${r(c.duration.toFixed(4), 14)}`);
  }
  out.push(RULE);
  return out.join('\n') + '\n';
}

function endpoints(t: { title: string; proto: string; filter?: string; rows: EndpointRow[] }): string {
  const udp = t.proto === 'udp';
  const out = [RULE, t.title, filterLine(t),
    `                       |${udp ? '  Port  ||' : ''}  Packets  | |  Bytes  | | Tx Packets | | Tx Bytes | | Rx Packets | | Rx Bytes |`];
  for (const e of t.rows) {
    out.push(l(e.address, 20) + (udp ? r(e.port ?? '', 11) + r(e.packets, 11) : r(e.packets, 12)) + r(e.bytes, 14) + r(e.txPackets, 11) + r(e.txBytes, 16)
      + r(e.rxPackets, 12) + r(e.rxBytes, 16) + '   ');
  }
  out.push(RULE);
  return out.join('\n') + '\n';
}

/**
 * printf's "%.Nf": the exact binary value rounded to N decimals, a tie to even (glibc), where
 * Number#toFixed rounds a tie up (32.125 → "32.12" here, "32.13" there).
 */
export function fixed(x: number, digits: number): string {
  const exact = Math.abs(x).toPrecision(100).replace(/0+$/, '');
  const [int, frac = ''] = exact.split('.');
  const rest = frac.slice(digits);
  const tie = /^50*$/.test(rest), up = !tie && rest !== '' && rest[0]! >= '5';
  let kept = BigInt(int! + frac.slice(0, digits).padEnd(digits, '0'));
  if (up || (tie && kept % 2n === 1n)) kept++;
  const str = kept.toString().padStart(digits + 1, '0');
  const out = digits ? `${str.slice(0, -digits)}.${str.slice(-digits)}` : str;
  return x < 0 && /[1-9]/.test(out) ? `-${out}` : out;
}

/** stats_tree's plain text (epan/stats_tree.c, ST_FORMAT_PLAIN): 13-character value columns. */
function statsTree(t: { title: string; rows: TreeRow[] }): string {
  const head = ['Topic / Item', 'Count', 'Average', 'Min Val', 'Max Val', 'Rate (ms)', 'Percent', 'Burst Rate', 'Burst Start'];
  const nameWidth = Math.max(head[0]!.length, ...t.rows.map(x => x.depth + x.item.length)) + 1;
  const line = (cells: string[]) => [l(cells[0]!, nameWidth), ...cells.slice(1).map(c => l(c, 13))].join(' ');
  const width = line(head).length;
  const out = ['', '='.repeat(width), `${t.title}:`, line(head), '-'.repeat(width)];
  for (const x of t.rows) {
    const avg = x.averaged ? (x.average === undefined ? ['-', '-', '-'] : [fixed(x.average, 2), String(x.min), String(x.max)]) : ['', '', ''];
    out.push(line([' '.repeat(x.depth) + x.item, String(x.count), ...avg,
      x.rate === null ? '' : fixed(x.rate, 4),
      x.depth === 0 ? '100%' : x.percent === null ? '' : `${fixed(x.percent, 2)}%`,
      x.burstRate > 0 ? fixed(x.burstRate, 4) : '-', x.burstRate > 0 && x.burstStart !== null ? fixed(x.burstStart, 3) : '-']));
  }
  out.push('', '-'.repeat(width));
  return out.join('\n') + '\n';
}

/** tshark's -z expert (ui/cli/tap-expert.c): a block per severity that has items, most severe first. */
function experts(rows: ExpertRow[]): string {
  const labels = [['error', 'Errors'], ['warn', 'Warns'], ['note', 'Notes'], ['chat', 'Chats']] as const;
  let out = '';
  for (const [sev, label] of labels) {
    const items = rows.filter(x => x.severity === sev);
    if (!items.length) continue;
    out += `\n${label} (${items.reduce((n, x) => n + x.frequency, 0)})\n=============\n   Frequency      Group           Protocol  Summary\n`;
    for (const x of items) out += `${r(x.frequency, 12)} ${r(x.group, 10)} ${r(x.protocol, 18)}  ${x.summary}\n`;
  }
  return out;
}

/** printcenter() of tap-iostat.c: a label centred in a value column (C's integer division). */
function center(label: string, width: number): string {
  const len = 6 - (Math.trunc((width - label.length) / 2) + 1);
  if (len > 0 && len < 6) {
    const sp = ' '.repeat(6 - len);
    return ((width - label.length) % 2 === 0 ? sp : ` ${sp}`) + label + sp + '|';
  }
  return len > 0 && len <= 15 ? `${label}|` : '';
}

/** A line of the header box, padded to the border with its closing bar (printf "%*s"). */
const boxed = (s: string, border: number) => s + '|'.padStart(border - s.length);

/** tshark's -z io,stat (ui/cli/tap-iostat.c): widths from the duration, the interval and the largest values. */
function ioStat(t: Extract<StatTable, { kind: 'io,stat' }>): string {
  const prec = t.precision, frac = prec ? prec + 1 : 0;
  const elapsedUs = Math.round(t.duration * 1e6), durUs = Math.round(t.durationRounded * 1e6), invlUs = Math.round(t.interval * 1e6);
  const mag0 = magnitude(Math.floor(elapsedUs / 1e6));
  let border = t.whole ? 30 + mag0 + frac : 25 + Math.max(magnitude(Math.floor(invlUs / 1e6)), mag0) + frac;
  const durMag = magnitude(Math.floor(durUs / 1e6));
  const invlW = Math.max(prec === 0 ? 2 * durMag + 8 : 2 * durMag + 2 * prec + 10, 12);
  // The columns: frames and values as wide as their largest number (at least their label).
  const widths = t.columns.map(c => {
    const val = magnitude(c.maxValue, 15);
    const fr = Math.max(6, magnitude(c.maxFrames, 15));
    if (c.calc === 'FRAMES BYTES') return { fr, val: Math.max(5, val), mag: val };
    if (c.calc === 'FRAMES') return { fr, val: 0, mag: val };
    if (c.calc === 'BYTES' || c.calc === 'COUNT') return { fr: 0, val: Math.max(5, val), mag: val };
    return { fr: 0, val: c.valueType === 'double' || c.valueType === 'reltime' ? val + 7 : Math.max(c.calc.length, val), mag: val };
  });
  const tabrow = invlW + widths.reduce((n, w) => n + (w.fr ? w.fr + 3 : 0) + (w.val ? w.val + 3 : 0), 0);
  border = Math.max(border, tabrow);
  const filterW = Math.max(...t.columns.map(c => (c.spec === null ? 26 : c.spec.length + 11)));
  if (filterW > border && border < 102) border = Math.min(filterW, 102);
  if (border - tabrow === 1) border++;
  const filler = tabrow < border ? '|'.padStart(border - tabrow) : '';

  // The header box: duration (µs when the interval is whole seconds), interval, the columns.
  const secs = (us: number, p: number) => (p === 0 ? String(Math.floor(us / 1e6)) : `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0').slice(0, p)}`);
  const durPrec = prec === 0 ? 6 : prec;
  const ns = Math.round(t.duration * 1e9), unit = 10 ** (9 - durPrec);
  const rounded = Math.floor((ns + unit / 2) / unit) * unit;
  // tshark 4.0 pads the µs of a whole-seconds table with spaces ("91. 94919"), other decimals with zeros.
  const durFrac = String(rounded % 1e9).padStart(9, '0').slice(0, durPrec);
  const durText = `${Math.floor(rounded / 1e9)}.${prec === 0 ? String(Number(durFrac)).padStart(6, ' ') : durFrac}`;
  const durW = mag0 + frac;
  const out = ['', '='.repeat(border), boxed('| IO Statistics', border), boxed('|', border),
    boxed(`| Duration: ${durText.padStart(durW)} secs`, border), boxed(`| Interval: ${secs(invlUs, prec).padStart(durW)} secs`, border), boxed('|', border)];
  t.columns.forEach((c, j) => {
    let line = `${j === 0 ? '| Col' : '|    '}${String(j + 1).padStart(2)}: `;
    if (c.spec === null) line += 'Frames and bytes';
    else {
      // A filter wider than the box wraps at its last space that fits (or at the width).
      let f = c.spec;
      const max = border - 11;
      while (f.length > max) {
        const pos = f.slice(0, max).lastIndexOf(' ');
        const len = pos >= 0 ? pos : max;
        out.push(boxed(line + f.slice(0, len), border));
        line = '|        ';
        f = f.slice(pos >= 0 ? len + 1 : len);
      }
      line += f;
    }
    out.push(boxed(line, border));
  });
  out.push(`|-${'-'.repeat(border - 3)}|`);
  out.push('|' + '|'.padStart(invlW - 1) + t.columns.map((c, j) => {
    const w = widths[j]!;
    const pad = c.calc === 'FRAMES BYTES' ? w.fr + w.val + 3 : c.calc === 'FRAMES' ? w.fr : w.val;
    return String(j + 1).padEnd(2) + ' '.repeat(pad) + '|';
  }).join('') + filler);
  out.push('| Interval' + '|'.padStart(invlW - 10) + t.columns.map((c, j) => {
    const w = widths[j]!;
    return c.calc === 'FRAMES BYTES' ? center('Frames', w.fr) + center('Bytes', w.val) : center(c.calc, c.calc === 'FRAMES' ? w.fr : w.val);
  }).join('') + filler);
  out.push(`|-${'-'.repeat(tabrow - 3)}|${filler}`);

  // The rows: "from <> to" (the last to the duration, "Dur" for whole seconds), a cell per column.
  const zero = t.columns.map(() => ({ frames: 0, value: 0 }));
  const shown = Math.min(t.intervals, MAX_ROWS_PRINTED);
  const rowsText: string[] = [];
  for (let i = 0, k = 0; i < shown; i++) {
    const last = i === t.intervals - 1;
    while (k < t.rows.length && t.rows[k]!.interval < i) k++;
    const row = t.rows[k]?.interval === i ? t.rows[k]! : null;
    const start = i * invlUs, end = last ? durUs : start + invlUs;
    const at = (us: number) => (prec === 0 ? String(Math.floor(us / 1e6)).padStart(durMag) : `${String(Math.floor(us / 1e6)).padStart(durMag)}.${String(Math.floor((us % 1e6) / 10 ** (6 - prec))).padStart(prec, '0')}`);
    let line: string;
    if (prec === 0 && last) line = `| ${durMag === 1 ? ' ' : ''}${at(start)} <> ${'Dur'.padEnd(durMag >= 3 ? durMag + 1 : 3)}|`;
    else if (prec === 0 && durMag === 1) line = `|  ${at(start)} <> ${at(end)}  |`;
    else line = `| ${at(start)} <> ${at(end)} |`;
    (row?.cells ?? zero).forEach((cell, j) => {
      const c = t.columns[j]!, w = widths[j]!;
      if (c.calc === 'FRAMES BYTES') line += ` ${r(cell.frames, w.fr)} | ${r(cell.value, w.val)} |`;
      else if (c.calc === 'FRAMES') line += ` ${r(cell.frames, w.fr)} |`;
      else if (c.calc === 'BYTES' || c.calc === 'COUNT' || c.valueType === 'uint' || c.valueType === 'int') line += ` ${r(cell.value, w.val)} |`;
      else if (c.valueType === 'double') line += ` ${r(fixed(cell.value, 6), w.mag!)} |`;
      else {
        const us = Math.round(cell.value * 1e6);
        line += ` ${r(Math.floor(us / 1e6), w.mag!)}.${String(us % 1e6).padStart(6, '0')} |`;
      }
    });
    rowsText.push(line + filler);
    // Flattened a block at a time: millions of short intervals stay a few bytes a row.
    if (rowsText.length === 65_536) { out.push(rowsText.join('\n')); rowsText.length = 0; }
  }
  if (rowsText.length) out.push(rowsText.join('\n'));
  out.push('='.repeat(border));
  if (shown < t.intervals) out.push(`(${t.intervals - shown} more intervals not printed: at most ${MAX_ROWS_PRINTED})`);
  if (t.dropped) out.push(`(${t.dropped} frames not counted: a column keeps at most ${MAX_CELLS} intervals with frames)`);
  return out.join('\n') + '\n';
}

const ms = (s: number | null) => (s === null ? '-' : (s * 1000).toFixed(3));

export function textTable(t: StatTable): string {
  switch (t.kind) {
    case 'conv': return conversations(t);
    case 'endpoints': return endpoints(t);
    case 'plen,tree': case 'ptype,tree': return statsTree(t);
    case 'expert': return experts(t.rows);
    case 'io,stat': return ioStat(t);
    case 'mip,codes': {
      const out = [RULE, t.title, filterLine({}), `${l('Code', 6)} ${l('Name', 60)} ${r('Count', 8)}`];
      for (const c of t.rows) out.push(`${r(c.code, 6)} ${l(c.name, 60)} ${r(c.count, 8)}`);
      out.push(RULE);
      return out.join('\n') + '\n';
    }
    case 'mip,reg': {
      const out = [RULE, t.title, filterLine({}),
        `${l('Mobile node', 28)} ${l('Home address', 15)} ${r('Req', 5)} ${r('Rep', 5)} ${r('Acc', 5)} ${r('Den', 5)} ${r('Mean ms', 9)} ${r('Max ms', 9)} ${r('Keys', 5)}  Codes / hops`];
      for (const g of t.rows) {
        const codes = Object.entries(g.codes).map(([c, n]) => `${c}:${n}`).join(',');
        out.push(`${l(g.mobileNode, 28)} ${l(g.homeAddress ?? '-', 15)} ${r(g.requests, 5)} ${r(g.replies, 5)} ${r(g.accepted, 5)} ${r(g.denied, 5)} ${r(ms(g.meanReplyTime), 9)} ${r(ms(g.maxReplyTime), 9)} ${r(g.keysLearned, 5)}  ${codes || '-'} / ${g.hops.join(' → ') || '-'}`);
      }
      out.push(RULE);
      return out.join('\n') + '\n';
    }
    case 'mip,keys': {
      const out = [RULE, t.title, filterLine({}), `${l('SPI', 10)} ${l('Source', 28)} ${r('Frame', 6)} ${l('Auth', 12)} ${l('Cipher', 18)} Label`];
      for (const k of t.rows) out.push(`${l(spiHex(k.spi), 10)} ${l(k.source, 28)} ${r(k.learnedIn ?? '-', 6)} ${l(k.auth ?? '-', 12)} ${l(k.cipher ?? '-', 18)} ${k.label ?? ''}${k.key ? ` key ${k.key}` : ''}`);
      out.push(RULE);
      return out.join('\n') + '\n';
    }
    case 'mip,bindings': {
      // Per mobile node (home address), its bindings in registration order; bytes of the inner datagrams.
      const out = [RULE, t.title, filterLine({}),
        `${' '.repeat(16 + 16 + 16 + 7 + 14 + 14 + 7)}| HA -> CoA       | | CoA -> HA       |`,
        `${l('Home address', 15)} ${l('Care-of address', 15)} ${l('Home agent', 15)} ${r('Frame', 6)} ${r('Start', 13)} ${r('End', 13)} ${l('Encap', 6)} ${r('Frames', 7)} ${r('Bytes', 9)}   ${r('Frames', 7)} ${r('Bytes', 9)}`];
      for (const b of t.rows) {
        out.push(`${l(b.homeAddress, 15)} ${l(b.careOfAddress, 15)} ${l(b.homeAgent, 15)} ${r(b.frame, 6)} ${r(b.start.toFixed(6), 13)} ${r(b.end.toFixed(6), 13)} ${l(b.encapsulation + (b.reverseTunnelling ? ',T' : ''), 6)} `
          + `${r(b.toMnPackets, 7)} ${r(b.toMnBytes, 9)}   ${r(b.fromMnPackets, 7)} ${r(b.fromMnBytes, 9)}`);
      }
      out.push(RULE);
      return out.join('\n') + '\n';
    }
  }
}

/** JSON: the table's plain rows, one object per table (an array when several -z are given). */
export function jsonTables(ts: readonly StatTable[]): string {
  return JSON.stringify(ts.map(t => ({
    statistic: t.kind, ...('proto' in t ? { proto: t.proto } : {}), title: t.title,
    ...(t.kind === 'io,stat' ? { interval: t.interval, duration: t.duration, columns: t.columns } : {}),
    rows: t.rows,
  })), null, 2) + '\n';
}
