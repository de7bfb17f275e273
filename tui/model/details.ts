// The selected packet's details tree and bytes: which subtrees are open, which node is selected,
// and the byte↔field index both ways (DESIGN.md principle 2: every node knows its bytes).
import type { Packet } from '../../dissector/packet.js';
import type { Node } from '../../dissector/tree.js';
import { nodeLabel } from '../../dissector/format.js';
import { spanLength, viewChildren } from '../../dissector/output/view.js';

export interface TreeRow {
  node: Node;
  depth: number;
  /** Where the node sits, as labels of its field path (keeps a subtree open from packet to packet). */
  key: string;
  label: string;
  expandable: boolean;
  expanded: boolean;
  generated: boolean;
  /** Severity of an expert item. */
  severity: string | null;
  parent: number;
}

function nodeKey(n: Node): string { return n.field ? n.field.abbrev : n.text ?? ''; }

export class DetailsModel {
  packet: Packet | null = null;
  /** Open subtrees by path key: kept across packets, as Wireshark keeps subtrees open by type. */
  readonly expanded = new Set<string>();
  rows: TreeRow[] = [];
  selected = 0;
  top = 0;
  height = 10;
  /** The data source shown in the bytes pane. */
  source = 0;
  /** The byte under the cursor in the bytes pane. */
  byteCursor = 0;

  setPacket(pkt: Packet | null): void {
    const keep = this.rows[this.selected]?.key;
    this.packet = pkt;
    this.rebuild();
    const i = keep !== undefined ? this.rows.findIndex(r => r.key === keep) : -1;
    this.select(i >= 0 ? i : 0);
  }

  private rebuild(): void {
    const rows: TreeRow[] = [];
    const seen = new Map<string, number>();
    const rec = (nodes: readonly Node[], depth: number, prefix: string, parent: number) => {
      for (const n of nodes) {
        if (n.hidden) continue;
        let key = prefix + '/' + nodeKey(n);
        const k = seen.get(key) ?? 0; seen.set(key, k + 1);
        if (k) key += '#' + k;
        const kids = viewChildren(n)?.filter(c => !c.hidden) ?? [];
        const expanded = kids.length > 0 && this.expanded.has(key);
        rows.push({ node: n, depth, key, label: nodeLabel(n), expandable: kids.length > 0, expanded, generated: n.generated, severity: n.expert?.severity ?? null, parent });
        if (expanded) rec(kids, depth + 1, key, rows.length - 1);
      }
    };
    if (this.packet) rec(this.packet.tree, 0, '', -1);
    this.rows = rows;
  }

  get selectedRow(): TreeRow | undefined { return this.rows[this.selected]; }
  get selectedNode(): Node | undefined { return this.rows[this.selected]?.node; }

  select(i: number): void {
    this.selected = Math.max(0, Math.min(this.rows.length - 1, i));
    if (this.selected < this.top) this.top = this.selected;
    if (this.selected >= this.top + this.height) this.top = this.selected - this.height + 1;
    const n = this.selectedNode;
    if (n && spanLength(n) > 0) { this.source = n.src; this.byteCursor = n.offset; }
  }
  move(d: number): void { this.select(this.selected + d); }
  page(dir: 1 | -1): void { this.select(this.selected + dir * Math.max(1, this.height - 1)); }

  /** Enter: opens or closes the selected subtree. */
  toggle(): void {
    const r = this.selectedRow;
    if (!r?.expandable) return;
    if (r.expanded) this.expanded.delete(r.key); else this.expanded.add(r.key);
    this.refresh(r.key);
  }
  /** Right / l: opens; Left / h: closes, or goes to the parent. */
  expand(): void { const r = this.selectedRow; if (r?.expandable && !r.expanded) this.toggle(); }
  collapse(): void {
    const r = this.selectedRow;
    if (!r) return;
    if (r.expandable && r.expanded) { this.toggle(); return; }
    if (r.parent >= 0) this.select(r.parent);
  }
  /** Opens (or closes) every subtree of the packet. */
  expandAll(open: boolean): void {
    const keep = this.selectedRow?.key;
    if (!open) this.expanded.clear();
    else {
      // Open level by level until every expandable row is open.
      for (let guard = 0; guard < 64; guard++) {
        const closed = this.rows.filter(r => r.expandable && !r.expanded);
        if (!closed.length) break;
        for (const r of closed) this.expanded.add(r.key);
        this.rebuild();
      }
    }
    this.refresh(keep);
  }

