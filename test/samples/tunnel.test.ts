// The data-path sample: after each accepted registration the home agent announces the binding by
// gratuitous ARP and tunnels a correspondent's pings to the care-of address; the foreign agent
// delivers them and reverse tunnels the replies. The checker finds nothing wrong with it, and
// -z mip,bindings counts what the agents sent.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tunnel } from '../../samples/sim/flows.js';
import { runSimulation } from '../../samples/sim/world.js';
import { ROOT, runCli } from '../helpers.js';

const CAP = join(ROOT, 'samples', 'captures', 'mip-tunnel.pcapng'), KEYS = join(ROOT, 'samples', 'captures', 'mip-tunnel.keys.json');
const r = runSimulation(tunnel);
const FA = '198.51.100.1', HA = '192.0.2.1', CN = '198.51.100.77';

describe('mip-tunnel sample', () => {
  it('the agents tunnel every ping and reverse tunnel every reply; the HA sends a gratuitous ARP after each accepting reply', () => {
    const by = (from: string, proto: string) => r.sent.filter(s => s.from === from && s.proto === proto);
    const pings = by('cn', 'icmp');
    expect(pings.length).toBe(7);
    // HA → CoA for each ping, FA → MN delivery, MN reply, FA → HA reverse tunnel, HA → CN.
    expect(by('ha1', 'ipip').map(s => s.dstIp)).toEqual(pings.map(() => FA));
    expect(by('fa1', 'ipip').map(s => s.dstIp)).toEqual(pings.map(() => HA));
    expect(by('ha1', 'icmp').map(s => s.dstIp)).toEqual(pings.map(() => CN));
    const accepts = r.sent.filter(s => s.from === 'ha1' && s.proto === 'udp' && s.payload[0] === 3 && s.payload[1] === 0);
    expect(accepts.length).toBeGreaterThanOrEqual(3);
    expect(by('ha1', 'arp').length).toBe(accepts.length);
    // Each gratuitous ARP follows its accepting reply.
    const idx = (s: object) => r.sent.indexOf(s as never);
    by('ha1', 'arp').forEach((a, k) => expect(idx(a)).toBeGreaterThan(idx(accepts[k]!)));
  });

  it('mipscope check: no errors, and the data-path rules check the traffic and find nothing', () => {
    const c = runCli(['check', '-r', CAP, '--keys', KEYS, '--format', 'json']);
    expect(c.code, c.stderr).toBe(0);
    const report = JSON.parse(c.stdout) as { findings: Array<{ rule: string }>; summary: { errors: number; rules: Array<{ id: string; findings: number; checked: number; status: string }> } };
    expect(report.summary.errors).toBe(0);
    expect(report.findings.filter(f => /^MIP-(TUN|ARP)-/.test(f.rule))).toEqual([]);
    const datapath = Object.fromEntries(report.summary.rules.filter(x => /^MIP-(TUN|ARP)-/.test(x.id)).map(x => [x.id, [x.findings, x.checked, x.status]]));
    // 7 pings each way: 14 tunnelled datagrams, 7 towards the care-of address; 4 accepted registrations.
    expect(datapath).toEqual({
      'MIP-TUN-BINDING': [0, 14, 'passed'], 'MIP-TUN-ENCAPSULATION': [0, 7, 'passed'], 'MIP-TUN-REVERSE-T': [0, 7, 'passed'],
      'MIP-ARP-GRATUITOUS': [0, 4, 'passed'], 'MIP-ARP-AT-HOME': [0, 0, 'not-applicable'],
    });
  });

  it('-z mip,bindings: the tunnelled datagrams of each binding, as the filters count them', () => {
    const rows = JSON.parse(runCli(['-r', CAP, '-q', '-T', 'json', '-z', 'mip,bindings']).stdout)[0].rows as Array<Record<string, number | string>>;
    expect(rows.length).toBeGreaterThanOrEqual(3);
    const frames = (f: string) => { const o = runCli(['-r', CAP, '-Y', f, '-T', 'fields', '-e', 'frame.number']).stdout.trim(); return o ? o.split('\n').map(Number) : []; };
    for (const row of rows) {
      const to = frames(`mip.binding.frame == ${row.frame} && ip.src == ${HA} && ip.dst == ${FA} && ip.proto == 4`);
      const back = frames(`mip.binding.frame == ${row.frame} && ip.src == ${FA} && ip.dst == ${HA} && ip.proto == 4`);
      expect([row.toMnPackets, row.fromMnPackets], `binding of frame ${row.frame}`).toEqual([to.length, back.length]);
    }
    // Every ping went through a binding, each way.
    expect(rows.reduce((n, x) => n + (x.toMnPackets as number), 0)).toBe(7);
    expect(rows.reduce((n, x) => n + (x.fromMnPackets as number), 0)).toBe(7);
  });
});
