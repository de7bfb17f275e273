// The mobile node (WO 01/26322 Figs. 2, 4a, 4d, 5; RFC 5944 §3.6). It finds a foreign agent by its
// advertisements (soliciting one if told to), registers with its identity (home address, NAI,
// L2 address) encrypted under KEY0 and the header's Home Address 0.0.0.0, verifies the reply
// (MN-HA under the SA it used, MN-FA under the KEY3 it just decrypted), takes KEY1 and KEY3,
// re-registers under them before the lifetime runs out, registers afresh under KEY0 when KEY1 is
// about to expire, and deregisters with lifetime 0. With a negotiation configured it offers SA
// payloads and completes the stateless, stateful or semi-stateful exchange (Figs. 16-29).
import { encodeAgentSolicitation } from '../../dissector/build.js';
import { saPayload } from '../../dissector/kx/encode.js';
import type { KeSpec, ProposalSpec } from '../../dissector/kx/encode.js';
import { encodeRegistrationRequest, ext } from '../../dissector/mip/encode.js';
import type { ExtSpec } from '../../dissector/mip/encode.js';
import { Agent, MIP_PORT } from './agent.js';
import type { AgentContext, Datagram, FaultPlan } from './agent.js';
import type { Timer } from './clock.js';
import { dhKeyPair, dhSaKey, negotiatedKeyLen, seedKey, toBytes } from './crypto.js';
import type { DhGroup } from './crypto.js';
import { FAULT } from './faults.js';
import { echoReply } from './datapath.js';
import { identification, identityExtensions } from './build.js';
import type { L2Address } from './build.js';
import { authById, cipherById, expired, started } from './keys.js';
import type { Sa } from './keys.js';
import { ATTR, acceptCounter, checkAnswer, offerSpec } from './negotiation.js';
import type { Offer } from './negotiation.js';
import { EXT, MSG, NTP_UNIX_OFFSET, WireError, attr, authSpi, findExt, identSeconds, ipNumber, ipString, openGp, openKe, parseAdvertisement, parseGp, parseMessage, parseSaInfo, parseSaPayload, verifyAuth } from './wire.js';
import type { Message } from './wire.js';

export interface ForeignAgentInfo { ip: string; mac: string; coa: string; maxLifetime: number; flags: number }

export interface MobileNodeConfig {
  name: string;
  nai: string;
  homeAddr: string;
  haAddr: string;
  mac: string;
  /** Its own address: 0.0.0.0 behind a foreign agent in-process, its co-located care-of address, or 127.0.0.x live. */
  ip: string;
  l2: L2Address;
  key0: Sa;
  /** kx: identity hidden (B.5); plain: RFC 5944 with NAI extension and home address in clear. */
  style: 'kx' | 'plain';
  attach: 'fa' | 'colocated';
  /** The foreign agent when it is told rather than advertised (live runs). */
  fa?: ForeignAgentInfo;
  /** Solicit an advertisement instead of waiting for one. */
  solicit?: boolean;
  lifetime: number;
  negotiation?: {
    /** SA payload sub-type (B.3): 1 MN-HA. */
    sapSubtype: number;
    offers: Offer[];
    /** What it takes from a counter-proposal (transform ids), in its order of preference. */
    accept?: { auth: number[]; cipher: number[] };
  };
  startAtS: number;
  deregisterAtS?: number;
  /** Re-register when this fraction of the granted lifetime has passed (default 0.75). */
  reregisterFraction?: number;
  clockSkewS?: number;
  link?: string;
  faults?: FaultPlan;
}

interface Session {
  /** SA of the MN-HA authentication (KEY1 or a negotiated one). */
  auth: Sa;
  /** SA the identity is encrypted under (KEY1 when it has a cipher, a negotiated one, or KEY0). */
  enc: Sa;
  key3?: Sa;
  /** The foreign agent the keys belong to. */
  faIp?: string;
}

type Kind = 'fresh' | 'renew' | 'deregister';

