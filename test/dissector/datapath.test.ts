// The data-path dissectors where tshark cannot be the reference: minimal encapsulation (tshark
// 4.0 does not decode IP protocol 55), the one nesting limit, ICMP quotes that teach nothing, and
// the Identification and -e fixes checked against tshark.
import { describe, expect, it } from 'vitest';
import { encodeIcmp, encodeIcmpError, encodeIpv4, encodeLink, encodeMinimalEncapsulation, encodeUdp, concat, u16be } from '../../dissector/build.js';
import { encodeRegistrationRequest } from '../../dissector/mip/encode.js';
import { dissectAll, runCli, runTshark, value, values, writePcapng } from '../helpers.js';

const at = (i: number) => ({ tsSec: 1_790_000_000 + i, tsNsec: 0 });

describe('minimal encapsulation (RFC 2004)', () => {
  const inner = encodeUdp({ src: '198.51.100.7', dst: '10.1.0.5', sport: 5000, dport: 9, payload: Uint8Array.of(1, 2, 3) });
  it('decodes the forwarding header and hands the payload on between the original addresses', () => {
    const [withSrc, withoutSrc] = dissectAll([true, false].map((withSource, i) => ({
      ...encodeLink({ kind: 'eth' }, encodeMinimalEncapsulation({ src: '10.1.0.1', dst: '192.0.2.10' }, { proto: 17, src: withSource ? '198.51.100.7' : '10.1.0.1', dst: '10.1.0.5', withSource, payload: withSource ? inner : encodeUdp({ src: '10.1.0.1', dst: '10.1.0.5', sport: 5000, dport: 9, payload: Uint8Array.of(1, 2, 3) }) })), ...at(i),
    })));
    expect(value(withSrc!, 'frame.protocols')).toBe('eth:ethertype:ip:minenc:udp:data');
    expect(value(withSrc!, 'minenc.proto')).toBe('17');
    expect(value(withSrc!, 'minenc.s')).toBe('1');
    expect(value(withSrc!, 'minenc.src')).toBe('198.51.100.7');
    expect(value(withSrc!, 'minenc.dst')).toBe('10.1.0.5');
    expect(value(withSrc!, 'minenc.checksum.status')).toBe('1');
    expect(value(withSrc!, 'udp.dstport')).toBe('9');
    expect(withSrc!.src).toBe('198.51.100.7');
    expect(values(withoutSrc!, 'minenc.src')).toEqual([]);
    expect(value(withoutSrc!, 'minenc.s')).toBe('0');
    expect(withoutSrc!.experts).toEqual([]);
  });
  it('flags a bad forwarding-header checksum', () => {
    const [p] = dissectAll([{ ...encodeLink({ kind: 'eth' }, encodeMinimalEncapsulation({ src: '10.1.0.1', dst: '192.0.2.10' }, { proto: 17, src: '198.51.100.7', dst: '10.1.0.5', payload: inner, checksum: 0x1234 })), ...at(0) }]);
    expect(value(p!, 'minenc.checksum.status')).toBe('0');
    expect(p!.experts.map(e => e.expert!.abbrev)).toContain('minenc.checksum.bad');
  });
});

describe('ICMP', () => {
  it('a quoted registration request is shown but teaches the session nothing', () => {
    const req = encodeIpv4({ src: '10.1.0.5', dst: '10.1.0.1', proto: 17, payload: encodeUdp({ src: '10.1.0.5', dst: '10.1.0.1', sport: 434, dport: 434, payload: encodeRegistrationRequest({ lifetime: 60, homeAddr: '10.1.0.5', haAddr: '10.1.0.1', coa: '192.0.2.10', ident: 5n }) }) });
    const err = encodeIpv4({ src: '10.1.0.254', dst: '10.1.0.5', proto: 1, payload: encodeIcmpError({ type: 3, code: 3, original: req }) });
    const [p] = dissectAll([{ ...encodeLink({ kind: 'eth' }, err), ...at(0) }]);
    expect(value(p!, 'mip.type')).toBe('1');
    expect(values(p!, 'mip.reply_in')).toEqual([]);
    expect(p!.info).toBe('Destination unreachable (Port unreachable)');
    expect(p!.src).toBe('10.1.0.254');
  });

  it('-e accepts expert abbrevs such as icmp.checksum_bad and prints them as tshark does', () => {
    const bad = encodeIpv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 1, payload: encodeIcmp({ type: 8, code: 0, body: concat(u16be(1), u16be(2)), checksum: 0x1234 }) });
    const good = encodeIpv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 1, payload: encodeIcmp({ type: 8, code: 0, body: concat(u16be(1), u16be(3)) }) });
    const file = writePcapng([bad, good].map((d, i) => ({ ...encodeLink({ kind: 'eth' }, d), ...at(i) })));
    const args = ['-r', file, '-T', 'fields', '-e', 'icmp.checksum_bad', '-e', '_ws.expert.message', '-e', 'icmp.checksum.status'];
    const r = runCli(args);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(runTshark(args));
    expect(r.stdout.split('\n')[0]).toBe('1\tBad checksum [should be 0xf7fc]\t0');
  });
});

describe('Identification with a zero seconds word', () => {
  it('is in the 2036 era as tshark prints it; only all zeros is unset', () => {
    const frames = [0x319c0a33n, 0n, (0x80000000n << 32n) | 1n].map((ident, i) => ({
      ...encodeLink({ kind: 'eth' }, encodeIpv4({ src: '10.1.0.5', dst: '10.1.0.1', proto: 17, payload: encodeUdp({ src: '10.1.0.5', dst: '10.1.0.1', sport: 434, dport: 434, payload: encodeRegistrationRequest({ lifetime: 60, homeAddr: '10.1.0.5', haAddr: '10.1.0.1', coa: '192.0.2.10', ident }) }) })), ...at(i),
    }));
    const args = ['-r', writePcapng(frames), '-T', 'fields', '-e', 'mip.ident'];
    const ours = runCli(args).stdout;
    expect(ours).toBe(runTshark(args));
    expect(ours.split('\n')[0]).toMatch(/^Feb {2}7, 2036 06:28:16\./);
  });
});
