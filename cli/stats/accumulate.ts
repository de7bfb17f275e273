// The -z accumulators: each reads a few registry fields of every packet it is given and keeps
// per-capture tables bounded by MAX_ROWS (past it, further keys are counted but not kept).
import { fieldByAbbrev } from '../../dissector/index.js';
import type { FieldDef, Packet } from '../../dissector/index.js';
import { fieldValueString, hex, ipv4String } from '../../dissector/format.js';
import { kxState, LEARN_METHODS } from '../../dissector/keys/index.js';
import type { Session } from '../../dissector/session.js';
import { bindingsMade, bindingsOf, encapsulationRequested } from '../../dissector/bindings.js';
import type { Binding } from '../../dissector/bindings.js';
import { MIP_TITLES } from './types.js';
import type { BindingRow, ConversationRow, EndpointRow, KeyRow, RegistrationRow, ReplyCodeRow, Statistic, StatTable } from './types.js';
import { secondsBetween, timeSeconds } from '../../dissector/tree.js';

/** Rows each table keeps at most: untrusted traffic must not grow a table without bound. */
export const MAX_ROWS = 100_000;

export function field(abbrev: string): FieldDef {
  const f = fieldByAbbrev(abbrev);
  if (!f) throw new Error(`statistics: no field ${abbrev} in the registry`);
  return f;
}

/** The printed values of `f` in the packet, in wire order. */
function values(pkt: Packet, f: FieldDef): string[] {
  const out: string[] = [];
  for (const n of pkt.all) if (n.field === f) out.push(fieldValueString(f, n.value));
  return out;
}

const seconds = (pkt: Packet) => {
  const first = pkt.session.firstTs ?? { sec: pkt.frame.tsSec, nsec: pkt.frame.tsNsec };
  return secondsBetween({ sec: pkt.frame.tsSec, nsec: pkt.frame.tsNsec }, first);
};

type Proto = 'eth' | 'ip' | 'udp';
const ADDRESS_FIELDS: Record<Proto, [string, string, string?, string?]> = {
  eth: ['eth.src', 'eth.dst'], ip: ['ip.src', 'ip.dst'], udp: ['ip.src', 'ip.dst', 'udp.srcport', 'udp.dstport'],
};
export const PROTO_TITLES: Record<Proto, string> = { eth: 'Ethernet', ip: 'IPv4', udp: 'UDP' };

/** The (source, destination) endpoints of each layer of `proto` in a packet. */
function endpointPairs(proto: Proto, fs: FieldDef[], pkt: Packet): Array<[string, string]> {
  const [src, dst, sport, dport] = fs.map(f => values(pkt, f));
  const pairs: Array<[string, string]> = [];
  if (proto === 'udp') {
    // The UDP header follows the innermost IPv4 header before it: pair from the end.
    const n = Math.min(sport!.length, dport!.length);
    for (let i = 0; i < n; i++) {
      const ip = src!.length - n + i;
      if (ip < 0) continue;
      pairs.push([`${src![ip]}:${sport![i]}`, `${dst![ip]}:${dport![i]}`]);
    }
    return pairs;
  }
  for (let i = 0; i < Math.min(src!.length, dst!.length); i++) pairs.push([src![i]!, dst![i]!]);
  return pairs;
}

export class Conversations implements Statistic {
  readonly fields: readonly string[];
  private readonly defs: FieldDef[];
  private readonly rows = new Map<string, ConversationRow & { last: number }>();
  constructor(readonly proto: Proto) {
    this.fields = ADDRESS_FIELDS[proto].filter((x): x is string => x !== undefined);
    this.defs = this.fields.map(field);
  }
  add(pkt: Packet): void {
    const t = seconds(pkt), len = pkt.frame.len;
    for (const [s, d] of endpointPairs(this.proto, this.defs, pkt)) {
      const key = s < d ? `${s}\u0000${d}` : `${d}\u0000${s}`;
      let r = this.rows.get(key);
      if (!r) {
        if (this.rows.size >= MAX_ROWS) continue;
        r = { a: s, b: d, framesBA: 0, bytesBA: 0, framesAB: 0, bytesAB: 0, start: t, duration: 0, last: t };
        this.rows.set(key, r);
      }
      if (s === r.a) { r.framesAB++; r.bytesAB += len; } else { r.framesBA++; r.bytesBA += len; }
      r.last = t;
      r.duration = r.last - r.start;
    }
  }
  table(): StatTable {
    // As tshark: most frames first; equal ones in the order they were first seen (a stable sort).
    const rows = [...this.rows.values()].map(({ last: _last, ...r }) => r)
      .sort((x, y) => (y.framesAB + y.framesBA) - (x.framesAB + x.framesBA));
    return { kind: 'conv', proto: this.proto, title: `${PROTO_TITLES[this.proto]} Conversations`, rows };
  }
}

