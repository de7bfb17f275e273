// The display-filter bar: text and cursor, validation as the user types (through the filter
// module's own checker, so the message is the CLI's), completion of field names and value names
// from the registry, and a history kept between runs in the user's config directory.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { allExperts, allFields, fieldByAbbrev } from '../../dissector/fields.js';
import { checkFilter } from '../../dissector/filter/index.js';

export type FilterStatus = { kind: 'empty' } | { kind: 'valid' } | { kind: 'invalid'; message: string; offset: number; length: number };

/** The config directory: $XDG_CONFIG_HOME/mipscope, else ~/.config/mipscope. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(env.HOME || os.homedir(), '.config');
  return path.join(base, 'mipscope');
}

/** History entries kept (termshark keeps a bounded list too). */
export const HISTORY_LIMIT = 200;

export class FilterHistory {
  entries: string[] = [];
  constructor(readonly file: string | null) {
    if (!file) return;
    try { this.entries = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).slice(-HISTORY_LIMIT); } catch { /* no history yet */ }
  }
  add(text: string): void {
    if (!text.trim()) return;
    this.entries = this.entries.filter(e => e !== text);
    this.entries.push(text);
    if (this.entries.length > HISTORY_LIMIT) this.entries.splice(0, this.entries.length - HISTORY_LIMIT);
    if (!this.file) return;
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      fs.writeFileSync(this.file, this.entries.join('\n') + '\n');
    } catch { /* a read-only home: history stays in memory */ }
  }
}

let names: string[] | null = null;
/** Every name a filter can use: fields, protocols and expert items, sorted. */
function filterNames(): string[] {
  names ??= [...new Set([...allFields().map(f => f.abbrev), ...allExperts().map(e => e.abbrev)])].sort();
  return names;
}

function commonPrefix(list: readonly string[]): string {
  if (!list.length) return '';
  let p = list[0]!;
  for (const s of list) while (!s.startsWith(p)) p = p.slice(0, -1);
  return p;
}

export class FilterBar {
  text = '';
  cursor = 0;
  /** The filter applied to the list (what Enter last applied). */
  applied = '';
  status: FilterStatus = { kind: 'empty' };
  /** Completions offered for the word at the cursor. */
  candidates: string[] = [];
  private historyAt = -1;

  constructor(readonly history: FilterHistory) {}

  set(text: string, cursor = text.length): void {
    this.text = text;
    this.cursor = Math.max(0, Math.min(text.length, cursor));
    this.validate();
  }
  insert(s: string): void { this.set(this.text.slice(0, this.cursor) + s + this.text.slice(this.cursor), this.cursor + s.length); }
  backspace(): void { if (this.cursor > 0) this.set(this.text.slice(0, this.cursor - 1) + this.text.slice(this.cursor), this.cursor - 1); }
  del(): void { this.set(this.text.slice(0, this.cursor) + this.text.slice(this.cursor + 1), this.cursor); }
  left(): void { this.cursor = Math.max(0, this.cursor - 1); }
  right(): void { this.cursor = Math.min(this.text.length, this.cursor + 1); }
  home(): void { this.cursor = 0; }
  end(): void { this.cursor = this.text.length; }
  clear(): void { this.set(''); }

  validate(): FilterStatus {
    this.candidates = [];
    if (!this.text.trim()) return (this.status = { kind: 'empty' });
    const e = checkFilter(this.text);
    this.status = e ? { kind: 'invalid', message: e.message, offset: e.offset, length: e.length } : { kind: 'valid' };
    return this.status;
  }

  /** The word before the cursor (a field name being typed) and where it starts. */
  private word(): { start: number; word: string } {
    let start = this.cursor;
    while (start > 0 && /[A-Za-z0-9_.\-]/.test(this.text[start - 1]!)) start--;
    return { start, word: this.text.slice(start, this.cursor) };
  }

  /**
   * Tab: completes the word at the cursor — a field name, or after `field ==` one of the field's
   * value names. Extends to the longest common prefix; the candidates are left for the view.
   */
  complete(): string[] {
    const { start, word } = this.word();
    const before = this.text.slice(0, start);
    const cmp = /([A-Za-z_][A-Za-z0-9_.\-]*)\s*(==|!=|eq|ne|in\s*\{[^}]*)\s*$/.exec(before);
    let list: string[];
    if (cmp && fieldByAbbrev(cmp[1]!)) {
      const f = fieldByAbbrev(cmp[1]!)!;
      const values = f.values ? Object.values(f.values) : f.tf ? ['True', 'False'] : [];
      const quoted = (v: string) => (/^[A-Za-z0-9_.\-]+$/.test(v) ? v : `"${v.replace(/"/g, '\\"')}"`);
      const typed = word.replace(/^"/, '').toLowerCase();
      list = [...new Set(values.filter(v => v.toLowerCase().startsWith(typed)).map(quoted))].sort();
    } else {
      list = filterNames().filter(n => n.startsWith(word));
      // Offer the next component only ("mip." → "mip.kx", "mip.type", …), as termshark does.
      const next = new Set(list.map(n => { const dot = n.indexOf('.', word.length); return dot < 0 ? n : n.slice(0, dot); }));
      list = [...next].sort();
    }
    this.candidates = list;
    if (!list.length) return list;
    const add = list.length === 1 ? list[0]! : commonPrefix(list);
    if (add.length > word.length || list.length === 1) {
      const rest = this.text.slice(this.cursor);
      this.text = before + add + rest;
      this.cursor = before.length + add.length;
      const keep = this.candidates;
      this.validate();
      this.candidates = keep;
    }
    return list;
  }

  /** Up/Down: walks the history. */
  historyPrev(): void {
    const h = this.history.entries;
    if (!h.length) return;
    this.historyAt = this.historyAt < 0 ? h.length - 1 : Math.max(0, this.historyAt - 1);
    this.set(h[this.historyAt]!);
  }
  historyNext(): void {
    const h = this.history.entries;
    if (this.historyAt < 0) return;
    this.historyAt++;
    if (this.historyAt >= h.length) { this.historyAt = -1; this.set(''); } else this.set(h[this.historyAt]!);
  }

  /** Enter: the filter text to apply, or null when it is invalid (the bar stays open, red). */
  accept(): string | null {
    if (this.validate().kind === 'invalid') return null;
    this.applied = this.text.trim();
    this.history.add(this.applied);
    this.historyAt = -1;
    return this.applied;
  }
}
