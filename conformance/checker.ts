// Runs the rules over a stream of dissected packets and gathers findings and a summary.
import type { Packet } from '../dissector/packet.js';
import type { MipMessage } from '../dissector/mip/extensions.js';
import type { Node } from '../dissector/tree.js';
import type { Session } from '../dissector/session.js';
import { transactionKey } from '../dissector/mip/transactions.js';
import type { Hop, Placement, Transaction } from '../dissector/mip/transactions.js';
import { ipv4String } from '../dissector/format.js';
import type { FieldDef } from '../dissector/fields.js';
import { MIP } from '../dissector/mip/fields.js';
import { peekMessageKx } from '../dissector/kx/records.js';
import type { MessageKx } from '../dissector/kx/records.js';
import type { CheckOptions, Finding, MessageView, Rule, RuleChecks, Severity } from './rule.js';
import { SEVERITY_RANK } from './rule.js';
import { frameSeconds } from '../dissector/tree.js';
import { FindingList } from './findings.js';

export interface RuleSummary {
  id: string;
  title: string;
  severity: Severity;
  reference: string;
  /**
   * passed: examined everything it applies to, no finding; failed: findings; partly-checked: no
   * finding in what it examined, but some messages had no key; not-checked: no key for any;
   * not-applicable: nothing to examine.
   */
  status: 'passed' | 'failed' | 'partly-checked' | 'not-checked' | 'not-applicable';
  findings: number;
  checked: number;
  /** Messages the rule applied to but could not examine for want of a key. */
  notChecked: number;
}

export interface Summary {
  frames: number;
  messages: number;
  rules: RuleSummary[];
  errors: number;
  warnings: number;
  notes: number;
  keys: boolean;
}

export const defaultCheckOptions: CheckOptions = { timestampWindow: 7 };

function subtreeNodes(root: Node, def: FieldDef, out: Node[]): void {
  if (root.children) for (const c of root.children) {
    if (c.field === def) out.push(c);
    subtreeNodes(c, def, out);
  }
}

const NO_KX: MessageKx = Object.freeze({ gp: [], sa: [], auth: [], learned: [] }) as unknown as MessageKx;

/**
 * The nodes of a registry field inside a message: its subtree, or, for a packet dissected without
 * trees (the fast path keeps the wanted fields in `all`, in creation order), those within the
 * message's bytes.
 */
function messageNodes(pkt: Packet | undefined, msg: MipMessage, def: FieldDef, out: Node[]): void {
  if (!pkt || pkt.want === null) { subtreeNodes(msg.node, def, out); return; }
  for (const n of pkt.all) if (n.field === def && n.src === msg.src && n.offset >= msg.start && n.offset < msg.end) out.push(n);
}

/** The mobile node's NAI in a message: the NAI extension, else a GP-NAI of content 0 (plain, or decrypted where keys allow). */
export function messageNai(msg: MipMessage, pkt?: Packet): string | undefined {
  const n: Node[] = [];
  messageNodes(pkt, msg, MIP.nai, n);
  if (typeof n[0]?.value === 'string') return n[0].value;
  return peekMessageKx(msg)?.gp.find(g => g.content === 0 && g.nai !== undefined)?.nai;
}

/** The fields the rules read from nodes (and the NAI, for the mobile node's label): what a pass without trees keeps. */
export function checkedFields(rules: readonly Rule[]): FieldDef[] {
  return [...new Set([MIP.nai, ...rules.flatMap(r => r.fields ?? [])])];
}

/**
 * One message as the rules see it. What only some rules read (field nodes, the mobile node's
 * label, the extension types) is made on first use: most messages reach no rule that asks.
 */
class View implements MessageView {
  readonly frame: number;
  readonly time: number;
  readonly type: number;
  readonly ipSrc: number | undefined;
  readonly ipDst: number | undefined;
  readonly srcPort: number | undefined;
  readonly dstPort: number | undefined;
  readonly placement: Placement | undefined;
  readonly tx: Transaction | undefined;
  readonly hop: Hop | undefined;
  readonly answered: Hop | undefined;
  readonly kx: MessageKx;
  private cache: Map<FieldDef, Node[]> | null = null;
  private types: number[] | null = null;
  private label: string | null = null;

  constructor(readonly pkt: Packet, readonly msg: MipMessage) {
    this.frame = pkt.no; this.time = frameSeconds(pkt.frame); this.type = msg.type;
    const udp = msg.udp;
    this.ipSrc = udp?.ip?.src; this.ipDst = udp?.ip?.dst; this.srcPort = udp?.srcPort; this.dstPort = udp?.dstPort;
    const table = pkt.session.transactions;
    const placement = table.placement(pkt.no, msg.start, msg.src);
    this.placement = placement; this.tx = placement?.tx; this.hop = placement?.tx ? placement.hop : undefined;
    this.answered = table.answered(placement);
    this.kx = peekMessageKx(msg) ?? NO_KX;
  }

  fields(def: FieldDef): Node[] {
    const cache = (this.cache ??= new Map());
    let v = cache.get(def);
    if (!v) { v = []; messageNodes(this.pkt, this.msg, def, v); cache.set(def, v); }
    return v;
  }

  value(def: FieldDef): unknown { return this.fields(def)[0]?.value; }

  get extTypes(): number[] { return (this.types ??= this.msg.exts.map(e => e.type)); }

