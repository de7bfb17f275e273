// How a compiled filter reads a packet: one pass over pkt.all, whatever the number of fields,
// and state that does not leak from one packet to the next.
import { describe, expect, it } from 'vitest';
import { compileFilter } from '../../dissector/filter/index.js';
import type { Packet } from '../../dissector/index.js';
import { fixturePackets } from './fixtures.js';

const packets = fixturePackets();

/** The packet with its node list wrapped to count element reads. */
function counted(pkt: Packet): { view: Packet; reads: () => number } {
  let reads = 0;
  const all = new Proxy(pkt.all, {
    get(target, key, receiver) {
      if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
      return Reflect.get(target, key, receiver);
    },
  });
  return { view: Object.create(pkt, { all: { value: all } }) as Packet, reads: () => reads };
}

describe('evaluation', () => {
  const filters = [
    'mip.type == 1',
    'mip.type == 1 && ip.src == 10.0.0.0/8 && mip.nai contains "mn" || udp.port == 434 || mip.auth.status == "good"',
    'count(mip.ext.type) == 2 and ip.src#2 == 10.1.0.5 or _ws.expert.severity == "Error" or mip.ext.len.overrun',
    'not mip or mip.life + 1 > 100 and upper(mip.nai) matches "MN"',
  ];
  for (const text of filters) {
    it(`reads each node at most once: ${text}`, () => {
      const f = compileFilter(text);
      for (const pkt of packets) {
        const { view, reads } = counted(pkt);
        const result = f.match(view);
        expect(result).toBe(f.match(pkt));
        expect(reads()).toBeLessThanOrEqual(pkt.all.length);
      }
    });
  }

  it('keeps no state from one packet to the next', () => {
    const f = compileFilter('mip.nai == "mn1@home.example" && count(mip.ext.type) == 2');
    const forward = packets.map(p => f.match(p));
    const backward = [...packets].reverse().map(p => f.match(p)).reverse();
    expect(forward).toEqual(backward);
    expect(forward.filter(Boolean)).toHaveLength(2);
  });

  it('two compiled filters evaluate independently on the same packet', () => {
    const a = compileFilter('mip.type == 1'), b = compileFilter('mip.type == 3');
    for (const p of packets) expect(a.match(p) && b.match(p)).toBe(false);
  });
});
