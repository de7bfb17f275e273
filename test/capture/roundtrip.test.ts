import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaptureFileError, type CaptureInfo, type InterfaceInfo } from '../../capture/frame.js';
import { parseCaptureBuffer, readCapture, readCaptureSync } from '../../capture/read.js';
import {
  PcapWriter,
  PcapngWriter,
  createFrameWriter,
  encodePcap,
  encodePcapng,
  writeCaptureFile,
} from '../../capture/write.js';
import { expectedNsec, makeFrames, readEveryWay, tmpDir } from './helpers.js';

describe('classic pcap round trip', () => {
  const frames = makeFrames(50);

  for (const byteOrder of ['le', 'be'] as const) {
    it(`microsecond, ${byteOrder}`, async () => {
      const bytes = encodePcap(frames, { byteOrder });
      const r = await readEveryWay(bytes);
      expect(r.error).toBeNull();
      expect(r.frames).toHaveLength(50);
      r.frames.forEach((f, k) => {
        const src = frames[k]!;
        expect(f).toEqual({
          no: k + 1, tsSec: src.tsSec, tsNsec: expectedNsec(src.tsNsec, 6), linktype: 1,
          caplen: src.data.length, len: src.data.length, ifIndex: 0, data: Buffer.from(src.data).toString('hex'),
        });
      });
    });

    it(`nanosecond, ${byteOrder}`, async () => {
      const bytes = encodePcap(frames, { byteOrder, nanosecond: true });
      const r = await readEveryWay(bytes);
      expect(r.error).toBeNull();
      expect(r.frames.map((f) => [f.tsSec, f.tsNsec])).toEqual(frames.map((f) => [f.tsSec, f.tsNsec]));
    });
  }

  it('writes the magic numbers of the spec (header sanity)', () => {
    const one = makeFrames(1);
    expect(encodePcap(one).subarray(0, 4).toString('hex')).toBe('d4c3b2a1');
    expect(encodePcap(one, { byteOrder: 'be' }).subarray(0, 4).toString('hex')).toBe('a1b2c3d4');
    expect(encodePcap(one, { nanosecond: true }).subarray(0, 4).toString('hex')).toBe('4d3cb2a1');
    expect(encodePcap(one, { nanosecond: true, byteOrder: 'be' }).subarray(0, 4).toString('hex')).toBe('a1b23c4d');
    expect(encodePcapng(one).subarray(0, 12).toString('hex')).toBe('0a0d0d0a' + '2c000000' + '4d3c2b1a');
  });

  it('a big-endian file made by byte-swapping a little-endian one reads the same', async () => {
    const le = encodePcap(frames);
    const be = Buffer.from(le);
    const swap = (off: number, width: 2 | 4) => be.subarray(off, off + width).reverse();
    [0, 8, 12, 16, 20].forEach((o) => swap(o, 4));
    swap(4, 2); swap(6, 2);
    for (let off = 24; off < be.length;) {
      const caplen = le.readUInt32LE(off + 8);
      for (let i = 0; i < 4; i++) swap(off + 4 * i, 4);
      off += 16 + caplen;
    }
    expect(await readEveryWay(be)).toEqual(await readEveryWay(le));
  });

  it('keeps the original length of a snapped packet and masks the FCS bits of the link type', async () => {
    const big = makeFrames(3, { size: () => 300 });
    const bytes = encodePcap(big, { snaplen: 128 });
    bytes.writeUInt32LE(1 | (1 << 28) | (1 << 26), 20); // FCS present, 4 bytes
    const r = await readEveryWay(bytes);
    expect(r.frames.map((f) => [f.caplen, f.len, f.linktype])).toEqual([[128, 300, 1], [128, 300, 1], [128, 300, 1]]);
  });

  it('carries an out-of-range microsecond field into the seconds', async () => {
    const bytes = encodePcap(makeFrames(1, { nsec: () => 0 }));
    bytes.writeUInt32LE(2_500_000, 24 + 4);
    const r = await readEveryWay(bytes);
    expect([r.frames[0]!.tsSec, r.frames[0]!.tsNsec]).toEqual([1700000002, 500_000_000]);
  });

  it('reports file info and the interface', () => {
    let info: CaptureInfo | undefined;
    const ifaces: InterfaceInfo[] = [];
    const bytes = encodePcap(makeFrames(2, { linktype: 101 }), { nanosecond: true, byteOrder: 'be', snaplen: 1500 });
    [...parseCaptureBuffer(bytes, 'x', { onInfo: (i) => (info = i), onInterface: (i) => ifaces.push(i) })];
    expect(info).toMatchObject({ format: 'pcap-ns', byteOrder: 'be', version: '2.4' });
    expect(ifaces).toEqual([{ index: 0, linktype: 101, snaplen: 1500, tsresol: 9, tsoffset: 0, section: 0 }]);
  });

  it('reports the same info through pcap-parser', async () => {
    let info: CaptureInfo | undefined;
    const file = path.join(tmpDir(), 'info.pcap');
    fs.writeFileSync(file, encodePcap(makeFrames(2, { linktype: 113 }), { byteOrder: 'be', snaplen: 2000 }));
    for await (const _ of readCapture(file, { pcapEngine: 'pcap-parser', onInfo: (i) => (info = i) })) { /* drain */ }
    expect(info).toMatchObject({ format: 'pcap', byteOrder: 'be', version: '2.4', interfaces: [{ linktype: 113, snaplen: 2000, tsresol: 6 }] });
  });
});

