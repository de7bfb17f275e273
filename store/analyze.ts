// One capture → rows of every table: the same session, keys, dissection and conformance checker
// as the CLI, in one streaming pass. Rows leave in batches so a large capture stays small in memory.
import { createHash } from 'node:crypto';
import { openSync, readSync, closeSync } from 'node:fs';
import { basename } from 'node:path';
import { readCaptureSync } from '../capture/read.js';
import type { Frame } from '../capture/frame.js';
import { dissectFrame, ipv4String, parsePrefs, Session } from '../dissector/index.js';
import type { Packet, Node } from '../dissector/index.js';
import type { Extension, MipMessage } from '../dissector/mip/extensions.js';
import { extensionHandler } from '../dissector/mip/extensions.js';
import { EXTENSION_TYPES, MIP } from '../dissector/mip/fields.js';
import { KX } from '../dissector/kx/fields.js';
import type { FieldDef } from '../dissector/fields.js';
import { wantSet } from '../dissector/fields.js';
import type { Placement, TransactionTable } from '../dissector/mip/transactions.js';
import { attachKeys, loadKeysFile } from '../dissector/keys/index.js';
import { kxState } from '../dissector/keys/state.js';
import { LEARN_METHODS } from '../dissector/keys/table.js';
import { Checker, checkedFields, messageNai } from '../conformance/checker.js';
import type { Finding, Rule } from '../conformance/rule.js';
import { selectRules } from '../conformance/rules/index.js';
import { emptyRows } from './schema.js';
import type { Row, TableRows } from './schema.js';
import { spiHex } from '../dissector/format.js';
import { bindingsOf } from '../dissector/bindings.js';
import type { Binding } from '../dissector/bindings.js';
import { tunnels } from '../dissector/tunnels.js';
import { bindingRow, DataPathLog } from './datapath.js';
import { LINK_WINDOW_US } from './link.js';

export interface AnalyzeOptions {
  keys?: string; prefs?: readonly string[];
  /** Rows per batch handed to the writer (default 2,000). */
  batch?: number;
  /** Dissect with full trees instead of only the fields the rows read (the same rows, slower). */
  trees?: boolean;
}

/** What identifies a capture file: its content hash, and the id derived from it. */
export interface CaptureIdentity { path: string; hash: string; id: bigint; firstTime: number | null }

/** Microseconds since the epoch (exact in a double until the year 2255). */
export function micros(sec: number, nsec: number): number { return sec * 1e6 + Math.floor(nsec / 1000); }

/** SHA-256 of the file, and the time of its first frame (files are ordered by it); throws on an unreadable file. */
export function identify(path: string): CaptureIdentity {
  const h = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0;) h.update(buf.subarray(0, n));
  } finally { closeSync(fd); }
  const hash = h.digest('hex');
  let firstTime: number | null = null;
  const it = readCaptureSync(path);
  try {
    const f = it.next();
    if (!f.done) firstTime = micros(f.value.tsSec, f.value.tsNsec);
  } finally { it.return(undefined); }
  return { path, hash, id: BigInt('0x' + hash.slice(0, 16)), firstTime };
}

function ip(v: number | undefined): string | null { return v === undefined ? null : ipv4String(v); }

function each(n: Node, visit: (n: Node) => void): void {
  if (n.children) for (const c of n.children) { visit(c); each(c, visit); }
}

/** The fields the rows read from an extension's nodes (besides the NAI and what the rules read). */
const EXTENSION_FIELDS: readonly FieldDef[] = [MIP.authStatus, MIP.authSpi, KX.learnedSpi, KX.gpSpi, KX.keyLabel, KX.keyLearnedIn];

/**
 * The want-set of the analysis (DESIGN.md principle 7): the dissector builds no tree, and keeps
 * only the fields the rows and the rules read.
 */
export function analysisFields(rules: readonly Rule[]): Uint8Array {
  return wantSet([...checkedFields(rules), ...EXTENSION_FIELDS]);
}