export class Endpoints implements Statistic {
  readonly fields: readonly string[];
  private readonly defs: FieldDef[];
  private readonly rows = new Map<string, EndpointRow>();
  constructor(readonly proto: Proto) {
    this.fields = ADDRESS_FIELDS[proto].filter((x): x is string => x !== undefined);
    this.defs = this.fields.map(field);
  }
  private row(ep: string): EndpointRow | undefined {
    let r = this.rows.get(ep);
    if (!r) {
      if (this.rows.size >= MAX_ROWS) return undefined;
      const colon = this.proto === 'udp' ? ep.lastIndexOf(':') : -1;
      r = { address: colon >= 0 ? ep.slice(0, colon) : ep, ...(colon >= 0 ? { port: Number(ep.slice(colon + 1)) } : {}), packets: 0, bytes: 0, txPackets: 0, txBytes: 0, rxPackets: 0, rxBytes: 0 };
      this.rows.set(ep, r);
    }
    return r;
  }
  add(pkt: Packet): void {
    const len = pkt.frame.len;
    for (const [s, d] of endpointPairs(this.proto, this.defs, pkt)) {
      const a = this.row(s);
      if (a) { a.packets++; a.bytes += len; a.txPackets++; a.txBytes += len; }
      const b = this.row(d);
      if (b) { b.packets++; b.bytes += len; b.rxPackets++; b.rxBytes += len; }
    }
  }
  table(): StatTable {
    const rows = [...this.rows.values()].sort((x, y) => y.packets - x.packets);
    return { kind: 'endpoints', proto: this.proto, title: `${PROTO_TITLES[this.proto]} Endpoints`, rows };
  }
}

/** A reply code's name as mip.code prints it. */
export function replyCodeName(code: number): string {
  return (field('mip.code').values as Record<number, string> | undefined)?.[code] ?? 'Unknown';
}

/** -z mip,codes: the reply codes seen, with their names. */
export class ReplyCodes implements Statistic {
  readonly fields = ['mip.type', 'mip.code'];
  private readonly type = field('mip.type');
  private readonly code = field('mip.code');
  private readonly counts = new Map<number, number>();
  add(pkt: Packet): void {
    const types = pkt.all.filter(n => n.field === this.type), codes = pkt.all.filter(n => n.field === this.code);
    // mip.code belongs to replies (type 3); other messages' codes (types 9, 15) are not reply codes.
    if (!types.some(n => n.value === 3)) return;
    for (const n of codes) {
      const c = n.value as number;
      if (this.counts.has(c) || this.counts.size < 256) this.counts.set(c, (this.counts.get(c) ?? 0) + 1);
    }
  }
  table(): StatTable {
    const rows: ReplyCodeRow[] = [...this.counts].sort((a, b) => a[0] - b[0]).map(([code, count]) => ({ code, name: replyCodeName(code), count }));
    return { kind: 'mip,codes', title: MIP_TITLES['mip,codes'], rows };
  }
}

