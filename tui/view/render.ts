// Draws the model as lines of blessed-tagged text for a terminal of a given size, and records
// where each pane is (for mouse clicks). Pure: the same model and size give the same screen.
import type { TuiModel, PaneName } from '../model/app.js';
import { drawLadder } from '../model/ladder.js';
import type { FindingRow } from '../model/findings.js';
import type { Level } from '../model/list.js';

export const MIN_WIDTH = 80;
export const MIN_HEIGHT = 24;

export interface Region { pane: PaneName | 'conformance' | 'registrations' | 'ladder' | 'keys' | 'tabs'; top: number; height: number; left: number; width: number; first: number }

interface Seg { text: string; style?: string }

const esc = (s: string) => s.replace(/[{}]/g, c => (c === '{' ? '{open}' : '{close}'));

/** Segments cut or padded to `width` columns, as tagged text. */
function line(segs: Seg[] | string, width: number, style?: string): string {
  const list = typeof segs === 'string' ? [{ text: segs }] : segs;
  let out = '', used = 0;
  for (const s of list) {
    if (used >= width) break;
    const t = s.text.replace(/[\x00-\x1f\x7f]/g, '.').slice(0, width - used);
    used += t.length;
    out += s.style ? `{${s.style}}${esc(t)}{/${s.style}}` : esc(t);
  }
  if (used < width) out += ' '.repeat(width - used);
  return style ? `{${style}}${out}{/${style}}` : out;
}

const LEVEL_STYLE: Record<Level, string | undefined> = { 0: undefined, 1: 'blue-fg', 2: 'cyan-fg', 3: 'yellow-fg', 4: 'red-fg' };
const SEVERITY_STYLE: Record<string, string> = { error: 'red-fg', warning: 'yellow-fg', warn: 'yellow-fg', note: 'cyan-fg', chat: 'blue-fg' };

function header(title: string, focused: boolean, width: number, right = ''): string {
  const t = ` ${title} `;
  const fill = Math.max(0, width - t.length - right.length - 2);
  return line([{ text: '-' + t + '-'.repeat(fill) + (right ? ` ${right} ` : '-') }], width, focused ? 'inverse' : 'bold');
}

function column(s: string, w: number, right = false): string {
  const t = s.length > w - 1 ? s.slice(0, w - 1) : s;
  return right ? t.padStart(w - 1) + ' ' : t.padEnd(w);
}

const LIST_COLS = { no: 8, time: 13, src: 17, dst: 17, proto: 10, len: 7 };

export const HELP = `mipscope TUI — keys (as in termshark)

  Tab / Shift-Tab     next / previous pane          1 2 3 4   Packets, Conformance, Registrations, Keys views
  Up Down / k j       move                          gg / G    first / last
  PgUp PgDn           page                          Left Right / h l   close / open (tree), byte (hex)
  Enter               open/close a subtree; in the list, go to the tree; on a finding or a hop,
                      jump to its frame; in Keys, show or hide the key bytes
  e / c               expand / collapse the whole tree                  [ ]  previous / next bytes tab
  \\                   maximise the current pane (again: restore)
  /                   display filter: type, Tab completes, Up/Down history, Enter applies, Esc closes
  Esc                 cancel a running filter; close help or the filter bar
  ?                   this help                     q         quit (asks while a live capture runs)
  Mouse: click selects a row or pane, the wheel scrolls.

Press any key to close.`;

