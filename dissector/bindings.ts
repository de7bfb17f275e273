// Bindings followed into the traffic: each registration the home agent accepts (RFC 5944 §3.8.2)
// becomes a binding — home address, care-of address, home agent, lifetime, and the T, M, G and S
// flags its request asked for — fed from the session's registration transactions, and every
// tunnelled datagram is marked with the binding it belongs to (`mip.binding.*`), or with an
// expert item when it has none in force. ARP on the home link is followed too: the home agent's
// gratuitous ARP for a mobile node it now serves, and a home agent answering for one at home.
// State lives in the session (one forward pass, results per frame for re-dissection) and is
// bounded by count (MAX_BINDINGS) and by each binding's lifetime.
import { registerExperts, registerFields } from './fields.js';
import { arpHooks, arpMessages } from './arp.js';
import type { ArpMessage } from './arp.js';
import { ipv4String } from './format.js';
import { MAX_BINDINGS } from './limits.js';
import { addMessageHook } from './mip/messages.js';
import type { MipMessage } from './mip/extensions.js';
import { DETACHED } from './packet.js';
import type { Packet } from './packet.js';
import type { Session } from './session.js';
import { tunnelHooks } from './tunnels.js';
import type { Tunnel } from './tunnels.js';
import type { Node } from './tree.js';
import { frameSeconds } from './tree.js';

export const BINDING = registerFields({
  binding: { abbrev: 'mip.binding', name: 'Mobile IP binding', type: 'none', description: 'The registration a tunnelled datagram belongs to' },
  homeAddr: { abbrev: 'mip.binding.homeaddr', name: 'Home Address', type: 'ipv4' },
  coa: { abbrev: 'mip.binding.coa', name: 'Care-of Address', type: 'ipv4' },
  ha: { abbrev: 'mip.binding.haaddr', name: 'Home Agent', type: 'ipv4' },
  frame: { abbrev: 'mip.binding.frame', name: 'Registered in', type: 'framenum', description: 'Frame of the home agent\'s accepting Registration Reply' },
  request: { abbrev: 'mip.binding.request', name: 'Requested in', type: 'framenum', description: 'Frame of the Registration Request the binding answers' },
  lifetime: { abbrev: 'mip.binding.lifetime', name: 'Lifetime granted', type: 'uint16' },
  remaining: { abbrev: 'mip.binding.remaining', name: 'Lifetime remaining', type: 'reltime' },
  direction: { abbrev: 'mip.binding.direction', name: 'Direction', type: 'string' },
  encap: { abbrev: 'mip.binding.encap', name: 'Encapsulation requested', type: 'string' },
  t: { abbrev: 'mip.binding.t', name: 'Reverse tunnelling requested', type: 'bool' },
});

export const BINDING_EXPERT = registerExperts({
  none: { abbrev: 'mip.binding.none', summary: 'Tunnelled to or from a care-of address with no binding in force (RFC 5944 §4.2.3)', group: 'sequence', severity: 'warn' },
  expired: { abbrev: 'mip.binding.expired', summary: 'Tunnelled after the binding\'s lifetime ran out (RFC 5944 §3.8.2)', group: 'sequence', severity: 'warn' },
  encap: { abbrev: 'mip.binding.encap.other', summary: 'Encapsulation other than the one the registration requested (RFC 5944 §3.1, M and G flags)', group: 'protocol', severity: 'warn' },
  reverse: { abbrev: 'mip.binding.reverse.untagged', summary: 'Reverse tunnelled without the T flag in the registration (RFC 3024 §4.2)', group: 'protocol', severity: 'warn' },
  arpAtHome: { abbrev: 'mip.binding.arp.at_home', summary: 'Home agent answers ARP for a mobile node that is at home (RFC 5944 §4.6)', group: 'protocol', severity: 'warn' },
  full: { abbrev: 'mip.binding.table_full', summary: 'Binding table full: the binding expiring first is forgotten', group: 'sequence', severity: 'note' },
});

