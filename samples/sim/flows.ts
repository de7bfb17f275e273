// The flows of the system (WO 01/26322 Figs. 2, 4a-d, 5-7, 12-15, 16-29; docs/protocol.md §B.5): who takes part,
// with which keys and policies, and when each mobile node starts and leaves. Agents do the rest.
// Every flow runs in either mode (world.ts); the faulty variants tell one agent to misbehave.
import type { TransformSpec } from '../../dissector/kx/encode.js';
import type { FaultPlan } from '../agents/agent.js';
import { OAKLEY_1, OAKLEY_2 } from '../agents/crypto.js';
import type { DhGroup } from '../agents/crypto.js';
import type { L2Address } from '../agents/build.js';
import type { HomeAgentConfig } from '../agents/home-agent.js';
import type { KeyAlgorithms } from '../agents/kdc.js';
import { hex } from '../agents/keys.js';
import type { Sa } from '../agents/keys.js';
import type { MobileNodeConfig } from '../agents/mobile-node.js';
import type { Offer, ResponderPolicy } from '../agents/negotiation.js';
import { ATTR, MODE, PROTO, SAP } from '../agents/negotiation.js';
import type { Rng } from '../agents/rng.js';
import { FAULT } from '../agents/faults.js';
import { KEY0_ALGS, MAC, World } from './world.js';
import type { Flow } from './world.js';

// ---- Building blocks ----

/** A transform payload with attributes (B.3): key length (bits), lifetime, mode, PRF, replay. */
export function xf(no: number, id: number, attrs: Partial<Record<keyof typeof ATTR, number>> = {}): TransformSpec {
  return { no, id, attrs: (Object.keys(ATTR) as Array<keyof typeof ATTR>).filter(k => attrs[k] !== undefined).map(k => ({ type: ATTR[k], value: attrs[k]! })) };
}

const AUTH = { md5: 1, prefixSuffix: 2, sha1: 3, sha256: 4 } as const;
const CIPHER = { aes128cbc: 1, aes256cbc: 2, aes128gcm: 3, aes256gcm: 4, chacha: 5 } as const;

interface MnOptions {
  ha?: number;
  nai?: string;
  style?: 'kx' | 'plain';
  attach?: 'fa' | 'colocated';
  fa?: number;
  l2?: 'eth' | 'imsi' | 'min';
  alg?: number;
  lifetime?: number;
  startAtS: number;
  deregisterAtS?: number;
  solicit?: boolean;
  negotiation?: MobileNodeConfig['negotiation'];
  clockSkewS?: number;
  faults?: FaultPlan;
}

const FA_MAX_LIFETIME = 1800;

function l2Of(kind: 'eth' | 'imsi' | 'min', i: number): L2Address {
  if (kind === 'eth') return { kind: 'eth', mac: MAC.mn(i) };
  if (kind === 'imsi') return { kind: 'imsi', digits: `31015${String(1000000000 + i * 7919).slice(0, 10)}` };
  return { kind: 'min', digits: `214555${String(1000 + i).slice(-4)}` };
}

export function mnConfig(w: World, i: number, o: MnOptions): MobileNodeConfig {
  const ha = o.ha ?? 1;
  const nai = o.nai ?? `mn${i}@home${ha === 1 ? '' : ha}.example`;
  const algs = KEY0_ALGS[o.alg ?? (i - 1) % KEY0_ALGS.length]!;
  const key0 = w.sa(0x1000 + i, algs.auth, algs.cipher, `KEY0 ${nai}`, nai);
  const attach = o.attach ?? 'fa';
  const fa = o.fa ?? 1;
  const cfg: MobileNodeConfig = {
    name: `mn${i}`, nai, homeAddr: w.homeAddress(ha), haAddr: w.addr.ha(ha), mac: MAC.mn(i),
    ip: attach === 'colocated' || w.live ? w.addr.coa(i) : '0.0.0.0',
    l2: l2Of(o.l2 ?? (['eth', 'imsi', 'min'] as const)[(i - 1) % 3]!, i), key0, style: o.style ?? 'kx', attach,
    lifetime: o.lifetime ?? 120, startAtS: o.startAtS,
  };
  if (attach === 'fa') {
    cfg.link = `visited-${fa}`;
    cfg.solicit = o.solicit ?? true;
    // Live runs have no advertisements (no ICMP on UDP sockets): the MN is told its FA.
    if (w.live) cfg.fa = { ip: w.addr.fa(fa), mac: MAC.fa(fa), coa: w.addr.fa(fa), maxLifetime: FA_MAX_LIFETIME, flags: 0x9100 };
  }
  if (o.deregisterAtS !== undefined) cfg.deregisterAtS = o.deregisterAtS;
  if (o.negotiation) cfg.negotiation = o.negotiation;
  if (o.clockSkewS !== undefined) cfg.clockSkewS = o.clockSkewS;
  if (o.faults) cfg.faults = o.faults;
  return cfg;
}