export function render(m: TuiModel, width: number, height: number): { lines: string[]; regions: Region[] } {
  const lines: string[] = [];
  const regions: Region[] = [];
  if (width < MIN_WIDTH || height < MIN_HEIGHT) {
    const msg = [`Terminal too small: ${width}x${height}.`, `mipscope needs at least ${MIN_WIDTH}x${MIN_HEIGHT}; enlarge the window (q quits).`];
    for (let i = 0; i < height; i++) lines.push(line(msg[i - Math.floor(height / 2) + 1] ?? '', width));
    return { lines, regions };
  }
  // Row 0: views as tabs.
  const tabs: Seg[] = [{ text: ' mipscope ', style: 'bold' }];
  (['packets', 'conformance', 'registrations', 'keys'] as const).forEach((v, i) => {
    const name = `${i + 1} ${v[0]!.toUpperCase()}${v.slice(1)}`;
    tabs.push({ text: ' ' }, m.view === v ? { text: `[${name}]`, style: 'inverse' } : { text: ` ${name} ` });
  });
  tabs.push({ text: '   ?: help  q: quit' });
  lines.push(line(tabs, width));
  regions.push({ pane: 'tabs', top: 0, height: 1, left: 0, width, first: 0 });
  // Row 1: the filter bar.
  lines.push(filterLine(m, width));
  const bodyTop = 2, bodyHeight = height - 4;
  const body = m.helpOpen ? helpBody(width, bodyHeight)
    : m.view === 'packets' ? packetsBody(m, width, bodyHeight, bodyTop, regions)
      : m.view === 'conformance' ? conformanceBody(m, width, bodyHeight, bodyTop, regions)
        : m.view === 'registrations' ? registrationsBody(m, width, bodyHeight, bodyTop, regions)
          : keysBody(m, width, bodyHeight, bodyTop, regions);
  lines.push(...body);
  lines.push(statusLine(m, width));
  lines.push(messageLine(m, width));
  return { lines, regions };
}

function filterLine(m: TuiModel, width: number): string {
  const b = m.filterBar;
  if (!m.filterOpen) {
    const applied = m.appliedFilter;
    return line([{ text: 'Filter: ', style: 'bold' }, { text: applied || '(none)   press / to filter' }], width);
  }
  const st = b.status;
  const style = st.kind === 'valid' ? 'green-bg' : st.kind === 'invalid' ? 'red-bg' : undefined;
  const text = b.text + ' ';
  const segs: Seg[] = [{ text: 'Filter> ', style: 'bold' }];
  segs.push({ text: text.slice(0, b.cursor), ...(style ? { style } : {}) });
  segs.push({ text: text[b.cursor] ?? ' ', style: 'inverse' });
  segs.push({ text: text.slice(b.cursor + 1), ...(style ? { style } : {}) });
  if (b.candidates.length > 1) segs.push({ text: '   ' + b.candidates.slice(0, 12).join('  ') + (b.candidates.length > 12 ? ` … (${b.candidates.length})` : '') });
  else if (st.kind === 'invalid') segs.push({ text: '   ' + st.message, style: 'red-fg' });
  return line(segs, width);
}

function statusLine(m: TuiModel, width: number): string {
  const s = m.status();
  const parts = [s.field, s.frames, s.filter, s.progress, s.live].filter(Boolean);
  return line(' ' + parts.join('  |  '), width, 'inverse');
}

function messageLine(m: TuiModel, width: number): string {
  if (m.confirmQuit) return line([{ text: 'A live capture is running. Quit? (y/n)', style: 'yellow-fg' }], width);
  if (m.message) return line([{ text: m.message.text, ...(m.message.error ? { style: 'red-fg' } : {}) }], width);
  return line('', width);
}

function helpBody(width: number, height: number): string[] {
  const out = HELP.split('\n').map(l => line(' ' + l, width));
  while (out.length < height) out.push(line('', width));
  return out.slice(0, height);
}

function listPane(m: TuiModel, width: number, height: number): string[] {
  const l = m.list;
  l.height = Math.max(1, height - 2);
  if (l.selected >= 0) l.select(l.selected); // keeps the selection on screen after a resize
  const out = [header('Packet list', m.pane === 'list', width, m.loading ? `loading ${Math.floor((m.loading.done / Math.max(1, m.loading.total)) * 100)}%` : '')];
  const c = LIST_COLS;
  out.push(line(column('No.', c.no, true) + column('Time', c.time, true) + column('Source', c.src) + column('Destination', c.dst) + column('Protocol', c.proto) + column('Length', c.len, true) + 'Info', width, 'underline'));
  const rows = l.visible();
  for (let i = 0; i < l.height; i++) {
    const r = rows[i];
    if (!r) { out.push(line('', width)); continue; }
    const text = column(String(r.no), c.no, true) + column(r.time, c.time, true) + column(r.src, c.src) + column(r.dst, c.dst) + column(r.protocol, c.proto) + column(String(r.length), c.len, true) + r.info;
    const selected = l.top + i === l.selected;
    const style = selected ? (m.pane === 'list' ? 'inverse' : 'underline') : LEVEL_STYLE[r.level];
    out.push(line(text, width, style));
  }
  return out;
}

