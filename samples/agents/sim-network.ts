// The in-process network: a virtual clock, latencies drawn from a seeded stream, and one tap that
// sees every frame (as the published vectors do): Ethernet II with each agent's MAC, IPv4, UDP
// or ICMP. Frames are recorded when transmitted, so the capture is in time order.
import type { FrameLike } from '../../capture/write.js';
import { encodeIpv4, encodeLink, encodeUdp } from '../../dissector/build.js';
import type { Agent, Datagram, Network, Outgoing, Proto } from './agent.js';
import { MIP_PORT } from './agent.js';
import { VirtualClock } from './clock.js';
import type { Rng } from './rng.js';

export interface SentRecord {
  /** Microseconds since the start of the run. */
  us: number;
  from: string;
  to: string;
  proto: Proto;
  srcIp: string;
  dstIp: string;
  payload: Uint8Array;
  faults: readonly string[];
}

export interface SimOptions {
  /** Cuts captured frames to this many bytes (the original length is kept), as a small snaplen would. */
  snaplen?: number;
}

const BROADCAST = '255.255.255.255';
const IP_PROTO: Record<Exclude<Proto, 'arp'>, number> = { udp: 17, icmp: 1, ipip: 4 };
const isMulticast = (ip: string) => { const a = Number(ip.split('.')[0]); return a >= 224 && a <= 239; };
function multicastMac(ip: string): string {
  const p = ip.split('.').map(Number);
  return ['01', '00', '5e', (p[1]! & 0x7f).toString(16).padStart(2, '0'), p[2]!.toString(16).padStart(2, '0'), p[3]!.toString(16).padStart(2, '0')].join(':');
}

export class SimNetwork implements Network {
  readonly live = false;
  readonly frames: FrameLike[] = [];
  readonly sent: SentRecord[] = [];
  /** Per frame (same index as `frames`): the faults it carries. */
  readonly frameFaults: (readonly string[])[] = [];
  private readonly agents: Agent[] = [];
  private readonly byIp = new Map<string, Agent>();
  private readonly byMac = new Map<string, Agent>();
  private readonly ipIds = new Map<string, number>();

  constructor(readonly clock: VirtualClock, private readonly rng: Rng, private readonly opts: SimOptions = {}) {}

  attach(agent: Agent): void {
    this.agents.push(agent);
    if (agent.ip !== '0.0.0.0') this.byIp.set(agent.ip, agent);
    this.byMac.set(agent.mac, agent);
  }

  /** Gives an agent a further address it answers on (a co-located care-of address). */
  alias(agent: Agent, ip: string): void { this.byIp.set(ip, agent); }

  /** Latency of one hop in µs: radio, same site, or across the Internet. */
  private latency(a: Agent, b: Agent | undefined): number {
    if (a.site === 'mobile' || b?.site === 'mobile') return this.rng.between(1800, 7500);
    if (b && a.site === b.site) return this.rng.between(150, 900);
    return this.rng.between(9000, 28000);
  }

  transmit(from: Agent, o: Outgoing): void {
    // Processing before the bytes leave: a fraction of a millisecond, plus any stated work.
    const delay = this.rng.between(80, 650) + Math.round((o.workMs ?? 0) * 1000);
    this.clock.atUs(this.clock.elapsedUs() + delay, () => this.emit(from, o));
  }

  private receivers(from: Agent, dstIp: string, dstMac: string | undefined): Agent[] {
    if (isMulticast(dstIp)) return this.agents.filter(a => a !== from && a.link !== undefined && a.link === from.link);
    if (dstIp === BROADCAST) {
      const a = dstMac ? this.byMac.get(dstMac) : undefined;
      return a ? [a] : this.agents.filter(x => x !== from && x.link !== undefined && x.link === from.link);
    }
    // A node without an address of its own here (a home address away from home) is reached on
    // its link by its MAC, as the FA's ARP entry would.
    const a = this.byIp.get(dstIp) ?? (dstMac ? this.byMac.get(dstMac) : undefined);
    return a ? [a] : [];
  }

  private emit(from: Agent, o: Outgoing): void {
    const srcIp = o.srcIp ?? from.ip;
    const dstIp = o.dst.ip;
    const hop = o.nextHop !== undefined ? this.byMac.get(o.nextHop) : undefined;
    const to = o.proto === 'arp' ? [] : hop ? [hop] : this.receivers(from, dstIp, o.dst.mac);
    const dstMac = o.nextHop ?? o.dst.mac ?? (isMulticast(dstIp) ? multicastMac(dstIp) : dstIp === BROADCAST ? 'ff:ff:ff:ff:ff:ff' : to[0]?.mac ?? '02:00:00:00:00:fe');
    let frameBytes: Uint8Array, ethertype = 0x0800;
    if (o.proto === 'arp') { frameBytes = o.payload; ethertype = 0x0806; } else {
      let id = this.ipIds.get(from.name);
      if (id === undefined) id = this.rng.int(0x10000);
      this.ipIds.set(from.name, (id + 1) & 0xffff);
      const l4 = o.proto === 'udp'
        ? encodeUdp({ src: srcIp, dst: dstIp, sport: o.srcPort ?? MIP_PORT, dport: o.dst.port, payload: o.payload })
        : o.payload;
      frameBytes = encodeIpv4({ src: srcIp, dst: dstIp, proto: IP_PROTO[o.proto], payload: l4, id, ttl: o.ttl ?? 64 });
    }
    const { linktype, data } = encodeLink({ kind: 'eth', srcMac: from.mac, dstMac, pad: o.proto === 'arp' }, frameBytes, ethertype);
    const us = this.clock.elapsedUs();
    // Whole microseconds since the epoch fit a double exactly: timestamps are repeatable.
    const totalUs = Math.round(this.clock.epochMs) * 1000 + us;
    const tsSec = Math.floor(totalUs / 1e6);
    const tsNsec = (totalUs % 1e6) * 1000;
    const snap = this.opts.snaplen;
    const frame: FrameLike = snap !== undefined && data.length > snap ? { linktype, tsSec, tsNsec, data: data.slice(0, snap), len: data.length } : { linktype, tsSec, tsNsec, data };
    this.frames.push(frame);
    this.frameFaults.push(o.faults ?? []);
    this.sent.push({ us, from: from.name, to: to.map(a => a.name).join(',') || dstIp, proto: o.proto, srcIp, dstIp, payload: o.payload, faults: o.faults ?? [] });
    const d: Datagram = { proto: o.proto, payload: o.payload, src: { ip: srcIp, port: o.srcPort ?? MIP_PORT, mac: from.mac }, dst: { ip: dstIp, port: o.dst.port, mac: dstMac }, faults: o.faults ?? [] };
    for (const r of to) {
      const at = us + this.latency(from, r);
      this.clock.atUs(at, () => r.receive(d));
    }
  }
}
