// The home agent (WO 01/26322 Figs. 2, 4b-4c, 6, 7, 16-29; RFC 5944 §3.8). It checks the previous
// hop's FA-HA authentication (132 when it fails), finds the mobile node by the SPI of its MN-HA
// authentication (KEY0, KEY1 or a negotiated SA), verifies it (131 when it fails), decrypts the
// hidden identity and checks it belongs to that SA, checks the identification against its own
// clock (133 with its time, RFC 5944 §5.7.1), grants at most its maximum lifetime, and then:
// asks the KDC for KEY1/KEY2/KEY3 (types 8/9) and answers with the reply of docs/protocol.md §B.5; or
// answers a negotiation (E.3) — keys by Diffie-Hellman (stateless), from the KDC (stateful,
// KE 5) or derived from a KDC seed (semi-stateful, KE 6) — or denies it with 129 and a
// counter-proposal; or renews, or deregisters (lifetime 0).
import { encodeKeyRequest, gp, saPayload } from '../../dissector/kx/encode.js';
import type { KeSpec, ProposalSpec } from '../../dissector/kx/encode.js';
import { encodeRegistrationReply, encodeRevocation, ext } from '../../dissector/mip/encode.js';
import type { ExtSpec, RawExt } from '../../dissector/mip/encode.js';
import { Agent, MIP_PORT } from './agent.js';
import type { AgentContext, Datagram, Endpoint, FaultPlan } from './agent.js';
import { identification, sealWith } from './build.js';
import { forwarded, parseInner } from './datapath.js';
import { encodeArp } from '../../dissector/build.js';
import { dhKeyPair, dhSaKey, negotiatedKeyLen, seedKey } from './crypto.js';
import { FAULT, travelling } from './faults.js';
import { SaStore, authById, authId, cipherById, cipherNo, expired, started } from './keys.js';
import type { Sa } from './keys.js';
import { ATTR, MODE, PROTO, SAP, answer, choose, counterProposal, modeOf } from './negotiation.js';
import type { Pick, ResponderPolicy } from './negotiation.js';
import { EXT, MSG, NTP_UNIX_OFFSET, WireError, attr, authSpi, findExt, identSeconds, ipNumber, ipString, openGp, openKe, parseGp, parseMessage, parseSaInfo, parseSaPayload, verifyAuth } from './wire.js';
import type { Extension, Message, Proposal } from './wire.js';

export interface MobileNodeRecord { nai: string; homeAddr: string; key0: Sa }

export interface HomeAgentConfig {
  name: string;
  ip: string;
  mac: string;
  nai: string;
  mobileNodes: MobileNodeRecord[];
  /** SAs with foreign agents and the home AAA server (the FA-HA authentication's SPI names one). */
  peers: Array<{ ip: string; sa: Sa }>;
  kdc?: { ip: string; sa: Sa };
  maxLifetime: number;
  /** RFC 5944 §5.7.1: allowed distance of an identification timestamp from its clock (s). */
  replayWindowS?: number;
  /** How it answers MN-HA negotiations. */
  policy?: ResponderPolicy;
  /** How it answers FA-HA negotiations (SA sub-type 3). */
  faHaPolicy?: ResponderPolicy;
  /** Revokes the binding of these (plain) mobile nodes at these times (RFC 3543). */
  revoke?: Array<{ nai: string; atS: number }>;
  /** In-process only: announce accepted bindings by gratuitous ARP and tunnel (IP in IP) to the care-of address. */
  dataPath?: boolean;
  faults?: FaultPlan;
}

interface Binding { mn: MobileNodeRecord; lastIdent: bigint; key1?: Sa; key2?: Sa; negotiated: Sa[]; via: Endpoint; hopSa?: Sa }

/** A request being answered, possibly waiting for the KDC. */
interface Ctx {
  m: Message;
  from: Endpoint;
  carried: string[];
  mn: MobileNodeRecord;
  auth: Sa;
  hopSa?: Sa;
  grant: number;
  replyIdent: bigint;
  /** Decrypted GP-L2 (content, address), passed on to the KDC. */
  l2?: { content: number; info: Uint8Array };
  mnSap?: { subtype: number; picks: Pick[]; offered: Proposal[] };
  faSap?: ProposalSpec[];
  before: ExtSpec[];
  after: ExtSpec[];
  /** SAs to install once the reply is sent. */
  install: Sa[];
  /** A negotiated FA-HA SA, in force once the reply is sent. */
  newHops: Sa[];
  /** The HA-KDC SA its Key Request went under. */
  kdcSa?: Sa;
  key1?: Sa;
  key2?: Sa;
}

