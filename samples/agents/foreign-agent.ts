// The foreign agent (WO 01/26322 Figs. 2, 4b, 4d; RFC 5944 §3.7). It advertises itself (and answers
// solicitations), relays a mobile node's request unchanged up to and including the MN-HA
// authentication, dropping what followed and appending FA-HA authentication when it shares a key
// with the next hop (B.5), checks MN-FA when the mobile node sends one, denies what it must
// (69 lifetime too long, 70 poorly formed, 67 MN-FA failed), and on the way back takes KEY2 and
// KEY3 from the home agent's reply, removes everything after the MN-HA authentication and
// relays it with MN-FA authentication under KEY3's NewSPI (Fig. 4d). It can also negotiate a
// new FA-HA SA with the home agent (SA payload sub-type 3) and acknowledges revocations
// (RFC 3543).
import { encodeAgentAdvertisement } from '../../dissector/build.js';
import { saPayload } from '../../dissector/kx/encode.js';
import { encodeRegistrationReply, encodeRevocationAck, encodeWithExtensions, ext } from '../../dissector/mip/encode.js';
import type { ExtSpec } from '../../dissector/mip/encode.js';
import { Agent, MIP_PORT } from './agent.js';
import type { AgentContext, Datagram, Endpoint, FaultPlan } from './agent.js';
import { FAULT, travelling } from './faults.js';
import { SaStore, authById, cipherById, started } from './keys.js';
import type { Sa } from './keys.js';
import { ATTR, SAP, checkAnswer, offerSpec } from './negotiation.js';
import type { Offer } from './negotiation.js';
import type { ProposalSpec } from '../../dissector/kx/encode.js';
import { negotiatedKeyLen } from './crypto.js';
import { forwarded, parseInner } from './datapath.js';
import { EXT, MSG, WireError, attr, authSpi, findExt, ipString, parseGp, parseMessage, parseSaInfo, parseSaPayload, u32, upTo, verifyAuth } from './wire.js';
import type { Extension, Message } from './wire.js';

export interface ForeignAgentConfig {
  name: string;
  /** Its address, which is also the care-of address it advertises. */
  ip: string;
  mac: string;
  nai: string;
  link: string;
  maxLifetime: number;
  /** Seconds between unsolicited advertisements (0: only when solicited). */
  advertiseEveryS: number;
  /** Reverse tunnelling offered (the T flag, RFC 3024). */
  reverseTunnel?: boolean;
  /** SAs it shares with home agents (FA-HA), by the home agent's address. */
  homeAgents: Array<{ ip: string; sa: Sa }>;
  /** AAA variant (WO 01/26322 Figs. 12-15): requests go to the foreign AAA server, under this SA. */
  aaa?: { ip: string; sa: Sa };
  /** Adds the revocation support extension (RFC 3543 §3.2) to relayed requests. */
  revocation?: boolean;
  /** Proposes a new FA-HA SA to this home agent the next time it relays to it (SA sub-type 3). */
  negotiateFaHa?: { haIp: string; offer: Offer };
  faults?: FaultPlan;
}

interface PendingRequest {
  /** Where the mobile node is: 0.0.0.0 plus its MAC in-process (E.11). */
  peer: Endpoint;
  /** The SA of the FA-HA authentication it appended (the reply must use the same). */
  hopSa?: Sa;
  visitor?: Visitor;
  requested: number;
  offered?: ProposalSpec[];
}

interface Visitor { peer: Endpoint; haIp: string; key2?: Sa; key3: Sa }

const LOW = 0xffffffffn;

export class ForeignAgent extends Agent {
  private seq = 0;
  private readonly store = new SaStore();
  private readonly hopSas = new Map<string, Sa>();
  private readonly pending = new Map<string, PendingRequest>();
  /** Visitors by the SPI of their KEY3 (the MN-FA authentication names it). */
  readonly visitors = new Map<number, Visitor>();
  private negotiated = false;

  constructor(readonly cfg: ForeignAgentConfig, ctx: AgentContext) {
    super(cfg.name, cfg.ip, cfg.mac, 'visited', ctx, cfg.faults, cfg.link);
    for (const h of cfg.homeAgents) { this.hopSas.set(h.ip, h.sa); this.store.add(h.sa); }
    if (cfg.aaa) this.store.add(cfg.aaa.sa);
  }