export type Encapsulation = Tunnel['kind'];
const ENCAP_NAMES: Record<Encapsulation, string> = { ipip: 'IP in IP (RFC 2003)', minenc: 'minimal encapsulation (RFC 2004)', gre: 'GRE (RFC 2784)' };

export interface Binding {
  homeAddr: number; coa: number; haAddr: number;
  /** The accepting reply and the request it answers. */
  frame: number; requestFrame: number;
  /** Capture time in seconds: registered at, ends at (lifetime), ended early at (a new registration, deregistration). */
  start: number; expires: number; ended: number | undefined;
  lifetime: number;
  /** Request flags: S simultaneous, M minimal encapsulation, G GRE, T reverse tunnelling. */
  s: boolean; m: boolean; g: boolean; t: boolean;
  /** Datagrams and bytes (inner datagram) tunnelled towards the mobile node and back from it. */
  toMn: { packets: number; bytes: number }; fromMn: { packets: number; bytes: number };
  /** The MAC address the home agent's gratuitous ARP gave for the home address, if seen. */
  proxyMac: string | undefined; gratuitousArp: number | undefined;
}

/** What the data path learnt about one tunnelled datagram. */
export interface TunnelVerdict {
  tunnel: Tunnel;
  direction: 'to-mn' | 'from-mn';
  homeAddr: number;
  binding: Binding | undefined;
  /** Why no binding is in force: none ever for this care-of address, or its lifetime ran out. */
  problem: 'none' | 'expired' | undefined;
  /** The binding's lifetime ran out `late` seconds before this datagram. */
  late: number;
  wrongEncap: boolean;
  reverseWithoutT: boolean;
}

/** What the data path learnt about one ARP message from the home link. */
export interface ArpVerdict { arp: ArpMessage; binding: Binding | undefined; atHomeSince: number | undefined; proxyMac: string | undefined }

export const encapsulationRequested = (b: Pick<Binding, 'm' | 'g'>): Encapsulation => (b.g ? 'gre' : b.m ? 'minenc' : 'ipip');

/** A binding table as plain data (BindingTable.snapshot). */
export interface BindingTableState {
  byHome: Array<[number, Binding[]]>; atHome: Array<[number, number]>; homes: number[];
  flags: Array<[number, number]>; flagIds: number[]; flagSeqs: number[]; flagSeq: number;
  made: number[]; proxyMacs: Array<[number, string]>;
}

/** The bindings of one capture. */
export class BindingTable {
  /** Bindings in force (or expired but not yet replaced), by home address. */
  private readonly byHome = new Map<number, Binding[]>();
  private count = 0;
  /** Every binding, in registration order, when the session retains results (for -z and reports). */
  readonly history: Binding[] = [];
  /** Home addresses deregistered (at home), with the time. */
  private readonly atHome = new Map<number, number>();
  /** Home addresses and care-of addresses seen in registration requests: whose traffic is Mobile IP. */
  private readonly homes = new Set<number>();
  /** Request flags per transaction, until its reply (value: insertion number × 256 + flags). */
  private readonly requestFlags = new Map<number, number>();
  /** Transactions and their insertion numbers in `requestFlags`, oldest first, with stale ones (a queue with a head). */
  private flagIds: number[] = [];
  private flagSeqs: number[] = [];
  private flagHead = 0;
  private flagSeq = 0;
  /** Transactions that already made a binding, and the same ids oldest first (a ring: forgetting the oldest costs no scan). */
  private readonly made = new Set<number>();
  private readonly madeOrder = new Float64Array(MAX_BINDINGS);
  private madeHead = 0;
  /** The MAC a home agent used in ARP for a home address: what it answers with as a proxy. */
  private readonly proxyMacs = new Map<number, string>();
  private readonly listeners: Array<(b: Binding) => void> = [];
  readonly tunnelVerdicts = new Map<number, TunnelVerdict>();
  readonly arpVerdicts = new Map<number, ArpVerdict>();
  /** Accepted registrations that made a binding, in order (for the gratuitous-ARP rule). */
  onBinding(fn: (b: Binding) => void): void { this.listeners.push(fn); }
  /** The bindings of every mobile node, still in force or not (what `-z mip,bindings` lists). */
  all(): Binding[] { return this.history.length ? this.history : [...this.byHome.values()].flat(); }
  retain = true;