const LOW = 0xffffffffn;

export class HomeAgent extends Agent {
  readonly store = new SaStore();
  /** SPI → the mobile node whose SA it is (KEY0, KEY1, negotiated). */
  private readonly owners = new Map<number, MobileNodeRecord>();
  /** SPI → SAs of previous hops (pre-shared, KEY2s issued, negotiated FA-HA). */
  private readonly hops = new Map<number, Sa>();
  readonly bindings = new Map<string, Binding>();
  /** Its Diffie-Hellman exponents and public values, by mobile node (for a keys file's "dh" entries). */
  readonly dhSecrets: Array<{ cv: Uint8Array; x: bigint; spi: number; peer: string }> = [];
  private readonly waiting = new Map<bigint, Ctx>();
  private revocationId = 0;
  /** The SA shared with the KDC now (the KDC may replace it: GP-SA content 3). */
  private kdcSa: Sa | undefined;

  constructor(readonly cfg: HomeAgentConfig, ctx: AgentContext) {
    super(cfg.name, cfg.ip, cfg.mac, 'home', ctx, cfg.faults);
    for (const mn of cfg.mobileNodes) { this.store.add(mn.key0); this.owners.set(mn.key0.spi, mn); }
    for (const p of cfg.peers) this.hops.set(p.sa.spi, p.sa);
    this.kdcSa = cfg.kdc?.sa;
  }

  override start(): void {
    for (const r of this.cfg.revoke ?? []) this.after(r.atS * 1000, () => this.revoke(r.nai));
  }

  /** Home address → care-of address of the bindings it tunnels to (dataPath). */
  private readonly away = new Map<string, string>();

  receive(d: Datagram): void {
    if (d.proto !== 'udp') { this.dataPath(d); return; }
    let m: Message;
    try { m = parseMessage(d.payload); } catch (e) { if (e instanceof WireError) { this.log(`discards a poorly formed message: ${e.message}`); return; } throw e; }
    if (m.type === MSG.request) this.request(m, d);
    else if (m.type === MSG.keyReply) this.keyReply(m, d);
    else if (m.type === MSG.revocationAck) this.log('revocation acknowledged');
  }

  private nowNtp(): number { return Math.floor(this.clock.now() / 1000) + NTP_UNIX_OFFSET; }

  // ---- Registration requests ----