/**
 * The nodes of a field inside one extension: its subtree, or, for a packet dissected without
 * trees (the kept fields are in \`all\`, in creation order), those within the extension's bytes.
 */
function extensionNodes(pkt: Packet, msg: MipMessage, e: Extension, def: FieldDef, visit: (n: Node) => void): void {
  if (pkt.want === null) { each(e.node, c => { if (c.field?.abbrev === def.abbrev) visit(c); }); return; }
  const end = Math.min(e.end, msg.end);
  for (const n of pkt.all) if (n.field === def && n.src === msg.src && n.offset >= e.offset && n.offset < end) visit(n);
}

function firstValue(pkt: Packet, msg: MipMessage, e: Extension, def: FieldDef): unknown {
  let v: unknown;
  extensionNodes(pkt, msg, e, def, c => { if (v === undefined) v = c.value; });
  return v;
}

/** The first reply to a request, as the session's registration-transaction model pairs them (RFC 5944 §3.3–3.8). */
export function firstAnswer(table: TransactionTable, p: Placement | undefined): { request: number; seconds: number } | undefined {
  const q = table.answered(p);
  if (!q || q.responseIn !== p!.hop.frame || !p!.hop.responseTime) return undefined;
  return { request: q.frame, seconds: p!.hop.responseTime.sec + p!.hop.responseTime.nsec / 1e9 };
}

/** Registration requests still waiting for a reply in this file; the oldest leave past this many. */
const MAX_PENDING = 50_000;

/**
 * A binding past its lifetime by this much no longer changes (no datagram counts towards it,
 * even from a capture whose clock steps back a little): its row is written then, not at the end.
 */
const BINDING_SETTLE_S = 3600;

/** Mobile nodes' home addresses kept before they are written as rows (they repeat across batches past it). */
const MAX_HOMES = 10_000;

export class CaptureRows {
  private rows: TableRows = emptyRows();
  private pending = new Map<number, Row>();
  private count = 0;
  private size = 0;
  private first: number | null = null;
  private last: number | null = null;
  private linktype = 0;
  /** Mobile node → home address → first time (µs), for home_addresses; written out when large and at the end. */
  private homes = new Map<string, Map<string, number>>();
  private homeCount = 0;
  /** Bindings made and still able to change (in force, or not long expired): written once final. */
  private bindings: Binding[] = [];
  private lastSeconds = 0;
  /** What the binding table was fed, for bindings across files (store/datapath.ts). */
  private readonly log = new DataPathLog();
  private logParts = 0;
  /** Pending requests' transaction and addresses, to log those still open at the end (a later file may answer them). */
  private openRequests = new Map<number, Parameters<DataPathLog['request']>>();
  /** Open transactions an accepting reply answered. */
  private readonly acceptedTx = new Set<number>();

  /** Batches handed out and not yet taken by the writer (awaited between frames). */
  private waiting: Promise<void> | void = undefined;

  constructor(readonly id: bigint, private readonly flush: (rows: TableRows) => Promise<void> | void, readonly batch = 2_000) {}

  /** Resolves when the writer took the last batch: memory holds one batch at a time. */
  drained(): Promise<void> | void { const w = this.waiting; this.waiting = undefined; return w; }

  /** A transaction closed (no later message can join it): its request rows are final. */
  closed(frames: readonly number[]): void {
    if (frames.length) this.acceptedTx.delete(frames[0]!);
    for (const f of frames) {
      this.openRequests.delete(f);
      const row = this.pending.get(f);
      if (row) { this.pending.delete(f); this.push('registrations', row); }
    }
  }

  /** The data path made a binding (an accepting reply); its counters grow until it ends. */
  binding(b: Binding): void { this.bindings.push(b); }

