// The findings of a check, kept compactly: a million findings of a long capture would otherwise
// be a million objects with their strings. Each finding is 14 bytes in fixed-size blocks of typed
// columns (frame, rule, mobile node, message), which grow without copying. Messages and mobile
// nodes are interned: a long capture repeats the same few texts (the same fault in every
// registration of a mobile node), so each distinct one is kept once. Past MESSAGES_INTERNED
// distinct messages, a new one is kept as its UTF-8 bytes in a pool of megabyte chunks (never
// copied as they grow). A Finding object is made only when read.
import type { Finding, Rule, Severity } from './rule.js';
import { SEVERITY_RANK } from './rule.js';

const encoder = new TextEncoder();
const CHUNK = 1 << 20;
/** Findings per block of columns. */
const BLOCK_BITS = 14, BLOCK = 1 << BLOCK_BITS, MASK = BLOCK - 1;
/** Distinct messages kept as strings (and looked up to be shared); later new ones go to the pool. */
export const MESSAGES_INTERNED = 1 << 16;
/** Longer messages are not interned (they are rarely repeated). */
const INTERN_MAX_LENGTH = 512;
/** Message ids at or above this are pooled messages: id - POOLED indexes the pool's table. */
const POOLED = 0x80000000;

interface Block { frames: Int32Array; rules: Uint16Array; nodes: Uint32Array; messages: Uint32Array }
const newBlock = (): Block => ({ frames: new Int32Array(BLOCK), rules: new Uint16Array(BLOCK), nodes: new Uint32Array(BLOCK), messages: new Uint32Array(BLOCK) });

/** Messages that are not interned: UTF-8 bytes in megabyte chunks, each message within one chunk. */
class MessagePool {
  private readonly chunks: Uint8Array[] = [new Uint8Array(CHUNK)];
  private pool = this.chunks[0]!;
  private used = 0;
  /** Per pooled message: chunk, start and end, three numbers in a row (grown in blocks too). */
  private readonly where: Uint32Array[] = [];
  count = 0;
  /** Messages that are not well-formed UTF-16 (a lone surrogate) are kept as they are. */
  private readonly odd = new Map<number, string>();

  add(message: string): number {
    const n = this.count++;
    if ((n & MASK) === 0) this.where.push(new Uint32Array(BLOCK * 3));
    const w = this.where[n >>> BLOCK_BITS]!, o = (n & MASK) * 3;
    if (/[\uD800-\uDFFF]/.test(message)) { this.odd.set(n, message); return n; }
    // At most 3 bytes of UTF-8 per UTF-16 unit.
    const need = message.length * 3;
    if (this.used + need > this.pool.length) {
      this.pool = new Uint8Array(Math.max(CHUNK, need));
      this.chunks.push(this.pool);
      this.used = 0;
    }
    w[o] = this.chunks.length - 1; w[o + 1] = this.used;
    this.used += encoder.encodeInto(message, this.pool.subarray(this.used)).written;
    w[o + 2] = this.used;
    return n;
  }

  get(n: number): string {
    const odd = this.odd.get(n);
    if (odd !== undefined) return odd;
    const w = this.where[n >>> BLOCK_BITS]!, o = (n & MASK) * 3;
    return Buffer.from(this.chunks[w[o]!]!.buffer, w[o + 1]!, w[o + 2]! - w[o + 1]!).toString('utf8');
  }
}

export class FindingList implements Iterable<Finding> {
  private readonly blocks: Block[] = [];
  private readonly messageIds = new Map<string, number>();
  private readonly messageTexts: string[] = [];
  private readonly pool = new MessagePool();
  private readonly nodeIds = new Map<string, number>();
  private readonly nodeNames: string[] = [];
  private order: Uint32Array | null = null;
  length = 0;

  constructor(private readonly ruleList: readonly Rule[]) {}

  push(ruleIndex: number, frame: number, message: string, node: string | undefined): void {
    const n = this.length;
    if ((n & MASK) === 0) this.blocks.push(newBlock());
    const b = this.blocks[n >>> BLOCK_BITS]!, i = n & MASK;
    let id = 0;
    if (node !== undefined) {
      id = this.nodeIds.get(node) ?? 0;
      if (!id) { this.nodeNames.push(node); id = this.nodeNames.length; this.nodeIds.set(node, id); }
    }
    b.frames[i] = frame; b.rules[i] = ruleIndex; b.nodes[i] = id; b.messages[i] = this.messageId(message);
    this.length = n + 1;
    this.order = null;
  }