  private request(m: Message, d: Datagram): void {
    const mnHa = findExt(m, EXT.mnHa);
    if (!mnHa) { this.log('discards a request without MN-HA authentication'); return; }
    const spi = authSpi(mnHa);
    const mn = this.owners.get(spi);
    const auth = this.store.get(spi);
    // Without an SA for the SPI no reply can be authenticated (RFC 5944 §3.8.2.1): silence.
    if (!mn || !auth) { this.log(`discards a request under unknown SPI 0x${spi.toString(16)}`); return; }
    // A reply echoes the request's header (its Home Address): an identity shown there stays shown.
    const ctx: Ctx = { m, from: d.src, carried: d.faults.filter(f => f === FAULT.identityClear), mn, auth, grant: 0, replyIdent: m.ident, before: [], after: [], install: [], newHops: [] };
    const faHa = m.exts.find(e => e.type === EXT.faHa);
    if (faHa) {
      const hop = this.hops.get(authSpi(faHa));
      if (hop) ctx.hopSa = hop;
      if (!hop || !verifyAuth(m, faHa, hop)) { this.log('FA-HA authentication fails: denies 132'); this.reply(ctx, 132); return; }
    }
    if (!verifyAuth(m, mnHa, auth)) { this.log('MN-HA authentication fails: denies 131'); this.reply(ctx, 131); return; }
    if (expired(auth, this.clock.now()) && !this.commit(FAULT.useExpiredSa, ctx.carried)) { this.log('request under an expired SA: denies 131'); this.reply(ctx, 131); return; }
    if (!this.identityMatches(ctx, mnHa)) { this.reply(ctx, 131); return; }
    // RFC 5944 §5.7.1: timestamps within the window, and newer than the last one accepted.
    const binding = this.bindings.get(mn.nai);
    const skew = identSeconds(m.ident) - this.nowNtp();
    const windowS = this.clock.atLeastReal((this.cfg.replayWindowS ?? 7) * 1000, 1000) / 1000;
    if (Math.abs(skew) > windowS || (binding && m.ident <= binding.lastIdent)) {
      this.log(`identification ${skew > 0 ? 'ahead' : 'behind'} by ${Math.abs(skew)} s: denies 133 with its own time`);
      ctx.replyIdent = (BigInt(this.nowNtp()) << 32n) | (m.ident & LOW);
      this.reply(ctx, 133);
      return;
    }
    ctx.grant = Math.min(m.lifetime, this.cfg.maxLifetime);
    if (m.lifetime > 0 && this.commit(FAULT.grantMore, ctx.carried)) ctx.grant = this.cfg.maxLifetime > m.lifetime ? this.cfg.maxLifetime : m.lifetime + 600;
    if (m.lifetime === 0) { this.deregister(ctx); return; }
    // An FA's proposal for a new FA-HA SA rides after the MN-HA authentication (sub-type 3).
    const faSap = m.exts.find(e => e.type === EXT.sa && e.subtype === SAP.faHa && e.offset > mnHa.offset);
    if (faSap && ctx.hopSa && this.cfg.faHaPolicy) this.answerFaHa(ctx, faSap);
    const mnSap = m.exts.find(e => e.type === EXT.sa && e.offset < mnHa.offset);
    if (mnSap) { this.negotiate(ctx, mnSap); return; }
    const hidden = m.homeAddr === 0;
    // A co-located care-of address (D flag) means the MN registers directly: no FA to key.
    const viaFa = (m.flags & 0x20) === 0;
    if (hidden && viaFa && auth === mn.key0 && this.cfg.kdc) { this.askKdc(ctx); return; }
    this.accept(ctx);
  }

  /** The identity the request shows (decrypted GP extensions, or NAI and home address in clear) is the SA owner's. */
  private identityMatches(ctx: Ctx, mnHa: Extension): boolean {
    const { m, mn } = ctx;
    let nai: string | undefined, home: number | undefined;
    try {
      for (const e of m.exts) {
        if (e.offset >= mnHa.offset) break;
        if (e.type === EXT.nai) nai = new TextDecoder().decode(e.data);
        if (e.type !== EXT.gpNai && e.type !== EXT.gpIp && e.type !== EXT.gpL2) continue;
        const g = parseGp(e);
        let info = g.info;
        if (g.encrypted) {
          // Only an SA of this mobile node may hide its identity (KEY0, KEY1, a negotiated cipher).
          const sa = this.store.get(g.spi);
          if (!sa || !this.encOwnedBy(g.spi, mn)) throw new WireError(`no key of this mobile node for SPI 0x${g.spi.toString(16)}`);
          info = openGp(m, g, sa);
        }
        if (e.type === EXT.gpNai && g.content === 0) nai = new TextDecoder().decode(info);
        if (e.type === EXT.gpIp && g.content === 0 && info.length === 4) home = ipNumber(`${info[0]}.${info[1]}.${info[2]}.${info[3]}`);
        if (e.type === EXT.gpL2) ctx.l2 = { content: g.content, info };
      }
    } catch (e) {
      this.log(`identity does not decrypt: ${(e as Error).message}: denies 131`);
      return false;
    }
    if (m.homeAddr !== 0) home = m.homeAddr;
    if (nai !== mn.nai || (home !== undefined && home !== ipNumber(mn.homeAddr))) { this.log('identity is not the SA owner\'s: denies 131'); return false; }
    return true;
  }

  private readonly encOwners = new Map<number, MobileNodeRecord>();
  private encOwnedBy(spi: number, mn: MobileNodeRecord): boolean { return this.encOwners.get(spi) === mn || this.owners.get(spi) === mn; }

