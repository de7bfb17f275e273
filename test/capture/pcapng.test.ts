import { describe, expect, it } from 'vitest';
import type { CaptureInfo } from '../../capture/frame.js';
import { parseCaptureBuffer } from '../../capture/read.js';
import { encodePcapng } from '../../capture/write.js';
import { makeFrames, pcapngBlocks, readEveryWay } from './helpers.js';

/** A little-endian block body for the obsolete Packet Block (type 2). */
function packetBlockBody(ifId: number, tsHigh: number, tsLow: number, data: Uint8Array, len = data.length): Buffer {
  const body = Buffer.alloc(20 + data.length);
  body.writeUInt16LE(ifId, 0);
  body.writeUInt16LE(0, 2); // drops
  body.writeUInt32LE(tsHigh, 4);
  body.writeUInt32LE(tsLow, 8);
  body.writeUInt32LE(data.length, 12);
  body.writeUInt32LE(len, 16);
  body.set(data, 20);
  return body;
}

describe('pcapng reader', () => {
  it('reads two sections of different byte orders, numbering interfaces and frames file-wide', async () => {
    const a = makeFrames(5, { linktype: (k) => (k % 2 ? 101 : 1) });
    const b = makeFrames(4, { linktype: 113, tsSec: 1800000000 });
    const bytes = Buffer.concat([encodePcapng(a), encodePcapng(b, { byteOrder: 'be', appName: 'second' })]);
    let info: CaptureInfo | undefined;
    const frames = [...parseCaptureBuffer(bytes, 'x', { onInfo: (i) => (info = i) })];
    expect(info!.byteOrder).toBe('le');
    expect(info!.interfaces.map((i) => [i.index, i.linktype, i.section])).toEqual([[0, 1, 0], [1, 101, 0], [2, 113, 1]]);
    expect(frames.map((f) => f.no)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(frames.map((f) => f.ifIndex)).toEqual([0, 1, 0, 1, 0, 2, 2, 2, 2]);
    expect(frames.map((f) => [f.tsSec, f.tsNsec])).toEqual([...a, ...b].map((f) => [f.tsSec, f.tsNsec]));
    const r = await readEveryWay(bytes);
    expect(r.error).toBeNull();
    expect(r.frames).toHaveLength(9);
  });

  it('a new section forgets the interfaces of the previous one', async () => {
    // Section 2 has no IDB but its EPB names interface 0: corrupt, after the 3 good frames.
    const first = encodePcapng(makeFrames(3));
    const { bytes: second, spans } = pcapngBlocks((w) => {
      w.addInterface({ linktype: 1 });
      w.writePacket({ tsSec: 1, tsNsec: 0, data: new Uint8Array(10) });
    });
    const withoutIdb = Buffer.concat([second.subarray(0, spans[1]![0]), second.subarray(spans[1]![1])]);
    const r = await readEveryWay(Buffer.concat([first, withoutIdb]));
    expect(r.frames).toHaveLength(3);
    expect(r.error).toMatch(/corrupt: packet refers to interface 0, but its section has 0 interfaces \(block 7 at offset \d+, after packet 3\)/);
  });

  it('applies if_tsresol per interface: 10^-6, 10^-9, 2^-20, 10^-3, 2^0', async () => {
    const { bytes } = pcapngBlocks((w) => {
      const ids = [6, 9, 0x80 | 20, 3, 0x80].map((tsresol) => w.addInterface({ linktype: 1, tsresol }));
      for (const ifIndex of ids) w.writePacket({ ifIndex, tsSec: 1700000000, tsNsec: 999_999_999, data: new Uint8Array(4) });
    });
    const frames = (await readEveryWay(bytes)).frames;
    expect(frames.map((f) => [f.tsSec, f.tsNsec])).toEqual([
      [1700000000, 999_999_000],
      [1700000000, 999_999_999],
      [1700000000, Math.floor((1048575 * 1e9) / 1048576)], // floor(999999999 · 2^20 / 1e9) = 1048575 units
      [1700000000, 999_000_000],
      [1700000000, 0],
    ]);
  });

  it('reads the raw 64-bit timestamp exactly, high word included', () => {
    // 2^-30 resolution and a count above 2^53: only exact 64-bit arithmetic gets this right.
    const { bytes, spans } = pcapngBlocks((w) => {
      w.addInterface({ linktype: 1, tsresol: 0x80 | 30 });
      w.writePacket({ tsSec: 0, tsNsec: 0, data: new Uint8Array(4) });
    });
    const epb = spans[2]![0];
    bytes.writeUInt32LE(0x7fffffff, epb + 12); // high
    bytes.writeUInt32LE(0xffffffff, epb + 16); // low
    const ts = (0x7fffffffn << 32n) | 0xffffffffn;
    const units = 1n << 30n;
    const [f] = [...parseCaptureBuffer(bytes)];
    expect([f!.tsSec, f!.tsNsec]).toEqual([Number(ts / units), Number(((ts % units) * 1000000000n) / units)]);
  });

  it('applies if_tsoffset', () => {
    const { bytes } = pcapngBlocks((w) => {
      w.addInterface({ linktype: 1, tsoffset: 1_600_000_000 });
      w.writePacket({ tsSec: 1_700_000_123, tsNsec: 5000, data: new Uint8Array(4) });
    });
    const [f] = [...parseCaptureBuffer(bytes)];
    expect([f!.tsSec, f!.tsNsec]).toEqual([1_700_000_123, 5000]);
  });

  it('reads Simple Packet Blocks: interface 0, captured length min(original, snaplen), no timestamp', async () => {
    const { bytes } = pcapngBlocks((w) => {
      w.addInterface({ linktype: 101, snaplen: 64 });
      w.addInterface({ linktype: 1 });
      w.writeSimplePacket({ data: new Uint8Array(50).fill(1) });
      w.writeSimplePacket({ data: new Uint8Array(200).fill(2) }); // cut to 64 bytes
      w.writePacket({ ifIndex: 1, tsSec: 5, tsNsec: 6000, data: new Uint8Array(10) });
    });
    const r = await readEveryWay(bytes);
    expect(r.error).toBeNull();
    expect(r.frames.map((f) => [f.no, f.ifIndex, f.linktype, f.caplen, f.len, f.tsSec, f.tsNsec])).toEqual([
      [1, 0, 101, 50, 50, 0, 0],
      [2, 0, 101, 64, 200, 0, 0],
      [3, 1, 1, 10, 10, 5, 6000],
    ]);
    expect(r.frames[1]!.data).toBe('01'.repeat(0) + '02'.repeat(64));
  });

  it('SPB with snaplen 0 (unlimited) takes the original length', () => {
    const { bytes } = pcapngBlocks((w) => {
      w.addInterface({ linktype: 1, snaplen: 0 });
      w.writeSimplePacket({ data: new Uint8Array(70) });
    });
    expect([...parseCaptureBuffer(bytes)].map((f) => f.caplen)).toEqual([70]);
  });

  it('reads the obsolete Packet Block (type 2)', async () => {
    const { bytes } = pcapngBlocks((w) => {
      w.addInterface({ linktype: 1 });
      w.addInterface({ linktype: 105, tsresol: 9 });
      w.writeBlock(2, packetBlockBody(1, 0, 1_000_000_007, new Uint8Array([9, 8, 7]), 60));
    });
    const r = await readEveryWay(bytes);
    expect(r.frames.map((f) => [f.ifIndex, f.linktype, f.tsSec, f.tsNsec, f.caplen, f.len, f.data])).toEqual([
      [1, 105, 1, 7, 3, 60, '090807'],
    ]);
  });

  it('skips unknown, custom, statistics, name-resolution and decryption-secrets blocks', async () => {
    const { bytes } = pcapngBlocks((w) => {
      w.writeBlock(0x00001234, new Uint8Array([1, 2, 3, 4, 5])); // unknown, before any IDB
      w.addInterface({ linktype: 1 });
      w.writePacket({ tsSec: 1, tsNsec: 0, data: new Uint8Array([1]) });
      w.writeBlock(4, new Uint8Array(4)); // NRB (nrb_record_end)
      w.writeBlock(5, new Uint8Array(12)); // ISB
      w.writeBlock(0x00000bad, new Uint8Array(4)); // custom block (copyable)
      w.writeBlock(0x40000bad, new Uint8Array(100)); // custom block (do not copy)
      w.writeBlock(10, new Uint8Array(8)); // decryption secrets
      w.writePacket({ tsSec: 2, tsNsec: 0, data: new Uint8Array([2]) });
    });
    const r = await readEveryWay(bytes);
    expect(r.error).toBeNull();
    expect(r.frames.map((f) => [f.no, f.tsSec, f.data])).toEqual([[1, 1, '01'], [2, 2, '02']]);
  });

  it('ignores EPB options and the SHB section length', () => {
    const { bytes, spans } = pcapngBlocks((w) => {
      w.addInterface({ linktype: 1 });
      // an EPB with an epb_flags option, built by hand in little-endian
      const body = Buffer.alloc(20 + 4 + 8 + 4);
      body.writeUInt32LE(0, 0);
      body.writeUInt32LE(0, 4);
      body.writeUInt32LE(1_000_000, 8);
      body.writeUInt32LE(3, 12);
      body.writeUInt32LE(3, 16);
      body.set([0xaa, 0xbb, 0xcc], 20);
      body.writeUInt16LE(2, 24); // epb_flags
      body.writeUInt16LE(4, 26);
      body.writeUInt32LE(1, 28);
      w.writeBlock(6, body);
    });
    bytes.writeBigUInt64LE(12345n, spans[0]![0] + 16);
    expect([...parseCaptureBuffer(bytes)].map((f) => [f.tsSec, f.data.length])).toEqual([[1, 3]]);
  });

  it('reports section options', () => {
    let info: CaptureInfo | undefined;
    [...parseCaptureBuffer(encodePcapng([], { appName: 'héllo' }), 'x', { onInfo: (i) => (info = i) })];
    expect(info).toMatchObject({ format: 'pcapng', version: '1.0', application: 'héllo', interfaces: [] });
  });
});