  private messageId(message: string): number {
    const id = this.messageIds.get(message);
    if (id !== undefined) return id;
    if (this.messageTexts.length < MESSAGES_INTERNED && message.length <= INTERN_MAX_LENGTH) {
      const k = this.messageTexts.length;
      this.messageTexts.push(message);
      this.messageIds.set(message, k);
      return k;
    }
    return POOLED + this.pool.add(message);
  }

  /**
   * Orders the findings by frame, then rule id (localeCompare), else as reported: a stable
   * radix sort of their positions (by rule, then by frame in two 16-bit passes).
   */
  sort(): void {
    const rank = new Uint16Array(this.ruleList.length);
    [...this.ruleList.keys()].sort((a, b) => this.ruleList[a]!.id.localeCompare(this.ruleList[b]!.id) || a - b).forEach((r, i) => { rank[r] = i; });
    // Equal ids rank apart above; findings of equal frame and equal id keep their order.
    const ids = this.ruleList.map(r => r.id);
    const idRank = new Uint16Array(this.ruleList.length);
    for (let r = 0; r < ids.length; r++) idRank[r] = rank[ids.indexOf(ids[r]!)]!;
    const n = this.length;
    let order = new Uint32Array(n), spare = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    const pass = (key: (k: number) => number, buckets: number) => {
      const count = new Uint32Array(buckets + 1);
      for (let i = 0; i < n; i++) count[key(order[i]!) + 1]!++;
      for (let b = 0; b < buckets; b++) count[b + 1]! += count[b]!;
      for (let i = 0; i < n; i++) { const k = order[i]!; spare[count[key(k)]!++] = k; }
      [order, spare] = [spare, order];
    };
    const frame = (k: number) => this.blocks[k >>> BLOCK_BITS]!.frames[k & MASK]!;
    let sorted = true, negative = false;
    for (let i = 0; i < n && !negative; i++) negative = frame(i) < 0;
    if (negative) {
      // Not a frame number: ordered by comparison instead.
      order.sort((a, b) => frame(a) - frame(b) || idRank[this.ruleOf(a)]! - idRank[this.ruleOf(b)]! || a - b);
      this.order = order;
      return;
    }
    for (let i = 1; i < n && sorted; i++) {
      const a = frame(i - 1), b = frame(i);
      sorted = a < b || (a === b && idRank[this.ruleOf(i - 1)]! <= idRank[this.ruleOf(i)]!);
    }
    if (!sorted) {
      pass(k => idRank[this.ruleOf(k)]!, this.ruleList.length);
      // Frame numbers are positive 32-bit; the high half is usually 0 (one pass is skipped then).
      pass(k => frame(k) & 0xffff, 0x10000);
      let high = false;
      for (let i = 0; i < n && !high; i++) high = frame(i) >>> 16 !== 0;
      if (high) pass(k => frame(k) >>> 16, 0x10000);
    }
    this.order = order;
  }

  private ruleOf(k: number): number { return this.blocks[k >>> BLOCK_BITS]!.rules[k & MASK]!; }

  /** The i-th finding (in sorted order once sorted). */
  at(i: number): Finding {
    const k = this.order ? this.order[i]! : i;
    const b = this.blocks[k >>> BLOCK_BITS]!, j = k & MASK;
    const rule = this.ruleList[b.rules[j]!]!;
    const m = b.messages[j]!;
    const message = m >= POOLED ? this.pool.get(m - POOLED) : this.messageTexts[m]!;
    const node = b.nodes[j]! ? this.nodeNames[b.nodes[j]! - 1] : undefined;
    return { frame: b.frames[j]!, rule: rule.id, severity: rule.severity, message, reference: rule.reference, ...(node ? { node } : {}) };
  }

  *[Symbol.iterator](): Iterator<Finding> {
    for (let i = 0; i < this.length; i++) yield this.at(i);
  }

  severityCount(severity: Severity): number {
    let n = 0;
    for (let i = 0; i < this.length; i++) if (this.ruleList[this.ruleOf(i)]!.severity === severity) n++;
    return n;
  }

  /** The findings of at least `threshold`, in order, made as they are read. */
  atLeast(threshold: Severity): { readonly length: number } & Iterable<Finding> {
    const keep = (i: number) => SEVERITY_RANK[this.ruleList[this.ruleOf(this.order ? this.order[i]! : i)]!.severity] >= SEVERITY_RANK[threshold];
    let length = 0;
    for (let i = 0; i < this.length; i++) if (keep(i)) length++;
    const list = this;
    return { length, *[Symbol.iterator]() { for (let i = 0; i < list.length; i++) if (keep(i)) yield list.at(i); } };
  }
}
