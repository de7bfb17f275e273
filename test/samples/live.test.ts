// The same agents over real UDP sockets on 127.0.0.x: the flow exchanges the same messages as
// in-process (addresses, times and random bytes aside), and nothing leaves loopback.
import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../samples/agents/wire.js';
import { liveFlow, runLiveFlow } from '../../samples/live.js';
import { runSimulation } from '../../samples/sim/world.js';

/** A message without its addresses, times and random bytes: type, code, lifetime, extension layout. */
function shape(payload: Uint8Array): string {
  const m = parseMessage(payload);
  return `${m.type}/${m.code}/${m.lifetime}/${m.homeAddr === 0 ? 'hidden' : 'shown'} ${m.exts.map(e => `${e.type}:${e.end - e.offset}`).join(',')}`;
}

/** Per link (sender → receiver): the shapes in the order sent. */
function links(sent: Array<{ from: string; to: string; payload: Uint8Array; proto?: string }>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const s of sent) {
    if (s.proto === 'icmp') continue; // no ICMP on UDP sockets: advertisements exist in-process only
    const k = `${s.from}→${s.to}`;
    out.set(k, [...(out.get(k) ?? []), shape(s.payload)]);
  }
  return out;
}

// A port of its own, so that a live capture elsewhere on port 434 is not disturbed.
const PORT = 20000 + (process.pid % 20000);

describe('live runs on loopback', () => {
  for (const name of ['stateful', 'aaa', 'dh', 'denials']) {
    it(`${name}: the same message sequence as in-process`, async () => {
      const sim = runSimulation(liveFlow(name));
      const live = await runLiveFlow(name, { port: PORT });
      expect(live.sent.length).toBeGreaterThan(10);
      for (const s of live.sent) {
        expect(s.srcIp).toMatch(/^127\./);
        expect(s.dstIp).toMatch(/^127\./);
      }
      const a = links(sim.sent), b = links(live.sent);
      expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
      for (const [k, seq] of a) {
        // A mobile node's own exchanges happen in one order; where several nodes share a link
        // (FA↔HA, HA↔KDC) their messages may interleave differently on real sockets.
        if (k.includes('mn')) expect(b.get(k), k).toEqual(seq);
        else expect([...b.get(k)!].sort(), k).toEqual([...seq].sort());
      }
      // Same seeds, same pre-shared keys.
      expect(live.keys.sas).toEqual(sim.keys.sas);
    }, 60_000);
  }
});
