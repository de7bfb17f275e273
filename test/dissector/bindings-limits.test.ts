import { describe, expect, it } from 'vitest';
import { BindingTable } from '../../dissector/bindings.js';
import { MAX_BINDINGS } from '../../dissector/limits.js';
import type { Packet } from '../../dissector/packet.js';

const pkt = (no: number) => ({ no, addExpert() { /* not reached below the binding limit */ } }) as unknown as Packet;

describe('binding table bounds', () => {
  it('forgets the request flags noted first once MAX_BINDINGS are pending, and a made binding only after MAX_BINDINGS more', () => {
    const t = new BindingTable();
    t.retain = false;
    const T = 0x02; // reverse tunnelling requested
    for (let id = 1; id <= MAX_BINDINGS + 5; id++) t.noteRequest(id, T, 0x0a000001);
    // 1..5 were forgotten (no flags: T off); 6 and the last keep theirs.
    expect(t.accept(pkt(1), 1, 0x0a000101, 0x0a000001, 0xc0000201, 1800, 1, 0)?.t).toBe(false);
    expect(t.accept(pkt(2), 6, 0x0a000102, 0x0a000001, 0xc0000201, 1800, 6, 0)?.t).toBe(true);
    expect(t.accept(pkt(3), MAX_BINDINGS + 5, 0x0a000103, 0x0a000001, 0xc0000201, 1800, MAX_BINDINGS + 5, 0)?.t).toBe(true);
    // A transaction makes one binding, however often its accepting reply is seen.
    expect(t.accept(pkt(4), 6, 0x0a000102, 0x0a000001, 0xc0000201, 1800, 6, 0)).toBeUndefined();
    // Re-noting a pending request takes its new flags.
    t.noteRequest(7, 0, 0x0a000001);
    expect(t.accept(pkt(5), 7, 0x0a000105, 0x0a000001, 0xc0000201, 1800, 7, 0)?.t).toBe(false);
    expect(t.accept(pkt(6), 8, 0x0a000104, 0x0a000001, 0xc0000201, 1800, 8, 0)?.t).toBe(true);
  });
});
