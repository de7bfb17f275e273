// Registrations as ladder diagrams: every registration's hops (MN → FA → (AAAF → AAAH) → HA ↔ KDC
// and back) with times, reply codes, keys distributed and each hop's authenticator verdicts.
//
// The ladder is built against RegistrationSource, an interface of its own: TransactionLadders
// fills it from the session's registration transactions (dissector/mip/transactions.ts), which
// pair requests, relayed copies and replies and carry each hop's roles, verdicts and keys.
import type { Packet } from '../../dissector/packet.js';
import { EXTENSION_TYPES, MESSAGE_TYPES, REPLY_CODES } from '../../dissector/mip/fields.js';
import type { Hop as TxHop, Transaction } from '../../dissector/mip/transactions.js';
import { ipv4String, spiHex } from '../../dissector/format.js';
import { messageView } from '../../conformance/checker.js';
import { grown, lowerBound } from '../../dissector/columns.js';
import { secondsBetween } from '../../dissector/tree.js';

export type HopKind = 'request' | 'reply' | 'key-request' | 'key-reply' | 'revocation' | 'revocation-ack';

export interface AuthVerdict { extension: string; status: 'good' | 'bad' | 'unverified' }

export interface LadderHop {
  frame: number;
  /** Seconds since the start of the capture. */
  time: number;
  kind: HopKind;
  /** Columns (indexes into Registration.nodes) the message goes from and to. */
  from: number;
  to: number;
  label: string;
  code?: number;
  codeText?: string;
  auth: AuthVerdict[];
  /** Keys the message distributes (learned from it). */
  keys: string[];
  retransmission: boolean;
}

export interface LadderNode { address: string; role: string }

export interface Registration {
  /** Frame of the first request. */
  first: number;
  mobileNode: string;
  nodes: LadderNode[];
  hops: LadderHop[];
  /** The final reply's code text, or "no reply". */
  outcome: string;
}

/** Where ladders come from: the tracking below now, a registration model of the session later. */
export interface RegistrationSource {
  /** Registrations so far, in the order they began. */
  readonly count: number;
  /** Registration `i` (built when asked: a long capture has many). */
  registration(i: number): Registration | undefined;
  /** Index of the registration a frame belongs to, or -1. */
  indexOfFrame(frame: number): number;
}

const SHORT: Record<string, string> = { 'registration request': 'Reg Request', 'registration reply': 'Reg Reply', 'key request': 'Key Request', 'key reply': 'Key Reply', 'revocation request': 'Revocation', 'revocation reply': 'Revocation Ack' };
const KIND: Record<string, HopKind> = { 'registration request': 'request', 'registration reply': 'reply', 'key request': 'key-request', 'key reply': 'key-reply', 'revocation request': 'revocation', 'revocation reply': 'revocation-ack' };
const TYPE: Record<string, number> = { 'registration request': 1, 'registration reply': 3, 'key request': 8, 'key reply': 9, 'revocation request': 7, 'revocation reply': 15 };

/**
 * Registrations from the session's transaction model. The forward pass only notes which
 * registration each frame belongs to (and the mobile node's name); a ladder is built when drawn.
 */
export class TransactionLadders implements RegistrationSource {
  /** Top-level transaction ids (registrations, revocations, key exchanges of no registration), in order (ascending). */
  private top = new Uint32Array(1024);
  private topCount = 0;
  private readonly names = new Map<number, string>();
  private readonly built = new Map<number, Registration>();
  /** Per frame: 1 + the index in `top` of the registration it belongs to (0: none). */
  private frameOf = new Uint32Array(1024);
  private firstTs: { sec: number; nsec: number } | null = null;
  private table: Packet['session']['transactions'] | null = null;
  /**
   * The mobile node's name (NAI, decrypted when keys allow, else home address) of the message
   * that began a transaction: read from the full tree of that frame, dissected again when drawn.
   */
  fullPacket: ((frame: number) => Packet | undefined) | null = null;

  private nameOf(id: number): string {
    let n = this.names.get(id);
    if (n === undefined) {
      const pkt = this.fullPacket?.(id);
      const msg = pkt?.mip.find(m => pkt.session.transactions.placement(id, m.start, m.src)?.tx?.id === id) ?? pkt?.mip[0];
      n = pkt && msg ? messageView(pkt, msg).mobileNode : 'unknown mobile node';
      this.names.set(id, n);
    }
    return n;
  }