const DEFAULT_KEYS = { key1: { auth: 'hmac-md5', cipher: 'aes-128-gcm' }, key2: { auth: 'hmac-md5' }, key3: { auth: 'hmac-md5' } } as const;
/** The KDC's algorithms per mobile node: varied so every SA-INFO combination shows up. */
function kdcKeys(lifetime: number) {
  return (nai: string) => {
    const n = [...nai].reduce((a, c) => a + c.charCodeAt(0), 0) % 3;
    const sets: Array<{ key1: KeyAlgorithms; key2: KeyAlgorithms; key3: KeyAlgorithms }> = [
      DEFAULT_KEYS,
      { key1: { auth: 'hmac-sha1', cipher: 'chacha20-poly1305' }, key2: { auth: 'hmac-sha256' }, key3: { auth: 'hmac-md5' } },
      { key1: { auth: 'hmac-sha256', cipher: 'aes-256-gcm' }, key2: { auth: 'hmac-sha1' }, key3: { auth: 'hmac-sha1' } },
    ];
    return { ...sets[n]!, lifetime };
  };
}

interface HomeOptions {
  n?: number;
  mns: MobileNodeConfig[];
  peers?: Array<{ ip: string; sa: Sa }>;
  kdc?: boolean;
  policy?: ResponderPolicy;
  faHaPolicy?: ResponderPolicy;
  revoke?: HomeAgentConfig['revoke'];
  maxLifetime?: number;
  dataPath?: boolean;
  faults?: FaultPlan;
}

function haKdcSa(w: World, n: number): Sa { return w.sa(0x4000 + n, 'hmac-sha256', 'aes-256-gcm', `HA${n}-KDC`, 'kdc.home.example'); }

function homeAgent(w: World, o: HomeOptions, kdcSa?: Sa): void {
  const n = o.n ?? 1;
  const cfg: HomeAgentConfig = {
    name: `ha${n}`, ip: w.addr.ha(n), mac: MAC.ha(n), nai: `ha${n === 1 ? '' : n}.home.example`,
    mobileNodes: o.mns.filter(m => m.haAddr === w.addr.ha(n)).map(World.record), peers: o.peers ?? [], maxLifetime: o.maxLifetime ?? 1800,
  };
  if (kdcSa) cfg.kdc = { ip: w.addr.kdc, sa: kdcSa };
  if (o.policy) cfg.policy = o.policy;
  if (o.faHaPolicy) cfg.faHaPolicy = o.faHaPolicy;
  if (o.revoke) cfg.revoke = o.revoke;
  if (o.dataPath) cfg.dataPath = true;
  if (o.faults) cfg.faults = o.faults;
  w.homeAgent(cfg);
}

function keyCenter(w: World, has: Array<{ n: number; sa: Sa }>, nais: string[], lifetime: number, faults?: FaultPlan, rotateEvery?: number): void {
  w.keyCenter({ name: 'kdc', ip: w.addr.kdc, mac: MAC.kdc, homeAgents: has.map(h => ({ ip: w.addr.ha(h.n), sa: h.sa })), mobileNodes: nais, keys: kdcKeys(lifetime), spiBase: 0x10001, ...(faults ? { faults } : {}), ...(rotateEvery ? { rotateEvery } : {}) });
}

interface FaOptions { n?: number; has?: number[]; aaa?: { ip: string; sa: Sa }; maxLifetime?: number; advertiseEveryS?: number; revocation?: boolean; negotiateFaHa?: { haIp: string; offer: Offer }; faults?: FaultPlan; shareKeys?: boolean }

/** A foreign agent and the FA-HA SAs it shares with home agents (unless `shareKeys` is false). */
function foreignAgent(w: World, o: FaOptions = {}): Array<{ ip: string; sa: Sa }> {
  const n = o.n ?? 1;
  const shared = o.shareKeys === false ? [] : (o.has ?? [1]).map(h => ({ ip: w.addr.ha(h), sa: w.sa(0x3000 + n * 16 + h, 'hmac-md5', null, `FA${n}-HA${h}`, `fa${n}.visited.example`) }));
  w.foreignAgent({
    name: `fa${n}`, ip: w.addr.fa(n), mac: MAC.fa(n), nai: `fa${n}.visited.example`, link: `visited-${n}`,
    maxLifetime: o.maxLifetime ?? FA_MAX_LIFETIME, advertiseEveryS: o.advertiseEveryS ?? 30, reverseTunnel: true,
    homeAgents: shared, ...(o.aaa ? { aaa: o.aaa } : {}), ...(o.revocation ? { revocation: true } : {}),
    ...(o.negotiateFaHa ? { negotiateFaHa: o.negotiateFaHa } : {}), ...(o.faults ? { faults: o.faults } : {}),
  });
  return shared;
}

