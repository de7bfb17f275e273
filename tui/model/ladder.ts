// Registrations as ladder diagrams: every registration's hops (MN → FA → (AAAF → AAAH) → HA ↔ KDC
// and back) with times, reply codes, keys distributed and each hop's authenticator verdicts.
//
// The ladder is built against RegistrationSource, an interface of its own: TrackingLadders fills
// it from the dissector's request↔reply tracking and the key state as the capture is read.
import type { Packet } from '../../dissector/packet.js';
import { EXTENSION_TYPES, MESSAGE_TYPES, REPLY_CODES } from '../../dissector/mip/fields.js';
import { frameKeyResults } from '../../dissector/keys/index.js';
import type { SecurityAssociation } from '../../dissector/keys/index.js';
import { ipv4String } from '../../dissector/format.js';
import { messageView } from '../../conformance/checker.js';

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
  registrations(): readonly Registration[];
  /** The registration a frame belongs to. */
  registrationOf(frame: number): Registration | undefined;
}

const KIND: Record<number, HopKind> = { 1: 'request', 3: 'reply', 8: 'key-request', 9: 'key-reply', 7: 'revocation', 15: 'revocation-ack' };
const SHORT: Record<number, string> = { 1: 'Reg Request', 3: 'Reg Reply', 8: 'Key Request', 9: 'Key Reply', 7: 'Revocation', 15: 'Revocation Ack' };

function keyLabel(sa: SecurityAssociation): string {
  return `${sa.label ?? 'key'} SPI 0x${sa.spi.toString(16).padStart(8, '0')}`;
}

interface RawHop { frame: number; time: number; type: number; src: string; dst: string; code?: number; responseTo?: number; retransmission: boolean; auth: AuthVerdict[]; keys: string[] }
interface Exchange { first: number; mobileNode: string; hops: RawHop[]; keyExchanges: Exchange[]; kind: 'reg' | 'key' | 'rev'; built?: Registration }

/** Roles along a request path of n+1 nodes: MN, FA, (AAAF, AAAH | AAA), HA. */
function roles(n: number): string[] {
  if (n <= 0) return ['MN'];
  if (n === 1) return ['MN', 'HA'];
  if (n === 2) return ['MN', 'FA', 'HA'];
  if (n === 3) return ['MN', 'FA', 'AAA', 'HA'];
  if (n === 4) return ['MN', 'FA', 'AAAF', 'AAAH', 'HA'];
  return ['MN', 'FA', ...Array.from({ length: n - 3 }, (_, i) => `AAA${i + 1}`), 'HA'];
}

/** Registrations from the dissector's request↔reply tracking (filled during the forward pass). */
export class TrackingLadders implements RegistrationSource {
  private readonly exchanges = new Map<number, Exchange>();
  private readonly order: Exchange[] = [];
  private readonly frameOf = new Map<number, Exchange>();
  private firstTs: number | null = null;
  private cache: Registration[] | null = null;
  /** Registrations kept (a bound on memory for a long capture; the newest are dropped past it). */
  static readonly LIMIT = 100_000;

  /** Feeds one packet of the forward pass. */
  add(pkt: Packet): void {
    const t = pkt.frame.tsSec + pkt.frame.tsNsec / 1e9;
    this.firstTs ??= t;
    for (const msg of pkt.mip) {
      const kind = KIND[msg.type];
      if (!kind) continue;
      const p = pkt.session.transactions.placement(pkt.no, msg.start, msg.src);
      const tx = p?.tx;
      if (!tx) continue;
      let ex = this.exchanges.get(tx.id);
      if (!ex) {
        if (this.order.length >= TrackingLadders.LIMIT) continue;
        const k = tx.kind === 'key' ? 'key' : tx.kind === 'registration' ? 'reg' : 'rev';
        ex = { first: tx.id, mobileNode: messageView(pkt, msg).mobileNode, hops: [], keyExchanges: [], kind: k };
        this.exchanges.set(tx.id, ex);
        this.order.push(ex);
        // A key exchange belongs to the registration that asked for it (the session's model says which).
        const reg = tx.parent !== undefined ? this.exchanges.get(tx.parent) : undefined;
        if (reg) { reg.keyExchanges.push(ex); this.parent.set(ex, reg); }
      }
      const kr = frameKeyResults(pkt.session, pkt.no);
      ex.hops.push({
        frame: pkt.no, time: t - this.firstTs, type: msg.type,
        src: ipv4String(p.hop.src), dst: ipv4String(p.hop.dst),
        ...(msg.code !== undefined && (msg.type === 3 || msg.type === 9) ? { code: msg.code } : {}),
        ...(p.hop.answers !== undefined ? { responseTo: p.hop.answers } : {}),
        retransmission: p.hop.retransmissionOf !== undefined,
        auth: kr.auth.map(a => ({ extension: EXTENSION_TYPES[a.extType] ?? `type ${a.extType}`, status: a.status })),
        keys: kr.learned.map(keyLabel),
      });
      this.frameOf.set(pkt.no, ex.kind === 'key' ? this.parentOf(ex) ?? ex : ex);
      this.cache = null;
    }
  }

