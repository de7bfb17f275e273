// The whole TUI as plain objects: the capture being read (or captured live), the packet list,
// the selected packet (re-dissected on demand through the session), the filter bar, findings,
// registrations and keys, which view and pane have the focus. The blessed front end only draws
// this and turns keys and mouse events into calls on it; tests drive it without a terminal.
import type { Frame } from '../../capture/frame.js';
import { CaptureFileError, readCaptureSync } from '../../capture/read.js';
import { dissectFrame, Session, wantSet } from '../../dissector/index.js';
import type { Packet, Prefs } from '../../dissector/index.js';
import { compileFilter, FilterError } from '../../dissector/filter/index.js';
import type { CompiledFilter } from '../../dissector/filter/index.js';
import { Checker, defaultCheckOptions } from '../../conformance/checker.js';
import { allRules } from '../../conformance/rules/index.js';
import { FileFrameStore, MemoryFrameStore } from './frames.js';
import type { FrameStore } from './frames.js';
import { PacketList, SEVERITY_LEVEL } from './list.js';
import type { Level } from './list.js';
import { DetailsModel } from './details.js';
import { FilterBar, FilterHistory } from './filter-bar.js';
import { FindingsModel, findingNode } from './findings.js';
import { LadderModel, TransactionLadders } from './ladder.js';
import type { RegistrationSource } from './ladder.js';
import { KeysModel } from './keys.js';

export type ViewName = 'packets' | 'conformance' | 'registrations' | 'keys';
export const VIEWS: readonly ViewName[] = ['packets', 'conformance', 'registrations', 'keys'];
export type PaneName = 'list' | 'details' | 'bytes' | 'findings';
export const PANES: readonly PaneName[] = ['list', 'details', 'bytes', 'findings'];

/** Work done between two yields to the event loop: the screen stays live while a file loads. */
const SLICE_MS = 25;

export interface Progress { done: number; total: number }

export interface LiveStats { packets: number; perSecond: number; dropped: number; running: boolean }

export interface TuiOptions {
  prefs?: Prefs;
  /** Called with the session before anything is read (attaches the keys file). */
  prepare?: (session: Session) => void;
  /** Filter history file (null: in memory only). */
  historyFile?: string | null;
  haveKeys?: boolean;
  /** Yields to the event loop between slices of work (tests may pass a no-op). */
  yieldFn?: () => Promise<void>;
}

const nextTick = () => new Promise<void>(r => setImmediate(r));

export class TuiModel {
  readonly session: Session;
  readonly list = new PacketList();
  readonly details = new DetailsModel();
  readonly filterBar: FilterBar;
  /** Whole-capture findings (the Conformance view) … */
  readonly findings = new FindingsModel();
  /** … and the selected packet's (the conformance pane of the Packets view). */
  readonly packetFindings = new FindingsModel(this.findings);
  readonly ladders: TransactionLadders = new TransactionLadders();
  readonly ladder: LadderModel;
  readonly keys: KeysModel;
  private readonly checker: Checker;
  private store: FrameStore = new MemoryFrameStore();

  view: ViewName = 'packets';
  pane: PaneName = 'list';
  /** The pane shown alone (`\`), or null. */
  maximised: PaneName | null = null;
  filterOpen = false;
  helpOpen = false;
  /** Asking "quit?" while a live capture runs. */
  confirmQuit = false;
  quit = false;
  /** One line for the user: an error (the CLI's words) or a notice. */
  message: { text: string; error: boolean } | null = null;

  /** Reading the file: frames read so far of about how many (by bytes), or null when done. */
  loading: Progress | null = null;
  /** The conformance checker's pass over a file (after the list is complete), or null. */
  checking: Progress | null = null;
  loaded = false;
  /** A filter pass over the capture, or null. */
  filtering: (Progress & { text: string }) | null = null;
  private filterToken = 0;
  private activeFilter: CompiledFilter | null = null;
  live: LiveStats | null = null;
  /** Redraw request: the view sets it to repaint on model changes made outside a key press. */
  onChange: () => void = () => {};
  private readonly yieldFn: () => Promise<void>;
  private selectedNo: number | undefined;

  constructor(readonly opts: TuiOptions = {}) {
    this.session = new Session(opts.prefs);
    this.session.retain = true; // frames are dissected again at random
    opts.prepare?.(this.session);
    this.filterBar = new FilterBar(new FilterHistory(opts.historyFile ?? null));
    this.checker = new Checker(allRules, opts.haveKeys ?? false, defaultCheckOptions);
    this.checker.onFinding = f => { this.findings.add(f); this.list.raise(f.frame, SEVERITY_LEVEL[f.severity] as Level); };
    this.ladder = new LadderModel(this.ladders as RegistrationSource);
    this.keys = new KeysModel(this.session);
    this.packetFindings.whole = false;
    this.ladders.fullPacket = no => { const f = this.store.get(no); return f ? dissectFrame(f, this.session) : undefined; };
    this.yieldFn = opts.yieldFn ?? nextTick;
  }