  // ---- Stateful key distribution (WO 01/26322 Fig. 2 steps 220-224; B.5) ----

  /** Type 8 to the KDC: the MN's identity under the HA-KDC SA, and what it should key. */
  private askKdc(ctx: Ctx, picks?: { subtype: number; picks: Pick[] }): void {
    const kdc = this.cfg.kdc!;
    const sa = this.kdcSa!;
    const exts: ExtSpec[] = [
      gp.nai(0, ctx.mn.nai, sealWith(sa, this.rng)),
      gp.ip(0, ctx.mn.homeAddr, sealWith(sa, this.rng)),
    ];
    if (ctx.l2) exts.push(gp.raw('gp_l2', ctx.l2.content, ctx.l2.info, sealWith(sa, this.rng)));
    exts.push(gp.nai(2, this.cfg.nai));
    // The care-of address the keys will be used from (GP-IP content 1, a router address).
    exts.push(gp.ip(1, ctx.m.coa));
    if (picks) exts.push(saPayload({ subtype: picks.subtype, proposals: picks.picks.map(p => answer(p)) }));
    exts.push(ext.mnHa(sa.spi, sa.key, sa.auth ?? 'hmac-sha256'));
    const ident = identification(this.clock.now(), this.rng);
    ctx.kdcSa = sa;
    this.waiting.set(ident & LOW, ctx);
    this.send({ proto: 'udp', payload: encodeKeyRequest({ homeAddr: '0.0.0.0', ident, exts }), dst: { ip: kdc.ip, port: MIP_PORT } });
  }

  private keyReply(m: Message, d: Datagram): void {
    const ctx = this.waiting.get(m.ident & LOW);
    const a0 = findExt(m, EXT.mnHa);
    // The reply comes under the SA the request used, which a rotation may just have replaced.
    const sa = a0 && ctx?.kdcSa?.spi === authSpi(a0) ? ctx.kdcSa : undefined;
    if (!ctx || !sa) return;
    const a = findExt(m, EXT.mnHa);
    if (!a || authSpi(a) !== sa.spi || !verifyAuth(m, a, sa)) { this.log('discards a key reply that does not authenticate'); return; }
    this.waiting.delete(m.ident & LOW);
    ctx.carried.push(...travelling(d.faults));
    if (m.code !== 0) { this.log(`the KDC refused keys (code ${m.code}): denies 129`); this.reply(ctx, 129); return; }
    try {
      const keys = new Map<number, Sa>();
      for (const e of m.exts) {
        if (e.type !== EXT.gpSa) continue;
        const g = parseGp(e);
        const i = parseSaInfo(openGp(m, g, sa));
        // GP-SA content 3: the KDC replaces the HA-KDC SA; the next Key Request goes under it.
        if (g.content === 3) { this.kdcSa = { spi: i.newSpi, key: i.key, auth: authById(i.authAlg), cipher: cipherById(i.cipherAlg), lifetime: i.lifetime, label: 'HA-KDC (rotated)' }; continue; }
        keys.set(g.content, { spi: i.newSpi, key: i.key, auth: authById(i.authAlg), cipher: cipherById(i.cipherAlg), lifetime: i.lifetime, peer: ctx.mn.nai });
      }
      if (ctx.mnSap) { this.finishNegotiation(ctx, m, sa); return; }
      const key1 = keys.get(2), key2 = keys.get(1), key3 = keys.get(0);
      if (!key1 || !key2 || !key3) { this.log('key reply lacks a key: denies 130'); this.reply(ctx, 130); return; }
      this.distribute(ctx, key1, key2, key3);
    } catch (e) {
      this.log(`key reply does not decrypt: ${(e as Error).message}: denies 130`);
      this.reply(ctx, 130);
    }
  }

