// What every agent shares: an address, a clock, seeded randomness, a network to send on, and
// the faults it was told to commit (for the deliberately faulty samples). Agents react to what
// they receive; nothing here knows about flows.
import type { Clock, Timer } from './clock.js';
import type { Rng } from './rng.js';

/** Where an agent sits: decides link latencies in-process. */
export type Site = 'mobile' | 'visited' | 'home';

export interface Endpoint { ip: string; port: number; mac?: string }

/** UDP and ICMP over IPv4; 'ipip' carries a whole IPv4 datagram (RFC 2003), 'arp' an ARP body (no IPv4). */
export type Proto = 'udp' | 'icmp' | 'ipip' | 'arp';

export interface Datagram {
  proto: Proto;
  payload: Uint8Array;
  /** In-process the source MAC is known too (the FA answers an unaddressed MN by it, E.11). */
  src: Endpoint;
  dst: Endpoint;
  /** Faults the message carries (bookkeeping for the manifest, never on the wire). */
  faults: readonly string[];
}

export interface Outgoing {
  proto: Proto;
  payload: Uint8Array;
  dst: Endpoint;
  /** Source address when not the agent's own (the MN sends from 0.0.0.0, E.11). */
  srcIp?: string;
  srcPort?: number;
  ttl?: number;
  /** The next hop's MAC when it is not the destination's (a router on the link): the frame goes to it. */
  nextHop?: string;
  faults?: readonly string[];
  /** Extra processing before transmission (a Diffie-Hellman exponentiation), ms. */
  workMs?: number;
}

export interface Network {
  /** True on real sockets (loopback), false in-process. */
  readonly live: boolean;
  attach(agent: Agent): void;
  transmit(from: Agent, o: Outgoing): void;
}

export interface AgentContext { net: Network; clock: Clock; rng: Rng; log?: (line: string) => void }

/** Fault name → how many more times to commit it (Infinity = always). */
export type FaultPlan = Readonly<Record<string, number>>;

export const MIP_PORT = 434;

export abstract class Agent {
  readonly net: Network;
  readonly clock: Clock;
  readonly rng: Rng;
  private readonly logLine?: (line: string) => void;
  private readonly faultsLeft = new Map<string, number>();
  /** Faults committed while building the message being prepared. */
  private committed: string[] = [];

  constructor(readonly name: string, readonly ip: string, readonly mac: string, readonly site: Site, ctx: AgentContext, faults: FaultPlan = {}, public link?: string) {
    this.net = ctx.net; this.clock = ctx.clock; this.rng = ctx.rng;
    if (ctx.log) this.logLine = ctx.log;
    for (const [k, v] of Object.entries(faults)) this.faultsLeft.set(k, v);
  }

  /** Called once the network is up: schedule what the agent does on its own. */
  start(): void {}
  /** Called at the end of a run: stop timers that would keep it going. */
  stop(): void {}
  abstract receive(d: Datagram): void;

  /**
   * True when the agent should commit `fault` now. The next message it sends is marked with it,
   * or, when the message goes out later (after a KDC round trip), the list given as `into`.
   */
  protected commit(fault: string, into?: string[]): boolean {
    const left = this.faultsLeft.get(fault) ?? 0;
    if (left <= 0) return false;
    this.faultsLeft.set(fault, left - 1);
    (into ?? this.committed).push(fault);
    return true;
  }

  /** Whether `fault` is planned at all (without committing it). */
  protected plans(fault: string): boolean { return (this.faultsLeft.get(fault) ?? 0) > 0; }

  protected send(o: Outgoing, carried: readonly string[] = []): void {
    const faults = [...new Set([...carried, ...this.committed, ...(o.faults ?? [])])];
    this.committed = [];
    this.net.transmit(this, { ...o, faults });
  }

  protected after(ms: number, fn: () => void): Timer { return this.clock.setTimer(ms, fn); }

  protected log(line: string): void { this.logLine?.(`${(this.clock.now() / 1000).toFixed(3)} ${this.name}: ${line}`); }
}