interface Pending {
  kind: Kind;
  ident: bigint;
  lifetime: number;
  auth: Sa;
  offers: ProposalSpec[];
  dh: Map<number, { group: DhGroup; x: bigint }>;
  tries: number;
  timer?: Timer;
  /** Fresh requests that carry a counter-proposal's acceptance. */
  accepted?: ProposalSpec[];
}

const LOW = 0xffffffffn;

export class MobileNode extends Agent {
  state: 'idle' | 'discovering' | 'registering' | 'registered' | 'done' | 'gave-up' = 'idle';
  /** Outcomes, for tests: every reply code it acted on, in order. */
  readonly codes: number[] = [];
  /** Its Diffie-Hellman exponents and public values (for a keys file's "dh" entries). */
  readonly dhSecrets: Array<{ cv: Uint8Array; x: bigint; spi: number }> = [];
  session: Session | undefined;
  private fa: ForeignAgentInfo | undefined;
  private pending: Pending | undefined;
  private renewTimer: Timer | undefined;
  private lifetime: number;
  private offsetMs = 0;
  private denials = 0;
  private deregisterWanted = false;
  private negotiationRounds = 0;

  constructor(readonly cfg: MobileNodeConfig, ctx: AgentContext) {
    super(cfg.name, cfg.ip, cfg.mac, 'mobile', ctx, cfg.faults, cfg.link);
    this.lifetime = cfg.lifetime;
    if (cfg.fa) this.fa = cfg.fa;
  }

  override start(): void {
    this.after(this.cfg.startAtS * 1000, () => this.attach());
    if (this.cfg.deregisterAtS !== undefined) this.after(this.cfg.deregisterAtS * 1000, () => this.wantDeregister());
  }

  override stop(): void {
    this.clock.cancel(this.renewTimer);
    this.clock.cancel(this.pending?.timer);
  }

  /** Moves to another link (a handoff): the old foreign agent's keys no longer apply. */
  moveTo(link: string): void {
    this.link = link;
    this.fa = undefined;
    this.clock.cancel(this.renewTimer);
    if (this.state === 'done') return;
    this.state = 'discovering';
    if (this.cfg.solicit !== false) this.solicit();
  }

  private attach(): void {
    if (this.cfg.attach === 'colocated' || this.fa) { this.register('fresh'); return; }
    this.state = 'discovering';
    if (this.cfg.solicit) this.solicit();
  }

  private solicit(tries = 0): void {
    if (this.net.live || this.state !== 'discovering') return;
    // RFC 5944 §2.2: a router solicitation with TTL 1, to the mobile agents group.
    this.send({ proto: 'icmp', payload: encodeAgentSolicitation(), srcIp: '0.0.0.0', dst: { ip: '224.0.0.11', port: 0 }, ttl: 1 });
    if (tries < 2) this.after(3000, () => this.solicit(tries + 1));
  }

  private wantDeregister(): void {
    this.deregisterWanted = true;
    if (this.state === 'registered') this.register('deregister');
  }

  private now(): number { return this.clock.now() + (this.cfg.clockSkewS ?? 0) * 1000 + this.offsetMs; }

  receive(d: Datagram): void {
    if (d.proto === 'icmp' && d.payload[0] === 8) { this.echo(d); return; }
    if (d.proto === 'icmp') { this.advertisement(d); return; }
    let m: Message;
    try { m = parseMessage(d.payload); } catch (e) { if (e instanceof WireError) { this.log(`drops a poorly formed message: ${e.message}`); return; } throw e; }
    if (m.type === MSG.reply) this.reply(m);
  }

  /** A ping to its home address, delivered by the foreign agent: the reply goes back through it. */
  private echo(d: Datagram): void {
    const reply = echoReply(d.payload);
    if (!reply || d.dst.ip !== this.cfg.homeAddr || !this.fa) return;
    this.send({ proto: 'icmp', payload: reply, srcIp: this.cfg.homeAddr, dst: { ip: d.src.ip, port: 0 }, nextHop: this.fa.mac });
  }

