// Keys and mouse → model calls (termshark's bindings). No drawing here.
import type { TuiModel, PaneName } from '../model/app.js';
import { VIEWS } from '../model/app.js';
import type { Region } from './render.js';

export interface KeyEvent { full: string; ctrl?: boolean; shift?: boolean }

export class KeyMap {
  /** The first `g` of `gg`, with when it was pressed. */
  private gAt = 0;
  tooSmall = false;

  /** Handles one key press; resolves once an action that takes time (a filter) has begun. */
  handle(m: TuiModel, ch: string | undefined, key: KeyEvent): Promise<unknown> | void {
    const k = key.full;
    if (k === 'C-c') { m.requestQuit(); if (m.confirmQuit && k === 'C-c' && m.quit === false) return; return; }
    if (m.confirmQuit) { m.answerQuit(ch === 'y' || ch === 'Y'); return; }
    if (this.tooSmall) { if (ch === 'q') m.requestQuit(); return; }
    if (m.helpOpen) { m.helpOpen = false; return; }
    if (m.filterOpen) return this.filterKey(m, ch, k);
    switch (k) {
      case 'tab': m.nextPane(1); return;
      case 'S-tab': m.nextPane(-1); return;
      case 'up': m.move(-1); return;
      case 'down': m.move(1); return;
      case 'left': m.sideways(-1); return;
      case 'right': m.sideways(1); return;
      case 'pageup': case 'C-b': m.page(-1); return;
      case 'pagedown': case 'C-f': case 'space': m.page(1); return;
      case 'home': m.edge(false); return;
      case 'end': m.edge(true); return;
      case 'enter': m.enter(); return;
      case 'escape':
        if (m.filtering) m.cancelFilter();
        else if (m.maximised) m.toggleMaximise();
        else m.message = null;
        return;
    }
    switch (ch) {
      case 'q': m.requestQuit(); return;
      case '?': m.helpOpen = true; return;
      case '/': m.openFilter(); return;
      case 'k': m.move(-1); return;
      case 'j': m.move(1); return;
      case 'h': m.sideways(-1); return;
      case 'l': m.sideways(1); return;
      case 'G': m.edge(true); return;
      case 'g': {
        const now = Date.now();
        if (now - this.gAt < 1000) { this.gAt = 0; m.edge(false); } else this.gAt = now;
        return;
      }
      case '\\': m.toggleMaximise(); return;
      case 'e': if (m.view === 'packets') { m.details.expandAll(true); m.pane = 'details'; } return;
      case 'c': if (m.view === 'packets') { m.details.expandAll(false); m.pane = 'details'; } return;
      case ']': m.details.nextSource(1); return;
      case '[': m.details.nextSource(-1); return;
      case '1': case '2': case '3': case '4': m.setView(VIEWS[Number(ch) - 1]!); return;
    }
  }

  private filterKey(m: TuiModel, ch: string | undefined, k: string): Promise<unknown> | void {
    const b = m.filterBar;
    switch (k) {
      case 'enter': return m.acceptFilter();
      case 'escape': m.cancelFilterBar(); return;
      case 'backspace': b.backspace(); return;
      case 'delete': b.del(); return;
      case 'left': b.left(); return;
      case 'right': b.right(); return;
      case 'home': case 'C-a': b.home(); return;
      case 'end': case 'C-e': b.end(); return;
      case 'C-u': b.clear(); return;
      case 'tab': b.complete(); return;
      case 'up': b.historyPrev(); return;
      case 'down': b.historyNext(); return;
    }
    if (ch && ch.length === 1 && ch >= ' ' && ch !== '\x7f') b.insert(ch);
  }

  /** A mouse event at (x, y): a click focuses the pane and selects the row; the wheel scrolls. */
  mouse(m: TuiModel, regions: readonly Region[], action: string, x: number, y: number): void {
    const r = regions.find(g => y >= g.top && y < g.top + g.height && x >= g.left && x < g.left + g.width);
    if (!r) return;
    if (action === 'wheelup' || action === 'wheeldown') {
      const d = action === 'wheelup' ? -3 : 3;
      if (r.pane === 'list') { m.list.scroll(d); m.syncSelection(); } else m.move(d > 0 ? 1 : -1);
      return;
    }
    if (action !== 'mousedown') return;
    const row = y - r.top - r.first;
    if (r.pane === 'tabs') {
      // " mipscope " then the four view tabs, each about 16 columns.
      const names = ['Packets', 'Conformance', 'Registrations', 'Keys'];
      let at = 10;
      for (let i = 0; i < names.length; i++) { const w = names[i]!.length + 5; if (x >= at && x < at + w) { m.setView(VIEWS[i]!); return; } at += w; }
      return;
    }
    if (['list', 'details', 'bytes', 'findings'].includes(r.pane)) m.pane = r.pane as PaneName;
    if (row < 0) return;
    switch (r.pane) {
      case 'list': m.list.select(m.list.top + row); m.syncSelection(); return;
      case 'details': m.details.select(m.details.top + row); return;
      case 'findings': m.packetFindings.select(m.packetFindings.top + row); return;
      case 'conformance': m.findings.select(m.findings.top + row); return;
      case 'keys': m.keys.select(m.keys.top + row); return;
      case 'bytes': {
        // "0000  " then 16 × "hh " with an extra space after the 8th.
        const col = x - r.left - 6;
        if (col < 0) return;
        const j = col < 24 ? Math.floor(col / 3) : col >= 25 && col < 49 ? 8 + Math.floor((col - 25) / 3) : -1;
        if (j < 0 || j > 15) return;
        const d = m.details;
        const data = d.packet?.sources[d.source]?.data;
        if (!data) return;
        const first = Math.max(0, Math.min(Math.max(0, Math.ceil(data.length / 16) - (r.height - 2)), Math.floor(d.byteCursor / 16) - Math.floor((r.height - 2) / 2)));
        const at = (first + row) * 16 + j;
        if (at < data.length) d.selectByte(d.source, at);
        return;
      }
      case 'ladder': { const hop = row; if (m.ladder.current && hop >= 1) { m.ladder.hop = Math.min(m.ladder.current.hops.length - 1, hop - 1); } return; }
    }
  }
}
