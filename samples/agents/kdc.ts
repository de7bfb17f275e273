// The key distribution center (WO 01/26322 Figs. 2, 7; steps 220-222; stateful and semi-stateful
// modes). It answers a home agent's Key Request (type 8) once the HA-KDC authentication
// verifies: with KEY1 (MN-HA), KEY2 (FA-HA) and KEY3 (MN-FA) in GP-SA extensions under the
// HA-KDC SA, each with a fresh NewSPI; or, for a negotiation the HA forwards, with a key (KE 5)
// or a seed (KE 6) per chosen proposal. It refuses (code 128) mobile nodes it does not know.
// Being stateful, it remembers every key it issued.
import { encodeKeyReply, gp, saPayload } from '../../dissector/kx/encode.js';
import type { KeSpec, ProposalSpec } from '../../dissector/kx/encode.js';
import { ext } from '../../dissector/mip/encode.js';
import type { ExtSpec } from '../../dissector/mip/encode.js';
import { Agent, MIP_PORT } from './agent.js';
import type { AgentContext, Datagram, FaultPlan } from './agent.js';
import { sealWith } from './build.js';
import { negotiatedKeyLen } from './crypto.js';
import { FAULT } from './faults.js';
import { authId, cipherNo, encryptingSa, keyBytes } from './keys.js';
import type { AuthAlg, CipherName, Sa } from './keys.js';
import { ATTR, MODE } from './negotiation.js';
import { EXT, MSG, WireError, attr, authSpi, findExt, openGp, parseGp, parseMessage, parseSaPayload, verifyAuth } from './wire.js';
import type { Message } from './wire.js';

export interface KeyAlgorithms { auth: AuthAlg; cipher?: CipherName }

export interface KdcConfig {
  name: string;
  ip: string;
  mac: string;
  /** The SA it shares with each home agent (HA-KDC). */
  homeAgents: Array<{ ip: string; sa: Sa }>;
  /** The mobile nodes it keys (NAIs). */
  mobileNodes: readonly string[];
  /** Algorithms and SA lifetime of the keys it issues (may depend on the mobile node). */
  keys: (nai: string) => { key1: KeyAlgorithms; key2: KeyAlgorithms; key3: KeyAlgorithms; lifetime: number };
  /** First NewSPI it hands out; each key gets the next. */
  spiBase: number;
  /** Replaces the HA-KDC SA every this many key replies to a home agent (GP-SA content 3). */
  rotateEvery?: number;
  faults?: FaultPlan;
}

export interface IssuedKey { nai: string; role: 'KEY1' | 'KEY2' | 'KEY3' | 'negotiated' | 'seed'; sa: Sa }

export class KeyDistributionCenter extends Agent {
  /** Every key issued (the stateful mode's database). */
  readonly issued: IssuedKey[] = [];
  private nextSpi: number;
  /** The SA in force with each home agent (by its address), and how many replies it has served. */
  private readonly haSas = new Map<string, { sa: Sa; replies: number; previous?: Sa }>();

  constructor(readonly cfg: KdcConfig, ctx: AgentContext) {
    super(cfg.name, cfg.ip, cfg.mac, 'home', ctx, cfg.faults);
    this.nextSpi = cfg.spiBase;
    for (const h of cfg.homeAgents) this.haSas.set(h.ip, { sa: h.sa, replies: 0 });
  }