  private advertisement(d: Datagram): void {
    if (this.cfg.attach !== 'fa') return;
    const adv = parseAdvertisement(d.payload);
    if (!adv || !adv.coas.length || !(adv.flags & 0x1000)) return; // F: foreign agent service
    // Before it starts (not yet on this link) the MN hears nothing; once discovering, an
    // advertisement is its cue to register (RFC 5944 §3.6).
    if (this.state === 'idle') return;
    if (this.fa?.ip === d.src.ip) { this.fa.maxLifetime = adv.maxLifetime; if (this.state !== 'discovering') return; }
    this.fa = { ip: d.src.ip, mac: d.src.mac!, coa: ipString(adv.coas[0]!), maxLifetime: adv.maxLifetime, flags: adv.flags };
    if (this.state === 'discovering') this.register('fresh');
  }

  // ---- Requests ----

  private sessionUsable(kind: Kind): boolean {
    const s = this.session;
    if (!s) return false;
    if (this.cfg.attach === 'fa' && s.faIp !== undefined && s.faIp !== this.fa?.ip) return false;
    // Renewing under a key that runs out before the next renewal would leave the MN stranded:
    // register afresh under KEY0 to get new keys (WO 01/26322: SAs "renewed or reset").
    if (kind === 'renew' && !this.plans(FAULT.useExpiredSa)) {
      const margin = this.lifetime * 1000 + 5000;
      if (s.auth.expiresAt !== undefined && s.auth.expiresAt - this.clock.now() < margin) return false;
    }
    return !expired(s.auth, this.clock.now()) || this.plans(FAULT.useExpiredSa);
  }

  private register(kind: Kind, accepted?: ProposalSpec[]): void {
    if (this.state === 'done') return;
    // Without usable session keys a renewal becomes a fresh registration, and a deregistration
    // goes under KEY0 (the one SA the HA always knows).
    const usable = kind !== 'fresh' && this.sessionUsable(kind);
    if (kind === 'renew' && !usable) kind = 'fresh';
    const viaFa = this.cfg.attach === 'fa';
    if (viaFa && !this.fa) { this.state = 'discovering'; return; }
    const s = usable ? this.session : undefined;
    const key0 = this.cfg.key0;
    let auth = s?.auth ?? key0;
    const enc = s ? s.enc : key0;
    if (s && expired(s.auth, this.clock.now())) this.commit(FAULT.useExpiredSa);
    const lifetime = kind === 'deregister' ? 0 : this.lifetime;
    const ident = identification(this.now(), this.rng);
    const exts: ExtSpec[] = [];
    const clear = new Set<'ip' | 'nai' | 'l2'>();
    const identityClear = this.cfg.style === 'kx' && this.commit(FAULT.identityClear);
    if (identityClear) clear.add('nai');
    if (this.cfg.style === 'kx') exts.push(...identityExtensions({ homeAddr: this.cfg.homeAddr, nai: this.cfg.nai, l2: this.cfg.l2 }, enc, this.rng, clear));
    else exts.push(ext.nai(this.cfg.nai));
    if (this.cfg.style === 'kx' && this.commit(FAULT.lengthOverrun)) {
      // The GP-L2 extension claims 40 more bytes than the message holds.
      const l2 = exts[2] as { length?: number; data: Uint8Array };
      l2.length = l2.data.length + 40;
      exts.push(...exts.splice(2, 1));
    }
    // Offers go with fresh registrations only: renewals keep the agreed SAs.
    let offers: ProposalSpec[] = [];
    const dh = new Map<number, { group: DhGroup; x: bigint }>();
    const neg = this.cfg.negotiation;
    if (kind === 'fresh' && neg) {
      offers = accepted ?? neg.offers.map(o => offerSpec(o, this.dhPayloads(o, dh)));
      if (accepted) {
        for (const p of accepted) {
          const o = neg.offers.find(x => x.spi === p.spi);
          if (o?.dh) p.ke = this.dhPayloads({ ...o, transforms: p.transforms }, dh);
        }
      }
      const wire = this.commit(FAULT.proposalOrder) ? [...offers].reverse() : offers;
      exts.push(saPayload({ subtype: neg.sapSubtype, proposals: wire }));
    }
    if (s && this.commit(FAULT.wrongLearnedKey)) {
      // A corrupted copy of the learned key: the HA's check will fail.
      auth = { ...auth, key: auth.key.map((b, i) => (i === 0 ? b ^ 0xff : b)) };
    }
    const mnHa = ext.mnHa(auth.spi, auth.key, auth.auth ?? 'hmac-md5');
    exts.push(mnHa);
    if (s?.key3 && viaFa) exts.push(ext.mnFa(s.key3.spi, s.key3.key, s.key3.auth ?? 'hmac-md5'));
    let flags = (this.fa && this.fa.flags & 0x0100 ? 0x02 : 0) | (viaFa ? 0 : 0x20);
    if (this.commit(FAULT.reservedBits)) flags |= 0x01;
    const hidden = this.cfg.style === 'kx' && !identityClear;
    let payload = encodeRegistrationRequest({
      flags, lifetime, homeAddr: hidden ? '0.0.0.0' : this.cfg.homeAddr, haAddr: this.cfg.haAddr,
      coa: viaFa ? this.fa!.coa : this.cfg.ip, ident, exts,
    });
    if (this.commit(FAULT.corruptMnHa)) payload = this.corruptMnHa(payload);
    this.pending = { kind, ident, lifetime, auth, offers, dh, tries: 0, ...(accepted ? { accepted } : {}) };
    this.state = 'registering';
    this.transmit(payload);
  }