  /** Writes the bindings that can no longer change (all of them at the end). */
  private settle(all: boolean): void {
    const keep: Binding[] = [];
    for (const b of this.bindings) {
      if (!all && b.ended === undefined && b.expires + BINDING_SETTLE_S >= this.lastSeconds) { keep.push(b); continue; }
      this.push('bindings', bindingRow(this.id, this.id, b));
    }
    this.bindings = keep;
  }

  add(pkt: Packet): void {
    const f = pkt.frame, no = pkt.no, t = micros(f.tsSec, f.tsNsec), cap = this.id;
    if (this.count === 0) { this.first = t; this.linktype = f.linktype; }
    this.count++;
    this.last = t;
    this.lastSeconds = f.tsSec;
    const msgs = pkt.mip;
    const m = msgs[0];
    const protocols = pkt.layers.slice(1).join(':');
    const spis: number[] = [];
    let position = 0;
    for (const msg of msgs) {
      for (const e of msg.exts) {
        const name = extensionHandler(e.type, pkt.session.prefs)?.name ?? EXTENSION_TYPES[e.type] ?? `Unknown Extension ${e.type}`;
        const verdict = firstValue(pkt, msg, e, MIP.authStatus);
        const spi = firstValue(pkt, msg, e, MIP.authSpi);
        if (typeof spi === 'number') spis.push(spi);
        this.push('extensions', [cap, no, t, ++position, e.type, name, e.length, typeof verdict === 'string' ? verdict : null]);
      }
    }
    const nai = m ? messageNai(m, pkt) ?? null : null;
    if (m && (m.type === 1 || m.type === 3) && m.homeAddr !== undefined && m.homeAddr !== 0) this.home(nai ?? ipv4String(m.homeAddr), ipv4String(m.homeAddr), t);
    this.push('packets', [
      cap, no, t, pkt.src, pkt.dst, protocols, f.len, pkt.info,
      m?.type ?? null, m?.code ?? null, m?.flags ?? null, m?.lifetime ?? null,
      ip(m?.homeAddr), ip(m?.haAddr), ip(m?.coa), m?.ident ?? null, nai, spis.length ? spis : null,
    ]);
    const table = pkt.session.transactions;
    for (const msg of msgs) {
      const p = table.placement(no, msg.start, msg.src);
      if (msg.type === 1 || msg.type === 3) this.logMessage(pkt, msg, p, t - this.first! <= LINK_WINDOW_US);
      if (msg.type === 1) {
        this.pending.set(no, [cap, no, t, messageNai(msg, pkt) ?? null, ip(msg.homeAddr), ip(msg.haAddr), ip(msg.coa),
          ip(msg.udp?.ip?.src), ip(msg.udp?.ip?.dst), p?.hop.hop ?? null, msg.ident ?? null, null, null, null, null]);
        if (this.pending.size > MAX_PENDING) {
          const [oldest, row] = this.pending.entries().next().value as [number, Row];
          this.pending.delete(oldest);
          this.openRequests.delete(oldest);
          this.push('registrations', row);
        }
      } else if (msg.type === 3) {
        const a = firstAnswer(table, p);
        const req = a && this.pending.get(a.request);
        if (a && req && req[11] === null) {
          req[11] = cap; req[12] = no; req[13] = msg.code ?? null; req[14] = a.seconds;
          this.openRequests.delete(a.request);
        }
      }
    }
    // After the messages inside it, as the tunnel hook runs (dissector/tunnels.ts).
    const tun = tunnels.get(pkt);
    if (tun) this.log.tunnel(no, f.tsSec, f.tsNsec, tun);
    this.keys(pkt, t, msgs);
    if (this.size >= this.batch) { this.settle(false); this.emit(); }
  }

