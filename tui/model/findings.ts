// The conformance pane: the checker's findings for the selected packet, and for the whole
// capture grouped by severity and rule; each finding knows the frame and field to jump to.
import type { Finding, Severity } from '../../conformance/rule.js';
import type { Packet } from '../../dissector/packet.js';
import type { Node } from '../../dissector/tree.js';
import { walk } from '../../dissector/tree.js';

export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'note'];

export type FindingRow =
  | { kind: 'severity'; severity: Severity; count: number }
  | { kind: 'rule'; rule: string; severity: Severity; count: number }
  | { kind: 'finding'; finding: Finding };

export class FindingsModel {
  readonly all: Finding[] = [];
  private readonly byFrame: Map<number, Finding[]>;
  /** Whole capture (true) or the selected packet only. */
  whole = true;
  selected = 0;
  top = 0;
  height = 10;
  rows: FindingRow[] = [];
  private dirty = true;

  /** A model over another's findings (the selected packet's pane over the whole capture's) holds none of its own. */
  constructor(of?: FindingsModel) { this.byFrame = of ? of.byFrame : new Map(); }

  add(f: Finding): void {
    this.all.push(f);
    const l = this.byFrame.get(f.frame);
    if (l) l.push(f); else this.byFrame.set(f.frame, [f]);
    this.dirty = true;
  }
  forFrame(no: number): readonly Finding[] { return this.byFrame.get(no) ?? []; }
  count(s: Severity): number { let n = 0; for (const f of this.all) if (f.severity === s) n++; return n; }

  /** Rows for the pane: whole capture grouped severity → rule → finding, or the packet's findings. */
  build(frame: number | undefined): FindingRow[] {
    if (this.whole) {
      if (!this.dirty) return this.rows;
      const rows: FindingRow[] = [];
      for (const s of SEVERITIES) {
        const of = this.all.filter(f => f.severity === s);
        if (!of.length) continue;
        rows.push({ kind: 'severity', severity: s, count: of.length });
        const rules = [...new Set(of.map(f => f.rule))].sort();
        for (const r of rules) {
          const list = of.filter(f => f.rule === r).sort((a, b) => a.frame - b.frame);
          rows.push({ kind: 'rule', rule: r, severity: s, count: list.length });
          for (const f of list) rows.push({ kind: 'finding', finding: f });
        }
      }
      this.rows = rows;
      this.dirty = false;
    } else {
      this.rows = (frame !== undefined ? this.forFrame(frame) : []).map(f => ({ kind: 'finding' as const, finding: f }));
      this.dirty = true;
    }
    if (this.selected >= this.rows.length) this.selected = Math.max(0, this.rows.length - 1);
    return this.rows;
  }

  select(i: number): void {
    this.selected = Math.max(0, Math.min(this.rows.length - 1, i));
    if (this.selected < this.top) this.top = this.selected;
    if (this.selected >= this.top + this.height) this.top = this.selected - this.height + 1;
  }
  move(d: number): void { this.select(this.selected + d); }

  /** The finding under the selection (a group row gives its first finding). */
  selectedFinding(): Finding | undefined {
    for (let i = this.selected; i < this.rows.length; i++) { const r = this.rows[i]!; if (r.kind === 'finding') return r.finding; }
    return undefined;
  }
}

/**
 * The field a finding is about, in the re-dissected packet. Findings name no field, so this
 * looks for (1) an expert item with the finding's message, (2) the field whose name the
 * message mentions (the longest such name), (3) the Mobile IP message itself.
 */
export function findingNode(pkt: Packet, f: Finding): Node | null {
  let expert: Node | null = null, named: Node | null = null, namedLen = 0, mip: Node | null = null;
  const msg = f.message.toLowerCase();
  walk(pkt.tree, n => {
    if (n.hidden) return;
    if (n.expert && n.text === f.message && !expert) expert = n;
    const name = n.field?.name;
    if (name && name.length > namedLen && name.length >= 4 && !n.expert && msg.includes(name.toLowerCase())) { named = n; namedLen = name.length; }
    if (!mip && n.field?.abbrev === 'mip') mip = n;
  });
  return expert ?? named ?? mip;
}
