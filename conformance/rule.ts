// Rules are data (DESIGN.md principle 8): each has an id, a title, a severity, a reference and
// a check over one message, one packet, or a sequence.
import type { Packet } from '../dissector/packet.js';
import type { MipMessage } from '../dissector/mip/extensions.js';
import type { Node } from '../dissector/tree.js';
import type { FieldDef } from '../dissector/fields.js';
import type { MessageKx } from '../dissector/kx/records.js';
import type { Hop, Placement, Transaction } from '../dissector/mip/transactions.js';

export type Severity = 'error' | 'warning' | 'note';
export const SEVERITY_RANK: Record<Severity, number> = { note: 0, warning: 1, error: 2 };

export interface Finding {
  frame: number;
  rule: string;
  severity: Severity;
  message: string;
  reference: string;
  /** The mobile node concerned (home address, NAI or SPI), when known: groups the HTML report. */
  node?: string;
}

/** One Mobile IP message as the rules see it. */
export interface MessageView {
  frame: number;
  /** Seconds since the epoch (with fraction) of the frame. */
  time: number;
  pkt: Packet;
  msg: MipMessage;
  type: number;
  ipSrc: number | undefined;
  ipDst: number | undefined;
  srcPort: number | undefined;
  dstPort: number | undefined;
  /** Nodes of a registry field inside this message. */
  fields(def: FieldDef): Node[];
  /** First value of a registry field inside this message. */
  value(def: FieldDef): unknown;
  /**
   * What the KX dissectors found in the message (dissector/kx/records.ts): GP extensions, SA
   * payloads with their proposals, transforms and key exchanges, authenticator verdicts and the
   * keys it taught. Empty lists for a message without them.
   */
  kx: MessageKx;
  /** Top-level extension types in wire order. */
  extTypes: number[];
  /** A label for the mobile node (NAI, else home address). */
  mobileNode: string;
  /**
   * Where the session's transactions place this message (dissector/mip/transactions.ts): its
   * transaction (undefined for a reply that answers no request) and hop. Rules over more than
   * one message read this; none keeps its own map of requests.
   */
  placement: Placement | undefined;
  tx: Transaction | undefined;
  hop: Hop | undefined;
  /** For a reply: the request hop it answers. */
  answered: Hop | undefined;
}

export interface CheckOptions {
  /** Allowed distance, in seconds, between an Identification timestamp and the capture time. */
  timestampWindow: number;
}

export interface RuleContext {
  readonly options: CheckOptions;
  /** True when the user gave keys: rules that need keys can run. */
  readonly haveKeys: boolean;
  report(frame: number, message: string, node?: string): void;
  /** Marks that the rule examined something (for "passed" vs "nothing to check"). */
  checked(): void;
  /** Marks that something could not be checked for lack of a key. */
  notCheckedNoKey(): void;
  /** This rule's own notes on a transaction, created by `init` on first use and freed with it. */
  noteOn<T>(tx: Transaction, init: () => T): T;
}

export interface RuleChecks {
  message?(m: MessageView): void;
  packet?(pkt: Packet): void;
  /** A transaction is complete: closed by the session, or still open at the end of the capture (in first-frame order). */
  transaction?(tx: Transaction): void;
  end?(): void;
}

export interface Rule {
  id: string;
  title: string;
  severity: Severity;
  /** docs/protocol.md section, RFC section, or WO 01/26322 figure/claim. */
  reference: string;
  /** What the rule checks, for the catalog. */
  description: string;
  /** The rule needs keys to say anything (it reports "not checked (no key)" without them). */
  needsKeys?: boolean;
  /**
   * Registry fields whose nodes the rule reads (from a packet's `all` or a message's `fields`):
   * a pass that builds no trees (the dissector's fast path) keeps these.
   */
  fields?: readonly FieldDef[];
  create(ctx: RuleContext): RuleChecks;
}