  /** The reply of B.5: KEY3 and KEY1 for the MN under KEY0 before MN-HA; KEY2 and KEY3 for the FA after it. */
  private distribute(ctx: Ctx, key1: Sa, key2: Sa, key3: Sa): void {
    const key0 = ctx.mn.key0;
    if (this.commit(FAULT.key0AsKey1)) key1 = { ...key1, key: key0.key, auth: key0.auth, cipher: key0.cipher };
    const info = (k: Sa) => ({ newSpi: k.spi, authAlg: authId(k.auth), cipherAlg: cipherNo(k.cipher), lifetime: k.lifetime ?? 0xffffffff, key: k.key });
    const key1Clear = this.commit(FAULT.key1Clear);
    ctx.before.push(gp.sa(0, info(key3), sealWith(key0, this.rng)), gp.sa(2, info(key1), key1Clear ? {} : sealWith(key0, this.rng)));
    const faKey3 = this.commit(FAULT.key3Mismatch) ? { ...key3, key: this.rng.bytes(key3.key.length) } : key3;
    ctx.after.push(gp.sa(1, info(key2)), gp.sa(0, info(faKey3)));
    ctx.key1 = key1; ctx.key2 = key2;
    this.accept(ctx);
  }

  // ---- Negotiation (Figs. 25-29, E.3) ----

  private negotiate(ctx: Ctx, e: Extension): void {
    let offered;
    try { offered = parseSaPayload(e); } catch (err) { this.log(`SA payload malformed: ${(err as Error).message}: denies 129`); this.reply(ctx, 129); return; }
    const policy = this.cfg.policy;
    if (!policy) { this.reply(ctx, 129); return; }
    const choice = choose(offered, policy);
    if (!choice.ok) {
      this.log(`negotiation: ${choice.reason}: denies 129${choice.counterable ? ' with a counter-proposal' : ''}`);
      const counter = choice.counterable ? counterProposal(offered, policy) : [];
      if (counter.length) ctx.before.push(saPayload({ subtype: e.subtype, proposals: counter }));
      this.reply(ctx, 129);
      return;
    }
    ctx.mnSap = { subtype: e.subtype, picks: choice.picks, offered };
    const modes = new Set(choice.picks.map(p => modeOf(p.proposal, p.transform)));
    if ((modes.has(MODE.stateful) || modes.has(MODE.semiStateful)) && this.cfg.kdc) { this.askKdc(ctx, ctx.mnSap); return; }
    this.finishNegotiation(ctx);
  }

  /** Keys for each chosen proposal; the answer SA payload; the SAs to install. */
  private finishNegotiation(ctx: Ctx, kdcReply?: Message, kdcSa?: Sa): void {
    const { mn } = ctx;
    const sap = ctx.mnSap!;
    const fromKdc = new Map<number, { subtype: number; secret: Uint8Array }>();
    if (kdcReply && kdcSa) {
      const e = kdcReply.exts.find(x => x.type === EXT.sa);
      for (const p of e ? parseSaPayload(e) : []) for (const ke of p.ke) if (ke.subtype === 5 || ke.subtype === 6) fromKdc.set(p.spi, { subtype: ke.subtype, secret: openKe(ke, kdcSa) });
    }
    const answers: ProposalSpec[] = [];
    let work = 0;
    let seeded = false;
    for (const pick of sap.picks) {
      const p = pick.proposal, t = pick.transform;
      const keyLen = negotiatedKeyLen(p.protoId, t.id, attr(t, ATTR.keyLength));
      const mode = modeOf(p, t);
      let key: Uint8Array, ke: KeSpec;
      if (mode === MODE.stateless) {
        const pair = dhKeyPair(pick.group!, this.rng);
        this.dhSecrets.push({ cv: pair.cv, x: pair.x, spi: p.spi, peer: mn.nai });
        key = dhSaKey(pick.group!, pair.x, pick.dhOffer!.cv!, p.spi, keyLen);
        ke = pick.group!.subtype === 4
          ? { subtype: 4, p: pick.dhOffer!.p!, g: pick.dhOffer!.g!, cv: pair.cv }
          : { subtype: pick.group!.subtype, xfno: t.no, cv: pair.cv };
        work += pick.group!.size > 100 ? 4 : 2;
      } else {
        const k = fromKdc.get(p.spi);
        if (!k) { this.log('the KDC gave no key for a chosen proposal: denies 130'); this.reply(ctx, 130); return; }
        const iv = sealWith(mn.key0, this.rng).iv;
        if (k.subtype === 6) {
          // E.5: NAI_i, NAI_r (its own, sent in clear), IP_r (its address), IP_i (the home address).
          key = seedKey(k.secret, mn.nai, this.cfg.nai, ipNumber(this.ip), ipNumber(mn.homeAddr), keyLen, attr(t, ATTR.prf) ?? 3);
          seeded = true;
        } else key = k.secret;
        ke = { subtype: k.subtype as 5 | 6, key: k.secret, under: { spi: mn.key0.spi, key: mn.key0.key, cipher: mn.key0.cipher! }, iv };
      }
      const answerSpec = answer(pick, [ke]);
      if (this.commit(FAULT.transformNotOffered)) {
        // Swaps in an algorithm of the same protocol that the initiator never listed.
        const offeredIds = new Set(sap.offered.filter(x => x.protoId === p.protoId).flatMap(x => x.transforms.map(y => y.id)));
        const other = (p.protoId === PROTO.auth ? [2, 4, 3, 1] : [5, 4, 1, 3, 2]).find(id => !offeredIds.has(id))!;
        answerSpec.transforms[0]!.id = other;
      }
      answers.push(answerSpec);
      const sa = started({ spi: p.spi, key, auth: p.protoId === PROTO.auth ? authById(t.id) : null, cipher: p.protoId === PROTO.encryption ? cipherById(t.id) : null, lifetime: attr(t, ATTR.lifetime) ?? p.lifetime, peer: mn.nai }, this.clock.now());
      ctx.install.push(sa);
    }
    if (seeded) ctx.before.push(gp.nai(2, this.cfg.nai));
    ctx.before.push(saPayload({ subtype: sap.subtype, proposals: answers }));
    this.accept(ctx, work);
  }

