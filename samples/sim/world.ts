// A world of agents for one flow, in either mode: in-process (virtual clock, seeded latencies,
// every frame captured) or live (UDP sockets on 127.0.0.x). Flows describe who is there and what
// they do through this builder; the address plan, the MACs, the pre-shared SAs and the keys file
// (docs/protocol.md §C) follow from it, so both modes run the same agents with the same keys.
import type { FrameLike } from '../../capture/write.js';
import { AaaServer } from '../agents/aaa.js';
import type { AaaConfig } from '../agents/aaa.js';
import type { Agent, AgentContext } from '../agents/agent.js';
import { RealClock, VirtualClock } from '../agents/clock.js';
import type { Clock } from '../agents/clock.js';
import { safePrimeGroup } from '../agents/crypto.js';
import type { DhGroup } from '../agents/crypto.js';
import { CorrespondentNode } from '../agents/datapath.js';
import type { CorrespondentConfig } from '../agents/datapath.js';
import { ForeignAgent } from '../agents/foreign-agent.js';
import type { ForeignAgentConfig } from '../agents/foreign-agent.js';
import { HomeAgent } from '../agents/home-agent.js';
import type { HomeAgentConfig, MobileNodeRecord } from '../agents/home-agent.js';
import { KeyDistributionCenter } from '../agents/kdc.js';
import type { KdcConfig } from '../agents/kdc.js';
import { keyBytes, keysFileEntry } from '../agents/keys.js';
import type { AuthAlg, CipherName, KeysFileJson, Sa } from '../agents/keys.js';
import { MobileNode } from '../agents/mobile-node.js';
import type { MobileNodeConfig } from '../agents/mobile-node.js';
import { Rng } from '../agents/rng.js';
import { SimNetwork } from '../agents/sim-network.js';
import type { SentRecord } from '../agents/sim-network.js';
import { UdpNetwork } from '../agents/udp-network.js';
import type { LiveRecord } from '../agents/udp-network.js';

export type Mode = 'sim' | 'live';

/** 2024-03-01 09:00:00 UTC: in-process runs start here, so captures do not depend on the day. */
export const EPOCH_MS = 1_709_283_600_000;

/** Addresses by role: documentation prefixes in-process (RFC 5737), loopback live. */
const SIM_ADDR = { fa: (n: number) => `198.51.100.${n}`, faaa: '198.51.100.20', haaa: '192.0.2.20', ha: (n: number) => `192.0.2.${n}`, kdc: '192.0.2.10', coa: (i: number) => `203.0.113.${10 + i}` };
const LIVE_ADDR = { fa: (n: number) => `127.0.0.${1 + n}`, faaa: '127.0.0.20', haaa: '127.0.0.21', ha: (n: number) => `127.0.0.${30 + n}`, kdc: '127.0.0.40', coa: (i: number) => `127.0.0.${100 + i}` };

/** Home networks: 192.0.2.101… for HA1, 192.0.2.201… for HA2 (data in every mode: nothing is tunnelled to them). */
function homeAddressOf(ha: number, k: number): string {
  const host = (ha === 1 ? 100 : 200) + k;
  if (k < 1 || (ha === 1 ? host > 199 : host > 254)) throw new RangeError(`home agent ${ha} has no home address number ${k}`);
  return `192.0.2.${host}`;
}

const hex2 = (n: number) => n.toString(16).padStart(2, '0');
export const MAC = {
  mn: (i: number) => `02:00:00:00:${hex2(1 + (i >> 8))}:${hex2(i & 255)}`,
  ha: (n: number) => `02:00:00:00:02:${hex2(n)}`,
  kdc: '02:00:00:00:02:0a',
  fa: (n: number) => `02:00:00:00:03:${hex2(n)}`,
  aaa: (n: number) => `02:00:00:00:04:${hex2(n)}`,
};

/** KEY0 algorithms, one after another across mobile nodes: every cipher of B.2 gets used. */
export const KEY0_ALGS: ReadonlyArray<{ auth: AuthAlg; cipher: CipherName }> = [
  { auth: 'hmac-md5', cipher: 'aes-128-cbc' },
  { auth: 'hmac-sha1', cipher: 'aes-256-gcm' },
  { auth: 'hmac-sha256', cipher: 'chacha20-poly1305' },
  { auth: 'hmac-md5', cipher: 'aes-128-gcm' },
  { auth: 'md5-prefix-suffix', cipher: 'aes-256-cbc' },
];

const groupCache = new Map<string, DhGroup>();

export interface RunOptions { seed?: string; snaplen?: number }

export class World {
  readonly rng: Rng;
  private readonly keyRng: Rng;
  readonly agents: Agent[] = [];
  readonly mobileNodes: MobileNode[] = [];
  readonly homeAgents: HomeAgent[] = [];
  readonly foreignAgents: ForeignAgent[] = [];
  kdc: KeyDistributionCenter | undefined;
  private readonly fileSas: Sa[] = [];
  /** DH exponents to put in the keys file: which side's, chosen by the flow after the run. */
  readonly dhChoices: Array<(w: World) => Array<{ cv: string; private: string }>> = [];
  readonly log: string[] = [];
  private readonly ctxBase: Omit<AgentContext, 'rng'>;
  private readonly homes = new Map<number, number>();

  constructor(readonly mode: Mode, readonly clock: Clock, readonly net: SimNetwork | UdpNetwork, seed: string) {
    this.rng = Rng.fromLabel(seed);
    this.keyRng = this.rng.fork('pre-shared keys');
    this.ctxBase = { net, clock, log: line => this.log.push(line) };
  }