  override start(): void {
    if (this.cfg.advertiseEveryS > 0) this.advertiseLoop();
  }

  private timer: ReturnType<Agent['clock']['setTimer']> | undefined;
  override stop(): void { this.clock.cancel(this.timer); }

  private advertiseLoop(): void {
    this.advertise();
    this.timer = this.after(this.cfg.advertiseEveryS * 1000, () => this.advertiseLoop());
  }

  /** RFC 5944 §2.1: router advertisement + mobility agent extension (R, F, T) + prefix lengths. */
  private advertise(): void {
    const flags = 0x8000 | 0x1000 | (this.cfg.reverseTunnel ? 0x0100 : 0);
    const payload = encodeAgentAdvertisement({
      routers: [{ addr: this.ip, pref: 0 }], lifetime: Math.max(3 * this.cfg.advertiseEveryS, 1800),
      seq: this.seq, regLifetime: this.cfg.maxLifetime, flags, coas: [this.ip], prefixLengths: [24],
    });
    // After 0xffff the sequence goes on at 256 (0-255 only after a reboot, RFC 5944 §2.1.1).
    this.seq = this.seq === 0xffff ? 256 : this.seq + 1;
    this.send({ proto: 'icmp', payload, dst: { ip: '224.0.0.1', port: 0 }, ttl: 1 });
  }

  /** Visitors by home address (where the reply showed it), for the data path. */
  private readonly homes = new Map<string, { peer: Endpoint; haIp: string }>();

  receive(d: Datagram): void {
    if (d.proto === 'ipip') { this.decapsulate(d); return; }
    if (d.proto === 'icmp') {
      if (d.payload[0] === 10) this.advertise(); // a solicitation
      else if (d.payload[0] === 0 && this.cfg.reverseTunnel) this.reverseTunnel(d);
      return;
    }
    const type = d.payload[0];
    if (type === MSG.request) this.request(d);
    else if (type === MSG.reply) this.reply(d);
    else if (type === MSG.revocation) this.revocation(d);
  }

  /** A datagram tunnelled to its care-of address: delivered on the link to the visitor (RFC 5944 §4.2.2). */
  private decapsulate(d: Datagram): void {
    const inner = parseInner(d.payload);
    const v = inner && this.homes.get(inner.dst);
    if (!inner || !v || inner.proto !== 1) return;
    this.send({ proto: 'icmp', payload: inner.payload, srcIp: inner.src, dst: { ip: inner.dst, port: 0, mac: v.peer.mac! }, ttl: 63 });
  }

  /** A visitor's datagram back to its home agent through the reverse tunnel (RFC 3024 §5.2). */
  private reverseTunnel(d: Datagram): void {
    const v = this.homes.get(d.src.ip);
    if (v) this.send({ proto: 'ipip', payload: forwarded({ src: d.src.ip, dst: d.dst.ip, proto: 1, payload: d.payload }), dst: { ip: v.haIp, port: 0 } });
  }

  /** Where the mobile node is answered: its MAC at 255.255.255.255 when it has no address (E.11). */
  private answerTo(peer: Endpoint): Endpoint {
    return peer.ip === '0.0.0.0' ? { ip: '255.255.255.255', port: peer.port, mac: peer.mac! } : peer;
  }

  private deny(d: Datagram, code: number, lifetime: number, visitor?: Visitor): void {
    const b = d.payload;
    if (b.length < 24) return; // nothing to answer with
    const exts: ExtSpec[] = visitor ? [ext.mnFa(visitor.key3.spi, visitor.key3.key, visitor.key3.auth ?? 'hmac-md5')] : [];
    const payload = encodeRegistrationReply({ code, lifetime, homeAddr: u32(b, 4), haAddr: u32(b, 8), ident: (BigInt(u32(b, 16)) << 32n) | BigInt(u32(b, 20)), exts });
    this.send({ proto: 'udp', payload, dst: this.answerTo(d.src) });
  }

  // ---- Requests from mobile nodes ----