  /**
   * The table's state as plain data (JSON-safe): `BindingTable.restore` of it continues as this
   * table would. What carries the data path from one file of a ring buffer into the next (store/).
   */
  snapshot(): BindingTableState {
    return {
      byHome: [...this.byHome], atHome: [...this.atHome], homes: [...this.homes],
      flags: [...this.requestFlags], flagIds: this.flagIds.slice(this.flagHead), flagSeqs: this.flagSeqs.slice(this.flagHead), flagSeq: this.flagSeq,
      made: [...this.made], proxyMacs: [...this.proxyMacs],
    };
  }

  static restore(s: BindingTableState): BindingTable {
    const t = new BindingTable();
    t.retain = false;
    for (const [home, list] of s.byHome) { t.byHome.set(home, list); t.count += list.length; }
    for (const [a, v] of s.atHome) t.atHome.set(a, v);
    for (const a of s.homes) t.homes.add(a);
    for (const [id, v] of s.flags) t.requestFlags.set(id, v);
    t.flagIds = s.flagIds.slice(); t.flagSeqs = s.flagSeqs.slice(); t.flagSeq = s.flagSeq;
    // Oldest first, as they were made (a Set keeps insertion order).
    for (const id of s.made) { t.made.add(id); t.madeOrder[t.madeHead] = id; t.madeHead = (t.madeHead + 1) % MAX_BINDINGS; }
    for (const [a, m] of s.proxyMacs) t.proxyMacs.set(a, m);
    return t;
  }

  noteRequest(txId: number, flags: number, homeAddr: number): void {
    if (this.requestFlags.size >= MAX_BINDINGS) this.forgetOldestFlags();
    const old = this.requestFlags.get(txId);
    if (old !== undefined) { this.requestFlags.set(txId, old - (old % 256) + (flags & 0xff)); return this.noteHome(homeAddr); }
    const seq = this.flagSeq++;
    this.requestFlags.set(txId, seq * 256 + (flags & 0xff));
    this.flagIds.push(txId); this.flagSeqs.push(seq);
    if (this.flagIds.length - this.flagHead > 2 * this.requestFlags.size + 1024) this.compactFlags();
    this.noteHome(homeAddr);
  }

  private noteHome(homeAddr: number): void {
    if (this.homes.size < MAX_BINDINGS) this.homes.add(homeAddr);
  }

  /** Forgets the flags noted first (as a Map's first key), skipping queue entries no longer current. */
  private forgetOldestFlags(): void {
    while (this.flagHead < this.flagIds.length) {
      const id = this.flagIds[this.flagHead]!, seq = this.flagSeqs[this.flagHead]!;
      this.flagHead++;
      const v = this.requestFlags.get(id);
      if (v !== undefined && Math.floor(v / 256) === seq) { this.requestFlags.delete(id); break; }
    }
    if (this.flagHead > 1024 && this.flagHead * 2 > this.flagIds.length) this.compactFlags();
  }

  private compactFlags(): void {
    const ids: number[] = [], seqs: number[] = [];
    for (let i = this.flagHead; i < this.flagIds.length; i++) {
      const id = this.flagIds[i]!, seq = this.flagSeqs[i]!, v = this.requestFlags.get(id);
      if (v !== undefined && Math.floor(v / 256) === seq) { ids.push(id); seqs.push(seq); }
    }
    this.flagIds = ids; this.flagSeqs = seqs; this.flagHead = 0;
  }

  isMobileNode(addr: number): boolean { return this.homes.has(addr); }

  /**
   * Transaction `txId` closed: its request flags and its "made a binding" mark are not needed
   * any more (they are looked up only for its own later replies), so they stop holding memory.
   */
  forgetTransaction(txId: number): void {
    this.requestFlags.delete(txId);
    this.made.delete(txId);
  }

