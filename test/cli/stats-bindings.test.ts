// -z mip,bindings on a capture built with the encoders: each binding's period, care-of address,
// home agent and the datagrams tunnelled each way, checked against what was built.
import { describe, expect, it } from 'vitest';
import type { FrameLike } from '../../capture/write.js';
import { arpFrame, encodeGre, encodeIcmpEcho, encodeIpInIp, encodeIpv4, encodeLink, udpFrame } from '../../dissector/build.js';
import { encodeRegistrationReply, encodeRegistrationRequest, ext, ntpIdentification } from '../../dissector/mip/encode.js';
import type { RequestFlags } from '../../dissector/mip/encode.js';
import { runCli, writePcapng } from '../helpers.js';

const KEY = new Uint8Array(16).fill(3);
const T0 = 1_790_000_000;
const MN1 = '10.1.0.5', MN2 = '10.1.0.6', HA = '10.1.0.1', COA1 = '192.0.2.1', COA2 = '192.0.2.77', CN = '198.51.100.7', HA_MAC = '02:00:00:00:0a:01';

let clock = 0;
const at = (f: { linktype: number; data: Uint8Array }, s?: number): FrameLike => { clock = s ?? clock + 0.01; return { ...f, tsSec: T0 + Math.floor(clock), tsNsec: Math.round((clock % 1) * 1e9) }; };
let low = 1;
function register(mn: string, coa: string, time: number, o: { flags?: RequestFlags; lifetime?: number } = {}): FrameLike[] {
  const ident = ntpIdentification(T0 * 1000, low++), lifetime = o.lifetime ?? 60;
  return [
    at(udpFrame({ src: coa, dst: HA, payload: encodeRegistrationRequest({ flags: o.flags ?? {}, lifetime, homeAddr: mn, haAddr: HA, coa, ident, exts: [ext.mnHa(0x1000, KEY)] }) }), time),
    at(udpFrame({ src: HA, dst: coa, payload: encodeRegistrationReply({ code: 0, lifetime, homeAddr: mn, haAddr: HA, ident, exts: [ext.mnHa(0x1000, KEY)] }) })),
    at(arpFrame({ op: 1, senderMac: HA_MAC, senderIp: mn, targetIp: mn })),
  ];
}

/** What was tunnelled, per binding (by its care-of address and home address): datagrams and inner bytes each way. */
const built = new Map<string, { toMnPackets: number; toMnBytes: number; fromMnPackets: number; fromMnBytes: number }>();
const tally = (mn: string, coa: string, toMn: boolean, bytes: number) => {
  const k = `${mn} ${coa}`;
  const t = built.get(k) ?? { toMnPackets: 0, toMnBytes: 0, fromMnPackets: 0, fromMnBytes: 0 };
  if (toMn) { t.toMnPackets++; t.toMnBytes += bytes; } else { t.fromMnPackets++; t.fromMnBytes += bytes; }
  built.set(k, t);
};
const ping = (mn: string, toMn: boolean, size: number) => encodeIpv4({ src: toMn ? CN : mn, dst: toMn ? mn : CN, proto: 1, payload: encodeIcmpEcho({ reply: !toMn, id: 7, seq: size, data: new Uint8Array(size) }) });
/** HA → CoA (IP in IP, or GRE), or the reverse tunnel CoA → HA; counted unless `uncounted` (outside any binding). */
function tunnel(mn: string, coa: string, toMn: boolean, size: number, o: { gre?: boolean; uncounted?: boolean; time?: number } = {}): FrameLike {
  const inner = ping(mn, toMn, size);
  if (!o.uncounted) tally(mn, coa, toMn, inner.length);
  const [src, dst] = toMn ? [HA, coa] : [coa, HA];
  const ip = o.gre ? encodeIpv4({ src, dst, proto: 47, payload: encodeGre({ key: 5, payload: inner }) }) : encodeIpInIp({ src, dst }, inner);
  return at(encodeLink({ kind: 'eth' }, ip), o.time);
}

