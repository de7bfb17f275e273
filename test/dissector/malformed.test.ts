// Never throw past a packet (DESIGN.md principle 3): malformed input becomes expert items and
// a partial tree, and the next packet dissects normally.
import { describe, expect, it } from 'vitest';
import { concat, encodeIpv4, encodeLink, encodeUdp, udpFrame } from '../../dissector/build.js';
import { encodeRegistrationReply, encodeRegistrationRequest, ext } from '../../dissector/mip/encode.js';
import { standardFrames } from '../../samples/standard.js';
import { randomFrames } from '../fixtures/random-mip.js';
import { dissectAll, prng, value, values } from '../helpers.js';
import type { FrameLike } from '../../capture/write.js';
import type { Packet } from '../../dissector/index.js';
import { defaultPrefs } from '../../dissector/prefs.js';

const KEY = new Uint8Array(16).fill(1);
// (Its own Identification: the same one with other bytes would be a replay, an expert item of its own.)
const ok = encodeRegistrationRequest({ lifetime: 60, homeAddr: '10.0.0.5', haAddr: '10.0.0.1', coa: '192.0.2.1', ident: 0x99n, exts: [ext.nai('mn@example.com'), ext.mnHa(0x100, KEY)] });
const wrap = (payload: Uint8Array): FrameLike => ({ ...udpFrame({ src: '192.0.2.1', dst: '10.0.0.1', payload }), tsSec: 0, tsNsec: 0 });
const experts = (p: Packet) => p.experts.map(e => e.expert!.abbrev);

/** Dissects a bad frame followed by a good one; the good one must be whole. */
function withNext(bad: FrameLike): Packet {
  const [p, next] = dissectAll([bad, wrap(ok)]);
  expect(value(next!, 'mip.nai')).toBe('mn@example.com');
  expect(next!.experts).toEqual([]);
  return p!;
}

describe('malformed Mobile IP messages', () => {
  it('a message cut inside the fixed part keeps what was read', () => {
    const p = withNext(wrap(ok.subarray(0, 10)));
    expect(value(p, 'mip.type')).toBe('1');
    expect(value(p, 'mip.life')).toBe('60');
    expect(value(p, 'mip.homeaddr')).toBe('10.0.0.5');
    expect(value(p, 'mip.haaddr')).toBeUndefined();
    expect(experts(p)).toContain('_ws.malformed.expert');
    expect(p.info).toContain('[Malformed Packet]');
  });

  it('an extension whose length overruns the message shows type, length and the raw rest (docs/protocol.md §E.13)', () => {
    const bad = encodeRegistrationRequest({ lifetime: 60, homeAddr: '10.0.0.5', haAddr: '10.0.0.1', coa: '192.0.2.1', ident: 1n, exts: [ext.raw(131, new TextEncoder().encode('abc'), { length: 40 })] });
    const p = withNext(wrap(bad));
    expect(values(p, 'mip.ext.type')).toEqual(['131']);
    expect(values(p, 'mip.ext.len')).toEqual(['40']);
    expect(value(p, 'mip.extension')).toBe('616263');
    expect(experts(p)).toContain('mip.ext.len.overrun');
  });

  it('an extension too short for its fields is flagged, and later extensions still decode', () => {
    const bad = encodeRegistrationRequest({ lifetime: 60, homeAddr: '10.0.0.5', haAddr: '10.0.0.1', coa: '192.0.2.1', ident: 1n, exts: [ext.raw(32, Uint8Array.of(1, 2)), ext.raw(139, Uint8Array.of(1)), ext.nai('x@y')] });
    const p = withNext(wrap(bad));
    expect(values(p, 'mip.ext.type')).toEqual(['32', '139', '131']);
    expect(value(p, 'mip.nai')).toBe('x@y');
    expect(experts(p).filter(e => e === 'mip.ext.len.short')).toHaveLength(2);
  });

  it('zero lengths, a lone type byte, and unknown extensions', () => {
    const bad = concat(encodeRegistrationReply({ code: 0, lifetime: 1, homeAddr: '1.2.3.4', haAddr: '5.6.7.8', ident: 2n, exts: [ext.raw(131, new Uint8Array(0)), ext.raw(99, Uint8Array.of(1)), ext.raw(177, Uint8Array.of(2))] }), Uint8Array.of(32));
    const p = withNext(wrap(bad));
    expect(values(p, 'mip.ext.type')).toEqual(['131', '99', '177', '32']);
    expect(experts(p)).toEqual(expect.arrayContaining(['mip.ext.unknown_nonskippable', 'mip.ext.unknown_skippable', 'mip.ext.len.short']));
  });

  it('reserved request flags are an expert item', () => {
    const p = withNext(wrap(encodeRegistrationRequest({ flags: 0x05, lifetime: 1, homeAddr: '1.2.3.4', haAddr: '5.6.7.8', coa: '9.9.9.9', ident: 3n })));
    expect(experts(p)).toContain('mip.reserved.nonzero');
    expect(value(p, 'mip.v')).toBe('1');
  });

  it('bad IP and UDP headers, a bad checksum and an unknown link type', () => {
    const good = encodeUdp({ src: '1.1.1.1', dst: '2.2.2.2', sport: 434, dport: 434, payload: ok });
    const frames: FrameLike[] = [
      { ...encodeLink({ kind: 'eth' }, encodeIpv4({ src: '1.1.1.1', dst: '2.2.2.2', proto: 17, payload: good, ihl: 3 })), tsSec: 0, tsNsec: 0 },
      { ...encodeLink({ kind: 'eth' }, encodeIpv4({ src: '1.1.1.1', dst: '2.2.2.2', proto: 17, payload: good, totalLength: 2000 })), tsSec: 0, tsNsec: 0 },
      { ...encodeLink({ kind: 'eth' }, encodeIpv4({ src: '1.1.1.1', dst: '2.2.2.2', proto: 17, payload: good, checksum: 0x1234 })), tsSec: 0, tsNsec: 0 },
      { ...encodeLink({ kind: 'eth' }, encodeIpv4({ src: '1.1.1.1', dst: '2.2.2.2', proto: 17, payload: encodeUdp({ src: '1.1.1.1', dst: '2.2.2.2', sport: 434, dport: 434, payload: ok, checksum: 1 }) })), tsSec: 0, tsNsec: 0 },
      { ...encodeLink({ kind: 'eth' }, encodeIpv4({ src: '1.1.1.1', dst: '2.2.2.2', proto: 17, payload: encodeUdp({ src: '1.1.1.1', dst: '2.2.2.2', sport: 434, dport: 434, payload: ok, length: 3 }) })), tsSec: 0, tsNsec: 0 },
      { linktype: 147, data: Uint8Array.of(1, 2, 3), tsSec: 0, tsNsec: 0 },
      { linktype: 1, data: Uint8Array.of(1, 2, 3), tsSec: 0, tsNsec: 0 },
    ];
    const pkts = dissectAll([...frames, wrap(ok)], { ...defaultPrefs, 'ip.check_checksum': true, 'udp.check_checksum': true });
    expect(experts(pkts[0]!)).toContain('ip.bogus_header_length');
    expect(experts(pkts[1]!)).toContain('ip.len.past_end');
    expect(value(pkts[1]!, 'mip.nai')).toBe('mn@example.com');
    expect(value(pkts[2]!, 'ip.checksum.status')).toBe('0');
    expect(experts(pkts[2]!)).toContain('ip.checksum_bad.expert');
    expect(value(pkts[3]!, 'udp.checksum.status')).toBe('0');
    expect(experts(pkts[4]!)).toContain('udp.length.bad');
    expect(experts(pkts[5]!)).toContain('frame.encap.unknown');
    expect(value(pkts[5]!, 'data.data')).toBe('010203');
    expect(experts(pkts[6]!)).toContain('_ws.malformed.expert');
    expect(value(pkts[7]!, 'mip.nai')).toBe('mn@example.com');
    expect(value(pkts[7]!, 'udp.checksum.status')).toBe('1');
    expect(value(pkts[7]!, 'ip.checksum.status')).toBe('1');
  });
});