  /** An accepting reply of transaction `txId`: a new binding, or a deregistration (lifetime 0, or the care-of address is the home address). */
  accept(pkt: Packet, txId: number, homeAddr: number, haAddr: number, coa: number, lifetime: number, requestFrame: number, now: number): Binding | undefined {
    if (this.made.has(txId)) return undefined;
    if (this.made.size >= MAX_BINDINGS) this.made.delete(this.madeOrder[this.madeHead]!);
    this.made.add(txId);
    this.madeOrder[this.madeHead] = txId;
    this.madeHead = (this.madeHead + 1) % MAX_BINDINGS;
    const flags = (this.requestFlags.get(txId) ?? 0) % 256;
    this.requestFlags.delete(txId);
    const list = this.byHome.get(homeAddr) ?? [];
    const end = (b: Binding) => { b.ended ??= Math.min(now, b.expires); };
    if (lifetime === 0 || coa === homeAddr) {
      // Deregistration (RFC 5944 §3.6.1.1): of one care-of address, or of all when at home.
      for (const b of list) if (coa === homeAddr || b.coa === coa) end(b);
      this.set(homeAddr, list.filter(b => b.ended === undefined));
      if (!this.byHome.get(homeAddr)?.length) this.atHome.set(homeAddr, now);
      return undefined;
    }
    const s = (flags & 0x80) !== 0;
    // Without S a new registration replaces every binding of the mobile node (RFC 5944 §3.6.1.2).
    for (const b of list) if (!s || b.coa === coa) end(b);
    const b: Binding = {
      homeAddr, coa, haAddr, frame: pkt.no, requestFrame, start: now, expires: now + lifetime, ended: undefined, lifetime,
      s, m: (flags & 0x10) !== 0, g: (flags & 0x08) !== 0, t: (flags & 0x02) !== 0,
      toMn: { packets: 0, bytes: 0 }, fromMn: { packets: 0, bytes: 0 }, proxyMac: undefined, gratuitousArp: undefined,
    };
    this.atHome.delete(homeAddr);
    if (this.count >= MAX_BINDINGS) this.evict(pkt);
    this.set(homeAddr, [...list.filter(x => x.ended === undefined), b]);
    if (this.retain && this.history.length < MAX_BINDINGS) this.history.push(b);
    for (const fn of this.listeners) fn(b);
    return b;
  }

  private set(home: number, list: Binding[]): void {
    this.count += list.length - (this.byHome.get(home)?.length ?? 0);
    if (list.length) this.byHome.set(home, list); else this.byHome.delete(home);
  }

  /** Forgets the binding that expires first (the table is full). */
  private evict(pkt: Packet): void {
    let victim: Binding | undefined;
    for (const l of this.byHome.values()) for (const b of l) if (!victim || b.expires < victim.expires) victim = b;
    if (!victim) return;
    this.set(victim.homeAddr, this.byHome.get(victim.homeAddr)!.filter(b => b !== victim));
    pkt.addExpert(null, BINDING_EXPERT.full, 0, 0, `Binding table full (limit ${MAX_BINDINGS}, MAX_BINDINGS): the binding of ${ipv4String(victim.homeAddr)} registered in frame ${victim.frame} is forgotten`);
  }

  /** Matches a tunnelled datagram against the bindings (forward pass). */
  matchTunnel(t: Tunnel, now: number): TunnelVerdict | undefined {
    const toMn = this.homes.has(t.innerDst), fromMn = !toMn && this.homes.has(t.innerSrc);
    if (!toMn && !fromMn) return undefined; // not a mobile node's traffic
    const homeAddr = toMn ? t.innerDst : t.innerSrc, coa = toMn ? t.outerDst : t.outerSrc;
    const list = this.byHome.get(homeAddr) ?? [];
    const forCoa = list.filter(b => b.coa === coa);
    const live = forCoa.find(b => now <= b.expires);
    const b = live ?? forCoa.at(-1);
    const v: TunnelVerdict = {
      tunnel: t, direction: toMn ? 'to-mn' : 'from-mn', homeAddr, binding: live,
      problem: live ? undefined : b ? 'expired' : 'none', late: b && !live ? now - b.expires : 0,
      wrongEncap: false, reverseWithoutT: false,
    };
    if (live) {
      const counter = toMn ? live.toMn : live.fromMn;
      counter.packets++; counter.bytes += t.bytes;
      if (toMn) v.wrongEncap = t.kind !== encapsulationRequested(live);
      else v.reverseWithoutT = !live.t;
    }
    if (!live && b) v.binding = b;
    return v;
  }