  private request(d: Datagram): void {
    let m: Message;
    try { m = parseMessage(d.payload); } catch (e) {
      if (!(e instanceof WireError)) throw e;
      this.log(`denies a poorly formed request (70): ${e.message}`);
      this.deny(d, 70, 0);
      return;
    }
    const mnHa = findExt(m, EXT.mnHa);
    if (!mnHa) { this.deny(d, 70, 0); return; } // nothing to relay up to
    const mnFa = m.exts.find(e => e.type === EXT.mnFa && e.offset > mnHa.offset);
    let visitor: Visitor | undefined;
    if (mnFa) {
      visitor = this.visitors.get(authSpi(mnFa));
      const sa = visitor?.key3;
      if (!sa || !verifyAuth(m, mnFa, sa)) { this.log('MN-FA authentication fails: denies 67'); this.deny(d, 67, 0); return; }
    }
    if (m.lifetime > this.cfg.maxLifetime) {
      this.log(`lifetime ${m.lifetime} s exceeds its ${this.cfg.maxLifetime} s: denies 69`);
      this.deny(d, 69, this.cfg.maxLifetime, visitor);
      return;
    }
    const haIp = ipString(m.haAddr);
    // The next hop: the home agent directly when this MN's KEY2 secures that path, or the
    // foreign AAA server in the AAA variant, or the home agent under a pre-shared FA-HA SA.
    let hopSa: Sa | undefined, dst: string;
    if (visitor?.key2 && visitor.haIp === haIp) { hopSa = visitor.key2; dst = haIp; }
    else if (this.cfg.aaa) { hopSa = this.cfg.aaa.sa; dst = this.cfg.aaa.ip; }
    else { hopSa = this.hopSas.get(haIp); dst = haIp; }
    const exts: ExtSpec[] = [];
    if (this.cfg.revocation) exts.push(ext.revocationSupport(false, Math.floor(this.clock.now() / 1000) >>> 0));
    let offered: ProposalSpec[] | undefined;
    const neg = this.cfg.negotiateFaHa;
    if (neg && !this.negotiated && neg.haIp === haIp && dst === haIp) {
      offered = [offerSpec(neg.offer)];
      exts.push(saPayload({ subtype: SAP.faHa, proposals: offered }));
    }
    if (hopSa) exts.push(ext.faHa(hopSa.spi, hopSa.key, hopSa.auth ?? 'hmac-md5'));
    const payload = encodeWithExtensions(upTo(m, mnHa), exts);
    this.pending.set(`${haIp}:${m.ident & LOW}`, { peer: d.src, requested: m.lifetime, ...(hopSa ? { hopSa } : {}), ...(visitor ? { visitor } : {}), ...(offered ? { offered } : {}) });
    this.send({ proto: 'udp', payload, dst: { ip: dst, port: MIP_PORT } }, travelling(d.faults));
  }

  // ---- Replies from the home agent (or the foreign AAA server) ----

