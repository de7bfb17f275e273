// The packet list: per frame only the summary columns (interned where they repeat) and the worst
// severity, plus which frames the display filter shows, the selection and the scroll position.
import type { Packet } from '../../dissector/packet.js';
import { formatText } from '../../dissector/format.js';
import { grown } from './frames.js';
import { frameSeconds } from '../../dissector/tree.js';

/** Worst severity of a frame's expert items and findings (0 none … 4 error), for row colours. */
export const SEVERITY_LEVEL = { none: 0, chat: 1, note: 2, warn: 3, warning: 3, error: 4 } as const;
export type Level = 0 | 1 | 2 | 3 | 4;

/** Strings that repeat (addresses, protocols) stored once. */
class Interner {
  private readonly ids = new Map<string, number>();
  readonly list: string[] = [];
  id(s: string): number {
    let i = this.ids.get(s);
    if (i === undefined) { i = this.list.length; this.list.push(s); this.ids.set(s, i); }
    return i;
  }
}

export interface Row {
  no: number; time: string; src: string; dst: string; protocol: string; length: number; info: string; level: Level;
}

export class PacketList {
  private readonly strings = new Interner();
  private src = new Uint32Array(1024);
  private dst = new Uint32Array(1024);
  private proto = new Uint32Array(1024);
  private length = new Uint32Array(1024);
  private level = new Uint8Array(1024);
  private tsRel = new Float64Array(1024);
  private readonly info: string[] = [];
  /** Frames in the list (all frames loaded). */
  total = 0;
  /** Frame numbers the display filter passes, or null when every frame is shown. */
  private shown: Uint32Array | null = null;
  private shownCount = 0;
  /** Index into the shown frames of the selected row (-1 when the list is empty). */
  selected = -1;
  /** First visible row. */
  top = 0;
  /** Rows the view shows at once. */
  height = 20;
  /** While true the selection follows new rows (live capture with the last row selected). */
  follow = false;
  private firstTs: number | null = null;

  /** Adds a frame's columns from its dissection (in frame order). */
  add(pkt: Packet, level: Level): void {
    const no = pkt.no;
    const wasLast = this.selected === this.count - 1;
    if (no >= this.src.length) this.grow(no);
    this.src[no] = this.strings.id(pkt.src);
    this.dst[no] = this.strings.id(pkt.dst);
    this.proto[no] = this.strings.id(pkt.protocol);
    this.length[no] = pkt.frame.len;
    this.level[no] = level;
    const t = frameSeconds(pkt.frame);
    this.firstTs ??= t;
    this.tsRel[no] = t - this.firstTs;
    this.info[no] = formatText(pkt.info); // safe to draw: packet bytes may reach the Info column
    if (no > this.total) this.total = no;
    if (this.shown === null) this.shownCount = this.total;
    if (this.selected < 0 && this.count > 0) this.selected = 0;
    else if (this.follow && wasLast) this.select(this.count - 1);
  }

  /** Raises a frame's severity (a finding reported after the frame was listed). */
  raise(no: number, level: Level): void { if (no <= this.total && level > this.level[no]!) this.level[no] = level; }
  levelOf(no: number): Level { return this.level[no] as Level; }

  private grow(no: number): void {
    this.src = grown(this.src, no); this.dst = grown(this.dst, no); this.proto = grown(this.proto, no);
    this.length = grown(this.length, no); this.level = grown(this.level, no); this.tsRel = grown(this.tsRel, no);
  }

  /** Rows shown. */
  get count(): number { return this.shown === null ? this.total : this.shownCount; }
  /** Frame number of shown row `i`. */
  frameAt(i: number): number { return this.shown === null ? i + 1 : this.shown[i]!; }
  get selectedFrame(): number | undefined { return this.selected >= 0 && this.selected < this.count ? this.frameAt(this.selected) : undefined; }

  row(no: number): Row {
    const s = this.strings.list;
    return {
      no, time: this.tsRel[no]!.toFixed(6), src: s[this.src[no]!]!, dst: s[this.dst[no]!]!, protocol: s[this.proto[no]!]!,
      length: this.length[no]!, info: this.info[no] ?? '', level: this.level[no] as Level,
    };
  }

  /** Shows only these frames (a display filter's result); null shows all. Keeps the selected frame if it stays. */
  setShown(frames: Uint32Array | null, count = frames?.length ?? 0): void {
    const keep = this.selectedFrame;
    this.shown = frames; this.shownCount = frames === null ? this.total : count;
    this.selected = this.count ? 0 : -1; this.top = 0;
    if (keep !== undefined) this.selectFrame(keep, true);
  }

  /** Appends a frame the filter passes (while a filtered capture is still loading). */
  appendShown(no: number): void {
    if (this.shown === null) return;
    if (this.shownCount >= this.shown.length) { const b = new Uint32Array(Math.max(1024, this.shown.length * 2)); b.set(this.shown); this.shown = b; }
    const wasLast = this.selected === this.count - 1;
    this.shown[this.shownCount++] = no;
    if (this.selected < 0) this.selected = 0;
    else if (this.follow && wasLast) this.select(this.count - 1);
  }

  get filtered(): boolean { return this.shown !== null; }

  select(i: number): void {
    if (!this.count) { this.selected = -1; return; }
    this.selected = Math.max(0, Math.min(this.count - 1, i));
    if (this.selected < this.top) this.top = this.selected;
    if (this.selected >= this.top + this.height) this.top = this.selected - this.height + 1;
  }
  move(delta: number): void { this.select(this.selected + delta); }
  page(dir: 1 | -1): void { this.select(this.selected + dir * Math.max(1, this.height - 1)); }
  first(): void { this.select(0); }
  last(): void { this.select(this.count - 1); }
  /** Scrolls the view without moving the selection off screen (mouse wheel). */
  scroll(delta: number): void {
    this.top = Math.max(0, Math.min(Math.max(0, this.count - this.height), this.top + delta));
    if (this.selected < this.top) this.selected = this.top;
    if (this.selected >= this.top + this.height) this.selected = this.top + this.height - 1;
  }

  /** Index of frame `no` among the shown rows, or -1. */
  indexOf(no: number): number {
    if (this.shown === null) return no >= 1 && no <= this.total ? no - 1 : -1;
    let lo = 0, hi = this.shownCount - 1;
    while (lo <= hi) { const m = (lo + hi) >> 1, v = this.shown[m]!; if (v === no) return m; if (v < no) lo = m + 1; else hi = m - 1; }
    return -1;
  }

  /** Selects frame `no`; when hidden by the filter, the nearest shown frame unless `exact`. */
  selectFrame(no: number, nearest = false): boolean {
    const i = this.indexOf(no);
    if (i >= 0) { this.select(i); return true; }
    if (!nearest || !this.count) return false;
    let lo = 0, hi = this.count - 1;
    while (lo < hi) { const m = (lo + hi) >> 1; if (this.frameAt(m) < no) lo = m + 1; else hi = m; }
    this.select(lo);
    return false;
  }

  /** The shown rows in the view's window. */
  visible(): Row[] {
    const out: Row[] = [];
    for (let i = this.top; i < Math.min(this.count, this.top + this.height); i++) out.push(this.row(this.frameAt(i)));
    return out;
  }
}
