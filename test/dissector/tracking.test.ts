// Request↔reply matching and the hops of one registration (dissector/mip/tracking.ts).
import { describe, expect, it } from 'vitest';
import type { FrameLike } from '../../capture/write.js';
import { udpFrame } from '../../dissector/build.js';
import { dissectFrame, Session } from '../../dissector/index.js';
import type { Packet } from '../../dissector/index.js';
import { encodeRegistrationReply, encodeRegistrationRequest, encodeRevocation, encodeRevocationAck, encodeWithExtensions, ext } from '../../dissector/mip/encode.js';
import { toFrames, values } from '../helpers.js';
import { aaaFlow, statefulFlow } from '../kx/flows.js';

/** Two passes, as `-2` and the TUI see the capture. */
function twoPass(frames: readonly FrameLike[]): { packets: Packet[]; session: Session } {
  const session = new Session();
  const fs = toFrames(frames);
  for (const f of fs) dissectFrame(f, session);
  return { packets: fs.map(f => dissectFrame(f, session)), session };
}

function links(pkt: Packet): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of ['mip.response_in', 'mip.response_to', 'mip.transaction', 'mip.hop', 'mip.hop.prev', 'mip.hop.next', 'mip.retransmission_of']) {
    const v = values(pkt, f);
    if (v.length) out[f.replace(/^mip\./, '')] = v.join(',');
  }
  return out;
}

let clock = 0;
function at(src: string, dst: string, payload: Uint8Array, sport = 434, dport = 434): FrameLike {
  clock += 250;
  return { ...udpFrame({ src, dst, sport, dport, payload }), tsSec: 1_700_000_000 + Math.floor(clock / 1000), tsNsec: (clock % 1000) * 1_000_000 };
}
const MN = '10.1.0.5', FA = '192.0.2.1', HA = '10.1.0.1';
const KEY = new Uint8Array(16).fill(7);
const req = (ident: bigint, exts = [ext.mnHa(0x100, KEY)]) => encodeRegistrationRequest({ lifetime: 60, homeAddr: MN, haAddr: HA, coa: FA, ident, exts });
const rep = (ident: bigint, code = 0) => encodeRegistrationReply({ code, lifetime: 60, homeAddr: MN, haAddr: HA, ident, exts: [ext.mnHa(0x100, KEY)] });