/** FA-HA SA as the home agent holds it (same key, peer named by address). */
const haSide = (shared: Array<{ ip: string; sa: Sa }>, faIp: string, haIp: string) => shared.filter(s => s.ip === haIp).map(s => ({ ip: faIp, sa: s.sa }));

/** The stateful system of Fig. 2: one FA sharing a key with the HA, the HA, the KDC. */
function statefulSystem(w: World, mns: MobileNodeConfig[], o: { keyLifetime?: number; ha?: HomeOptions['faults']; kdc?: FaultPlan; fa?: FaOptions; rotateEvery?: number } = {}): void {
  const shared = foreignAgent(w, o.fa ?? {});
  const kdcSa = haKdcSa(w, 1);
  homeAgent(w, { mns, peers: haSide(shared, w.addr.fa(1), w.addr.ha(1)), ...(o.ha ? { faults: o.ha } : {}) }, kdcSa);
  keyCenter(w, [{ n: 1, sa: kdcSa }], mns.map(m => m.nai), o.keyLifetime ?? 330, o.kdc, o.rotateEvery);
  for (const m of mns) w.mobileNode(m);
}

const STATELESS_POLICY: ResponderPolicy = { auth: [AUTH.md5, AUTH.sha1, AUTH.sha256], cipher: [CIPHER.aes128cbc, CIPHER.aes128gcm, CIPHER.aes256gcm], modes: [MODE.stateless, MODE.stateful, MODE.semiStateful], dh: [1, 2, 4] };

/** Records which side's DH exponent the keys file will hold (docs/protocol.md §C "dh"). */
function dhInKeysFile(w: World, mnName: string, side: 'mn' | 'ha', prefixDigits?: number): void {
  w.dhChoices.push(world => {
    const mn = world.mobileNodes.find(m => m.name === mnName)!;
    const secrets = side === 'mn' ? mn.dhSecrets : world.homeAgents.flatMap(h => h.dhSecrets.filter(s => s.peer === mn.cfg.nai));
    // Every exchange the node made (a fresh registration is a new exchange).
    return secrets.map(s => ({ cv: prefixDigits ? hex(s.cv).replace(/^(00)+/, '').slice(0, prefixDigits) : hex(s.cv), private: s.x.toString(16) }));
  });
}

// ---- Clean flows ----

/** WO 01/26322 Fig. 2 / 4a-d: hidden identity, FA relay, KDC, B.5 reply, stripping, renewals, re-keying, deregistration. */
export const stateful: Flow = {
  name: 'kx-stateful', durationS: 420,
  build(w) {
    const mns = [
      mnConfig(w, 1, { startAtS: 1, deregisterAtS: 300, l2: 'eth' }),
      mnConfig(w, 2, { startAtS: 4, l2: 'imsi' }),
      mnConfig(w, 3, { startAtS: 12, l2: 'min', solicit: false, nai: 'mn3-jörg@home.example' }),
    ];
    statefulSystem(w, mns, { rotateEvery: 3 });
  },
};

/** WO 01/26322 Figs. 12-15: FA → foreign AAA → home AAA → HA, each hop re-authenticated (E.10). */
export const aaa: Flow = {
  name: 'kx-aaa', durationS: 260,
  build(w) {
    const mns = [mnConfig(w, 1, { startAtS: 1, deregisterAtS: 230 }), mnConfig(w, 2, { startAtS: 3, l2: 'imsi' })];
    const faFaaa = w.sa(0x3101, 'hmac-md5', null, 'FA1-fAAA', 'aaa.visited.example');
    const faaaHaaa = w.sa(0x3102, 'hmac-sha256', null, 'fAAA-hAAA', 'aaa.home.example');
    const haaaHa = w.sa(0x3103, 'hmac-sha1', null, 'hAAA-HA1', 'ha.home.example');
    foreignAgent(w, { aaa: { ip: w.addr.faaa, sa: faFaaa }, shareKeys: false });
    w.aaaServer({ name: 'aaa-visited', ip: w.addr.faaa, mac: MAC.aaa(1), site: 'visited', downstream: [faFaaa], upstream: () => ({ ip: w.addr.haaa, sa: faaaHaaa }) });
    w.aaaServer({ name: 'aaa-home', ip: w.addr.haaa, mac: MAC.aaa(2), site: 'home', downstream: [faaaHaaa], upstream: ha => (ha === w.addr.ha(1) ? { ip: ha, sa: haaaHa } : undefined) });
    const kdcSa = haKdcSa(w, 1);
    homeAgent(w, { mns, peers: [{ ip: w.addr.haaa, sa: haaaHa }] }, kdcSa);
    keyCenter(w, [{ n: 1, sa: kdcSa }], mns.map(m => m.nai), 600);
    for (const m of mns) w.mobileNode(m);
  },
};