describe('pcapng round trip', () => {
  it('one IDB per distinct link type, exact nanoseconds by default', async () => {
    const frames = makeFrames(30, { linktype: (k) => [1, 101, 113][k % 3]! });
    const bytes = encodePcapng(frames);
    let info: CaptureInfo | undefined;
    [...parseCaptureBuffer(bytes, 'x', { onInfo: (i) => (info = i) })];
    expect(info!.interfaces.map((i) => [i.index, i.linktype, i.tsresol])).toEqual([[0, 1, 9], [1, 101, 9], [2, 113, 9]]);
    expect(info!.application).toBe('mipscope');
    const r = await readEveryWay(bytes);
    expect(r.error).toBeNull();
    r.frames.forEach((f, k) => {
      expect([f.linktype, f.ifIndex, f.tsSec, f.tsNsec]).toEqual([frames[k]!.linktype, k % 3, frames[k]!.tsSec, frames[k]!.tsNsec]);
      expect(f.data).toBe(Buffer.from(frames[k]!.data).toString('hex'));
    });
  });

  it('keeps apart interfaces that share a link type (ifIndex + linktype key)', () => {
    const frames = makeFrames(6, { ifIndex: (k) => k % 2 });
    const out = [...parseCaptureBuffer(encodePcapng(frames))];
    expect(out.map((f) => f.ifIndex)).toEqual([0, 1, 0, 1, 0, 1]);
  });

  it('PcapngWriter: names, resolutions, offsets, snaplen, big-endian', async () => {
    for (const byteOrder of ['le', 'be'] as const) {
      const chunks: Uint8Array[] = [];
      const w = new PcapngWriter((c) => chunks.push(c), { appName: 'test-app', byteOrder });
      const a = w.addInterface({ linktype: 1, name: 'eth0', description: 'wired', tsresol: 6 });
      const b = w.addInterface({ linktype: 101, name: 'tun0', tsresol: 9, snaplen: 64, tsoffset: 1_000_000 });
      const c = w.addInterface({ linktype: 113, tsresol: 0x80 | 20 });
      const data = new Uint8Array(100).map((_, i) => i);
      w.writePacket({ ifIndex: a, tsSec: 1700000000, tsNsec: 123456789, data });
      w.writePacket({ ifIndex: b, tsSec: 1700000001, tsNsec: 987654321, data, len: 1500 });
      w.writePacket({ ifIndex: c, tsSec: 1700000002, tsNsec: 500000000, data });
      w.close();
      const bytes = Buffer.concat(chunks);
      let info: CaptureInfo | undefined;
      const frames = [...parseCaptureBuffer(bytes, 'x', { onInfo: (i) => (info = i) })];
      expect(info!.byteOrder).toBe(byteOrder);
      expect(info!.application).toBe('test-app');
      expect(info!.interfaces.map((i) => [i.name, i.description, i.snaplen, i.tsresol, i.tsoffset])).toEqual([
        ['eth0', 'wired', 262144, 6, 0], ['tun0', undefined, 64, 9, 1_000_000], [undefined, undefined, 262144, 0x94, 0],
      ]);
      expect(frames.map((f) => [f.tsSec, f.tsNsec, f.caplen, f.len])).toEqual([
        [1700000000, 123456000, 100, 100], [1700000001, 987654321, 64, 1500], [1700000002, 500000000, 100, 100],
      ]);
      expect((await readEveryWay(bytes)).frames).toHaveLength(3);
    }
  });

  it('2^-n resolution: the writer picks units that read back as the same nanoseconds', () => {
    const w: Uint8Array[] = [];
    const writer = new PcapngWriter((c) => w.push(c));
    writer.addInterface({ linktype: 1, tsresol: 0x80 | 20 });
    // nanoseconds that a 2^-20 clock can produce: floor(u * 1e9 / 2^20)
    const nsecs = [1, 2, 3, 1000, 524288, 1048575].map((u) => Math.floor((u * 1e9) / 1048576));
    for (const ns of nsecs) writer.writePacket({ tsSec: 1, tsNsec: ns, data: new Uint8Array(1) });
    writer.close();
    expect([...parseCaptureBuffer(Buffer.concat(w))].map((f) => f.tsNsec)).toEqual(nsecs);
  });

  it('timestamps beyond 2^53 units go through exact 64-bit arithmetic', () => {
    const w: Uint8Array[] = [];
    const writer = new PcapngWriter((c) => w.push(c));
    writer.addInterface({ linktype: 1, tsresol: 9 });
    writer.addInterface({ linktype: 1, tsresol: 12 }); // picoseconds
    writer.writePacket({ ifIndex: 0, tsSec: 4_000_000_000, tsNsec: 999_999_999, data: new Uint8Array(1) });
    writer.writePacket({ ifIndex: 1, tsSec: 10_000_000, tsNsec: 1, data: new Uint8Array(1) });
    writer.close();
    expect([...parseCaptureBuffer(Buffer.concat(w))].map((f) => [f.tsSec, f.tsNsec])).toEqual([
      [4_000_000_000, 999_999_999], [10_000_000, 1],
    ]);
  });

  it('writes to a file path and to a frame writer that copies interface info', () => {
    const file = path.join(tmpDir(), 'w.pcapng');
    const src = makeFrames(4, { linktype: (k) => (k < 2 ? 1 : 101) });
    writeCaptureFile(file, src, 'pcapng');
    let info: CaptureInfo | undefined;
    const read = [...readCaptureSync(file, { onInfo: (i) => (info = i) })];
    expect(read.map((f) => f.linktype)).toEqual([1, 1, 101, 101]);
    const copy = path.join(tmpDir(), 'copy.pcapng');
    const interfaces = info!.interfaces.map((i) => ({ ...i, name: `if${i.index}`, tsresol: 6 }));
    const writer = createFrameWriter(copy, 'pcapng', { interfaces });
    for (const f of read) writer.write(f);
    writer.close();
    let info2: CaptureInfo | undefined;
    const again = [...readCaptureSync(copy, { onInfo: (i) => (info2 = i) })];
    expect(info2!.interfaces.map((i) => [i.name, i.tsresol])).toEqual([['if0', 6], ['if1', 6]]);
    expect(again.map((f) => f.tsNsec)).toEqual(read.map((f) => expectedNsec(f.tsNsec, 6)));
  });

  it('writeCaptureFile picks the format from the extension', () => {
    const file = path.join(tmpDir(), 'ext.pcap');
    writeCaptureFile(file, makeFrames(2));
    expect(fs.readFileSync(file).subarray(0, 4).toString('hex')).toBe('d4c3b2a1');
  });

  it('pcap refuses several link types with a clear error', () => {
    const mixed = makeFrames(2, { linktype: (k) => (k ? 101 : 1) });
    expect(() => encodePcap(mixed)).toThrow(CaptureFileError);
    expect(() => encodePcap(mixed)).toThrow(/link types 1, 101.*pcapng/);
    const file = path.join(tmpDir(), 'mixed.pcap');
    expect(() => writeCaptureFile(file, mixed, 'pcap')).toThrow(/pcap holds only one/);
    const w = createFrameWriter(() => {}, 'pcap');
    w.write(mixed[0]!);
    expect(() => w.write(mixed[1]!)).toThrow(CaptureFileError);
  });

  it('writer errors are CaptureFileErrors naming the path; bad arguments are RangeErrors', () => {
    expect(() => new PcapWriter('/nonexistent-dir/x.pcap', { linktype: 1 })).toThrow(
      "cannot write capture file '/nonexistent-dir/x.pcap': no such directory",
    );
    const w = new PcapngWriter(() => {});
    expect(() => w.writePacket({ tsSec: 0, tsNsec: 0, data: new Uint8Array(1) })).toThrow(/addInterface/);
    w.addInterface({ linktype: 1 });
    expect(() => w.writePacket({ tsSec: 0, tsNsec: 1e9, data: new Uint8Array(1) })).toThrow(RangeError);
    w.close();
    expect(() => w.writePacket({ tsSec: 0, tsNsec: 0, data: new Uint8Array(1) })).toThrow(/closed/);
  });

  it('an empty frame list still makes a valid (empty) file', async () => {
    expect((await readEveryWay(encodePcapng([]))).frames).toEqual([]);
    expect((await readEveryWay(encodePcap([]))).frames).toEqual([]);
  });
});