  /** Feeds one packet of the forward pass. */
  add(pkt: Packet): void {
    this.firstTs ??= { sec: pkt.frame.tsSec, nsec: pkt.frame.tsNsec };
    const table = (this.table = pkt.session.transactions);
    for (const msg of pkt.mip) {
      const p = table.placement(pkt.no, msg.start, msg.src);
      if (!p?.tx) continue;
      const rootId = p.tx.parent ?? p.tx.id;
      // A registration begins before its key exchanges, in frame order: new ids come last.
      let i = this.topCount > 0 && this.top[this.topCount - 1]! >= rootId ? lowerBound(this.top, this.topCount, rootId) : this.topCount;
      if (i === this.topCount || this.top[i] !== rootId) {
        i = this.topCount++;
        this.top = grown(this.top, i);
        this.top[i] = rootId;
      }
      this.built.delete(rootId);
      this.frameOf = grown(this.frameOf, pkt.no);
      this.frameOf[pkt.no] = i + 1;
    }
  }

  get count(): number { return this.topCount; }

  registration(i: number): Registration | undefined {
    const id = i >= 0 && i < this.topCount ? this.top[i] : undefined;
    const tx = id !== undefined ? this.table?.get(id) : undefined;
    if (!tx || !this.table) return undefined;
    let reg = this.built.get(id!);
    if (!reg) {
      const children = tx.children.map(c => this.table!.get(c)).filter((c): c is Transaction => c !== undefined);
      reg = build(tx, children, this.nameOf(id!), this.firstTs ?? { sec: 0, nsec: 0 });
      this.built.set(id!, reg);
    }
    return reg;
  }

  indexOfFrame(frame: number): number {
    return (frame < this.frameOf.length ? this.frameOf[frame]! : 0) - 1;
  }
}

/** Short names of the authentication extensions (RFC 5944 §3.5, RFC 4721) for the ladder's notes. */
const AUTH_SHORT: Record<number, string> = { 32: 'MN-HA', 33: 'MN-FA', 34: 'FA-HA', 36: 'MN-AAA' };

/** Two AAA servers on one path are the foreign (AAAF) and the home (AAAH) one. */
function nameAaa(nodes: LadderNode[]): void {
  const aaa = nodes.filter(n => n.role === 'AAA');
  if (aaa.length === 2) { aaa[0]!.role = 'AAAF'; aaa[1]!.role = 'AAAH'; }
}

function build(tx: Transaction, children: readonly Transaction[], mobileNode: string, t0: { sec: number; nsec: number }): Registration {
  const nodes: LadderNode[] = [];
  const byAddr = new Map<number, number>();
  const add = (addr: number, role: string): number => {
    let i = byAddr.get(addr);
    if (i === undefined) { i = nodes.length; nodes.push({ address: ipv4String(addr), role }); byAddr.set(addr, i); }
    return i;
  };
  // Columns along the request path: the first sender, then where each copy goes; then the KDC.
  for (const h of tx.requests) { add(h.src, h.from); add(h.dst, h.to); }
  for (const c of children) for (const h of c.requests) { add(h.src, h.from); add(h.dst, h.to); }
  nameAaa(nodes);
  const all: Array<{ h: TxHop; t: Transaction }> = [];
  for (const t of [tx, ...children]) for (const h of [...t.requests, ...t.replies]) all.push({ h, t });
  all.sort((a, b) => a.h.frame - b.h.frame);
  const requestOf = new Map<number, TxHop>();
  for (const { h } of all) if (h.direction === 'request') requestOf.set(h.frame, h);
  const hops: LadderHop[] = all.map(({ h, t }) => {
    const what = `${t.kind} ${h.direction}`;
    // A reply goes back where its request came from (a broadcast reply reaches the MN's column).
    const req = h.answers !== undefined ? requestOf.get(h.answers) : undefined;
    const from = byAddr.get(h.src) ?? (req ? add(req.dst, h.from) : add(h.src, h.from));
    const to = byAddr.get(h.dst) ?? (req ? byAddr.get(req.src)! : add(h.dst, h.to));
    const codeText = h.code !== undefined && h.direction === 'reply' ? (t.kind === 'registration' ? REPLY_CODES[h.code] ?? `code ${h.code}` : `code ${h.code}`) : undefined;
    return {
      frame: h.frame, time: secondsBetween(h.time, t0), kind: KIND[what]!, from, to,
      label: SHORT[what] ?? MESSAGE_TYPES[TYPE[what] ?? 0] ?? what,
      ...(h.code !== undefined && h.direction === 'reply' ? { code: h.code } : {}), ...(codeText !== undefined ? { codeText } : {}),
      auth: h.auth.map(a => ({ extension: AUTH_SHORT[a.type] ?? EXTENSION_TYPES[a.type] ?? `type ${a.type}`, status: a.status })),
      keys: h.keys.map(k => `${k.label || 'key'} SPI ${spiHex(k.spi)}`),
      retransmission: h.retransmissionOf !== undefined,
    };
  });
  const outcome = !tx.replies.length ? 'no reply'
    : tx.kind === 'registration' ? (tx.code !== undefined ? REPLY_CODES[tx.code] ?? `code ${tx.code}` : 'reply')
      : tx.kind === 'revocation' ? 'acknowledged' : `code ${tx.code}`;
  return { first: tx.id, mobileNode, nodes, hops, outcome };
}