  /** KE payloads of a stateless offer: a fresh exponent per proposal (WO 01/26322 Fig. 29, eq. 1). */
  private dhPayloads(o: Offer, dh: Map<number, { group: DhGroup; x: bigint }>): KeSpec[] {
    if (!o.dh) return [];
    const g = o.dh;
    const pair = dhKeyPair(g, this.rng);
    dh.set(o.spi, { group: g, x: pair.x });
    this.dhSecrets.push({ cv: pair.cv, x: pair.x, spi: o.spi });
    const cv = this.commit(FAULT.dhOutOfRange) ? toBytes(g.p - 1n, g.size) : pair.cv;
    if (g.subtype === 4) {
      const gBytes = toBytes(g.g, Math.max(1, Math.ceil(g.g.toString(16).length / 2)));
      return [{ subtype: 4, p: toBytes(g.p, g.size), g: gBytes, cv }];
    }
    return [{ subtype: g.subtype, xfno: o.transforms[0]!.no, cv }];
  }

  private corruptMnHa(payload: Uint8Array): Uint8Array {
    const m = parseMessage(payload);
    const e = findExt(m, EXT.mnHa)!;
    const out = payload.slice();
    out[e.end - 1] ^= 0x01;
    return out;
  }

  private transmit(payload: Uint8Array): void {
    const p = this.pending!;
    const viaFa = this.cfg.attach === 'fa';
    const dst = viaFa ? { ip: this.fa!.ip, port: MIP_PORT, mac: this.fa!.mac } : { ip: this.cfg.haAddr, port: MIP_PORT };
    // E.11: behind a foreign agent the MN has no address it may show, so it sends from 0.0.0.0.
    // A plain RFC 5944 node shows its home address and sends from it (RFC 5944 §3.6.1.1).
    const srcIp = this.net.live ? this.ip : this.cfg.style === 'plain' ? this.cfg.homeAddr : viaFa ? '0.0.0.0' : this.ip;
    this.send({ proto: 'udp', payload, dst, srcIp });
    // RFC 5944 §3.6.3: retransmit with back-off until a reply comes.
    this.clock.cancel(p.timer);
    p.timer = this.after(this.clock.atLeastReal(1500 * 2 ** p.tries, 1000), () => this.retransmit(p));
  }

  private retransmit(p: Pending): void {
    if (this.pending !== p) return;
    if (p.tries >= 3) {
      this.pending = undefined;
      this.state = 'gave-up';
      this.log('no reply after 4 attempts; tries again in 60 s');
      this.after(60_000, () => { if (this.state === 'gave-up') this.register('fresh'); });
      return;
    }
    const tries = p.tries + 1;
    this.register(p.kind, p.accepted);
    if (this.pending) this.pending.tries = tries;
  }

