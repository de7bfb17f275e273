// The data path of Mobile IP in the in-process network (RFC 5944 §4): a correspondent node
// pinging a mobile node's home address, IP-in-IP (RFC 2003) datagrams, and their inner IPv4
// header. The home agent tunnels to the care-of address, the foreign agent decapsulates and
// delivers on its link, and the replies come back through the reverse tunnel (RFC 3024).
import { encodeIcmpEcho, encodeIpv4 } from '../../dissector/build.js';
import { Agent } from './agent.js';
import type { AgentContext, Datagram } from './agent.js';
import { ipString, u32 } from './wire.js';

/** An inner IPv4 datagram: its addresses, protocol and payload (or undefined if it is not one). */
export interface Inner { src: string; dst: string; proto: number; payload: Uint8Array }

export function parseInner(b: Uint8Array): Inner | undefined {
  if (b.length < 20 || b[0]! >> 4 !== 4) return undefined;
  const hl = (b[0]! & 15) * 4, total = (b[2]! << 8) | b[3]!;
  if (hl < 20 || total < hl || total > b.length) return undefined;
  return { src: ipString(u32(b, 12)), dst: ipString(u32(b, 16)), proto: b[9]!, payload: b.slice(hl, total) };
}

/** The datagram as forwarded one hop on (TTL one less than the sender's 64). */
export const forwarded = (i: Inner, ttl = 63): Uint8Array => encodeIpv4({ src: i.src, dst: i.dst, proto: i.proto, payload: i.payload, id: 0, ttl });

/** An ICMP echo request (type 8): the reply it calls for, same id, sequence and data. */
export function echoReply(icmp: Uint8Array): Uint8Array | undefined {
  if (icmp.length < 8 || icmp[0] !== 8) return undefined;
  return encodeIcmpEcho({ reply: true, id: (icmp[4]! << 8) | icmp[5]!, seq: (icmp[6]! << 8) | icmp[7]!, data: icmp.slice(8) });
}

export interface CorrespondentConfig {
  name: string; ip: string; mac: string;
  /** The router towards the home network: the home agent's MAC. */
  gatewayMac: string;
  /** Pings: to this home address, at these seconds, with this many data bytes. */
  pings: Array<{ to: string; atS: number; size: number }>;
}

/** A correspondent node on the Internet: pings home addresses, notes the replies. */
export class CorrespondentNode extends Agent {
  constructor(readonly cfg: CorrespondentConfig, ctx: AgentContext) { super(cfg.name, cfg.ip, cfg.mac, 'home', ctx); }

  override start(): void {
    this.cfg.pings.forEach((p, k) => this.after(p.atS * 1000, () => {
      const payload = encodeIcmpEcho({ id: 0x4d49, seq: k + 1, data: this.rng.bytes(p.size) });
      this.send({ proto: 'icmp', payload, dst: { ip: p.to, port: 0 }, nextHop: this.cfg.gatewayMac });
    }));
  }

  receive(d: Datagram): void {
    if (d.proto === 'icmp' && d.payload[0] === 0) this.log(`echo reply from ${d.src.ip}`);
  }
}
