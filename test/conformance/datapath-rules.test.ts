// The data-path rules and the bindings they read: each rule with a capture that breaks it and
// one that keeps it, built with the encoders; the binding fields on tunnelled traffic.
import { describe, expect, it } from 'vitest';
import type { FrameLike } from '../../capture/write.js';
import { arpFrame, encodeGre, encodeIcmpEcho, encodeIpInIp, encodeIpv4, encodeLink, encodeMinimalEncapsulation, udpFrame } from '../../dissector/build.js';
import { encodeRegistrationReply, encodeRegistrationRequest, ext, ntpIdentification } from '../../dissector/mip/encode.js';
import type { RequestFlags } from '../../dissector/mip/encode.js';
import { allRules } from '../../conformance/rules/index.js';
import { dissectAll, ruleFindings, runCli, value, values, writePcapng } from '../helpers.js';

const KEY = new Uint8Array(16).fill(3);
const T0 = 1_790_000_000;
const MN = '10.1.0.5', HA = '10.1.0.1', COA = '192.0.2.1', CN = '198.51.100.7', HA_MAC = '02:00:00:00:0a:01', MN_MAC = '02:00:00:00:00:05';

let clock = 0;
const at = (f: { linktype: number; data: Uint8Array }, s?: number): FrameLike => { clock = s ?? clock + 0.01; return { ...f, tsSec: T0 + Math.floor(clock), tsNsec: Math.round((clock % 1) * 1e9) }; };
let low = 1;
/** A registration the HA accepts: the FA's relayed request and the HA's reply. */
function register(o: { flags?: RequestFlags; lifetime?: number; coa?: string; time?: number } = {}): FrameLike[] {
  const ident = ntpIdentification(T0 * 1000, low++);
  const lifetime = o.lifetime ?? 60, coa = o.coa ?? COA;
  return [
    at(udpFrame({ src: COA, dst: HA, payload: encodeRegistrationRequest({ flags: o.flags ?? {}, lifetime, homeAddr: MN, haAddr: HA, coa, ident, exts: [ext.mnHa(0x1000, KEY)] }) }), o.time),
    at(udpFrame({ src: HA, dst: COA, payload: encodeRegistrationReply({ code: 0, lifetime, homeAddr: MN, haAddr: HA, ident, exts: [ext.mnHa(0x1000, KEY)] }) })),
  ];
}
const inner = (toMn = true) => encodeIpv4({ src: toMn ? CN : MN, dst: toMn ? MN : CN, proto: 1, payload: encodeIcmpEcho({ reply: !toMn, id: 1, seq: 1, data: new Uint8Array(8) }) });
const ipip = (s?: number) => at(encodeLink({ kind: 'eth' }, encodeIpInIp({ src: HA, dst: COA }, inner())), s);
const gre = () => at(encodeLink({ kind: 'eth' }, encodeIpv4({ src: HA, dst: COA, proto: 47, payload: encodeGre({ payload: inner() }) })));
const minenc = () => at(encodeLink({ kind: 'eth' }, encodeMinimalEncapsulation({ src: HA, dst: COA }, { proto: 1, src: CN, dst: MN, payload: encodeIcmpEcho({ id: 1, seq: 1 }) })));
const reverse = () => at(encodeLink({ kind: 'eth' }, encodeIpInIp({ src: COA, dst: HA }, inner(false))));
const gratuitous = () => at(arpFrame({ op: 1, senderMac: HA_MAC, senderIp: MN, targetIp: MN }));
const proxyReply = () => at(arpFrame({ op: 2, senderMac: HA_MAC, senderIp: MN, targetMac: MN_MAC, targetIp: HA, dstMac: MN_MAC }));
const mnReply = () => at(arpFrame({ op: 2, senderMac: MN_MAC, senderIp: MN, targetMac: HA_MAC, targetIp: HA, dstMac: HA_MAC }));
const deregister = () => register({ lifetime: 0, coa: MN });

const findings = ruleFindings;