  /**
   * What bindings.ts's message hook feeds the binding table; early in the file (`early`: a reply
   * or relayed request of the file before may still come) the replies that answer nothing here
   * and the first requests' addresses too.
   */
  private logMessage(pkt: Packet, msg: MipMessage, p: Placement | undefined, early: boolean): void {
    const f = pkt.frame, tx = p?.tx;
    if (!p) return;
    if (!tx) {
      if (msg.type === 3 && early) this.log.loose(pkt.no, f.tsSec, f.tsNsec, msg.udp?.ip?.src, msg.udp?.ip?.dst, msg.ident, msg.homeAddr, msg.haAddr, msg.code, msg.lifetime ?? 0);
      return;
    }
    if (tx.kind !== 'registration') return;
    if (msg.type === 1) {
      const args: Parameters<DataPathLog['request']> = [pkt.no, f.tsSec, f.tsNsec, tx.id, msg.flags ?? 0, tx.homeAddr, tx.haAddr, tx.coa, msg.udp?.ip?.src, msg.udp?.ip?.dst, msg.ident, msg.homeAddr, msg.haAddr, msg.coa];
      if (early && pkt.no === tx.id) this.log.request(...args); else this.log.noted(pkt.no, f.tsSec, f.tsNsec, tx.id, msg.flags ?? 0, tx.homeAddr);
      // The first request of a frame is the one its registrations row names.
      if (!this.openRequests.has(pkt.no)) this.openRequests.set(pkt.no, args);
      return;
    }
    if (msg.code !== 0 && msg.code !== 1) return;
    if (p.hop.from !== 'HA' && tx.replies.some(r => r.from === 'HA' && r.frame < pkt.no)) return;
    this.acceptedTx.add(tx.id);
    this.log.accept(pkt.no, f.tsSec, f.tsNsec, tx.id, tx.homeAddr, tx.haAddr, tx.coa, msg.lifetime ?? 0);
  }

  /** The first time of a node's home address; rows of the same node and address may repeat (the report takes the earliest). */
  private home(node: string, address: string, t: number): void {
    let m = this.homes.get(node);
    if (!m) { m = new Map(); this.homes.set(node, m); }
    const seen = m.get(address);
    if (seen === undefined) { m.set(address, t); if (++this.homeCount >= MAX_HOMES) this.writeHomes(); }
    else if (t < seen) m.set(address, t);
  }

  private writeHomes(): void {
    for (const [node, m] of this.homes) for (const [address, t] of m) this.push('home_addresses', [this.id, node, address, t]);
    this.homes = new Map();
    this.homeCount = 0;
  }

  /** Keys the frame taught (never their bytes), with the SA that protected them in transit. */
  private keys(pkt: Packet, t: number, msgs: MipMessage[]): void {
    const learned = kxState(pkt.session).learnedIn.get(pkt.no);
    if (!learned?.length) return;
    const protectedBy = new Map<number, string>();
    for (const msg of msgs) for (const e of msg.exts) {
      const spis: number[] = [];
      extensionNodes(pkt, msg, e, KX.learnedSpi, c => { if (typeof c.value === 'number') spis.push(c.value); });
      if (!spis.length) continue;
      const gp = firstValue(pkt, msg, e, KX.gpSpi), label = firstValue(pkt, msg, e, KX.keyLabel), from = firstValue(pkt, msg, e, KX.keyLearnedIn);
      const by = typeof gp === 'number' && gp !== 0
        ? `SPI ${spiHex(gp)}${typeof label === 'string' ? ` (${label})` : typeof from === 'number' ? ` (learned in frame ${from})` : ''}`
        : null;
      if (by) for (const s of spis) protectedBy.set(s, by);
    }
    for (const sa of learned) {
      const method = sa.source.kind === 'learned' ? LEARN_METHODS[sa.source.method] : 'keys file';
      this.push('keys_learned', [this.id, pkt.no, t, sa.spi, sa.label ? `${sa.label}: ${method}` : method, protectedBy.get(sa.spi) ?? null]);
    }
  }

  private push(table: keyof TableRows, row: Row): void { this.rows[table].push(row); this.size++; }