describe('request↔reply matching and registration hops', () => {
  it('the stateful flow: MN→FA→HA, HA↔KDC, and back', () => {
    const flow = statefulFlow();
    const { packets } = twoPass(flow.frames);
    const a = flow.at, p = (r: string) => links(packets[a[r]! - 1]!);
    const s = (n: number | undefined) => String(n);
    expect(p('mnReq')).toEqual({ response_in: s(a.faRep), transaction: s(a.mnReq), hop: '1', 'hop.next': s(a.faReq) });
    expect(p('faReq')).toEqual({ response_in: s(a.haRep), transaction: s(a.mnReq), hop: '2', 'hop.prev': s(a.mnReq), 'hop.next': s(a.haRep) });
    expect(p('keyReq')).toEqual({ response_in: s(a.keyRep), transaction: s(a.keyReq), hop: '1', 'hop.next': s(a.keyRep) });
    expect(p('keyRep')).toEqual({ response_to: s(a.keyReq), transaction: s(a.keyReq), hop: '2', 'hop.prev': s(a.keyReq) });
    expect(p('haRep')).toEqual({ response_to: s(a.faReq), transaction: s(a.mnReq), hop: '3', 'hop.prev': s(a.faReq), 'hop.next': s(a.faRep) });
    // The FA answers the MN (who sent from 0.0.0.0) by broadcast: matched by the FA's address.
    expect(p('faRep')).toEqual({ response_to: s(a.mnReq), transaction: s(a.mnReq), hop: '4', 'hop.prev': s(a.haRep) });
    // The response time: 5 frames 15 ms apart.
    expect(values(packets[a.faRep! - 1]!, 'mip.time')).toEqual(['0.075000000']);
  });

  it('the AAA-relayed flow: eight hops', () => {
    const flow = aaaFlow();
    const { packets } = twoPass(flow.frames);
    const roles = ['mnReq', 'faReq', 'aaafReq', 'aaahReq', 'haRep', 'aaahRep', 'aaafRep', 'faRep'];
    expect(roles.map(r => values(packets[flow.at[r]! - 1]!, 'mip.hop')[0])).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
    expect(roles.map(r => values(packets[flow.at[r]! - 1]!, 'mip.transaction')[0])).toEqual(roles.map(() => String(flow.at.mnReq)));
    // Each reply answers the request of its own hop.
    expect(['haRep', 'aaahRep', 'aaafRep', 'faRep'].map(r => values(packets[flow.at[r]! - 1]!, 'mip.response_to')[0])).toEqual(['aaahReq', 'aaafReq', 'faReq', 'mnReq'].map(r => String(flow.at[r])));
  });

  it('forward references need the first pass; backward ones appear at once', () => {
    const frames = [at(MN, HA, req(1n)), at(HA, MN, rep(1n))];
    const s = new Session();
    const [q, r] = toFrames(frames).map(f => dissectFrame(f, s));
    expect(links(q!)).toEqual({ transaction: '1', hop: '1' });
    expect(links(r!)).toEqual({ response_to: '1', transaction: '1', hop: '2', 'hop.prev': '1' });
    expect(values(r!, 'mip.time')).toEqual(['0.250000000']);
    expect(s.transactions.at(1)[0]!.hop.responseIn).toBe(2);
    expect(s.transactions.answered(s.transactions.at(2)[0])?.frame).toBe(1);
  });

  it('retransmissions, a reply whose Identification changed (code 133), and an unmatched reply', () => {
    const frames = [
      at(MN, HA, req(0xaaaa_0000_0000_0001n)), at(MN, HA, req(0xaaaa_0000_0000_0001n)),
      at(HA, MN, rep(0xbbbb_0000_0000_0001n, 133)),
      at(HA, MN, rep(0xcccc_0000_dddd_0000n)),
    ];
    const { packets } = twoPass(frames);
    expect(links(packets[1]!)).toEqual({ response_in: '3', transaction: '1', hop: '1', 'hop.next': '3', retransmission_of: '1' });
    // The latest unanswered request is the one answered; the low 32 bits of the Identification match (RFC 5944 §5.7.1).
    expect(links(packets[2]!)).toEqual({ response_to: '2', transaction: '1', hop: '2', 'hop.prev': '2' });
    expect(links(packets[0]!)).toEqual({ transaction: '1', hop: '1' });
    expect(links(packets[3]!)).toEqual({});
  });

  it('replies are matched by address, not by order: the FA times out before the HA answers', () => {
    const q = req(9n);
    const frames = [
      at('0.0.0.0', FA, q), at(FA, HA, q),
      at(FA, '255.255.255.255', rep(9n, 78)), // FA → MN: registration timeout (RFC 5944 §3.7.3)
      at(HA, FA, rep(9n)),                     // the HA's late answer to the FA
    ];
    const { packets } = twoPass(frames);
    expect(values(packets[2]!, 'mip.response_to')).toEqual(['1']);
    expect(values(packets[3]!, 'mip.response_to')).toEqual(['2']);
    expect(values(packets[0]!, 'mip.response_in')).toEqual(['3']);
    expect(values(packets[1]!, 'mip.response_in')).toEqual(['4']);
  });

  it('revocation and its acknowledgement (RFC 3543), by home address and revocation identifier', () => {
    const frames = [
      at(HA, FA, encodeRevocation({ a: true, homeAddr: MN, homeDomain: HA, foreignDomain: FA, revocationId: 42 })),
      at(FA, HA, encodeRevocationAck({ homeAddr: MN, revocationId: 41 })),
      at(FA, HA, encodeRevocationAck({ homeAddr: MN, revocationId: 42 })),
    ];
    const { packets } = twoPass(frames);
    expect(links(packets[0]!)).toEqual({ response_in: '3', transaction: '1', hop: '1', 'hop.next': '3' });
    expect(links(packets[1]!)).toEqual({});
    expect(links(packets[2]!)).toEqual({ response_to: '1', transaction: '1', hop: '2', 'hop.prev': '1' });
  });

  it('an FA that denies without relaying answers the MN directly', () => {
    const q = req(5n, [ext.mnHa(0x100, KEY)]);
    const frames = [at('0.0.0.0', FA, q), at(FA, '255.255.255.255', encodeWithExtensions(rep(5n, 65).subarray(0, 20), []))];
    const { packets } = twoPass(frames);
    expect(links(packets[0]!)).toEqual({ response_in: '2', transaction: '1', hop: '1', 'hop.next': '2' });
    expect(links(packets[1]!)).toEqual({ response_to: '1', transaction: '1', hop: '2', 'hop.prev': '1' });
  });
});
