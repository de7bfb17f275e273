// The foreign and home AAA servers of the AAA variant (WO 01/26322 Figs. 12-15; docs/protocol.md §E.10). Each is
// a relay: it checks the previous hop's FA-HA authentication, removes it, appends its own under
// the SA it shares with the next hop, and remembers where to send the reply. Replies come back
// the same way; the FA-only GP-SA extensions stay (only the foreign agent strips them). Neither
// server can read the mobile node's identity: it is encrypted under KEY0 (WO 01/26322 Fig. 14c).
import { encodeWithExtensions, ext } from '../../dissector/mip/encode.js';
import { Agent, MIP_PORT } from './agent.js';
import type { AgentContext, Datagram, Endpoint, FaultPlan, Site } from './agent.js';
import { travelling } from './faults.js';
import type { Sa } from './keys.js';
import { EXT, MSG, WireError, authSpi, ipString, parseMessage, verifyAuth } from './wire.js';
import type { Message } from './wire.js';

export interface AaaConfig {
  name: string;
  ip: string;
  mac: string;
  site: Site;
  /** SAs with the hops it hears requests from (the FA, or the foreign AAA server). */
  downstream: Sa[];
  /** The next hop toward a home agent, and the SA shared with it. */
  upstream: (haIp: string) => { ip: string; sa: Sa } | undefined;
  faults?: FaultPlan;
}

const LOW = 0xffffffffn;

export class AaaServer extends Agent {
  private readonly pending = new Map<string, { peer: Endpoint; sa: Sa; upstream: Sa }>();

  constructor(readonly cfg: AaaConfig, ctx: AgentContext) {
    super(cfg.name, cfg.ip, cfg.mac, cfg.site, ctx, cfg.faults);
  }

  receive(d: Datagram): void {
    let m: Message;
    try { m = parseMessage(d.payload); } catch (e) { if (e instanceof WireError) return; throw e; }
    if (m.type === MSG.request) this.request(m, d);
    else if (m.type === MSG.reply) this.reply(m, d);
  }

  /** The FA-HA authentication of a hop: it is the last extension (RFC 5944 §3.5.4). */
  private lastAuth(m: Message) {
    const e = m.exts[m.exts.length - 1];
    return e && e.type === EXT.faHa ? e : undefined;
  }

  private request(m: Message, d: Datagram): void {
    const a = this.lastAuth(m);
    const sa = a && this.cfg.downstream.find(s => s.spi === authSpi(a));
    if (!a || !sa || !verifyAuth(m, a, sa)) { this.log('discards a request whose hop authentication fails'); return; }
    const haIp = ipString(m.haAddr);
    const next = this.cfg.upstream(haIp);
    if (!next) { this.log(`no route toward home agent ${haIp}`); return; }
    this.pending.set(`${haIp}:${m.ident & LOW}`, { peer: d.src, sa, upstream: next.sa });
    const body = m.bytes.slice(0, a.offset);
    const payload = encodeWithExtensions(body, [ext.faHa(next.sa.spi, next.sa.key, next.sa.auth ?? 'hmac-md5')]);
    this.send({ proto: 'udp', payload, dst: { ip: next.ip, port: MIP_PORT } }, travelling(d.faults));
  }

  private reply(m: Message, d: Datagram): void {
    const key = `${ipString(m.haAddr)}:${m.ident & LOW}`;
    const p = this.pending.get(key);
    if (!p) return;
    const a = this.lastAuth(m);
    if (!a || authSpi(a) !== p.upstream.spi || !verifyAuth(m, a, p.upstream)) { this.log('discards a reply whose hop authentication fails'); return; }
    this.pending.delete(key);
    const payload = encodeWithExtensions(m.bytes.slice(0, a.offset), [ext.faHa(p.sa.spi, p.sa.key, p.sa.auth ?? 'hmac-md5')]);
    // Everything else is kept: the FA-only keys are for the foreign agent to take (E.10).
    this.send({ proto: 'udp', payload, dst: { ip: p.peer.ip, port: p.peer.port } }, d.faults.slice());
  }
}