  // ---- Replies ----

  private reply(m: Message): void {
    const p = this.pending;
    if (!p || (m.ident & LOW) !== (p.ident & LOW)) return; // not an answer to what is pending
    const mnHa = findExt(m, EXT.mnHa);
    const faCode = (m.code >= 64 && m.code <= 127) || m.code === 194;
    if (!mnHa && !faCode) { this.log('drops a reply without MN-HA authentication'); return; }
    if (mnHa) {
      // RFC 5944 §3.6.2.1: the reply is authenticated under the SA the request used.
      if (authSpi(mnHa) !== p.auth.spi || !verifyAuth(m, mnHa, this.cfg.key0.spi === p.auth.spi ? this.cfg.key0 : p.auth)) {
        this.log(`drops a reply whose MN-HA authentication does not verify`);
        return;
      }
    }
    // Keys for the mobile node come before the MN-HA authentication, encrypted under KEY0 (B.5).
    let key1: Sa | undefined, key3: Sa | undefined;
    try {
      for (const e of m.exts) {
        if (mnHa && e.offset >= mnHa.offset) break;
        if (e.type !== EXT.gpSa) continue;
        const g = parseGp(e);
        const info = parseSaInfo(openGp(m, g, this.cfg.key0));
        const sa: Sa = { spi: info.newSpi, key: info.key, auth: authById(info.authAlg), cipher: cipherById(info.cipherAlg), lifetime: info.lifetime };
        if (g.content === 2) key1 = sa; else if (g.content === 0) key3 = sa;
      }
    } catch (e) {
      this.log(`drops a reply whose keys do not decrypt: ${(e as Error).message}`);
      return;
    }
    const mnFa = findExt(m, EXT.mnFa);
    if (mnFa) {
      const k3 = key3 ?? this.session?.key3;
      if (!k3 || authSpi(mnFa) !== k3.spi || !verifyAuth(m, mnFa, k3)) {
        // WO 01/26322 Fig. 4d: the FA proves it holds the KEY3 the MN got; a mismatch means no trust.
        this.log('drops a reply whose MN-FA authentication does not verify under its KEY3');
        return;
      }
    }
    this.clock.cancel(p.timer);
    this.pending = undefined;
    this.codes.push(m.code);
    if (m.code === 0 || m.code === 1) this.accepted(m, p, key1, key3);
    else this.denied(m, p);
  }

  private accepted(m: Message, p: Pending, key1: Sa | undefined, key3: Sa | undefined): void {
    const now = this.clock.now();
    this.denials = 0;
    this.negotiationRounds = 0;
    if (p.kind === 'deregister') {
      this.session = undefined;
      this.state = 'done';
      this.clock.cancel(this.renewTimer);
      this.log('deregistered');
      return;
    }
    const key0 = this.cfg.key0;
    if (p.kind === 'fresh') {
      let auth = key0, enc = key0;
      if (key1) { started(key1, now); auth = key1; if (key1.cipher) enc = key1; }
      if (p.offers.length) {
        const got = this.negotiated(m, p);
        if (got.auth) auth = got.auth;
        if (got.enc) enc = got.enc;
      }
      this.session = { auth, enc, ...(key3 ? { key3: started(key3, now) } : {}), ...(this.cfg.attach === 'fa' && this.fa ? { faIp: this.fa.ip } : {}) };
    }
    this.state = 'registered';
    const granted = Math.min(m.lifetime, p.lifetime);
    if (this.deregisterWanted) { this.register('deregister'); return; }
    this.clock.cancel(this.renewTimer);
    this.renewTimer = this.after(granted * 1000 * (this.cfg.reregisterFraction ?? 0.75), () => this.register('renew'));
  }