  private reply(d: Datagram): void {
    let m: Message;
    try { m = parseMessage(d.payload); } catch (e) { if (e instanceof WireError) { this.log(`drops a poorly formed reply: ${e.message}`); return; } throw e; }
    const key = `${ipString(m.haAddr)}:${m.ident & LOW}`;
    const p = this.pending.get(key);
    if (!p) { this.log('drops a reply that answers no pending request'); return; }
    const faHa = findExt(m, EXT.faHa);
    if (p.hopSa) {
      // RFC 5944 §3.7.3.1: a reply from an agent the FA shares an SA with must be authenticated.
      if (!faHa || authSpi(faHa) !== p.hopSa.spi || !verifyAuth(m, faHa, p.hopSa)) { this.log('drops a reply whose FA-HA authentication fails'); return; }
    }
    this.pending.delete(key);
    const mnHa = findExt(m, EXT.mnHa);
    const cut = mnHa ?? undefined;
    // B.5: the FA-only part follows the MN-HA authentication: KEY2 and KEY3 in clear.
    let key2: Sa | undefined, key3: Sa | undefined;
    for (const e of m.exts) {
      if (!cut || e.offset < cut.end) continue;
      if (e.type === EXT.gpSa) {
        const g = parseGp(e);
        if (g.encrypted) continue;
        const info = parseSaInfo(g.info);
        const sa = started({ spi: info.newSpi, key: info.key, auth: authById(info.authAlg), cipher: cipherById(info.cipherAlg), lifetime: info.lifetime, peer: ipString(m.haAddr) }, this.clock.now());
        if (g.content === 1) key2 = sa; else if (g.content === 0) key3 = sa;
      } else if (e.type === EXT.sa && e.subtype === SAP.faHa && p.offered) this.faHaAnswer(m, e, p.offered, d.src.ip);
    }
    const accepted = m.code === 0 || m.code === 1;
    // The MN-FA authentication of the relayed reply: under the KEY3 the reply brings, else the
    // visitor's current one (a renewal, a deregistration, or a denial of either).
    const k3 = key3 ?? p.visitor?.key3;
    if (accepted && m.homeAddr !== 0) {
      if (m.lifetime === 0) this.homes.delete(ipString(m.homeAddr));
      else if (p.peer.mac !== undefined) this.homes.set(ipString(m.homeAddr), { peer: p.peer, haIp: ipString(m.haAddr) });
    }
    if (accepted && m.lifetime === 0 && p.visitor) this.visitors.delete(p.visitor.key3.spi);
    else if (accepted && key3) {
      for (const [spi, v] of this.visitors) if (samePeer(v.peer, p.peer)) this.visitors.delete(spi);
      this.visitors.set(key3.spi, { peer: p.peer, haIp: ipString(m.haAddr), key3, ...(key2 ? { key2 } : {}) });
      this.store.add(key3);
      if (key2) this.store.add(key2);
    }
    let body: Uint8Array;
    if (cut) {
      if (this.commit(FAULT.noStrip)) {
        // Keeps the plaintext keys (but not the FA-HA authentication meant for itself).
        body = m.bytes.slice(0, faHa ? faHa.offset : m.bytes.length);
      } else body = upTo(m, cut);
    } else body = m.bytes.slice(0, 20);
    const exts: ExtSpec[] = k3 ? [ext.mnFa(k3.spi, k3.key, k3.auth ?? 'hmac-md5')] : [];
    const payload = encodeWithExtensions(body, exts);
    this.send({ proto: 'udp', payload, dst: this.answerTo(p.peer) }, travelling(d.faults));
  }

  /** The home agent's answer to the FA-HA negotiation: a new SA with a key over the secured path (KE 3). */
  private faHaAnswer(m: Message, e: Extension, offered: ProposalSpec[], from: string): void {
    const resp = parseSaPayload(e);
    const problem = checkAnswer(offered, resp);
    if (problem) { this.log(`rejects the FA-HA answer: ${problem}`); return; }
    const r = resp[0]!, t = r.transforms[0]!, ke = r.ke.find(k => k.subtype === 3);
    if (!ke?.key) return;
    const keyLen = negotiatedKeyLen(r.protoId, t.id, attr(t, ATTR.keyLength));
    if (ke.key.length !== keyLen) return;
    const sa = started({ spi: r.spi, key: ke.key, auth: authById(t.id), cipher: null, lifetime: attr(t, ATTR.lifetime) ?? r.lifetime, peer: ipString(m.haAddr) }, this.clock.now());
    this.hopSas.set(from, sa);
    this.store.add(sa);
    this.negotiated = true;
  }

  // ---- Revocation (RFC 3543) ----

  /** The home agent revokes a binding: check its FA-HA authentication and acknowledge. */
  private revocation(d: Datagram): void {
    let m: Message;
    try { m = parseMessage(d.payload); } catch (e) { if (e instanceof WireError) return; throw e; }
    const sa = this.hopSas.get(ipString(m.haAddr));
    const faHa = findExt(m, EXT.faHa);
    if (!sa || !faHa || authSpi(faHa) !== sa.spi || !verifyAuth(m, faHa, sa)) { this.log('drops a revocation it cannot authenticate'); return; }
    const payload = encodeRevocationAck({ i: (m.flags & 0x4000) !== 0, homeAddr: m.homeAddr, revocationId: m.revocationId, exts: [ext.faHa(sa.spi, sa.key, sa.auth ?? 'hmac-md5')] });
    this.send({ proto: 'udp', payload, dst: { ip: d.src.ip, port: d.src.port } });
  }
}

function samePeer(a: Endpoint, b: Endpoint): boolean { return a.ip === b.ip && a.port === b.port && a.mac === b.mac; }