  private readonly parent = new Map<Exchange, Exchange>();
  private parentOf(ex: Exchange): Exchange | undefined { return this.parent.get(ex); }

  registrationOf(frame: number): Registration | undefined {
    const ex = this.frameOf.get(frame);
    if (!ex) return undefined;
    this.registrations();
    return ex.built;
  }

  registrations(): readonly Registration[] {
    if (this.cache) return this.cache;
    const out: Registration[] = [];
    for (const ex of this.order) {
      if (this.parent.has(ex)) continue;
      const reg = build(ex);
      ex.built = reg;
      out.push(reg);
    }
    return (this.cache = out);
  }
}

function build(ex: Exchange): Registration {
  const hops = [...ex.hops, ...ex.keyExchanges.flatMap(k => k.hops)].sort((a, b) => a.frame - b.frame);
  // The request path gives the columns: first request's source, then each request's destination.
  const requests = ex.hops.filter(h => h.type === 1 || h.type === 7 || h.type === 8);
  const path: string[] = [];
  for (const h of requests) {
    if (!path.length) path.push(h.src);
    if (!path.includes(h.dst)) path.push(h.dst);
  }
  const names = ex.kind === 'reg' ? roles(path.length - 1) : ex.kind === 'key' ? ['HA', 'KDC'] : path.map((_, i) => (i === 0 ? 'HA' : i === path.length - 1 ? 'FA' : 'AAA'));
  const nodes: LadderNode[] = path.map((a, i) => ({ address: a, role: names[i] ?? '?' }));
  const column = (addr: string): number => {
    let i = nodes.findIndex(n => n.address === addr);
    if (i < 0) { nodes.push({ address: addr, role: '?' }); i = nodes.length - 1; }
    return i;
  };
  for (const k of ex.keyExchanges) for (const h of k.hops) if (h.type === 8 && !nodes.some(n => n.address === h.dst)) nodes.push({ address: h.dst, role: 'KDC' });
  const byFrame = new Map(hops.map(h => [h.frame, h]));
  const out: LadderHop[] = hops.map(h => {
    let from: number, to: number;
    const req = h.responseTo !== undefined ? byFrame.get(h.responseTo) : undefined;
    if (req && (h.type === 3 || h.type === 9 || h.type === 15)) { from = column(req.dst); to = column(req.src); }
    else { from = column(h.src); to = column(h.dst); }
    const codeText = h.code !== undefined ? (h.type === 3 ? REPLY_CODES[h.code] ?? `code ${h.code}` : `code ${h.code}`) : undefined;
    return {
      frame: h.frame, time: h.time, kind: KIND[h.type]!, from, to, label: SHORT[h.type] ?? MESSAGE_TYPES[h.type] ?? `type ${h.type}`,
      ...(h.code !== undefined ? { code: h.code } : {}), ...(codeText !== undefined ? { codeText } : {}),
      auth: h.auth, keys: h.keys, retransmission: h.retransmission,
    };
  });
  const finalReply = [...out].reverse().find(h => h.kind === 'reply' || h.kind === 'revocation-ack');
  return {
    first: ex.first, mobileNode: ex.mobileNode, nodes, hops: out,
    outcome: finalReply ? (finalReply.codeText ?? (finalReply.kind === 'revocation-ack' ? 'acknowledged' : 'reply')) : 'no reply',
  };
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
    if (h.codeText !== undefined) notes.push(`${h.code}: ${h.codeText}`);
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
  get list(): readonly Registration[] { return this.source.registrations(); }
  get current(): Registration | undefined { return this.list[this.registration]; }
  get currentHop(): LadderHop | undefined { return this.current?.hops[this.hop]; }
  /** Down/Up: the next hop, on into the next registration. */
  move(d: number): void {
    const list = this.list;
    if (!list.length) return;
    let r = Math.min(this.registration, list.length - 1), h = this.hop + d;
    while (h >= list[r]!.hops.length && r < list.length - 1) { h -= list[r]!.hops.length; r++; }
    while (h < 0 && r > 0) { r--; h += list[r]!.hops.length; }
    this.registration = r;
    this.hop = Math.max(0, Math.min(list[r]!.hops.length - 1, h));
  }
  /** PgDn/PgUp: the next or previous registration. */
  moveRegistration(d: number): void {
    const n = this.list.length;
    if (!n) return;
    this.registration = Math.max(0, Math.min(n - 1, this.registration + d));
    this.hop = 0;
  }
  first(): void { this.registration = 0; this.hop = 0; }
  last(): void { const n = this.list.length; if (n) { this.registration = n - 1; this.hop = this.list[n - 1]!.hops.length - 1; } }
  /** Shows the registration of a frame with that frame's hop selected. */
  selectFrame(no: number): boolean {
    const reg = this.source.registrationOf(no);
    if (!reg) return false;
    const i = this.list.indexOf(reg);
    if (i < 0) return false;
    this.registration = i;
    this.hop = Math.max(0, reg.hops.findIndex(h => h.frame === no));
    return true;
  }
}
