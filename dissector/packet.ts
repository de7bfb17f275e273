// A dissected packet: its tree, data sources, expert items and summary columns.
import type { Frame } from '../capture/frame.js';
import type { ExpertDef, FieldDef } from './fields.js';
import { EXPERT_FIELDS, registerExpert } from './fields.js';
import { BoundsError } from './cursor.js';
import { etherString } from './format.js';
import type { DataSource, Node, Value } from './tree.js';
import { addChild, makeExpertNode, makeNode } from './tree.js';
import type { Session } from './session.js';
import type { MipMessage } from './mip/extensions.js';
import type { MessageKx } from './kx/records.js';

/** An IPv4 header as later layers and analyses read it (typed, one per header in the packet). */
export interface Ipv4Header { src: number; dst: number; proto: number; ttl?: number }
/** A UDP header's ports. */
export interface UdpHeader { srcPort: number; dstPort: number; ip: Ipv4Header | undefined }

export const MALFORMED = registerExpert({ abbrev: '_ws.malformed.expert', summary: 'Malformed Packet (Exception occurred)', group: 'malformed', severity: 'error' });
export const DISSECTOR_BUG = registerExpert({ abbrev: '_ws.dissector_bug', summary: 'Dissector bug', group: 'malformed', severity: 'error' });

/**
 * Stands in for every node the fast path does not keep (DESIGN.md principle 7): dissectors may
 * set its properties or hang children on it, and nothing is kept. Writes are ignored, so that
 * nothing set for one packet (a label, a length, a growing suffix) reaches the next, and
 * nothing reads back what a kept node would have had: where a record's bytes lie is kept apart
 * from its node (kx/records.ts Span).
 */
export const DETACHED: Node = detachedNode();

function detachedNode(): Node {
  const n = makeNode(null, null, 0, 0, 0) as unknown as Record<string, unknown>;
  for (const k of Object.keys(n)) {
    const v = n[k];
    Object.defineProperty(n, k, { get: () => v, set: () => {}, enumerable: true, configurable: false });
  }
  return Object.freeze(n) as unknown as Node;
}

export class Packet {
  readonly sources: DataSource[];
  /** Top-level protocol nodes (frame, eth, ip, udp, mip, …). */
  readonly tree: Node[] = [];
  /** Every node in creation order: the fast path for field extraction and filters. */
  readonly all: Node[] = [];
  readonly experts: Node[] = [];
  /** Protocol names for frame.protocols, in order. */
  readonly layers: string[] = [];
  protocol = '';
  info = '';
  private srcText = '';
  private dstText = '';
  /** Link-layer addresses waiting to become the Source/Destination columns (see setLinkAddresses). */
  private srcBytes: Uint8Array | null = null;
  private dstBytes: Uint8Array | null = null;
  /**
   * Typed layers, outermost first, for what reads across layers and packets (tracking, bindings,
   * the rules): a tunnelled datagram adds its own IPv4 header after the outer one, so the outer
   * addresses stay `ipv4[0]`. Each Mobile IP message knows the headers that carried it.
   */
  readonly ipv4: Ipv4Header[] = [];
  readonly udp: UdpHeader[] = [];
  readonly mip: MipMessage[] = [];
  /** What the KX dissectors found in each message (kx/records.ts), null while none. */
  kx: MessageKx[] | null = null;
  /** True while the datagram quoted by an ICMP error is dissected: a copy, cut short on purpose. */
  inError = false;
  /** How many dissections are open inside one another (limits.ts MAX_NESTING_DEPTH). */
  depth = 0;
  /** New Diffie-Hellman primality tests run for this packet (kx/negotiation.ts MAX_PRIME_TESTS_PER_PACKET). */
  primeTests = 0;

  /**
   * The fast path: when set, only fields whose id is marked 1 are kept, in `all` and not in a
   * tree (field extraction and filtering read `all`); text labels are not made. Expert items
   * are always kept.
   */
  readonly want: Uint8Array | null;

  constructor(readonly frame: Frame, readonly session: Session, want: Uint8Array | null = null) {
    this.sources = [{ name: 'Frame', data: frame.data }];
    this.want = want;
  }

  get no(): number { return this.frame.no; }

