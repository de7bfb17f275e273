// IPv4 reassembly under floods: bounded fragments per datagram, pending datagrams by count,
// bytes and age; each arrival costs O(log n); limits reached are expert items; datagrams that
// do complete are reassembled as before, overlapping bytes included.
import { describe, expect, it } from 'vitest';
import { firstFragments, overlappingFragments } from '../../bench/hostile.js';
import { encodeIpv4, encodeLink, fragmentIpv4 } from '../../dissector/build.js';
import { FRAGMENT_TIMEOUT_SECONDS, MAX_FRAGMENTS_PER_DATAGRAM, MAX_PENDING_DATAGRAMS } from '../../dissector/limits.js';
import { Session } from '../../dissector/session.js';
import { dissectAll, value } from '../helpers.js';

const limitsOf = (p: { experts: { expert?: { abbrev: string } | null; text?: string }[] }) => p.experts.filter(e => e.expert?.abbrev === 'ip.reassembly.limit');

describe('IPv4 reassembly limits', () => {
  it('a flood of overlapping fragments is given up at MAX_FRAGMENTS_PER_DATAGRAM', () => {
    const pkts = dissectAll(overlappingFragments(3 * MAX_FRAGMENTS_PER_DATAGRAM));
    const hit = pkts.filter(p => limitsOf(p).length > 0);
    expect(hit.length).toBe(2); // fragments 1025 and 2050 of the (restarted) datagram
    expect(limitsOf(hit[0]!)[0]!.text).toContain(`more than ${MAX_FRAGMENTS_PER_DATAGRAM} fragments for one datagram`);
    expect(JSON.stringify(hit[0]!.all.filter(n => n.field?.abbrev === '_ws.expert.message').map(n => n.value))).toContain('MAX_FRAGMENTS_PER_DATAGRAM');
    const next = pkts.at(-1)!;
    expect(value(next, 'mip.nai')).toBe('mn@home.example');
    expect(next.experts).toEqual([]);
  });

  it('pending datagrams are bounded by count (the oldest given up, with an expert item)', () => {
    const n = MAX_PENDING_DATAGRAMS + 10;
    const pkts = dissectAll(firstFragments(n).map(f => ({ ...f, tsSec: 1_790_000_000 })));
    expect(limitsOf(pkts[MAX_PENDING_DATAGRAMS - 1]!)).toEqual([]);
    expect(limitsOf(pkts[MAX_PENDING_DATAGRAMS]!).length).toBe(1);
    expect(pkts[MAX_PENDING_DATAGRAMS]!.all.some(n => typeof n.value === 'string' && n.value.includes('MAX_PENDING_DATAGRAMS'))).toBe(true);
    expect(value(pkts.at(-1)!, 'mip.nai')).toBe('mn@home.example');
  });

  it('an incomplete datagram older than the timeout is given up: its late fragment does not complete it', () => {
    const payload = new Uint8Array(3000).map((_, i) => i & 255);
    const frags = fragmentIpv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, id: 7, payload }, 1500).map((d, i) => ({ ...encodeLink({ kind: 'eth' }, d), tsSec: i === 0 ? 0 : FRAGMENT_TIMEOUT_SECONDS + 1, tsNsec: 0 }));
    const late = dissectAll(frags);
    expect(late.some(p => p.all.some(n => n.field?.abbrev === 'ip.fragment.count'))).toBe(false);
    const inTime = dissectAll(frags.map(f => ({ ...f, tsSec: 5 })));
    expect(value(inTime.at(-1)!, 'ip.fragment.count')).toBe(String(frags.length));
  });

  it('overlapping fragments reassemble in offset order (a higher offset overwrites), in any arrival order', () => {
    const s = new Session();
    const a = new Uint8Array(16).fill(1), b = new Uint8Array(8).fill(2), c = new Uint8Array(8).fill(3);
    expect(s.addFragment('k', 1, 16, false, c)).toBeNull();
    expect(s.addFragment('k', 2, 8, true, b)).toBeNull();
    const r = s.addFragment('k', 3, 0, true, a)!;
    expect([...r.data]).toEqual([...Array(8).fill(1), ...Array(8).fill(2), ...Array(8).fill(3)]);
    expect(r.frames).toEqual([3, 2, 1]);
  });

  it('a streaming pass keeps nothing once a datagram is complete', () => {
    const s = new Session();
    s.retain = false;
    const payload = new Uint8Array(3000);
    const frags = fragmentIpv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, id: 7, payload }, 1500);
    expect(frags.length).toBe(3);
    const d = encodeIpv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, payload });
    expect(d.length).toBe(3020);
    let r = null;
    for (let i = 0; i < 3; i++) r = s.addFragment('k', i + 1, i * 1480, i < 2, frags[i]!.subarray(20));
    expect(r!.data.length).toBe(3000);
    expect(s.reassembled.size + s.reassembledIn.size).toBe(0);
  });
});
