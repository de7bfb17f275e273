// Diffie-Hellman user groups (KE sub-type 4) cost bounded work: primality is tested once per P
// (whatever G is), P is capped in size, a packet gets a fixed number of new tests, and the
// conformance rule uses the dissector's verdict instead of testing again.
import { describe, expect, it } from 'vitest';
import { dhUserGroups } from '../../bench/hostile.js';
import { Checker } from '../../conformance/checker.js';
import { allRules } from '../../conformance/rules/index.js';
import { udpFrame } from '../../dissector/build.js';
import { dissectFrame, Session } from '../../dissector/index.js';
import { knownPrimality, bytesToBigInt } from '../../dissector/keys/dh.js';
import { saPayload } from '../../dissector/kx/encode.js';
import type { KeSpec } from '../../dissector/kx/encode.js';
import { MAX_PRIME_TESTS_PER_PACKET } from '../../dissector/limits.js';
import { encodeRegistrationRequest } from '../../dissector/mip/encode.js';
import { toFrames, value } from '../helpers.js';

const groupExperts = (p: { experts: Array<{ expert?: { abbrev: string } | null; children?: unknown }> }, pkt: Parameters<typeof value>[0]) =>
  pkt.all.filter(n => n.field?.abbrev === '_ws.expert.message' && String(n.value).startsWith('User-defined group')).map(n => String(n.value));

function request(ke: KeSpec[], n = 0) {
  const sa = saPayload({ subtype: 1, proposals: [{ no: 1, protoId: 1, lifetime: 60, spi: 0x6001, transforms: [{ no: 1, id: 1 }], ke }] });
  return { ...udpFrame({ src: '10.1.0.10', dst: '10.1.0.1', payload: encodeRegistrationRequest({ lifetime: 60, homeAddr: '10.1.0.10', haAddr: '10.1.0.1', coa: '192.0.2.1', ident: BigInt(n + 1), exts: [sa] }) }), tsSec: n, tsNsec: 0 };
}

function check(frames: ReturnType<typeof request>[]) {
  const session = new Session();
  const checker = new Checker(allRules.filter(r => r.id === 'KX-DH-GROUP'), true);
  const pkts = toFrames(frames).map(f => { const p = dissectFrame(f, session); checker.add(p); return p; });
  checker.finish();
  return { pkts, findings: checker.findings.map(f => f.message) };
}

describe('Diffie-Hellman user groups', () => {
  it('8 KE payloads with one 4096-bit P and eight G: one primality test, no finding', () => {
    const frames = dhUserGroups(2);
    const t0 = performance.now();
    const { pkts, findings } = check(frames);
    // Before: every G change re-tested P (15 Miller-Rabin rounds of 4096 bits each): ~60 s.
    expect(performance.now() - t0).toBeLessThan(40_000); // generous: a loaded machine
    expect(pkts.slice(0, 2).flatMap(p => groupExperts(p, p))).toEqual([]);
    expect(findings.filter(m => m.includes('prime'))).toEqual([]);
    expect(value(pkts[2]!, 'mip.nai')).toBe('mn@home.example');
  });

  it(`more than ${MAX_PRIME_TESTS_PER_PACKET} new groups in one packet: the rest are not checked (expert item names the limit)`, () => {
    const primes = [65521, 65519, 65497, 65479]; // 16-bit primes
    const ke: KeSpec[] = primes.map(p => ({ subtype: 4, p: Uint8Array.of(p >> 8, p & 255), g: Uint8Array.of(2), cv: Uint8Array.of(0, 5) }));
    const { pkts } = check([request(ke)]);
    const msgs = groupExperts(pkts[0]!, pkts[0]!);
    expect(msgs.length).toBe(primes.length - MAX_PRIME_TESTS_PER_PACKET);
    for (const m of msgs) expect(m).toContain('MAX_PRIME_TESTS_PER_PACKET');
    // The next packet tests them (one budget per packet).
    const { pkts: again } = check([request(ke.slice(2, 4), 1)]);
    expect(groupExperts(again[0]!, again[0]!)).toEqual([]);
  });

  it("the conformance rule reports a composite P from the dissector's verdict", () => {
    const p = Uint8Array.of(0, 221); // 13 × 17
    const { findings } = check([request([{ subtype: 4, p, g: Uint8Array.of(2), cv: Uint8Array.of(0, 5) }])]);
    expect(knownPrimality(bytesToBigInt(p))).toBe(false);
    expect(findings).toContain('User-defined group: P is not prime');
  });

  it('a P over the size limit is neither tested nor reported as composite', () => {
    const p = new Uint8Array(600).fill(0xff);
    const { pkts, findings } = check([request([{ subtype: 4, p, g: Uint8Array.of(2), cv: new Uint8Array(600).fill(3) }])]);
    expect(groupExperts(pkts[0]!, pkts[0]!)[0]).toContain('MAX_DH_GROUP_BITS');
    expect(knownPrimality(bytesToBigInt(p))).toBeUndefined();
    expect(findings.filter(m => m.includes('prime'))).toEqual([]);
  });
});