  /** Follows an ARP message from the home link (forward pass). */
  noteArp(a: ArpMessage, frame: number, now: number): ArpVerdict | undefined {
    const list = this.byHome.get(a.senderIp);
    const live = list?.find(b => now <= b.expires);
    if (live && a.gratuitous) {
      // The home agent's gratuitous ARP for the mobile node it now intercepts for (RFC 5944 §4.6).
      live.gratuitousArp ??= frame;
      live.proxyMac ??= a.senderMac;
      if (this.proxyMacs.size < MAX_BINDINGS) this.proxyMacs.set(a.senderIp, a.senderMac);
    }
    const since = this.atHome.get(a.senderIp);
    const proxy = this.proxyMacs.get(a.senderIp);
    if (!live && since === undefined) return undefined;
    return { arp: a, binding: live, atHomeSince: since, proxyMac: proxy };
  }
}

/** The binding table of a session, made on first use. */
export function bindingsOf(session: Session): BindingTable {
  let t = session.ext.get('bindings') as BindingTable | undefined;
  if (!t) {
    const table = (t = new BindingTable());
    t.retain = session.retain;
    session.ext.set('bindings', t);
    // No message joins a closed transaction: what was kept to answer its later messages goes.
    session.transactions.onClose(tx => table.forgetTransaction(tx.id));
  }
  return t;
}

const seconds = (pkt: Packet) => frameSeconds(pkt.frame);

/** Registration requests and accepting replies, after the transactions placed them. */
function bindingHook(pkt: Packet, msg: MipMessage): void {
  if (pkt.session.skipTracking || pkt.session.visited(pkt.no) || (msg.type !== 1 && msg.type !== 3)) return;
  const p = pkt.session.transactions.placement(pkt.no, msg.start, msg.src);
  const tx = p?.tx;
  if (!tx || tx.kind !== 'registration') return;
  const table = bindingsOf(pkt.session);
  if (msg.type === 1) { table.noteRequest(tx.id, msg.flags ?? 0, tx.homeAddr); return; }
  // The binding exists once the home agent accepts (codes 0 and 1).
  if (msg.code !== 0 && msg.code !== 1) return;
  if (p.hop.from !== 'HA' && tx.replies.some(r => r.from === 'HA' && r.frame < pkt.no)) return;
  const b = table.accept(pkt, tx.id, tx.homeAddr, tx.haAddr, tx.coa, msg.lifetime ?? 0, tx.id, seconds(pkt));
  if (b) bindingsMade.set(pkt, b);
}