function detailsPane(m: TuiModel, width: number, height: number): string[] {
  const d = m.details;
  d.height = Math.max(1, height - 1);
  d.select(d.selected);
  const out = [header(d.packet ? `Packet details: frame ${d.packet.no}` : 'Packet details', m.pane === 'details', width)];
  for (let i = 0; i < d.height; i++) {
    const r = d.rows[d.top + i];
    if (!r) { out.push(line('', width)); continue; }
    const mark = r.expandable ? (r.expanded ? '[-] ' : '[+] ') : '    ';
    const text = '  '.repeat(r.depth) + mark + r.label;
    const selected = d.top + i === d.selected;
    const style = selected ? (m.pane === 'details' ? 'inverse' : 'underline') : r.severity ? SEVERITY_STYLE[r.severity] : r.generated ? 'green-fg' : undefined;
    out.push(line(text, width, style));
  }
  return out;
}

function bytesPane(m: TuiModel, width: number, height: number): string[] {
  const d = m.details;
  const pkt = d.packet;
  const out = [header('Bytes', m.pane === 'bytes', width)];
  if (!pkt) { while (out.length < height) out.push(line('', width)); return out; }
  const tabs: Seg[] = [];
  pkt.sources.forEach((s, i) => { tabs.push({ text: ` ${s.name} (${s.data.length}) `, ...(i === d.source ? { style: 'inverse' } : {}) }, { text: '|' }); });
  out.push(line(tabs, width));
  const data = pkt.sources[d.source]?.data ?? new Uint8Array(0);
  const hl = d.highlight();
  const inHl = (i: number) => hl !== null && hl.src === d.source && i >= hl.offset && i < hl.offset + hl.length;
  const rows = Math.max(1, height - 2);
  const cursorLine = Math.floor(d.byteCursor / 16);
  const totalLines = Math.ceil(data.length / 16);
  // Keep the highlighted bytes (or the cursor) on screen.
  const focusLine = m.pane === 'bytes' ? cursorLine : hl && hl.src === d.source ? Math.floor(hl.offset / 16) : 0;
  const first = Math.max(0, Math.min(Math.max(0, totalLines - rows), focusLine - Math.floor(rows / 2)));
  for (let k = 0; k < rows; k++) {
    const off = (first + k) * 16;
    if (off >= data.length) { out.push(line('', width)); continue; }
    const segs: Seg[] = [{ text: off.toString(16).padStart(4, '0') + '  ' }];
    let ascii: Seg[] = [];
    for (let j = 0; j < 16; j++) {
      const i = off + j;
      if (i >= data.length) { segs.push({ text: '   ' }); continue; }
      const b = data[i]!;
      const style = m.pane === 'bytes' && i === d.byteCursor ? 'underline' : inHl(i) ? 'inverse' : undefined;
      const hx = b.toString(16).padStart(2, '0');
      segs.push(style ? { text: hx, style } : { text: hx }, { text: j === 7 ? '  ' : ' ' });
      const ch = b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
      ascii.push(style ? { text: ch, style } : { text: ch });
    }
    segs.push({ text: ' ' }, ...ascii);
    ascii = [];
    out.push(line(segs, width));
  }
  return out;
}

function findingRowText(r: FindingRow): { text: string; style?: string } {
  if (r.kind === 'severity') return { text: `${r.severity.toUpperCase()} (${r.count})`, style: SEVERITY_STYLE[r.severity]! };
  if (r.kind === 'rule') return { text: `  ${r.rule} (${r.count})`, style: 'bold' };
  const f = r.finding;
  return { text: `    frame ${String(f.frame).padEnd(7)} ${f.severity.padEnd(8)} ${f.rule}: ${f.message}  [${f.reference}]` };
}