  // ------------------------------------------------------------------------------------------
  // Reading

  /** One frame of the forward pass: indexed, dissected once, checked, listed (live capture). */
  addFrame(f: Frame, offset = -1): void {
    this.store.add(f, offset);
    const pkt = dissectFrame(f, this.session);
    this.checker.add(pkt);
    this.listPacket(pkt);
  }

  /** Lists a packet of the forward pass (its summary columns, severity, registration, filter). */
  private listPacket(pkt: Packet): void {
    this.ladders.add(pkt);
    let level: Level = 0;
    for (const e of pkt.experts) { const l = SEVERITY_LEVEL[e.expert!.severity]; if (l > level) level = l as Level; }
    this.list.add(pkt, level);
    for (const fd of this.findings.forFrame(pkt.no)) this.list.raise(pkt.no, SEVERITY_LEVEL[fd.severity] as Level);
    if (this.activeFilter && !this.filtering && this.activeFilter.match(pkt)) this.list.appendShown(pkt.no);
    if (this.list.selectedFrame !== this.selectedNo) this.syncSelection();
  }

  /** Fields the first pass over a file keeps: none but expert items, plus what the filter reads. */
  private listWant(): Uint8Array {
    return wantSet(this.activeFilter?.fields ?? []);
  }

  /** Ends the forward pass: sequence rules that report at the end run now. */
  finishLoading(): void {
    this.checker.finish();
    // The findings are in the findings model (as they came); the checker's own list is not kept twice.
    this.checker.findings.length = 0;
    this.loading = null;
    this.loaded = true;
    this.onChange();
  }

  /**
   * Reads a capture file in slices, in two passes so that a large file is usable at once. The
   * first pass lists every frame through the fast path (summary columns, expert items, session
   * state: keys learned, transactions), so the first screen shows after the first slice and the
   * whole list (and the filter) long before the conformance checker is done. The second pass
   * reads the file again with full trees for the checker; findings arrive while the user works.
   * A damaged file keeps the frames before the damage and says so.
   */
  async openFile(path: string, size: number): Promise<void> {
    this.store = new FileFrameStore(path);
    let offset = -1;
    this.loading = { done: 0, total: size };
    let read = 0;
    let want = this.listWant(), wantFor = this.activeFilter;
    const failed = await this.slices(readCaptureSync(path, { onFrameOffset: o => { offset = o; } }), f => {
      if (wantFor !== this.activeFilter) { want = this.listWant(); wantFor = this.activeFilter; }
      this.store.add(f, offset);
      this.listPacket(dissectFrame(f, this.session, want));
      read = offset + f.caplen;
    }, () => { this.loading = { done: read, total: size }; });
    this.loading = null;
    if (failed) this.error(failed.message);
    this.onChange();
    if (this.quit) return;
    // The conformance pass: the same frames again, each dissected in full (the session gives the
    // same trees as the first pass built), in capture order as the rules expect.
    const total = this.store.index.count;
    this.checking = { done: 0, total };
    let checked = 0;
    const it = (function* (store: FrameStore) { for (let no = 1; no <= total; no++) { const f = store.get(no); if (f) yield f; } })(this.store);
    await this.slices(it, f => {
      this.checker.add(dissectFrame(f, this.session));
      checked = f.no;
    }, () => { this.checking = { done: checked, total }; });
    this.checking = null;
    if (!this.quit) this.finishLoading();
  }

  /**
   * Runs `each` over frames in time-bound slices, yielding to the event loop between them (keys
   * and redraws go on). Returns the capture error that ended the frames early, if any.
   */
  private async slices(frames: Iterator<Frame>, each: (f: Frame) => void, progress: () => void): Promise<CaptureFileError | null> {
    try {
      for (;;) {
        const until = Date.now() + SLICE_MS;
        let done = false;
        while (Date.now() < until) {
          const r = frames.next();
          if (r.done) { done = true; break; }
          each(r.value);
        }
        progress();
        this.onChange();
        if (done) return null;
        await this.yieldFn();
        if (this.quit) return null;
      }
    } catch (e) {
      if (e instanceof CaptureFileError) return e;
      throw e;
    }
  }

  /** Live capture: frames are kept in memory as they arrive; the list follows the last row. */
  startLive(): void {
    this.store = new MemoryFrameStore();
    this.list.follow = true;
    this.live = { packets: 0, perSecond: 0, dropped: 0, running: true };
  }

  close(): void { this.store.close(); }

  // ------------------------------------------------------------------------------------------
  // Selection