/** One line of a drawn ladder; `hop` is the index of the hop drawn on it. */
export interface LadderLine { text: string; hop: number | null }

const VERDICT: Record<AuthVerdict['status'], string> = { good: 'ok', bad: 'BAD', unverified: '?' };

/**
 * Draws a registration as text: a header of node columns, then one arrow per hop with its
 * frame and time, and its reply code, authenticator verdicts and keys to the right.
 */
export function drawLadder(reg: Registration, colWidth = 18): LadderLine[] {
  const w = Math.max(12, colWidth);
  const lead = 18; // "#12345 +12.345678 "
  const n = reg.nodes.length;
  const centre = (i: number) => lead + i * w + Math.floor(w / 2);
  const width = lead + n * w;
  const lines: LadderLine[] = [];
  const header = (f: (nd: LadderNode) => string) => {
    const row = Array(width).fill(' ');
    reg.nodes.forEach((nd, i) => {
      const s = f(nd).slice(0, w - 1);
      const at = centre(i) - Math.floor(s.length / 2);
      for (let k = 0; k < s.length; k++) row[at + k] = s[k]!;
    });
    return row.join('').trimEnd();
  };
  lines.push({ text: header(nd => nd.role), hop: null });
  lines.push({ text: header(nd => nd.address), hop: null });
  const t0 = reg.hops[0]?.time ?? 0;
  reg.hops.forEach((h, idx) => {
    const row = Array(width).fill(' ');
    for (let i = 0; i < n; i++) row[centre(i)] = '|';
    const a = centre(h.from), b = centre(h.to);
    const lo = Math.min(a, b), hi = Math.max(a, b);
    for (let k = lo + 1; k < hi; k++) row[k] = '-';
    if (b > a) row[hi - 1] = '>'; else if (b < a) row[lo + 1] = '<';
    const label = (h.retransmission ? '(re) ' : '') + h.label;
    if (hi - lo - 4 >= label.length) {
      const at = lo + 1 + Math.floor((hi - lo - 1 - label.length) / 2);
      for (let k = 0; k < label.length; k++) row[at + k] = label[k]!;
    }
    const prefix = `#${h.frame}`.padEnd(7) + ('+' + (h.time - t0).toFixed(3) + 's').padEnd(lead - 7);
    for (let k = 0; k < prefix.length; k++) row[k] = prefix[k]!;
    const notes: string[] = [];
    if (hi - lo - 4 < label.length) notes.push(label);
    if (h.codeText !== undefined) notes.push(h.kind === 'reply' ? `${h.code}: ${h.codeText}` : h.codeText);
    for (const v of h.auth) notes.push(`${v.extension} ${VERDICT[v.status]}`);
    if (h.keys.length) notes.push('keys ' + h.keys.join(', '));
    lines.push({ text: row.join('').trimEnd() + (notes.length ? '  ' + notes.join('; ') : ''), hop: idx });
  });
  return lines;
}

/** The Registrations view: registrations and the hop under the cursor. */
export class LadderModel {
  registration = 0;
  hop = 0;
  constructor(readonly source: RegistrationSource) {}
  get count(): number { return this.source.count; }
  at(i: number): Registration | undefined { return this.source.registration(i); }
  get current(): Registration | undefined { return this.at(this.registration); }
  get currentHop(): LadderHop | undefined { return this.current?.hops[this.hop]; }
  /** Down/Up: the next hop, on into the next registration. */
  move(d: number): void {
    const n = this.count;
    if (!n) return;
    let r = Math.min(this.registration, n - 1), h = this.hop + d;
    while (h >= this.at(r)!.hops.length && r < n - 1) { h -= this.at(r)!.hops.length; r++; }
    while (h < 0 && r > 0) { r--; h += this.at(r)!.hops.length; }
    this.registration = r;
    this.hop = Math.max(0, Math.min(this.at(r)!.hops.length - 1, h));
  }
  /** PgDn/PgUp: the next or previous registration. */
  moveRegistration(d: number): void {
    const n = this.count;
    if (!n) return;
    this.registration = Math.max(0, Math.min(n - 1, this.registration + d));
    this.hop = 0;
  }
  first(): void { this.registration = 0; this.hop = 0; }
  last(): void { const n = this.count; if (n) { this.registration = n - 1; this.hop = this.at(n - 1)!.hops.length - 1; } }
  /** Shows the registration of a frame with that frame's hop selected. */
  selectFrame(no: number): boolean {
    const i = this.source.indexOfFrame(no);
    const reg = i >= 0 ? this.at(i) : undefined;
    if (!reg) return false;
    this.registration = i;
    this.hop = Math.max(0, reg.hops.findIndex(h => h.frame === no));
    return true;
  }
}