function findingsPane(m: TuiModel, width: number, height: number): string[] {
  const rows = m.packetFindingRows();
  const fm = m.packetFindings;
  fm.height = Math.max(1, height - 1);
  fm.select(fm.selected);
  const no = m.list.selectedFrame;
  const out = [header(`Conformance: frame ${no ?? '-'} (${rows.length} finding${rows.length === 1 ? '' : 's'}; capture: ${m.findings.count('error')} errors, ${m.findings.count('warning')} warnings, ${m.findings.count('note')} notes)`, m.pane === 'findings', width)];
  for (let i = 0; i < fm.height; i++) {
    const r = rows[fm.top + i];
    if (!r) { out.push(line(i === 0 && !rows.length ? '  no findings for this frame' : '', width)); continue; }
    const f = (r as Extract<FindingRow, { kind: 'finding' }>).finding;
    const text = `  ${f.severity.padEnd(8)} ${f.rule}: ${f.message}  [${f.reference}]`;
    const selected = fm.top + i === fm.selected && m.pane === 'findings';
    out.push(line(text, width, selected ? 'inverse' : SEVERITY_STYLE[f.severity]));
  }
  return out;
}

function packetsBody(m: TuiModel, width: number, height: number, top: number, regions: Region[]): string[] {
  if (m.maximised) {
    const h = height;
    const lines = m.maximised === 'list' ? listPane(m, width, h) : m.maximised === 'details' ? detailsPane(m, width, h) : m.maximised === 'bytes' ? bytesPane(m, width, h) : findingsPane(m, width, h);
    regions.push({ pane: m.maximised, top, height: h, left: 0, width, first: m.maximised === 'list' ? 2 : m.maximised === 'bytes' ? 2 : 1 });
    return lines;
  }
  const findingsH = Math.max(4, Math.floor(height * 0.16));
  const listH = Math.max(5, Math.floor((height - findingsH) * 0.45));
  const midH = height - findingsH - listH;
  const detailsW = Math.max(40, width - 76);
  const bytesW = width - detailsW - 1;
  const out = listPane(m, width, listH);
  regions.push({ pane: 'list', top, height: listH, left: 0, width, first: 2 });
  const det = detailsPane(m, detailsW, midH), byt = bytesPane(m, bytesW, midH);
  for (let i = 0; i < midH; i++) out.push(det[i]! + '|' + byt[i]!);
  regions.push({ pane: 'details', top: top + listH, height: midH, left: 0, width: detailsW, first: 1 });
  regions.push({ pane: 'bytes', top: top + listH, height: midH, left: detailsW + 1, width: bytesW, first: 2 });
  out.push(...findingsPane(m, width, findingsH));
  regions.push({ pane: 'findings', top: top + listH + midH, height: findingsH, left: 0, width, first: 1 });
  return out;
}

function conformanceBody(m: TuiModel, width: number, height: number, top: number, regions: Region[]): string[] {
  const rows = m.findingRows();
  const f = m.findings;
  f.height = Math.max(1, height - 1);
  f.select(f.selected);
  const out = [header(`Conformance: whole capture — ${m.findings.count('error')} errors, ${m.findings.count('warning')} warnings, ${m.findings.count('note')} notes${m.loaded ? '' : ' (still reading)'}   Enter: go to frame and field`, true, width)];
  for (let i = 0; i < f.height; i++) {
    const r = rows[f.top + i];
    if (!r) { out.push(line(i === 0 && !rows.length ? '  no findings' : '', width)); continue; }
    const t = findingRowText(r);
    out.push(line(t.text, width, f.top + i === f.selected ? 'inverse' : t.style));
  }
  regions.push({ pane: 'conformance', top, height, left: 0, width, first: 1 });
  return out;
}