const NEGOTIATION_POLICY: ResponderPolicy = { auth: [AUTH.sha1, AUTH.sha256, AUTH.md5], cipher: [CIPHER.aes256gcm, CIPHER.aes128cbc, CIPHER.aes128gcm], modes: [MODE.stateful, MODE.semiStateful, MODE.stateless], dh: [1, 2, 4] };

/** WO 01/26322 Figs. 24-28: AND/OR proposals, several transforms with attributes, the responder's choice; FA-HA negotiation; revocation. */
export const negotiation: Flow = {
  name: 'kx-negotiation', durationS: 260,
  build(w) {
    const st = { mode: MODE.stateful };
    const a = mnConfig(w, 1, { attach: 'colocated', startAtS: 1, negotiation: { sapSubtype: SAP.mnHa, offers: [
      { no: 1, protoNo: 1, protoId: PROTO.auth, lifetime: 3600, spi: 0x6011, transforms: [xf(1, AUTH.prefixSuffix, { keyLength: 128, ...st }), xf(2, AUTH.sha1, { keyLength: 160, ...st })] },
      { no: 1, protoNo: 2, protoId: PROTO.encryption, lifetime: 3600, spi: 0x6012, transforms: [xf(1, CIPHER.aes256gcm, { keyLength: 256, ...st }), xf(2, CIPHER.aes128cbc, { keyLength: 128, ...st })] },
      { no: 2, protoId: PROTO.auth, lifetime: 7200, spi: 0x6013, transforms: [xf(1, AUTH.md5, { keyLength: 128, lifetime: 7200, ...st, replay: 2 })] },
    ] } });
    const b = mnConfig(w, 2, { attach: 'colocated', startAtS: 3, negotiation: { sapSubtype: SAP.mnHa, offers: [
      { no: 1, protoNo: 1, protoId: PROTO.auth, lifetime: 3600, spi: 0x6021, transforms: [xf(1, AUTH.sha256, { keyLength: 256, ...st })] },
      { no: 1, protoNo: 2, protoId: PROTO.encryption, lifetime: 3600, spi: 0x6022, transforms: [xf(1, CIPHER.chacha, { keyLength: 256, ...st })] },
      { no: 2, protoNo: 1, protoId: PROTO.auth, lifetime: 3600, spi: 0x6023, transforms: [xf(1, AUTH.sha256, { keyLength: 256, ...st }), xf(2, AUTH.md5, { keyLength: 128, ...st })] },
      { no: 2, protoNo: 2, protoId: PROTO.encryption, lifetime: 3600, spi: 0x6024, transforms: [xf(1, CIPHER.aes128gcm, { keyLength: 128, ...st })] },
    ] } });
    // A plain RFC 5944 node behind the FA, while the FA and HA negotiate a new FA-HA SA.
    const c = mnConfig(w, 3, { style: 'plain', startAtS: 6, nai: 'legacy@home.example' });
    const shared = foreignAgent(w, { revocation: true, negotiateFaHa: { haIp: w.addr.ha(1), offer: { no: 1, protoId: PROTO.auth, lifetime: 86400, spi: 0x6301, transforms: [xf(1, AUTH.sha256, { keyLength: 256, lifetime: 86400, ...st, replay: 2 }), xf(2, AUTH.md5, { keyLength: 128, lifetime: 86400, ...st, replay: 2 })] } } });
    const kdcSa = haKdcSa(w, 1);
    const mns = [a, b, c];
    homeAgent(w, { mns, peers: haSide(shared, w.addr.fa(1), w.addr.ha(1)), policy: NEGOTIATION_POLICY, faHaPolicy: { auth: [AUTH.sha256, AUTH.md5], cipher: [], modes: [MODE.stateful], dh: [] }, revoke: [{ nai: c.nai, atS: 240 }] }, kdcSa);
    keyCenter(w, [{ n: 1, sa: kdcSa }], mns.map(m => m.nai), 600);
    for (const m of mns) w.mobileNode(m);
  },
};