  get mobileNode(): string {
    if (this.label === null) {
      const nai = messageNai(this.msg, this.pkt), home = this.msg.homeAddr;
      this.label = typeof nai === 'string' ? nai : home !== undefined && home !== 0 ? ipv4String(home) : 'unknown mobile node';
    }
    return this.label;
  }
}

export function messageView(pkt: Packet, msg: MipMessage): MessageView {
  return new View(pkt, msg);
}

export class Checker {
  /** The findings, compactly (sorted by finish()). */
  readonly findingList: FindingList;
  /** The findings as objects (made on each call: the report writers read findingList). */
  get findings(): Finding[] { return [...this.findingList]; }
  /** Called with each finding as it is reported (a view that shows them as they come). */
  onFinding: ((f: Finding) => void) | null = null;
  private readonly runners: Array<{ rule: Rule; checks: RuleChecks; checked: number; noKey: number; noKeyAt: number; findings: number; notes: Map<number, unknown> }> = [];
  private frames = 0;
  private messages = 0;
  private session: Session | null = null;
  private unsubscribe: (() => void) | null = null;
  private lastCompleted = -1;
  private readonly packetChecks: RuleChecks[];
  private readonly messageChecks: RuleChecks[];

  constructor(readonly rules: readonly Rule[], readonly haveKeys: boolean, readonly options: CheckOptions = defaultCheckOptions) {
    this.findingList = new FindingList(rules);
    for (const [index, rule] of rules.entries()) {
      // Notes by transaction (its key: the same for the object and for a view of it later), freed when it completes.
      const notes = new Map<number, unknown>();
      const runner = { rule, checks: {} as RuleChecks, checked: 0, noKey: 0, noKeyAt: -1, findings: 0, notes };
      runner.checks = rule.create({
        options, haveKeys,
        noteOn: <T>(tx: Transaction, init: () => T): T => {
          const k = transactionKey(tx);
          if (!notes.has(k)) notes.set(k, init());
          return notes.get(k) as T;
        },
        report: (frame, message, node) => {
          runner.findings++;
          this.findingList.push(index, frame, message, node);
          if (this.onFinding) this.onFinding({ frame, rule: rule.id, severity: rule.severity, message, reference: rule.reference, ...(node ? { node } : {}) });
        },
        checked: () => { runner.checked++; },
        // Counted once per message, however many of its extensions lacked a key.
        notCheckedNoKey: () => { if (runner.noKeyAt !== this.messages) { runner.noKeyAt = this.messages; runner.noKey++; } },
      });
      this.runners.push(runner);
    }
    // The rules that look at packets and at messages, in rule order.
    this.packetChecks = this.runners.map(r => r.checks).filter(c => c.packet);
    this.messageChecks = this.runners.map(r => r.checks).filter(c => c.message);
  }

  /** Feeds one packet (in capture order). */
  add(pkt: Packet): void {
    this.frames++;
    if (pkt.session !== this.session) this.follow(pkt.session);
    // A later pass over frames the session placed already: the transactions that closed while
    // this frame was placed complete here, as they did in the forward pass.
    if (pkt.session.visited(pkt.no)) for (const tx of pkt.session.transactions.closedIn(pkt.no)) this.completed(tx);
    const packet = this.packetChecks, message = this.messageChecks;
    for (let i = 0; i < packet.length; i++) packet[i]!.packet!(pkt);
    for (const msg of pkt.mip) {
      this.messages++;
      const view = new View(pkt, msg);
      for (let i = 0; i < message.length; i++) message[i]!.message!(view);
    }
  }

  /** Hears of the session's transactions as they complete. */
  private follow(session: Session): void {
    this.unsubscribe?.();
    this.session = session;
    this.lastCompleted = -1;
    this.unsubscribe = session.transactions.onClose(tx => this.completed(tx));
  }

  /**
   * Transactions complete in the order they began (closed oldest first, then the open ones at
   * the end): one heard of already, from the session as it closed, is not completed again.
   */
  private completed(tx: Transaction): void {
    const k = transactionKey(tx);
    if (k <= this.lastCompleted) return;
    this.lastCompleted = k;
    for (const r of this.runners) { r.checks.transaction?.(tx); r.notes.delete(k); }
  }

  finish(): Summary {
    if (this.session) {
      this.unsubscribe?.();
      this.unsubscribe = null;
      for (const tx of this.session.transactions.openTransactions()) this.completed(tx);
    }
    for (const r of this.runners) r.checks.end?.();
    this.findingList.sort();
    const count = (s: Severity) => this.findingList.severityCount(s);
    return {
      frames: this.frames, messages: this.messages, keys: this.haveKeys,
      errors: count('error'), warnings: count('warning'), notes: count('note'),
      rules: this.runners.map(r => ({
        id: r.rule.id, title: r.rule.title, severity: r.rule.severity, reference: r.rule.reference,
        findings: r.findings, checked: r.checked, notChecked: r.noKey,
        status: r.findings ? 'failed' : r.noKey && !r.checked ? 'not-checked' : r.checked && r.noKey ? 'partly-checked' : r.checked ? 'passed' : r.rule.needsKeys && !this.haveKeys ? 'not-checked' : 'not-applicable',
      })),
    };
  }
}

export function atLeast(f: Finding, threshold: Severity): boolean {
  return SEVERITY_RANK[f.severity] >= SEVERITY_RANK[threshold];
}