  /** The Source column (the innermost layer that has addresses sets it). */
  get src(): string {
    if (this.srcBytes !== null) { this.srcText = etherString(this.srcBytes); this.srcBytes = null; }
    return this.srcText;
  }
  set src(v: string) { this.srcText = v; this.srcBytes = null; }
  /** The Destination column. */
  get dst(): string {
    if (this.dstBytes !== null) { this.dstText = etherString(this.dstBytes); this.dstBytes = null; }
    return this.dstText;
  }
  set dst(v: string) { this.dstText = v; this.dstBytes = null; }

  /**
   * MAC addresses as the Source/Destination columns, made text only when read: the IP layer
   * above usually replaces them, and most packets never print a column.
   */
  setLinkAddresses(src: Uint8Array, dst: Uint8Array): void {
    this.srcBytes = src; this.dstBytes = dst;
  }

  /** True when a field will be kept (always, unless the fast path leaves it out). */
  wants(field: FieldDef): boolean {
    return this.want === null || this.want[field.id] === 1;
  }

  add(parent: Node | null, field: FieldDef, value: Value, offset: number, length: number, src = 0): Node {
    const want = this.want;
    if (want !== null && want[field.id] !== 1) return DETACHED;
    const n = makeNode(field, value, offset, length, src);
    if (want === null) { if (parent) addChild(parent, n); else this.tree.push(n); }
    this.all.push(n);
    return n;
  }

  /** A generated (computed) field, shown in brackets. */
  addGenerated(parent: Node | null, field: FieldDef, value: Value, offset = 0, length = 0, src = 0): Node {
    const n = this.add(parent, field, value, offset, length, src);
    // Not through DETACHED's ignoring setter: this is the fast path's most frequent write.
    if (n !== DETACHED) n.generated = true;
    return n;
  }

  addHidden(parent: Node | null, field: FieldDef, value: Value, offset: number, length: number, src = 0): Node {
    const n = this.add(parent, field, value, offset, length, src);
    if (n !== DETACHED) n.hidden = true;
    return n;
  }

  /** A text-only subtree label such as "Extensions". */
  addText(parent: Node | null, text: string, offset: number, length: number, src = 0): Node {
    if (this.want !== null) return DETACHED;
    const n = makeNode(null, null, offset, length, src);
    n.text = text;
    if (parent) addChild(parent, n); else this.tree.push(n);
    return n;
  }

  addExpert(parent: Node | null, def: ExpertDef, offset: number, length: number, message: string = def.summary, src = 0): Node {
    const n = makeExpertNode(def, message, offset, length, src);
    if (this.want === null) { if (parent) addChild(parent, n); else this.tree.push(n); }
    this.all.push(n, ...n.children!);
    this.experts.push(n);
    return n;
  }

  addSource(name: string, data: Uint8Array): number {
    this.sources.push({ name, data });
    return this.sources.length - 1;
  }

  private short = false;

  /**
   * A frame cut by the snapshot length whose dissection wanted the missing bytes: `_ws.short`,
   * "[Packet size limited during capture: PROTO truncated]", and the Info column says so, as tshark.
   */
  markShort(parent: Node | null, protoName: string, at = 0): void {
    if (this.short) return;
    this.short = true;
    const n = this.addGenerated(parent, EXPERT_FIELDS.short, null, at, 0);
    n.text = `Packet size limited during capture: ${protoName} truncated`;
    this.info += '[Packet size limited during capture]';
  }

  /** Runs one protocol's dissector; an exception becomes an expert item, never escapes the packet. */
  call(protoName: string, parent: Node | null, fn: () => void): boolean {
    try {
      fn();
      return true;
    } catch (e) {
      // A datagram quoted by an ICMP error is cut short on purpose (RFC 792): its end is no anomaly.
      if (e instanceof BoundsError && this.inError) return false;
      if (e instanceof BoundsError && this.frame.caplen < this.frame.len) {
        // The bytes were on the wire but not captured (snapshot length): short, not malformed (tshark).
        this.markShort(parent, protoName, e.at);
      } else if (e instanceof BoundsError) {
        const n = this.addExpert(parent, MALFORMED, e.at, 0, `Malformed Packet (Exception occurred): ${protoName} ${e.message}`);
        this.addHidden(n, EXPERT_FIELDS.malformed, null, e.at, 0);
        if (!this.info.includes('[Malformed Packet]')) this.info += (this.info ? ' ' : '') + '[Malformed Packet]';
      } else {
        this.addExpert(parent, DISSECTOR_BUG, 0, 0, `Dissector bug, protocol ${protoName}: ${(e as Error)?.message ?? String(e)}`);
      }
      return false;
    }
  }
}