/** E.3: denial 129 with a counter-proposal, then a new request accepting it (single and AND proposals). */
export const counterProposal: Flow = {
  name: 'kx-counter-proposal', durationS: 200,
  build(w) {
    const st = { mode: MODE.stateful };
    const d = mnConfig(w, 1, { attach: 'colocated', startAtS: 1, lifetime: 600, negotiation: {
      sapSubtype: SAP.mnHa, accept: { auth: [AUTH.sha256, AUTH.sha1], cipher: [] },
      offers: [{ no: 1, protoId: PROTO.auth, lifetime: 600, spi: 0x6101, transforms: [xf(1, AUTH.md5, { keyLength: 128, ...st })] }],
    } });
    const e = mnConfig(w, 2, { attach: 'colocated', startAtS: 4, negotiation: {
      sapSubtype: SAP.mnHa, accept: { auth: [AUTH.sha1, AUTH.sha256], cipher: [CIPHER.aes128gcm, CIPHER.aes256gcm] },
      offers: [
        { no: 1, protoNo: 1, protoId: PROTO.auth, lifetime: 1800, spi: 0x6201, transforms: [xf(1, AUTH.sha1, { keyLength: 160, ...st })] },
        { no: 1, protoNo: 2, protoId: PROTO.encryption, lifetime: 1800, spi: 0x6202, transforms: [xf(1, CIPHER.aes128cbc, { keyLength: 128, ...st })] },
      ],
    } });
    const kdcSa = haKdcSa(w, 1);
    const policy: ResponderPolicy = {
      auth: [AUTH.sha256, AUTH.sha1], cipher: [CIPHER.aes256gcm], modes: [MODE.stateful], dh: [],
      counter: { [PROTO.auth]: [xf(1, AUTH.sha256, { keyLength: 256, ...st }), xf(2, AUTH.sha1, { keyLength: 160, ...st })], [PROTO.encryption]: [xf(1, CIPHER.aes256gcm, { keyLength: 256, ...st })] },
    };
    homeAgent(w, { mns: [d, e], policy }, kdcSa);
    keyCenter(w, [{ n: 1, sa: kdcSa }], [d.nai, e.nai], 600);
    w.mobileNode(d); w.mobileNode(e);
  },
};

function dhOffer(no: number, spi: number, group: DhGroup, t: TransformSpec, lifetime = 3600): Offer {
  return { no, protoId: PROTO.auth, lifetime, spi, transforms: [t], dh: group };
}

/** WO 01/26322 Fig. 29, stateless mode: Oakley groups 1 and 2 and a user-defined group; follow-ups under the derived keys. */
export const dh: Flow = {
  name: 'kx-dh', durationS: 200,
  build(w) {
    const sl = { mode: MODE.stateless };
    const mns = [
      mnConfig(w, 1, { attach: 'colocated', startAtS: 1, negotiation: { sapSubtype: SAP.mnHa, offers: [dhOffer(1, 0x7101, OAKLEY_1, xf(1, AUTH.md5, { keyLength: 128, lifetime: 3600, ...sl }))] } }),
      mnConfig(w, 2, { attach: 'colocated', startAtS: 3, negotiation: { sapSubtype: SAP.mnHa, offers: [
        dhOffer(1, 0x7201, OAKLEY_2, xf(1, AUTH.sha256, { keyLength: 256, ...sl })),
        dhOffer(2, 0x7202, OAKLEY_1, xf(1, AUTH.md5, { keyLength: 128, ...sl })),
      ] } }),
      mnConfig(w, 3, { attach: 'colocated', startAtS: 5, negotiation: { sapSubtype: SAP.mnHa, offers: [dhOffer(1, 0x7301, w.userGroup(), xf(1, AUTH.sha1, sl))] } }),
    ];
    homeAgent(w, { mns, policy: STATELESS_POLICY });
    for (const m of mns) w.mobileNode(m);
    // One side's exponent per exchange: the MN's, the HA's, the MN's named by a CV prefix.
    dhInKeysFile(w, 'mn1', 'mn');
    dhInKeysFile(w, 'mn2', 'ha');
    dhInKeysFile(w, 'mn3', 'mn', 24);
  },
};

/** Semi-stateful mode: a KDC seed (KE 6) and per-pair keys PRF(seed, NAI_i ‖ NAI_r ‖ IP_r ‖ IP_i) (B.4, E.5). */
export const seed: Flow = {
  name: 'kx-seed', durationS: 200,
  build(w) {
    const ss = { mode: MODE.semiStateful };
    const off = (spi: number, t: TransformSpec): MobileNodeConfig['negotiation'] => ({ sapSubtype: SAP.mnHa, offers: [{ no: 1, protoId: PROTO.auth, lifetime: 3600, spi, transforms: [t] }] });
    const mns = [
      mnConfig(w, 1, { attach: 'colocated', startAtS: 1, negotiation: off(0x7401, xf(1, AUTH.sha256, { keyLength: 256, ...ss, prf: 3 })) }),
      mnConfig(w, 2, { attach: 'colocated', startAtS: 3, negotiation: off(0x7402, xf(1, AUTH.sha1, { keyLength: 160, ...ss, prf: 2 })) }),
      mnConfig(w, 3, { attach: 'colocated', startAtS: 5, negotiation: off(0x7403, xf(1, AUTH.md5, { keyLength: 128, ...ss })) }),
    ];
    const kdcSa = haKdcSa(w, 1);
    homeAgent(w, { mns, policy: { ...STATELESS_POLICY, modes: [MODE.semiStateful] } }, kdcSa);
    keyCenter(w, [{ n: 1, sa: kdcSa }], mns.map(m => m.nai), 3600);
    for (const m of mns) w.mobileNode(m);
  },
};