/** -z mip,reg: registrations per mobile node. */
export class Registrations implements Statistic {
  readonly fields = ['mip.type', 'mip.code', 'mip.nai', 'mip.kx.nai', 'mip.kx.gp.content', 'mip.homeaddr', 'mip.kx.ip', 'ip.src', 'ip.dst', 'mip.response_to', 'mip.time', 'mip.kx.learned.spi'];
  private readonly f = Object.fromEntries(this.fields.map(a => [a, field(a)])) as Record<string, FieldDef>;
  private readonly rows = new Map<string, RegistrationRow & { times: number[] }>();
  /** Request frame → mobile node, to file each reply under its request's node (bounded). */
  private readonly requestOf = new Map<number, string>();
  add(pkt: Packet): void {
    const v = (a: string) => values(pkt, this.f[a]!);
    const type = v('mip.type')[0];
    const nai = v('mip.nai')[0] ?? v('mip.kx.nai')[0];
    // A Key Reply (type 9) for a known mobile node: the keys the KDC issued it.
    if (type === '9' && nai !== undefined) { const g = this.rows.get(nai); if (g) g.keysLearned += v('mip.kx.learned.spi').length; return; }
    if (type !== '1' && type !== '3') return;
    const home = v('mip.homeaddr')[0];
    const hoa = home && home !== '0.0.0.0' ? home : v('mip.kx.ip')[0];
    let key: string | undefined;
    if (type === '3') {
      const to = v('mip.response_to')[0];
      key = to !== undefined ? this.requestOf.get(Number(to)) : undefined;
    }
    key ??= nai ?? hoa ?? 'unknown mobile node';
    let r = this.rows.get(key);
    if (!r) {
      if (this.rows.size >= MAX_ROWS) return;
      r = { mobileNode: key, requests: 0, replies: 0, accepted: 0, denied: 0, codes: {}, meanReplyTime: null, maxReplyTime: null, hops: [], keysLearned: 0, times: [] };
      this.rows.set(key, r);
    }
    if (nai && !r.nai) r.nai = nai;
    if (hoa && !r.homeAddress) r.homeAddress = hoa;
    r.keysLearned += v('mip.kx.learned.spi').length;
    if (type === '1') {
      r.requests++;
      if (this.requestOf.size < MAX_ROWS) this.requestOf.set(pkt.no, key);
      // The hops: each request's sender and receiver (MN → FA → HA), in the order first seen.
      for (const hop of [v('ip.src').at(-1), v('ip.dst').at(-1)]) if (hop && !r.hops.includes(hop) && r.hops.length < 16) r.hops.push(hop);
    } else {
      r.replies++;
      const code = Number(v('mip.code')[0] ?? -1);
      r.codes[String(code)] = (r.codes[String(code)] ?? 0) + 1;
      if (code === 0 || code === 1) r.accepted++; else r.denied++;
      const t = v('mip.time')[0];
      if (t !== undefined && r.times.length < 10_000) r.times.push(Number(t));
    }
  }
  table(): StatTable {
    const rows = [...this.rows.values()].map(({ times, ...r }) => ({
      ...r,
      meanReplyTime: times.length ? times.reduce((a, b) => a + b, 0) / times.length : null,
      maxReplyTime: times.length ? Math.max(...times) : null,
    }));
    return { kind: 'mip,reg', title: MIP_TITLES['mip,reg'], rows };
  }
}

/**
 * -z mip,keys: the SA table at the end of the capture — the keys file's SAs and those learned
 * from the traffic (where), never the key bytes unless asked (`-z mip,keys,show`).
 */
export class Keys implements Statistic {
  readonly fields: readonly string[] = [];
  private session: Session | null = null;
  constructor(private readonly showKeys: boolean) {}
  add(pkt: Packet): void { this.session ??= pkt.session; }
  table(): StatTable {
    const all = this.session ? kxState(this.session).table.all() : [];
    const rows: KeyRow[] = all.sort((a, b) => a.validFrom - b.validFrom || a.spi - b.spi).map(sa => ({
      spi: sa.spi,
      source: sa.source.kind === 'file' ? 'keys file' : LEARN_METHODS[sa.source.method],
      ...(sa.source.kind === 'learned' ? { learnedIn: sa.source.frame } : {}),
      ...(sa.label ? { label: sa.label } : {}),
      ...(sa.auth ? { auth: sa.auth } : {}),
      ...(sa.cipher ? { cipher: sa.cipher } : {}),
      ...(this.showKeys ? { key: hex(sa.key) } : {}),
    }));
    return { kind: 'mip,keys', title: MIP_TITLES['mip,keys'], rows };
  }
}

/**
 * -z mip,bindings: every binding the home agents' accepting replies made, per mobile node (home
 * address), with its period and the datagrams tunnelled each way while it was in force. The
 * bindings are the session's (dissector/bindings.ts): those seen made in this pass, and, when the
 * session retains results (two passes), its history.
 */
export class Bindings implements Statistic {
  readonly fields = ['mip.type', 'mip.binding.homeaddr'];
  private session: Session | null = null;
  private readonly seen = new Set<Binding>();
  add(pkt: Packet): void {
    this.session ??= pkt.session;
    const b = bindingsMade.get(pkt);
    if (b && this.seen.size < MAX_ROWS) this.seen.add(b);
  }
  table(): StatTable {
    const s = this.session;
    const all = new Set([...this.seen, ...(s ? bindingsOf(s).all() : [])]);
    const first = s?.firstTs ? timeSeconds(s.firstTs) : 0;
    const rows: BindingRow[] = [...all].sort((a, b) => a.homeAddr - b.homeAddr || a.frame - b.frame).map(b => ({
      homeAddress: ipv4String(b.homeAddr), careOfAddress: ipv4String(b.coa), homeAgent: ipv4String(b.haAddr),
      frame: b.frame, lifetime: b.lifetime,
      start: b.start - first, end: Math.min(b.ended ?? b.expires, b.expires) - first,
      encapsulation: encapsulationRequested(b), reverseTunnelling: b.t,
      toMnPackets: b.toMn.packets, toMnBytes: b.toMn.bytes, fromMnPackets: b.fromMn.packets, fromMnBytes: b.fromMn.bytes,
    }));
    return { kind: 'mip,bindings', title: MIP_TITLES['mip,bindings'], rows };
  }
}