  private emit(): void {
    for (const part of this.log.take()) this.push('data_path', [this.id, this.first, 'events', this.logParts++, part]);
    this.waiting = this.flush(this.rows);
    this.rows = emptyRows();
    this.size = 0;
  }

  /** A finding's row, with its frame's time (read again from the file: see findingRows). */
  finding(f: Finding, time: number | null): void {
    this.push('findings', [this.id, f.frame, time, f.rule, f.severity, f.node ?? null, f.message]);
    if (this.size >= this.batch) this.emit();
  }

  /** The last rows: the registrations still pending, and the capture's own row. */
  finish(ident: CaptureIdentity): Row {
    for (const row of this.pending.values()) this.push('registrations', row);
    this.pending.clear();
    this.settle(true);
    this.writeHomes();
    // Requests still open at the end, within the linking window: a reply in the next file may answer them.
    for (const args of this.openRequests.values()) {
      if (this.last !== null && this.last - micros(args[1], args[2]) > LINK_WINDOW_US) continue;
      args[14] = true; args[15] = this.acceptedTx.has(args[3]);
      this.log.request(...args);
    }
    this.openRequests.clear();
    // At least one part, even empty: the capture's log is stored (a capture without one predates it).
    if (this.logParts === 0) this.push('data_path', [this.id, this.first ?? 0, 'events', this.logParts++, '']);
    this.emit();
    return [this.id, basename(ident.path), ident.path, ident.hash, this.linktype, BigInt(this.count), this.first, this.last];
  }
}

/**
 * Analyzes one capture file into rows, handed to `onRows` in batches (awaited when it returns a
 * promise, so a writer in the same thread keeps memory to one batch); returns the captures row.
 * A damaged file throws CaptureFileError (the caller discards what it was given).
 */
export async function analyzeCapture(ident: CaptureIdentity, opts: AnalyzeOptions, onRows: (rows: TableRows) => Promise<void> | void): Promise<Row> {
  const session = new Session(parsePrefs(opts.prefs ?? []));
  if (opts.keys !== undefined) attachKeys(session, loadKeysFile(opts.keys));
  // One streaming pass keeps no per-frame results (memory stays flat), as the CLI's.
  session.retain = false;
  const rules = selectRules([], []);
  const checker = new Checker(rules, opts.keys !== undefined);
  // No trees: only the fields the rows and the rules read.
  const want = opts.trees ? null : analysisFields(rules);
  const out = new CaptureRows(ident.id, onRows, opts.batch);
  session.transactions.onClose(tx => out.closed(tx.requests.map(h => h.frame)));
  // After retain is off: the binding table keeps no history (the rows do).
  bindingsOf(session).onBinding(b => out.binding(b));
  for (const f of readCaptureSync(ident.path) as Iterable<Frame>) {
    const pkt = dissectFrame(f, session, want);
    checker.add(pkt);
    out.add(pkt);
    const w = out.drained();
    if (w) await w;
  }
  checker.finish();
  await findingRows(ident.path, checker.findingList, out);
  const capture = out.finish(ident);
  await out.drained();
  return capture;
}

/**
 * The findings' rows, in frame order as the checker sorts them, each with its frame's time from
 * a second read of the file (the frames' headers only): no table of every frame's time, and no
 * list of every finding at once; the rows leave in batches.
 */
async function findingRows(path: string, findings: Iterable<Finding>, out: CaptureRows): Promise<void> {
  let frames: Iterator<Frame> | null = null;
  let at: IteratorResult<Frame> | null = null;
  try {
    for (const f of findings) {
      frames ??= (readCaptureSync(path) as Iterable<Frame>)[Symbol.iterator]();
      at ??= frames.next();
      while (!at.done && at.value.no < f.frame) at = frames.next();
      out.finding(f, !at.done && at.value.no === f.frame ? micros(at.value.tsSec, at.value.tsNsec) : null);
      const w = out.drained();
      if (w) await w;
    }
  } finally { frames?.return?.(undefined); }
}
