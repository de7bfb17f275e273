// -x: tshark's hex dump layout, one block per data source, alone and after -V.
import { describe, expect, it } from 'vitest';
import { hexDumpBuffer, packetHexDump } from '../../dissector/output/hexdump.js';
import { concat } from '../../dissector/build.js';
import { dissectAll, writePcapng } from '../helpers.js';
import { corpusFile, mipscope, tshark } from './helpers.js';

describe('-x', () => {
  const file = corpusFile();

  it("prints exactly tshark's dump of every packet, reassembled buffers included", () => {
    const ours = mipscope(['-r', file, '-x']);
    expect(ours).toBe(tshark(['-r', file, '-x']));
    expect(ours).toContain('\nFrame (72 bytes):\n0000  02 00 00 00 02 01');
    expect(ours).toContain('\nReassembled IPv4 (326 bytes):\n0000  01 b2 01 b2 01 46 d8 b5 01 00 03 84 0a 01 00 05   .....F..........\n');
  });

  it('follows the -V tree with a blank line and the dump, as tshark does', () => {
    const dumpLines = (s: string) => s.split('\n').filter(l => /^([0-9a-f]{4,8}  |Frame \(|Reassembled )/.test(l));
    const ours = mipscope(['-r', file, '-V', '-x']), ref = tshark(['-r', file, '-V', '-x']);
    expect(dumpLines(ours)).toEqual(dumpLines(ref));
    const packets = ours.split(/\n(?=Frame \d+:)/);
    expect(packets).toHaveLength(40);
    for (const p of packets) expect(p).toMatch(/\n\n(?:0000  |Frame \(\d+ bytes\):\n0000  )[^\n]*\n(?:[^\n]+\n)*\n?$/);
    expect(ours.endsWith('\n\n')).toBe(true);
  });

  it('widens the offset column past 64 KiB, as tshark does', () => {
    // An Ethernet frame of a local experimental EtherType (0x88b5), dissected as data.
    const frame = { linktype: 1, data: concat(Uint8Array.of(2, 0, 0, 0, 2, 1, 2, 0, 0, 0, 1, 1, 0x88, 0xb5), new Uint8Array(70_000).map((_, i) => i * 7)), tsSec: 1_790_000_000, tsNsec: 0 };
    const capture = writePcapng([frame]);
    const ours = mipscope(['-r', capture, '-x']);
    expect(ours).toBe(tshark(['-r', capture, '-x']));
    expect(ours.split('\n').at(-3)).toMatch(/^11170  /);
  });

  it('lays out a buffer as offset, 16 hex bytes and ASCII', () => {
    expect(hexDumpBuffer(new Uint8Array(0))).toBe('');
    const b = Uint8Array.from({ length: 18 }, (_, i) => 0x3e + i);
    expect(hexDumpBuffer(b)).toBe(
      '0000  3e 3f 40 41 42 43 44 45 46 47 48 49 4a 4b 4c 4d   >?@ABCDEFGHIJKLM\n' +
      '0010  4e 4f                                             NO\n');
    const [pkt] = dissectAll([{ linktype: 101, data: Uint8Array.of(0x45, 0, 0, 20), tsSec: 0, tsNsec: 0 }]);
    expect(packetHexDump(pkt!)).toBe('0000  45 00 00 14                                       E...\n');
  });
});