  private refresh(keepKey: string | undefined): void {
    this.rebuild();
    const i = keepKey !== undefined ? this.rows.findIndex(r => r.key === keepKey) : -1;
    this.select(i >= 0 ? i : this.selected);
  }

  /** The bytes of the selected field in its data source: [source, offset, length], or null. */
  highlight(): { src: number; offset: number; length: number } | null {
    const n = this.selectedNode;
    if (!n || spanLength(n) === 0) return null;
    return { src: n.src, offset: n.offset, length: n.length };
  }

  /**
   * Byte → field: the deepest shown node of data source `src` that covers byte `offset`. Closed
   * subtrees are searched too (the selection opens them), so the innermost field wins.
   */
  fieldAt(src: number, offset: number): Node[] | null {
    if (!this.packet) return null;
    let best: Node[] | null = null;
    const rec = (nodes: readonly Node[], path: Node[]) => {
      for (const n of nodes) {
        if (n.hidden || n.expert) continue;
        const len = spanLength(n);
        const p = [...path, n];
        if (n.src === src && len > 0 && offset >= n.offset && offset < n.offset + len) {
          if (!best || p.length >= best.length) best = p;
        }
        const kids = viewChildren(n);
        if (kids) rec(kids, p);
      }
    };
    rec(this.packet.tree, []);
    return best;
  }

  /** Selects the field owning byte `offset` of source `src`, opening its parents. */
  selectByte(src: number, offset: number): Node | null {
    const path = this.fieldAt(src, offset);
    if (!path) return null;
    this.reveal(path);
    this.source = src; this.byteCursor = offset;
    return path[path.length - 1]!;
  }

  /** Opens the ancestors of a node path and selects its last node. */
  reveal(path: readonly Node[]): void {
    // Path keys as rebuild() makes them: open each ancestor in turn.
    for (let depth = 0; depth < path.length; depth++) {
      const row = this.rows.find(r => r.node === path[depth]);
      if (!row) return;
      if (depth < path.length - 1 && !row.expanded) { this.expanded.add(row.key); this.rebuild(); }
    }
    const i = this.rows.findIndex(r => r.node === path[path.length - 1]);
    if (i >= 0) {
      const { source, byteCursor } = this;
      this.select(i);
      if (spanLength(path[path.length - 1]!) === 0) { this.source = source; this.byteCursor = byteCursor; }
    }
  }

  /** Selects the first node whose field is `abbrev` (opening its parents); false when absent. */
  selectField(abbrev: string | ((n: Node) => boolean)): boolean {
    if (!this.packet) return false;
    const want = typeof abbrev === 'string' ? (n: Node) => n.field?.abbrev === abbrev : abbrev;
    let found: Node[] | null = null;
    const rec = (nodes: readonly Node[], path: Node[]): boolean => {
      for (const n of nodes) {
        if (n.hidden) continue;
        const p = [...path, n];
        if (want(n)) { found = p; return true; }
        const kids = viewChildren(n);
        if (kids && rec(kids, p)) return true;
      }
      return false;
    };
    rec(this.packet.tree, []);
    if (!found) return false;
    this.reveal(found);
    return true;
  }

  /** Moves the bytes-pane cursor and selects the field under it. */
  moveByte(delta: number): void {
    const data = this.packet?.sources[this.source]?.data;
    if (!data?.length) return;
    const at = Math.max(0, Math.min(data.length - 1, this.byteCursor + delta));
    if (!this.selectByte(this.source, at)) this.byteCursor = at;
  }

  /** Switches the bytes pane to the next data source tab. */
  nextSource(dir: 1 | -1 = 1): void {
    const n = this.packet?.sources.length ?? 1;
    this.source = (this.source + dir + n) % n;
    this.byteCursor = 0;
  }
}

/** One line of the hex pane: offset, 16 bytes and their ASCII, with the highlighted columns. */
export interface HexLine { offset: number; bytes: number[]; }

export function hexLines(data: Uint8Array): HexLine[] {
  const out: HexLine[] = [];
  for (let off = 0; off < data.length; off += 16) out.push({ offset: off, bytes: Array.from(data.subarray(off, off + 16)) });
  return out;
}