  receive(d: Datagram): void {
    let m: Message;
    try { m = parseMessage(d.payload); } catch (e) { if (e instanceof WireError) return; throw e; }
    if (m.type !== MSG.keyRequest) return;
    const a = findExt(m, EXT.mnHa);
    const peer = this.haSas.get(d.src.ip);
    // Requests already on their way under the replaced SA still count (they cross the rotation).
    const sa = a && peer ? [peer.sa, peer.previous].find(x => x?.spi === authSpi(a)) : undefined;
    if (!a || !peer || !sa || !verifyAuth(m, a, sa)) { this.log('discards a key request that does not authenticate'); return; }
    let nai: string | undefined;
    try {
      const g = m.exts.filter(e => e.type === EXT.gpNai).map(parseGp).find(x => x.content === 0);
      if (g) nai = new TextDecoder().decode(openGp(m, g, sa));
    } catch { nai = undefined; }
    const exts: ExtSpec[] = [];
    if (nai !== undefined) exts.push(gp.nai(0, nai, sealWith(sa, this.rng)));
    let code = 0;
    if (nai === undefined || !this.cfg.mobileNodes.includes(nai)) {
      this.log(`refuses keys for ${nai ?? 'an unreadable identity'} (128)`);
      code = 128;
    } else {
      const sap = m.exts.find(e => e.type === EXT.sa);
      if (sap) exts.push(this.negotiated(nai, sap.subtype, parseSaPayload(sap), sa));
      else exts.push(...this.sessionKeys(nai, sa));
    }
    // Now and then a new HA-KDC SA, under the old one (the vectors' kx-stateful does the same).
    peer.replies++;
    if (code === 0 && sa === peer.sa && this.cfg.rotateEvery && peer.replies % this.cfg.rotateEvery === 0) {
      const next: Sa = { spi: this.nextSpi++, key: this.rng.bytes(keyBytes(sa.auth, sa.cipher)), auth: sa.auth, cipher: sa.cipher, lifetime: 86400, peer: sa.peer ?? d.src.ip, label: 'HA-KDC (rotated)' };
      exts.push(gp.sa(3, { newSpi: next.spi, authAlg: authId(next.auth), cipherAlg: cipherNo(next.cipher), lifetime: 86400, key: next.key }, sealWith(sa, this.rng)));
      this.haSas.set(d.src.ip, { sa: next, replies: 0, previous: sa });
    }
    exts.push(ext.mnHa(sa.spi, sa.key, sa.auth ?? 'hmac-sha256'));
    this.send({ proto: 'udp', payload: encodeKeyReply({ code, homeAddr: '0.0.0.0', ident: m.ident, exts }), dst: { ip: d.src.ip, port: d.src.port || MIP_PORT } });
  }

  private newKey(nai: string, role: IssuedKey['role'], alg: KeyAlgorithms, lifetime: number): Sa {
    const sa: Sa = { spi: this.nextSpi++, key: this.rng.bytes(keyBytes(alg.auth, alg.cipher ?? null)), auth: alg.auth, cipher: alg.cipher ?? null, lifetime };
    this.issued.push({ nai, role, sa });
    return sa;
  }

  /** KEY1, KEY2, KEY3 in GP-SA contents 2, 1, 0, encrypted under the HA-KDC SA (B.1, B.5). */
  private sessionKeys(nai: string, sa: Sa): ExtSpec[] {
    const p = this.cfg.keys(nai);
    const key1 = this.newKey(nai, 'KEY1', p.key1, p.lifetime);
    const key2 = this.newKey(nai, 'KEY2', p.key2, p.lifetime);
    const key3 = this.newKey(nai, 'KEY3', p.key3, p.lifetime);
    const earlier = this.issued.find(k => k.role === 'KEY3' && k.nai !== nai && k.sa.key.length === key3.key.length);
    if (earlier && this.commit(FAULT.reuseKey3)) key3.key = earlier.sa.key.slice();
    const info = (k: Sa) => ({ newSpi: k.spi, authAlg: authId(k.auth), cipherAlg: cipherNo(k.cipher), lifetime: k.lifetime ?? 0xffffffff, key: k.key });
    return [2, 1, 0].map(c => gp.sa(c, info(c === 2 ? key1 : c === 1 ? key2 : key3), sealWith(sa, this.rng)));
  }

  /** The chosen proposals the HA forwards, each with its key (KE 5) or seed (KE 6) under the HA-KDC SA. */
  private negotiated(nai: string, subtype: number, ps: ReturnType<typeof parseSaPayload>, sa: Sa) {
    const out: ProposalSpec[] = [];
    for (const p of ps) {
      const t = p.transforms[0];
      if (!t) continue;
      const mode = attr(t, ATTR.mode) ?? MODE.stateful;
      const seed = mode === MODE.semiStateful;
      const secret = this.rng.bytes(seed ? 32 : negotiatedKeyLen(p.protoId, t.id, attr(t, ATTR.keyLength)));
      this.issued.push({ nai, role: seed ? 'seed' : 'negotiated', sa: { spi: p.spi, key: secret, auth: null, cipher: null } });
      const ke: KeSpec = { subtype: seed ? 6 : 5, key: secret, under: encryptingSa(sa), iv: sealWith(sa, this.rng).iv };
      out.push({ no: p.no, protoNo: p.protoNo, protoId: p.protoId, lifetime: p.lifetime, spi: p.spi, transforms: [{ no: t.no, id: t.id, numKeys: t.numKeys, attrs: t.attrs.map(a => ({ type: a.type, value: a.value })) }], ke: [ke] });
    }
    return saPayload({ subtype, proposals: out });
  }
}