/** The generated subtree of a binding, under the outer IPv4 header. */
function showBinding(pkt: Packet, v: TunnelVerdict, now: number): void {
  const outer = pkt.want === null ? pkt.tree.find(n => n.field?.abbrev === 'ip') ?? null : null;
  const b = v.binding;
  const n: Node = pkt.addGenerated(outer, BINDING.binding, null);
  if (n !== DETACHED) n.text = b ? `Mobile IP binding: ${ipv4String(b.homeAddr)} at ${ipv4String(b.coa)}, registered in frame ${b.frame}` : `Mobile IP binding: none for ${ipv4String(v.homeAddr)}`;
  pkt.addGenerated(n, BINDING.homeAddr, v.homeAddr);
  pkt.addGenerated(n, BINDING.direction, v.direction === 'to-mn' ? 'to the mobile node (home agent → care-of address)' : 'from the mobile node (reverse tunnel)');
  if (b) {
    pkt.addGenerated(n, BINDING.coa, b.coa);
    pkt.addGenerated(n, BINDING.ha, b.haAddr);
    pkt.addGenerated(n, BINDING.frame, b.frame);
    pkt.addGenerated(n, BINDING.request, b.requestFrame);
    pkt.addGenerated(n, BINDING.lifetime, b.lifetime);
    const left = Math.max(0, b.expires - now);
    pkt.addGenerated(n, BINDING.remaining, { sec: Math.floor(left), nsec: Math.round((left % 1) * 1e9) % 1e9 });
    pkt.addGenerated(n, BINDING.encap, ENCAP_NAMES[encapsulationRequested(b)]);
    pkt.addGenerated(n, BINDING.t, b.t);
  }
  const t = v.tunnel;
  if (v.problem === 'none') pkt.addExpert(n, BINDING_EXPERT.none, 0, 0, `Tunnelled ${v.direction === 'to-mn' ? 'to' : 'from'} care-of address ${ipv4String(v.direction === 'to-mn' ? t.outerDst : t.outerSrc)} for ${ipv4String(v.homeAddr)}, which has no binding there`);
  else if (v.problem === 'expired') pkt.addExpert(n, BINDING_EXPERT.expired, 0, 0, `Tunnelled ${v.late.toFixed(3)} s after the binding of ${ipv4String(v.homeAddr)} at ${ipv4String(b!.coa)} (frame ${b!.frame}, lifetime ${b!.lifetime} s) ran out`);
  if (v.wrongEncap) pkt.addExpert(n, BINDING_EXPERT.encap, 0, 0, `Tunnelled with ${ENCAP_NAMES[t.kind]}; the registration in frame ${b!.frame} asked for ${ENCAP_NAMES[encapsulationRequested(b!)]}`);
  if (v.reverseWithoutT) pkt.addExpert(n, BINDING_EXPERT.reverse, 0, 0, `Reverse tunnelled from ${ipv4String(t.outerSrc)} although the registration in frame ${b!.frame} did not set the T flag`);
}

tunnelHooks.push((pkt, t) => {
  const table = bindingsOf(pkt.session);
  let v = table.tunnelVerdicts.get(pkt.no);
  if (!pkt.session.visited(pkt.no)) {
    v = table.matchTunnel(t, seconds(pkt));
    if (v && table.retain) table.tunnelVerdicts.set(pkt.no, v);
  }
  if (!v) return;
  tunnelVerdicts.set(pkt, v);
  showBinding(pkt, v, seconds(pkt));
});

/** The binding an accepting reply made, per packet (forward pass), for the rules. */
export const bindingsMade = new WeakMap<Packet, Binding>();
/** The tunnel verdict and ARP verdict of each packet, for the rules. */
export const tunnelVerdicts = new WeakMap<Packet, TunnelVerdict>();
export const arpVerdicts = new WeakMap<Packet, ArpVerdict>();

/** ARP from the home link against the bindings; called by the ARP dissector's hook. */
export function followArp(pkt: Packet, a: ArpMessage): void {
  const table = bindingsOf(pkt.session);
  let v = table.arpVerdicts.get(pkt.no);
  if (!pkt.session.visited(pkt.no)) {
    v = table.noteArp(a, pkt.no, seconds(pkt));
    if (v && table.retain) table.arpVerdicts.set(pkt.no, v);
  }
  if (!v) return;
  arpVerdicts.set(pkt, v);
  // A reply (or gratuitous ARP) for a home address at home, with the MAC the home agent proxied with.
  if (v.atHomeSince !== undefined && !v.binding && a.op === 2 && v.proxyMac !== undefined && a.senderMac === v.proxyMac)
    pkt.addExpert(null, BINDING_EXPERT.arpAtHome, 0, 0, `${a.senderMac} (the home agent's proxy) answers ARP for ${ipv4String(a.senderIp)}, which is at home since its deregistration`);
}

addMessageHook('bindings', bindingHook);

/** The fields and expert items of bindings (all fed from registration tracking). */
export const BINDING_FIELDS: readonly string[] = Object.values(BINDING).map(f => f.abbrev).concat(Object.values(BINDING_EXPERT).map(e => e.abbrev));
arpHooks.push(followArp);
export { arpMessages };