  get live(): boolean { return this.mode === 'live'; }
  get addr() { return this.live ? LIVE_ADDR : SIM_ADDR; }

  private ctx(name: string): AgentContext { return { ...this.ctxBase, rng: this.rng.fork(name) }; }

  /** The next home address on a home agent's network. */
  homeAddress(ha: number): string {
    const k = (this.homes.get(ha) ?? 0) + 1;
    this.homes.set(ha, k);
    return homeAddressOf(ha, k);
  }

  /** A pre-shared SA (KEY0, FA-HA, AAA hops, HA-KDC), listed in the keys file. */
  sa(spi: number, auth: AuthAlg, cipher: CipherName | null, label: string, peer?: string, file = true): Sa {
    const sa: Sa = { spi, key: this.keyRng.bytes(keyBytes(auth, cipher)), auth, cipher, label, ...(peer ? { peer } : {}) };
    if (file) this.fileSas.push(sa);
    return sa;
  }

  /** The user-defined group: a 1024-bit safe prime found from the seeded stream, once per process. */
  userGroup(): DhGroup {
    let g = groupCache.get('user-1024');
    if (!g) { g = safePrimeGroup(Rng.fromLabel('mipscope user-defined group'), 1024); groupCache.set('user-1024', g); }
    return g;
  }

  private add<T extends Agent>(a: T): T { this.agents.push(a); this.net.attach(a); return a; }

  foreignAgent(cfg: ForeignAgentConfig): ForeignAgent { const a = this.add(new ForeignAgent(cfg, this.ctx(cfg.name))); this.foreignAgents.push(a); return a; }
  homeAgent(cfg: HomeAgentConfig): HomeAgent { const a = this.add(new HomeAgent(cfg, this.ctx(cfg.name))); this.homeAgents.push(a); return a; }
  keyCenter(cfg: KdcConfig): KeyDistributionCenter { const a = this.add(new KeyDistributionCenter(cfg, this.ctx(cfg.name))); this.kdc = a; return a; }
  correspondent(cfg: CorrespondentConfig): CorrespondentNode { return this.add(new CorrespondentNode(cfg, this.ctx(cfg.name))); }
  aaaServer(cfg: AaaConfig): AaaServer { return this.add(new AaaServer(cfg, this.ctx(cfg.name))); }
  mobileNode(cfg: MobileNodeConfig): MobileNode {
    const a = this.add(new MobileNode(cfg, this.ctx(cfg.name)));
    if (cfg.attach === 'colocated' && this.net instanceof SimNetwork) this.net.alias(a, cfg.ip);
    this.mobileNodes.push(a);
    return a;
  }

  /** The record a home agent keeps of a mobile node. */
  static record(cfg: Pick<MobileNodeConfig, 'nai' | 'homeAddr' | 'key0'>): MobileNodeRecord { return { nai: cfg.nai, homeAddr: cfg.homeAddr, key0: cfg.key0 }; }

  keysFile(): KeysFileJson {
    const out: KeysFileJson = { sas: this.fileSas.map(keysFileEntry) };
    const dh = this.dhChoices.flatMap(f => f(this));
    if (dh.length) out.dh = dh;
    return out;
  }
}

export interface Flow {
  name: string;
  /** Seconds of flow time the run covers. */
  durationS: number;
  build(w: World): void;
}

export interface SimResult {
  frames: FrameLike[];
  frameFaults: (readonly string[])[];
  sent: SentRecord[];
  keys: KeysFileJson;
  world: World;
}

/** Runs a flow in-process: deterministic for a given seed. */
export function runSimulation(flow: Flow, opts: RunOptions = {}): SimResult {
  const clock = new VirtualClock(EPOCH_MS);
  const seed = opts.seed ?? `mipscope samples/${flow.name}`;
  const net = new SimNetwork(clock, Rng.fromLabel(seed).fork('network'), opts.snaplen !== undefined ? { snaplen: opts.snaplen } : {});
  const w = new World('sim', clock, net, seed);
  flow.build(w);
  for (const a of w.agents) a.start();
  clock.run(flow.durationS * 1_000_000);
  for (const a of w.agents) a.stop();
  return { frames: net.frames, frameFaults: net.frameFaults, sent: net.sent, keys: w.keysFile(), world: w };
}

export interface LiveOptions {
  /** UDP port of every agent (default 434). */
  port?: number;
  /** Flow seconds per real second (default 100: lifetimes of minutes pass in seconds). */
  speed?: number;
  /** Real seconds to run (default: the flow's duration at that speed). */
  durationS?: number;
  seed?: string;
  log?: (line: string) => void;
}

export interface LiveResult { sent: LiveRecord[]; keys: KeysFileJson; world: World }

/** Runs a flow over real UDP sockets on 127.0.0.x; resolves when it is over and every socket is closed. */
export async function runLive(flow: Flow, opts: LiveOptions = {}): Promise<LiveResult> {
  const speed = opts.speed ?? 100;
  const clock = new RealClock(speed);
  const net = new UdpNetwork(opts.port ?? 434);
  const w = new World('live', clock, net, opts.seed ?? `mipscope samples/${flow.name}`);
  flow.build(w);
  try {
    await net.up();
    for (const a of w.agents) a.start();
    const realMs = (opts.durationS ?? flow.durationS / speed) * 1000;
    await new Promise(r => setTimeout(r, realMs));
  } finally {
    for (const a of w.agents) a.stop();
    clock.stopAll();
    await net.close();
  }
  for (const line of w.log) opts.log?.(line);
  return { sent: net.sent, keys: w.keysFile(), world: w };
}