  /** FA-HA negotiation: choose, and hand the key over the path FA-HA authentication secures (KE 3). */
  private answerFaHa(ctx: Ctx, e: Extension): void {
    let offered;
    try { offered = parseSaPayload(e); } catch { return; }
    const choice = choose(offered, this.cfg.faHaPolicy!);
    if (!choice.ok) return;
    const answers: ProposalSpec[] = [];
    for (const pick of choice.picks) {
      const p = pick.proposal, t = pick.transform;
      const key = this.rng.bytes(negotiatedKeyLen(p.protoId, t.id, attr(t, ATTR.keyLength)));
      answers.push(answer(pick, [{ subtype: 3, xfno: t.no, key }]));
      const sa = started({ spi: p.spi, key, auth: authById(t.id), cipher: null, lifetime: attr(t, ATTR.lifetime) ?? p.lifetime, peer: ctx.from.ip }, this.clock.now());
      ctx.newHops.push(sa);
    }
    ctx.faSap = answers;
  }

  // ---- Answers ----

  private accept(ctx: Ctx, workMs = 0): void {
    const { mn, m } = ctx;
    const b: Binding = this.bindings.get(mn.nai) ?? { mn, lastIdent: 0n, negotiated: [], via: ctx.from };
    b.lastIdent = m.ident; b.via = ctx.from;
    if (ctx.hopSa) b.hopSa = ctx.hopSa;
    if (ctx.key1) {
      // A fresh registration replaces the session's keys.
      if (b.key1) this.owners.delete(b.key1.spi);
      if (b.key2) this.hops.delete(b.key2.spi);
      const k1 = started({ ...ctx.key1 }, this.clock.now());
      this.store.add(k1); this.owners.set(k1.spi, mn); if (k1.cipher) this.encOwners.set(k1.spi, mn);
      const k2 = started({ ...ctx.key2! }, this.clock.now());
      this.hops.set(k2.spi, k2);
      b.key1 = k1; b.key2 = k2;
    }
    for (const sa of ctx.install) {
      this.store.add(sa);
      if (sa.auth) this.owners.set(sa.spi, mn);
      if (sa.cipher) this.encOwners.set(sa.spi, mn);
      b.negotiated.push(sa);
    }
    this.bindings.set(mn.nai, b);
    this.reply(ctx, 0, workMs);
    if (this.cfg.dataPath && ctx.grant > 0) {
      // RFC 5944 §4.6: the home link learns that the home address is now the home agent's MAC.
      this.away.set(mn.homeAddr, ipString(m.coa));
      const arp = encodeArp({ op: 1, senderMac: this.mac, senderIp: mn.homeAddr, targetIp: mn.homeAddr });
      this.send({ proto: 'arp', payload: arp, dst: { ip: '255.255.255.255', port: 0, mac: 'ff:ff:ff:ff:ff:ff' }, workMs: workMs + 1 });
    }
    for (const h of ctx.newHops) this.hops.set(h.spi, h);
  }