/** Denials and recoveries: 69 (lifetime too long, from the FA), 133 and resynchronisation, 129 when the KDC refuses. */
export const denials: Flow = {
  name: 'kx-denials', durationS: 140,
  build(w) {
    const mns = [
      mnConfig(w, 1, { startAtS: 1, lifetime: 3600 }),
      mnConfig(w, 2, { startAtS: 4, clockSkewS: 300 }),
      mnConfig(w, 3, { startAtS: 8, nai: 'stranger@home.example' }),
    ];
    const shared = foreignAgent(w, { maxLifetime: 600 });
    const kdcSa = haKdcSa(w, 1);
    homeAgent(w, { mns, peers: haSide(shared, w.addr.fa(1), w.addr.ha(1)) }, kdcSa);
    // The KDC does not know the third node: the HA can get no keys for it.
    keyCenter(w, [{ n: 1, sa: kdcSa }], [mns[0]!.nai, mns[1]!.nai], 600);
    for (const m of mns) w.mobileNode(m);
  },
};

/** Several mobile nodes registering at once behind one FA, each with its own KEY0 and its own KEY1/2/3. */
export const multi: Flow = {
  name: 'kx-multi', durationS: 170,
  build(w) {
    const mns = [1, 2, 3, 4, 5, 6].map(i => mnConfig(w, i, { startAtS: 0.5 + i * 0.1, solicit: false }));
    statefulSystem(w, mns, { fa: { advertiseEveryS: 20 }, rotateEvery: 4 });
  },
};

/** An hour of a busy network: two FAs (one via AAA), two HAs, one KDC, 60 mobile nodes of every kind. */
export const busy: Flow = {
  name: 'kx-busy', durationS: 3600,
  build(w) {
    const r: Rng = w.rng.fork('busy plan');
    const mns: MobileNodeConfig[] = [];
    const st = { mode: MODE.stateful };
    const groups = [OAKLEY_1, OAKLEY_2, w.userGroup()];
    for (let i = 1; i <= 60; i++) {
      const ha = (i % 2) + 1;
      const startAtS = r.between(0, 600);
      const deregisterAtS = i % 2 ? r.between(2400, 3500) : undefined;
      const base = { ha, startAtS, lifetime: 300, ...(deregisterAtS !== undefined ? { deregisterAtS } : {}) };
      // Two troubled nodes: a clock 60 s fast (133, then resynchronised) and a too-long lifetime (69).
      if (i <= 30) mns.push(mnConfig(w, i, { ...base, fa: i % 3 === 0 ? 2 : 1, solicit: i % 4 !== 0, ...(i === 7 ? { clockSkewS: 60 } : {}), ...(i === 11 ? { lifetime: 2400 } : {}) }));
      else if (i <= 40) mns.push(mnConfig(w, i, { ...base, attach: 'colocated', negotiation: { sapSubtype: SAP.mnHa, accept: { auth: [AUTH.sha256], cipher: [] }, offers: [
        { no: 1, protoNo: 1, protoId: PROTO.auth, lifetime: 7200, spi: 0x20000 + i * 16, transforms: [xf(1, AUTH.sha256, { keyLength: 256, ...st }), xf(2, AUTH.sha1, { keyLength: 160, ...st })] },
        { no: 1, protoNo: 2, protoId: PROTO.encryption, lifetime: 7200, spi: 0x20001 + i * 16, transforms: [xf(1, CIPHER.aes128gcm, { keyLength: 128, ...st })] },
      ] } }));
      else if (i <= 50) mns.push(mnConfig(w, i, { ...base, attach: 'colocated', negotiation: { sapSubtype: SAP.mnHa, offers: [dhOffer(1, 0x20000 + i * 16, groups[i % 3]!, xf(1, AUTH.sha1, { keyLength: 160, mode: MODE.stateless }), 7200)] } }));
      else mns.push(mnConfig(w, i, { ...base, attach: 'colocated', negotiation: { sapSubtype: SAP.mnHa, offers: [{ no: 1, protoId: PROTO.auth, lifetime: 7200, spi: 0x20000 + i * 16, transforms: [xf(1, AUTH.sha256, { keyLength: 256, mode: MODE.semiStateful })] }] } }));
    }
    const shared1 = foreignAgent(w, { n: 1, has: [1, 2], advertiseEveryS: 60 });
    const faFaaa = w.sa(0x3101, 'hmac-md5', null, 'FA2-fAAA', 'aaa.visited.example');
    const faaaHaaa = w.sa(0x3102, 'hmac-sha256', null, 'fAAA-hAAA', 'aaa.home.example');
    const haaaHa = [1, 2].map(n => w.sa(0x3102 + n, 'hmac-sha1', null, `hAAA-HA${n}`, `ha${n}.home.example`));
    foreignAgent(w, { n: 2, aaa: { ip: w.addr.faaa, sa: faFaaa }, shareKeys: false, advertiseEveryS: 60 });
    w.aaaServer({ name: 'aaa-visited', ip: w.addr.faaa, mac: MAC.aaa(1), site: 'visited', downstream: [faFaaa], upstream: () => ({ ip: w.addr.haaa, sa: faaaHaaa }) });
    w.aaaServer({ name: 'aaa-home', ip: w.addr.haaa, mac: MAC.aaa(2), site: 'home', downstream: [faaaHaaa], upstream: ha => { const n = ha === w.addr.ha(1) ? 1 : ha === w.addr.ha(2) ? 2 : 0; return n ? { ip: ha, sa: haaaHa[n - 1]! } : undefined; } });
    const kdcSas = [1, 2].map(n => haKdcSa(w, n));
    const policy: ResponderPolicy = { ...STATELESS_POLICY, auth: [AUTH.sha256, AUTH.sha1, AUTH.md5] };
    for (const n of [1, 2]) homeAgent(w, { n, mns, peers: [...haSide(shared1, w.addr.fa(1), w.addr.ha(n)), { ip: w.addr.haaa, sa: haaaHa[n - 1]! }], policy }, kdcSas[n - 1]);
    keyCenter(w, [{ n: 1, sa: kdcSas[0]! }, { n: 2, sa: kdcSas[1]! }], mns.map(m => m.nai), 900, undefined, 10);
    for (const m of mns) w.mobileNode(m);
    for (let i = 41; i <= 50; i++) dhInKeysFile(w, `mn${i}`, i % 2 ? 'mn' : 'ha');
    // Every fifth node behind an FA moves to the other FA once (a handoff: new keys under KEY0).
    if (!w.live) {
      for (const m of w.mobileNodes) {
        const i = Number(m.name.slice(2));
        if (i > 30 || i % 5) continue;
        const at = m.cfg.startAtS + r.between(900, 1800);
        w.clock.setTimer(at * 1000, () => m.moveTo(m.link === 'visited-1' ? 'visited-2' : 'visited-1'));
      }
    }
  },
};