function capture(): FrameLike[] {
  clock = 0;
  return [
    // MN1 at COA1 with reverse tunnelling: three pings in, two replies back through the reverse tunnel.
    ...register(MN1, COA1, 1, { flags: { t: true } }),
    tunnel(MN1, COA1, true, 8), tunnel(MN1, COA1, false, 8), tunnel(MN1, COA1, true, 56), tunnel(MN1, COA1, false, 56), tunnel(MN1, COA1, true, 100),
    // MN2 at COA1 with GRE, lifetime 10 s; one datagram after it ran out belongs to no binding.
    ...register(MN2, COA1, 3, { flags: { g: true }, lifetime: 10 }),
    tunnel(MN2, COA1, true, 20, { gre: true }), tunnel(MN2, COA1, true, 30, { gre: true }),
    tunnel(MN2, COA1, true, 40, { gre: true, uncounted: true, time: 20 }),
    // MN1 moves to COA2 (no S flag: the first binding ends); one ping in, no reverse tunnel.
    ...register(MN1, COA2, 30),
    tunnel(MN1, COA2, true, 12),
  ];
}

const json = (args: string[]) => {
  const r = runCli(args);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout)[0];
};

describe('-z mip,bindings', () => {
  const file = writePcapng(capture());
  const expectBindings = (rows: Array<Record<string, unknown>>) => {
    expect(rows.map(r => [r.homeAddress, r.careOfAddress, r.homeAgent, r.frame, r.encapsulation, r.reverseTunnelling]))
      .toEqual([[MN1, COA1, HA, 2, 'ipip', true], [MN1, COA2, HA, 16, 'ipip', false], [MN2, COA1, HA, 10, 'gre', false]]);
    for (const r of rows) {
      const want = built.get(`${r.homeAddress} ${r.careOfAddress}`) ?? { toMnPackets: 0, toMnBytes: 0, fromMnPackets: 0, fromMnBytes: 0 };
      expect({ toMnPackets: r.toMnPackets, toMnBytes: r.toMnBytes, fromMnPackets: r.fromMnPackets, fromMnBytes: r.fromMnBytes }, `${r.homeAddress} at ${r.careOfAddress}`).toEqual(want);
    }
    // Periods, from the capture's first packet (t = 1 s): MN1's first binding ends when it moves
    // at t = 30.01 (the accepting reply); MN2's runs out after its 10 s; MN1's second runs its 60 s.
    expect(rows.map(r => [(r.start as number).toFixed(2), (r.end as number).toFixed(2)])).toEqual([['0.01', '29.01'], ['29.01', '89.01'], ['2.01', '12.01']]);
  };

  it('counts what was built, in one pass and in two', () => {
    // What was built: MN1 at COA1 3 in / 2 back; MN2 2 in (one more after expiry); MN1 at COA2 1 in.
    expect([...built.values()].map(t => [t.toMnPackets, t.fromMnPackets])).toEqual([[3, 2], [2, 0], [1, 0]]);
    const one = json(['-r', file, '-q', '-T', 'json', '-z', 'mip,bindings']);
    expect(one.statistic).toBe('mip,bindings');
    expectBindings(one.rows);
    expectBindings(json(['-r', file, '-2', '-q', '-T', 'json', '-z', 'mip,bindings']).rows);
  });

  it('prints a text table, one line per binding, and is listed by -z help', () => {
    const r = runCli(['-r', file, '-q', '-z', 'mip,bindings']);
    expect(r.code).toBe(0);
    const mn1 = built.get(`${MN1} ${COA1}`)!;
    expect(r.stdout).toContain('Mobile IP Bindings');
    expect(r.stdout).toMatch(new RegExp(`^10\\.1\\.0\\.5 +192\\.0\\.2\\.1 +10\\.1\\.0\\.1 +2 +0\\.010000 +29\\.010000 ipip,T +3 +${mn1.toMnBytes} +2 +${mn1.fromMnBytes}$`, 'm'));
    expect(r.stdout.split('\n').filter(l => l.startsWith('10.1.0.'))).toHaveLength(3);
    expect(runCli(['-z', 'help']).stdout).toContain('mip,bindings');
  });
});