  /**
   * Datagrams for a home address away from home go to its care-of address inside IP in IP
   * (RFC 2003); what comes back through the reverse tunnel from a care-of address goes on.
   */
  private dataPath(d: Datagram): void {
    if (d.proto === 'icmp') {
      const coa = this.away.get(d.dst.ip);
      if (coa) this.send({ proto: 'ipip', payload: forwarded({ src: d.src.ip, dst: d.dst.ip, proto: 1, payload: d.payload }), dst: { ip: coa, port: 0 } });
    } else if (d.proto === 'ipip') {
      const inner = parseInner(d.payload);
      if (inner?.proto === 1 && this.away.get(inner.src) === d.src.ip) this.send({ proto: 'icmp', payload: inner.payload, srcIp: inner.src, dst: { ip: inner.dst, port: 0 }, ttl: 62 });
    }
  }

  private deregister(ctx: Ctx): void {
    this.away.delete(ctx.mn.homeAddr);
    const b = this.bindings.get(ctx.mn.nai);
    this.bindings.delete(ctx.mn.nai);
    // The session's keys die with the binding, once the reply under them is out.
    this.reply(ctx, 0);
    if (b?.key1) this.owners.delete(b.key1.spi);
    if (b?.key2) this.hops.delete(b.key2.spi);
  }

  /** The registration reply: B.5's order so that RFC 5944's authentication rules hold. */
  private reply(ctx: Ctx, code: number, workMs = 0): void {
    const { m } = ctx;
    const ok = code === 0 || code === 1;
    const exts: ExtSpec[] = [];
    if (ok || code === 129) exts.push(...ctx.before);
    exts.push(ext.mnHa(ctx.auth.spi, ctx.auth.key, ctx.auth.auth ?? 'hmac-md5'));
    const tail: ExtSpec[] = [];
    if (ok) tail.push(...ctx.after);
    if (m.exts.some(e => e.type === EXT.revocationSupport)) tail.push(ext.revocationSupport(false, this.nowNtp() >>> 0));
    if (ok && ctx.faSap) tail.push(saPayload({ subtype: SAP.faHa, proposals: ctx.faSap }));
    let faHa: RawExt | ExtSpec | undefined;
    if (ctx.hopSa && code !== 132) faHa = ext.faHa(ctx.hopSa.spi, ctx.hopSa.key, ctx.hopSa.auth ?? 'hmac-md5');
    if (faHa && tail.length && this.commit(FAULT.faHaNotLast)) exts.push(faHa, ...tail);
    else exts.push(...tail, ...(faHa ? [faHa] : []));
    let ident = ctx.replyIdent;
    if (this.commit(FAULT.wrongReplyIdent)) ident ^= 1n;
    const payload = encodeRegistrationReply({ code, lifetime: ok ? ctx.grant : 0, homeAddr: m.homeAddr, haAddr: this.ip, ident, exts });
    this.send({ proto: 'udp', payload, dst: { ip: ctx.from.ip, port: ctx.from.port }, ...(workMs ? { workMs } : {}) }, ctx.carried);
  }

  // ---- Revocation (RFC 3543) ----

  private revoke(nai: string): void {
    const b = this.bindings.get(nai);
    if (!b || !b.hopSa) return;
    this.bindings.delete(nai);
    const sa = b.hopSa;
    const payload = encodeRevocation({ a: true, homeAddr: b.mn.homeAddr, homeDomain: this.ip, foreignDomain: b.via.ip, revocationId: ++this.revocationId, exts: [ext.faHa(sa.spi, sa.key, sa.auth ?? 'hmac-md5')] });
    this.send({ proto: 'udp', payload, dst: { ip: b.via.ip, port: MIP_PORT } });
  }
}