describe('fuzzing the dissector', () => {
  it('random mutations and truncations never escape a packet or hit a dissector bug', () => {
    const r = prng(42);
    const seeds = [...standardFrames(), ...randomFrames(9, 200)];
    const mutated: FrameLike[] = [];
    for (let i = 0; i < 20_000; i++) {
      const f = seeds[Math.floor(r() * seeds.length)]!;
      const d = Uint8Array.from(f.data);
      const kind = r();
      if (kind < 0.5) for (let k = 0; k < 1 + Math.floor(r() * 4); k++) d[Math.floor(r() * d.length)] = Math.floor(r() * 256);
      const data = kind > 0.7 ? d.subarray(0, Math.floor(r() * d.length)) : d;
      mutated.push({ ...f, data });
    }
    const pkts = dissectAll(mutated);
    const bugs = pkts.flatMap(p => p.experts.filter(e => e.expert!.abbrev === '_ws.dissector_bug').map(e => `#${p.no}: ${e.text}`));
    expect(bugs.slice(0, 5)).toEqual([]);
    // The mutations reach the protocol dissectors: many packets carry expert items, yet Mobile IP
    // messages are still found, so the absence of bugs is not the absence of dissection.
    const flagged = pkts.filter(p => p.experts.length > 0).length;
    expect(flagged).toBeGreaterThan(pkts.length / 10);
    expect(pkts.filter(p => p.layers.includes('mip')).length).toBeGreaterThan(pkts.length / 10);
  });
});

describe('checksum preferences', () => {
  it('UDP checksums are unverified by default (as Wireshark), verified with udp.check_checksum', () => {
    const f = { ...encodeLink({ kind: 'eth' }, encodeIpv4({ src: '1.1.1.1', dst: '2.2.2.2', proto: 17, payload: encodeUdp({ src: '1.1.1.1', dst: '2.2.2.2', sport: 434, dport: 434, payload: ok, checksum: 1 }) })), tsSec: 0, tsNsec: 0 };
    expect(value(dissectAll([f])[0]!, 'udp.checksum.status')).toBe('2');
    expect(value(dissectAll([f], { ...defaultPrefs, 'udp.check_checksum': true })[0]!, 'udp.checksum.status')).toBe('0');
  });
});
