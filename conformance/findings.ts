// The findings of a check, kept compactly: a million findings of a long capture would otherwise
// be a million objects with their strings. Frame, rule and node (interned) are typed columns;
// each message is its UTF-8 bytes in one growing pool. A Finding object is made only when read.
import type { Finding, Rule } from './rule.js';
import { grown } from '../dissector/columns.js';

const encoder = new TextEncoder();
const CHUNK = 1 << 20;

export class FindingList implements Iterable<Finding> {
  private frames = new Int32Array(1024);
  private rules = new Uint16Array(1024);
  private nodes = new Uint32Array(1024);
  private chunkOf = new Uint32Array(1024);
  private starts = new Uint32Array(1024);
  private ends = new Uint32Array(1024);
  /** The message bytes, in chunks of a megabyte (never copied as they grow); a message stays in one chunk. */
  private readonly chunks: Uint8Array[] = [new Uint8Array(CHUNK)];
  private pool = this.chunks[0]!;
  private poolUsed = 0;
  private readonly nodeIds = new Map<string, number>();
  private readonly nodeNames: string[] = [];
  private order: Uint32Array | null = null;
  /** Messages that are not well-formed UTF-16 (a lone surrogate) are kept as they are. */
  private readonly odd = new Map<number, string>();
  length = 0;

  constructor(private readonly ruleList: readonly Rule[]) {}

  push(ruleIndex: number, frame: number, message: string, node: string | undefined): void {
    const n = this.length;
    if (n === this.frames.length) {
      this.frames = grown(this.frames, n); this.rules = grown(this.rules, n); this.nodes = grown(this.nodes, n);
      this.chunkOf = grown(this.chunkOf, n); this.starts = grown(this.starts, n); this.ends = grown(this.ends, n);
    }
    // At most 3 bytes of UTF-8 per UTF-16 unit.
    const need = message.length * 3;
    if (this.poolUsed + need > this.pool.length) {
      this.pool = new Uint8Array(Math.max(CHUNK, need));
      this.chunks.push(this.pool);
      this.poolUsed = 0;
    }
    const start = this.poolUsed;
    if (!/[\uD800-\uDFFF]/.test(message)) this.poolUsed += encoder.encodeInto(message, this.pool.subarray(this.poolUsed)).written;
    else this.odd.set(n, message);
    let id = 0;
    if (node !== undefined) {
      id = this.nodeIds.get(node) ?? 0;
      if (!id) { this.nodeNames.push(node); id = this.nodeNames.length; this.nodeIds.set(node, id); }
    }
    this.frames[n] = frame; this.rules[n] = ruleIndex; this.nodes[n] = id; this.chunkOf[n] = this.chunks.length - 1; this.starts[n] = start; this.ends[n] = this.poolUsed;
    this.length = n + 1;
    this.order = null;
  }

  /** Orders the findings by frame, then rule id (localeCompare), else as reported. */
  sort(): void {
    const rank = new Uint16Array(this.ruleList.length);
    [...this.ruleList.keys()].sort((a, b) => this.ruleList[a]!.id.localeCompare(this.ruleList[b]!.id) || a - b).forEach((r, i) => { rank[r] = i; });
    // Equal ids rank apart above; findings of equal frame and equal id keep their order.
    const ids = this.ruleList.map(r => r.id);
    const idRank = new Uint16Array(this.ruleList.length);
    for (let r = 0; r < ids.length; r++) idRank[r] = rank[ids.indexOf(ids[r]!)]!;
    const order = new Uint32Array(this.length);
    for (let i = 0; i < order.length; i++) order[i] = i;
    const f = this.frames, ru = this.rules;
    order.sort((a, b) => f[a]! - f[b]! || idRank[ru[a]!]! - idRank[ru[b]!]! || a - b);
    this.order = order;
  }

  /** The i-th finding (in sorted order once sorted). */
  at(i: number): Finding {
    const k = this.order ? this.order[i]! : i;
    const rule = this.ruleList[this.rules[k]!]!;
    const message = this.odd.get(k) ?? Buffer.from(this.chunks[this.chunkOf[k]!]!.buffer, this.starts[k]!, this.ends[k]! - this.starts[k]!).toString('utf8');
    const node = this.nodes[k]! ? this.nodeNames[this.nodes[k]! - 1] : undefined;
    return { frame: this.frames[k]!, rule: rule.id, severity: rule.severity, message, reference: rule.reference, ...(node ? { node } : {}) };
  }

  *[Symbol.iterator](): Iterator<Finding> {
    for (let i = 0; i < this.length; i++) yield this.at(i);
  }

  severityCount(severity: Finding['severity']): number {
    let n = 0;
    for (let i = 0; i < this.length; i++) if (this.ruleList[this.rules[i]!]!.severity === severity) n++;
    return n;
  }
}