  /** Dissects the selected frame again (only its tree is ever held). */
  syncSelection(): void {
    const no = this.list.selectedFrame;
    if (no === this.selectedNo) return;
    this.selectedNo = no;
    const f = no !== undefined ? this.store.get(no) : undefined;
    this.details.setPacket(f ? dissectFrame(f, this.session) : null);
  }

  get packet(): Packet | null { return this.details.packet; }

  /** Selects frame `no` in the list (clearing nothing: a hidden frame selects the nearest). */
  goToFrame(no: number): boolean {
    const ok = this.list.selectFrame(no, true);
    this.syncSelection();
    if (!ok) this.info(`frame ${no} is not shown by the display filter`);
    return ok;
  }

  // ------------------------------------------------------------------------------------------
  // Panes and views

  setView(v: ViewName): void { this.view = v; this.maximised = null; if (v === 'packets' && !PANES.includes(this.pane)) this.pane = 'list'; }
  nextPane(dir: 1 | -1 = 1): void {
    if (this.view !== 'packets') return;
    const i = PANES.indexOf(this.pane);
    this.pane = PANES[(i + dir + PANES.length) % PANES.length]!;
    if (this.maximised) this.maximised = this.pane;
  }
  toggleMaximise(): void { this.maximised = this.maximised ? null : this.pane; }

  /** Movement keys act on the pane (or view) with the focus. */
  move(d: number): void {
    if (this.view === 'conformance') { this.findings.move(d); return; }
    if (this.view === 'registrations') { this.ladder.move(d); return; }
    if (this.view === 'keys') { this.keys.move(d); return; }
    switch (this.pane) {
      case 'list': this.list.move(d); this.syncSelection(); this.followIfLast(); break;
      case 'details': this.details.move(d); break;
      case 'bytes': this.details.moveByte(d * 16); break;
      case 'findings': this.packetFindings.move(d); break;
    }
  }
  /** Left/right: close/open in the tree, one byte in the bytes pane. */
  sideways(d: 1 | -1): void {
    if (this.view === 'registrations') { this.ladder.moveRegistration(d); return; }
    if (this.view !== 'packets') return;
    if (this.pane === 'details') { if (d > 0) this.details.expand(); else this.details.collapse(); }
    else if (this.pane === 'bytes') this.details.moveByte(d);
  }
  page(dir: 1 | -1): void {
    if (this.view === 'registrations') { this.ladder.moveRegistration(dir); return; }
    if (this.view === 'conformance') { this.findings.move(dir * Math.max(1, this.findings.height - 1)); return; }
    if (this.view === 'keys') { this.keys.move(dir * Math.max(1, this.keys.height - 1)); return; }
    if (this.pane === 'list') { this.list.page(dir); this.syncSelection(); this.followIfLast(); }
    else if (this.pane === 'details') this.details.page(dir);
    else if (this.pane === 'bytes') this.details.moveByte(dir * 16 * 8);
    else this.packetFindings.move(dir * Math.max(1, this.packetFindings.height - 1));
  }
  edge(end: boolean): void {
    if (this.view === 'registrations') { if (end) this.ladder.last(); else this.ladder.first(); return; }
    if (this.view === 'conformance') { this.findings.select(end ? Infinity : 0); return; }
    if (this.view === 'keys') { this.keys.select(end ? Infinity : 0); return; }
    if (this.pane === 'list') { if (end) this.list.last(); else this.list.first(); this.syncSelection(); this.followIfLast(); }
    else if (this.pane === 'details') this.details.select(end ? Infinity : 0);
    else if (this.pane === 'findings') this.packetFindings.select(end ? Infinity : 0);
  }
  /** Live: the list keeps following new rows while the last row is selected (termshark). */
  private followIfLast(): void { if (this.live) this.list.follow = this.list.selected === this.list.count - 1; }

  /** Enter, by view and pane. */
  enter(): void {
    if (this.view === 'conformance' || (this.view === 'packets' && this.pane === 'findings')) { this.jumpToFinding(); return; }
    if (this.view === 'registrations') { const h = this.ladder.currentHop; if (h) { this.setView('packets'); this.pane = 'list'; this.goToFrame(h.frame); } return; }
    if (this.view === 'keys') { this.keys.toggleReveal(); return; }
    if (this.pane === 'list') { this.pane = 'details'; return; }
    if (this.pane === 'details') this.details.toggle();
  }

  /** Jumps to the selected finding's frame and selects the field it is about. */
  jumpToFinding(): boolean {
    const f = (this.view === 'packets' ? this.packetFindings : this.findings).selectedFinding();
    if (!f) return false;
    this.setView('packets');
    if (!this.goToFrame(f.frame)) return false;
    const pkt = this.packet;
    if (!pkt) return false;
    const target = findingNode(pkt, f);
    if (target) this.details.selectField(n => n === target);
    this.pane = 'details';
    this.info(`frame ${f.frame}: ${f.rule}: ${f.message}`);
    return true;
  }