  /** The SAs an accepting reply's SA payload agrees on (E.3, E.4; B.4 for the keys). */
  private negotiated(m: Message, p: Pending): { auth?: Sa; enc?: Sa } {
    const sap = m.exts.find(e => e.type === EXT.sa);
    if (!sap) { this.log('the reply accepts without answering the offer; keeps KEY0'); return {}; }
    const resp = parseSaPayload(sap);
    const problem = checkAnswer(p.offers, resp);
    if (problem) { this.log(`rejects the HA's choice: ${problem}; keeps KEY0`); return {}; }
    const out: { auth?: Sa; enc?: Sa } = {};
    for (const r of resp) {
      const t = r.transforms[0]!;
      const keyLen = negotiatedKeyLen(r.protoId, t.id, attr(t, ATTR.keyLength));
      const ke = r.ke[0];
      let key: Uint8Array | undefined;
      if (ke?.subtype === 5) key = openKe(ke, this.cfg.key0);
      else if (ke?.subtype === 6) {
        // Semi-stateful (E.5): NAI_r is the reply's GP-NAI content 2, IP_r its Home Agent field.
        const naiR = m.exts.filter(e => e.type === EXT.gpNai).map(parseGp).find(g => g.content === 2 && !g.encrypted);
        if (!naiR) { this.log('seed without the HA NAI: cannot derive'); continue; }
        key = seedKey(openKe(ke, this.cfg.key0), this.cfg.nai, new TextDecoder().decode(naiR.info), m.haAddr, ipNumber(this.cfg.homeAddr), keyLen, attr(t, ATTR.prf) ?? 3);
      } else if (ke && (ke.subtype === 1 || ke.subtype === 2 || ke.subtype === 4) && ke.cv) {
        const mine = p.dh.get(r.spi);
        if (mine) key = dhSaKey(mine.group, mine.x, ke.cv, r.spi, keyLen);
      }
      if (!key) { this.log(`no key for proposal SPI 0x${r.spi.toString(16)}`); continue; }
      const sa = started({ spi: r.spi, key, auth: r.protoId === 1 ? authById(t.id) : null, cipher: r.protoId === 2 ? cipherById(t.id) : null, lifetime: attr(t, ATTR.lifetime) ?? r.lifetime }, this.clock.now());
      if (r.protoId === 1) out.auth = sa; else out.enc = sa;
    }
    return out;
  }

  private denied(m: Message, p: Pending): void {
    this.state = 'registered';
    this.denials++;
    const retry = (kind: Kind, accepted?: ProposalSpec[]) => {
      if (this.denials > 4) { this.state = 'gave-up'; this.log(`gives up after ${this.denials} denials`); return; }
      this.register(kind, accepted);
    };
    switch (m.code) {
      case 133: {
        // RFC 5944 §5.7.1: the HA put its own time in the high 32 bits; adopt its clock.
        const haSec = identSeconds(m.ident) - NTP_UNIX_OFFSET;
        this.offsetMs += haSec * 1000 - Math.floor(this.now() / 1000) * 1000;
        this.log(`resynchronises its identification clock by ${(this.offsetMs / 1000).toFixed(0)} s`);
        retry(p.kind === 'deregister' ? 'deregister' : 'fresh');
        return;
      }
      case 69: // lifetime too long: the FA's maximum is in the reply (and its advertisement).
        this.lifetime = Math.min(this.lifetime, m.lifetime || this.fa?.maxLifetime || this.lifetime);
        retry(p.kind === 'renew' ? 'renew' : 'fresh');
        return;
      case 70: case 131:
        if (p.kind !== 'fresh') this.session = undefined; // keys out of step: start over under KEY0
        retry('fresh');
        return;
      case 129: {
        const sap = m.exts.find(e => e.type === EXT.sa);
        const neg = this.cfg.negotiation;
        if (sap && neg && this.negotiationRounds < 3) {
          this.negotiationRounds++;
          const counter = parseSaPayload(sap);
          if (this.plans(FAULT.stubborn)) { this.commit(FAULT.stubborn); retry('fresh'); return; }
          const acc = acceptCounter(counter, neg.accept ?? { auth: [], cipher: [] });
          if (acc) { this.log('takes the counter-proposal'); retry('fresh', acc); return; }
        }
        this.state = 'gave-up';
        this.log('registration refused (129)');
        return;
      }
      default:
        this.state = 'gave-up';
        this.log(`registration denied with code ${m.code}`);
    }
  }
}