/**
 * The data path after registering (RFC 5944 §4, RFC 2003, RFC 3024): two plain RFC 5944 nodes
 * behind the FA with reverse tunnelling; the HA announces each binding by gratuitous ARP and
 * tunnels a correspondent's pings to the care-of address; the FA delivers them and reverse
 * tunnels the replies. In-process only (a live run has no raw IP).
 */
export const tunnel: Flow = {
  name: 'mip-tunnel', durationS: 200,
  build(w) {
    const mns = [
      mnConfig(w, 1, { startAtS: 1, style: 'plain', lifetime: 120, l2: 'eth' }),
      mnConfig(w, 2, { startAtS: 2, style: 'plain', lifetime: 300, l2: 'eth' }),
    ];
    const shared = foreignAgent(w, {});
    homeAgent(w, { mns, peers: haSide(shared, w.addr.fa(1), w.addr.ha(1)), dataPath: true });
    for (const m of mns) w.mobileNode(m);
    const [a, b] = [mns[0]!.homeAddr, mns[1]!.homeAddr];
    w.correspondent({ name: 'cn', ip: '198.51.100.77', mac: '02:00:00:00:05:01', gatewayMac: MAC.ha(1), pings: [
      { to: a, atS: 5, size: 56 }, { to: a, atS: 6, size: 56 }, { to: a, atS: 7, size: 56 },
      { to: b, atS: 8, size: 32 }, { to: b, atS: 9, size: 32 },
      { to: a, atS: 150, size: 120 }, { to: b, atS: 151, size: 120 },
    ] });
  },
};

export const CLEAN_FLOWS: readonly Flow[] = [stateful, aaa, negotiation, counterProposal, dh, seed, denials, multi, busy, tunnel];

// ---- Faulty flows: one agent misbehaves, the others react as they would ----

/** One MN behind the FA of Fig. 2 (two when the fault needs a second node). */
function faulty(name: string, durationS: number, o: { mn?: FaultPlan; ha?: FaultPlan; kdc?: FaultPlan; fa?: FaultPlan; nodes?: number; keyLifetime?: number; lifetime?: number }): Flow {
  return {
    name, durationS,
    build(w) {
      const mns = Array.from({ length: o.nodes ?? 1 }, (_, k) => mnConfig(w, k + 1, { startAtS: 1 + 3 * k, ...(o.lifetime ? { lifetime: o.lifetime } : {}), ...(o.mn && k === 0 ? { faults: o.mn } : {}) }));
      statefulSystem(w, mns, { ...(o.keyLifetime ? { keyLifetime: o.keyLifetime } : {}), ...(o.ha ? { ha: o.ha } : {}), ...(o.kdc ? { kdc: o.kdc } : {}), fa: o.fa ? { faults: o.fa } : {} });
    },
  };
}