const cases: Record<string, { bad: () => FrameLike[]; good: () => FrameLike[] }> = {
  'MIP-TUN-BINDING': {
    bad: () => [...register({ lifetime: 5, time: 0 }), gratuitous(), ipip(10), ...register({ time: 20 }), at(encodeLink({ kind: 'eth' }, encodeIpInIp({ src: HA, dst: '203.0.113.9' }, inner())))],
    good: () => [...register({ lifetime: 5, time: 0 }), ipip(4), reverse(), ...register({ time: 20, flags: { t: true } }), ipip()],
  },
  'MIP-TUN-ENCAPSULATION': {
    bad: () => [...register(), gre(), ...register({ flags: { m: true } }), ipip(), ...register({ flags: { g: true } }), minenc()],
    good: () => [...register(), ipip(), ...register({ flags: { m: true } }), minenc(), ...register({ flags: { g: true } }), gre()],
  },
  'MIP-TUN-REVERSE-T': { bad: () => [...register(), reverse()], good: () => [...register({ flags: { t: true } }), reverse(), ipip()] },
  'MIP-ARP-AT-HOME': {
    bad: () => [...register(), gratuitous(), proxyReply(), ...deregister(), proxyReply()],
    good: () => [...register(), gratuitous(), proxyReply(), ...deregister(), mnReply()],
  },
  'MIP-ARP-GRATUITOUS': { bad: () => [...register(), mnReply(), ipip()], good: () => [...register(), gratuitous(), ipip()] },
};

describe('data-path rules: each broken by one capture and kept by another', () => {
  for (const rule of allRules.filter(r => ['MIP-TUN-', 'MIP-ARP-'].some(p => r.id.startsWith(p)))) {
    it(rule.id, () => {
      const c = cases[rule.id];
      expect(c, `no break/keep case for ${rule.id}`).toBeDefined();
      clock = 0;
      const bad = findings(c!.bad(), rule.id);
      expect(bad.list.length, JSON.stringify(bad.list)).toBeGreaterThan(0);
      expect(bad.list.every(f => f.rule === rule.id)).toBe(true);
      clock = 0;
      const good = findings(c!.good(), rule.id);
      expect(good.list, JSON.stringify(good.list)).toEqual([]);
      expect(good.status).toBe('passed');
    });
  }
  it('finds no binding problem in a gratuitous-ARP-free capture taken away from the home link', () => {
    clock = 0;
    expect(findings([...register(), ipip()], 'MIP-ARP-GRATUITOUS').list).toEqual([]);
  });
});

describe('bindings followed into the traffic', () => {
  it('marks tunnelled datagrams with the binding they belong to, filterable', () => {
    clock = 0;
    const frames = [...register({ flags: { t: true }, lifetime: 30 }), gratuitous(), ipip(), reverse(), ipip(40)];
    const pkts = dissectAll(frames);
    expect(value(pkts[3]!, 'mip.binding.homeaddr')).toBe(MN);
    expect(value(pkts[3]!, 'mip.binding.coa')).toBe(COA);
    expect(value(pkts[3]!, 'mip.binding.haaddr')).toBe(HA);
    expect(value(pkts[3]!, 'mip.binding.frame')).toBe('2');
    expect(value(pkts[3]!, 'mip.binding.request')).toBe('1');
    expect(value(pkts[3]!, 'mip.binding.t')).toBe('1');
    expect(value(pkts[4]!, 'mip.binding.direction')).toMatch(/reverse/);
    expect(values(pkts[5]!, 'mip.binding.coa')).toEqual([COA]);
    expect(pkts[5]!.experts.map(e => e.expert!.abbrev)).toContain('mip.binding.expired');
    const file = writePcapng(frames);
    const r = runCli(['-r', file, '-Y', `mip.binding.homeaddr == ${MN} && !mip.binding.expired`, '-T', 'fields', '-e', 'frame.number', '-e', 'mip.binding.frame']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('4\t2\n5\t2\n');
  });

  it('gives the same binding fields when a frame is dissected again (-2)', () => {
    clock = 0;
    const file = writePcapng([...register(), gratuitous(), ipip()]);
    const one = runCli(['-r', file, '-T', 'fields', '-e', 'mip.binding.frame', '-e', 'mip.binding.coa']).stdout;
    expect(runCli(['-r', file, '-2', '-T', 'fields', '-e', 'mip.binding.frame', '-e', 'mip.binding.coa']).stdout).toBe(one);
    expect(one.split('\n')[3]).toBe(`2\t${COA}`);
  });
});