  /** Findings pane rows for the current selection. */
  findingRows() { return this.findings.build(undefined); }
  /** The selected packet's findings. */
  packetFindingRows() { return this.packetFindings.build(this.list.selectedFrame); }

  // ------------------------------------------------------------------------------------------
  // Display filter

  openFilter(): void { this.filterOpen = true; this.filterBar.set(this.filterBar.applied); }
  cancelFilterBar(): void { this.filterOpen = false; }

  /** Enter in the filter bar: applies a valid filter (a red one keeps the bar open). */
  async acceptFilter(): Promise<boolean> {
    const text = this.filterBar.accept();
    if (text === null) return false;
    this.filterOpen = false;
    await this.applyFilter(text);
    return true;
  }

  /**
   * Applies a display filter over every frame read so far, in slices, re-dissecting each with
   * only the fields the filter reads (the fast path). Progress shows in `filtering`; a newer
   * filter, or cancelFilter(), stops it.
   */
  async applyFilter(text: string): Promise<boolean> {
    const token = ++this.filterToken;
    let filter: CompiledFilter;
    try { filter = compileFilter(text); } catch (e) {
      if (e instanceof FilterError) { this.error(e.message); return false; }
      throw e;
    }
    if (filter.empty) {
      this.activeFilter = null; this.filtering = null;
      this.list.setShown(null); this.syncSelection(); this.onChange();
      return true;
    }
    const want = wantSet(filter.fields);
    let shown = new Uint32Array(1024), count = 0;
    let no = 1;
    this.filtering = { text, done: 0, total: this.store.index.count };
    for (;;) {
      const until = Date.now() + SLICE_MS;
      while (no <= this.store.index.count && Date.now() < until) {
        const f = this.store.get(no);
        if (f && filter.match(dissectFrame(f, this.session, want))) {
          if (count >= shown.length) { const b = new Uint32Array(shown.length * 2); b.set(shown); shown = b; }
          shown[count++] = no;
        }
        no++;
      }
      if (no > this.store.index.count) break;
      this.filtering = { text, done: no - 1, total: this.store.index.count };
      this.onChange();
      await this.yieldFn();
      if (token !== this.filterToken) return false;
    }
    this.filtering = null;
    this.activeFilter = filter;
    this.list.setShown(shown, count);
    this.syncSelection();
    this.onChange();
    return true;
  }

  /** Esc while a filter runs: stops it; the list keeps what it showed before. */
  cancelFilter(): void {
    if (!this.filtering) return;
    this.filterToken++;
    this.info(`filter "${this.filtering.text}" cancelled`);
    this.filtering = null;
    this.filterBar.applied = this.activeFilter?.text ?? '';
  }

  get appliedFilter(): string { return this.activeFilter?.text ?? ''; }

  // ------------------------------------------------------------------------------------------
  // Quit, messages, status

  /** q: quits, asking first while a live capture runs. */
  requestQuit(): void {
    if (this.live?.running && !this.confirmQuit) { this.confirmQuit = true; return; }
    this.quit = true;
  }
  answerQuit(yes: boolean): void { this.confirmQuit = false; if (yes) this.quit = true; }

  error(text: string): void { this.message = { text, error: true }; this.onChange(); }
  info(text: string): void { this.message = { text, error: false }; }

  /** The status bar's parts: the field under the cursor, frames shown of total, filter, progress, live. */
  status(): { field: string; frames: string; filter: string; progress: string; live: string } {
    const n = this.details.selectedNode;
    let field = '';
    if (n && this.view === 'packets') {
      const name = n.expert ? n.expert.abbrev : n.field?.abbrev ?? '';
      field = name ? `${name}${n.field?.name && !n.expert ? ` (${n.field.name})` : ''}` : 'text item';
      if (n.length > 0 && !n.expert) field += `, offset ${n.offset}, length ${n.length}` + (n.src ? ` in ${this.packet?.sources[n.src]?.name}` : '');
    }
    const frames = `Frames: ${this.list.count} shown / ${this.list.total}`;
    const filter = this.filtering ? `Filtering "${this.filtering.text}" ${pct(this.filtering)} (Esc cancels)` : this.activeFilter ? `Filter: ${this.activeFilter.text}` : '';
    const progress = this.loading ? `Loading ${pct(this.loading)}` : this.checking ? `Checking conformance ${pct(this.checking)}` : '';
    const live = this.live ? `Live: ${this.live.packets} pkts, ${this.live.perSecond.toFixed(0)} pkts/s, ${this.live.dropped} dropped${this.live.running ? '' : ' (stopped)'}` : '';
    return { field, frames, filter, progress, live };
  }
}

function pct(p: Progress): string { return p.total > 0 ? `${Math.min(100, Math.floor((p.done / p.total) * 100))}%` : `${p.done}`; }