function registrationsBody(m: TuiModel, width: number, height: number, top: number, regions: Region[]): string[] {
  const lm = m.ladder;
  const count = lm.count;
  const listH = Math.max(4, Math.min(count + 1, Math.floor(height * 0.3)));
  const out = [header(`Registrations (${count})   PgUp/PgDn: registration, Up/Down: hop, Enter: go to frame`, false, width)];
  const first = Math.max(0, Math.min(lm.registration - Math.floor((listH - 1) / 2), count - (listH - 1)));
  for (let i = 0; i < listH - 1; i++) {
    const r = lm.at(first + i);
    if (!r) { out.push(line(i === 0 ? '  no registrations in this capture' : '', width)); continue; }
    const path = r.nodes.map(n => n.role).join(' - ');
    const text = `  #${String(r.first).padEnd(7)} ${r.mobileNode.padEnd(24)} ${path.padEnd(34)} ${String(r.hops.length).padStart(3)} hops  ${r.outcome}`;
    out.push(line(text, width, first + i === lm.registration ? 'underline' : undefined));
  }
  regions.push({ pane: 'registrations', top, height: listH, left: 0, width, first: 1 });
  const reg = lm.current;
  const ladderH = height - listH;
  out.push(header(reg ? `Ladder: registration #${reg.first} of ${reg.mobileNode}` : 'Ladder', true, width));
  const drawn = reg ? drawLadder(reg, Math.max(14, Math.min(22, Math.floor((width - 60) / Math.max(1, reg.nodes.length))))) : [];
  const hopLine = drawn.findIndex(l => l.hop === lm.hop);
  const rows = ladderH - 1;
  const start = Math.max(0, Math.min(Math.max(0, drawn.length - rows), hopLine - rows + 2));
  for (let i = 0; i < rows; i++) {
    const l = drawn[start + i];
    if (!l) { out.push(line('', width)); continue; }
    out.push(line('  ' + l.text, width, l.hop !== null && l.hop === lm.hop ? 'inverse' : l.hop === null ? 'bold' : undefined));
  }
  regions.push({ pane: 'ladder', top: top + listH, height: ladderH, left: 0, width, first: 1 + start });
  return out;
}

function keysBody(m: TuiModel, width: number, height: number, top: number, regions: Region[]): string[] {
  const k = m.keys;
  const rows = k.rows();
  k.height = Math.max(1, height - 5);
  if (rows.length) k.select(k.selected);
  const out = [header(`Keys: security associations (${rows.length})   Enter: show/hide key bytes`, true, width)];
  out.push(line(`  ${'SPI'.padEnd(11)} ${'Label'.padEnd(22)} ${'Algorithms'.padEnd(24)} ${'Source'.padEnd(46)} ${'Protected by'.padEnd(12)} ${'Lifetime'.padEnd(9)} Key`, width, 'underline'));
  for (let i = 0; i < k.height; i++) {
    const r = rows[k.top + i];
    if (!r) { out.push(line(i === 0 && !rows.length ? '  no keys: give a keys file with --keys, or keys are learned from the traffic' : '', width)); continue; }
    const text = `  ${r.spi.padEnd(11)} ${r.label.slice(0, 22).padEnd(22)} ${r.algorithms.slice(0, 24).padEnd(24)} ${r.source.slice(0, 46).padEnd(46)} ${r.protectedBy.slice(0, 12).padEnd(12)} ${r.lifetime.padEnd(9)} ${r.key}`;
    out.push(line(text, width, k.top + i === k.selected ? 'inverse' : r.revealed ? 'yellow-fg' : undefined));
  }
  const sel = rows[k.selected];
  out.push(header('Selected key', false, width));
  out.push(line(sel ? `  SPI ${sel.spi} ${sel.label}  ${sel.algorithms}  ${sel.source}${sel.protectedBy ? `, protected by ${sel.protectedBy}` : ''}` : '', width));
  out.push(line(sel ? `  Key: ${sel.revealed ? sel.key : sel.key + '   (Enter shows it)'}` : '', width, sel?.revealed ? 'yellow-fg' : undefined));
  regions.push({ pane: 'keys', top, height, left: 0, width, first: 2 });
  return out;
}
