// The live network: one UDP socket per agent on its own loopback address (127.0.0.x), all on the
// Mobile IP port, so a live capture on `lo` sees real traffic. Differences from in-process runs,
// forced by sockets on loopback: there is no ICMP (agent advertisements need raw sockets, so a
// mobile node is told its foreign agent), the mobile node sends from its own 127.0.0.x instead
// of 0.0.0.0, and the foreign agent answers it there instead of at 255.255.255.255 (E.11).
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { MIP_PORT } from './agent.js';
import type { Agent, Network, Outgoing } from './agent.js';

export interface LiveRecord { ms: number; from: string; to: string; srcIp: string; dstIp: string; payload: Uint8Array }

const LOOPBACK = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

export class UdpNetwork implements Network {
  readonly live = true;
  readonly sent: LiveRecord[] = [];
  private readonly sockets = new Map<string, Socket>();
  private readonly byMac = new Map<string, Agent>();
  private readonly byIp = new Map<string, Agent>();
  private readonly ready: Promise<void>[] = [];
  private closed = false;

  constructor(readonly port: number) {}

  attach(agent: Agent): void {
    if (!LOOPBACK.test(agent.ip)) throw new Error(`live agents stay on loopback: ${agent.name} has ${agent.ip}`);
    const s = createSocket({ type: 'udp4', reuseAddr: false });
    this.sockets.set(agent.name, s);
    this.byMac.set(agent.mac, agent);
    this.byIp.set(agent.ip, agent);
    s.on('message', (payload, rinfo) => {
      if (this.closed) return;
      agent.receive({ proto: 'udp', payload: new Uint8Array(payload), src: { ip: rinfo.address, port: rinfo.port }, dst: { ip: agent.ip, port: this.port }, faults: [] });
    });
    this.ready.push(new Promise((resolve, reject) => {
      s.once('error', reject);
      s.bind(this.port, agent.ip, () => { s.off('error', reject); resolve(); });
    }));
  }

  /** Resolves once every socket is bound. */
  async up(): Promise<void> { await Promise.all(this.ready); }

  transmit(from: Agent, o: Outgoing): void {
    if (this.closed || o.proto !== 'udp') return; // no ICMP on UDP sockets
    let dstIp = o.dst.ip;
    // "255.255.255.255 to its MAC" becomes the mobile node's own loopback address.
    if (dstIp === '255.255.255.255' && o.dst.mac) dstIp = this.byMac.get(o.dst.mac)?.ip ?? dstIp;
    if (!LOOPBACK.test(dstIp)) throw new Error(`live run refuses to send to ${dstIp}: only 127.0.0.0/8`);
    const s = this.sockets.get(from.name);
    if (!s) throw new Error(`${from.name} is not attached`);
    // Agents address the Mobile IP port; here it is whatever port the run uses.
    const port = o.dst.port === MIP_PORT ? this.port : o.dst.port;
    this.sent.push({ ms: Date.now(), from: from.name, to: this.byIp.get(dstIp)?.name ?? dstIp, srcIp: from.ip, dstIp, payload: o.payload });
    s.send(o.payload, port, dstIp);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.sockets.values()].map(s => new Promise<void>(r => s.close(() => r()))));
    this.sockets.clear();
  }
}