/** A co-located node negotiating with the HA (stateful KE 5 unless the offer says otherwise). */
function faultyNegotiation(name: string, durationS: number, offers: (w: World) => Offer[], o: { mn?: FaultPlan; ha?: FaultPlan; accept?: { auth: number[]; cipher: number[] }; policy?: ResponderPolicy }): Flow {
  return {
    name, durationS,
    build(w) {
      const m = mnConfig(w, 1, { attach: 'colocated', startAtS: 1, negotiation: { sapSubtype: SAP.mnHa, offers: offers(w), ...(o.accept ? { accept: o.accept } : {}) }, ...(o.mn ? { faults: o.mn } : {}) });
      const kdcSa = haKdcSa(w, 1);
      homeAgent(w, { mns: [m], policy: o.policy ?? NEGOTIATION_POLICY, ...(o.ha ? { faults: o.ha } : {}) }, kdcSa);
      keyCenter(w, [{ n: 1, sa: kdcSa }], [m.nai], 600);
      w.mobileNode(m);
    },
  };
}

const ALWAYS = Number.POSITIVE_INFINITY;
const st = { mode: MODE.stateful };
const orOffers = (): Offer[] => [
  { no: 1, protoId: PROTO.auth, lifetime: 3600, spi: 0x6101, transforms: [xf(1, AUTH.sha256, { keyLength: 256, ...st }), xf(2, AUTH.sha1, { keyLength: 160, ...st })] },
  { no: 2, protoId: PROTO.auth, lifetime: 3600, spi: 0x6102, transforms: [xf(1, AUTH.md5, { keyLength: 128, ...st })] },
];

export const FAULTY_FLOWS = {
  badAuth: faulty('fault-bad-auth', 100, { mn: { [FAULT.corruptMnHa]: 1 } }),
  identityClear: faulty('fault-identity-clear', 100, { mn: { [FAULT.identityClear]: 1 } }),
  reservedBits: faulty('fault-reserved-bits', 100, { mn: { [FAULT.reservedBits]: 1 } }),
  lengthOverrun: faulty('fault-length-overrun', 100, { mn: { [FAULT.lengthOverrun]: 1 } }),
  truncated: faulty('fault-truncated', 100, { nodes: 2 }),
  noStrip: faulty('fault-fa-no-strip', 100, { fa: { [FAULT.noStrip]: 1 } }),
  key3Mismatch: faulty('fault-key3-mismatch', 100, { ha: { [FAULT.key3Mismatch]: 1 } }),
  key0Travels: faulty('fault-key0-travels', 100, { ha: { [FAULT.key0AsKey1]: 1 } }),
  key1Clear: faulty('fault-key1-clear', 100, { ha: { [FAULT.key1Clear]: 1 } }),
  saExpired: faulty('fault-sa-expired', 200, { mn: { [FAULT.useExpiredSa]: ALWAYS }, ha: { [FAULT.useExpiredSa]: ALWAYS }, keyLifetime: 60 }),
  keyReused: faulty('fault-key-reused', 100, { nodes: 2, kdc: { [FAULT.reuseKey3]: 1 } }),
  lifetimeGranted: faulty('fault-lifetime-granted', 100, { ha: { [FAULT.grantMore]: 1 } }),
  replyIdent: faulty('fault-reply-ident', 100, { ha: { [FAULT.wrongReplyIdent]: 1 } }),
  faHaOrder: faulty('fault-faha-order', 100, { ha: { [FAULT.faHaNotLast]: 1 } }),
  learnedKeyFails: faulty('fault-learned-key-fails', 130, { mn: { [FAULT.wrongLearnedKey]: 1 } }),
  transformNotOffered: faultyNegotiation('fault-transform-not-offered', 60, orOffers, { ha: { [FAULT.transformNotOffered]: 1 } }),
  proposalOrder: faultyNegotiation('fault-proposal-order', 60, orOffers, { mn: { [FAULT.proposalOrder]: 1 } }),
  dhOutOfRange: faultyNegotiation('fault-dh-out-of-range', 30, () => [dhOffer(1, 0x7101, OAKLEY_2, xf(1, AUTH.sha256, { keyLength: 256, mode: MODE.stateless }))], { mn: { [FAULT.dhOutOfRange]: 1 }, policy: STATELESS_POLICY }),
  noConvergence: faultyNegotiation('fault-neg-no-convergence', 30, () => [{ no: 1, protoId: PROTO.auth, lifetime: 600, spi: 0x6101, transforms: [xf(1, AUTH.md5, { keyLength: 128, ...st })] }],
    { mn: { [FAULT.stubborn]: ALWAYS }, accept: { auth: [AUTH.md5], cipher: [] }, policy: { auth: [AUTH.sha256], cipher: [], modes: [MODE.stateful], dh: [], counter: { [PROTO.auth]: [xf(1, AUTH.sha256, { keyLength: 256, ...st })] } } }),
} as const;
