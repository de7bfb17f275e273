import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaptureFileError, MAX_RECORD_LENGTH } from '../../capture/frame.js';
import { readCapture, readCaptureSync } from '../../capture/read.js';
import { encodePcap } from '../../capture/write.js';
import { makeFrames, pcapngBlocks, readAsyncAll, readEveryWay, readFileSyncAll, tmpDir, tmpFile } from './helpers.js';

const LABEL = /'[^']*'/g; // file names differ between cases; compare messages without them

describe('truncated files: every complete frame, then CaptureFileError', () => {
  it('classic pcap (µs and ns), cut at every byte', async () => {
    for (const nanosecond of [false, true]) {
      const frames = makeFrames(4, { size: (k) => 20 + k });
      const bytes = encodePcap(frames, { nanosecond });
      const ends: number[] = [];
      let at = 24;
      for (const f of frames) ends.push((at += 16 + f.data.length));
      for (let cut = 0; cut <= bytes.length; cut++) {
        const r = await readEveryWay(bytes.subarray(0, cut), cut);
        const complete = ends.filter((e) => e <= cut).length;
        expect(r.frames.map((f) => f.no)).toEqual(Array.from({ length: complete }, (_, i) => i + 1));
        const clean = cut === 24 || ends.includes(cut);
        if (clean) {
          expect(r.error).toBeNull();
        } else {
          expect(r.error).not.toBeNull();
          const msg = r.error!.replace(LABEL, "'F'");
          if (cut === 0) expect(msg).toBe("capture file 'F' is empty");
          else if (cut < 4) expect(msg).toBe(`capture file 'F' is too short to be a capture file (${cut} bytes)`);
          else if (cut < 24) expect(msg).toBe(`capture file 'F' is cut short in the file header (${cut} of 24 bytes)`);
          else {
            const start = complete === 0 ? 24 : ends[complete - 1]!;
            const rest = cut - start;
            if (rest < 16) {
              expect(msg).toBe(`capture file 'F' is cut short in the record header of packet ${complete + 1} (${rest} of 16 bytes)`);
            } else {
              expect(msg).toBe(
                `capture file 'F' is cut short in the middle of packet ${complete + 1} (record header says ${20 + complete} bytes, ${rest - 16} remain)`,
              );
            }
          }
        }
      }
    }
  });

  it('pcapng, cut at every byte (SHB, IDBs, EPB, SPB, PB, unknown block, second section)', async () => {
    const kinds: ('packet' | 'other')[] = ['other']; // the SHB
    const { bytes, spans } = pcapngBlocks((w) => {
      w.addInterface({ linktype: 1, name: 'eth0' }); kinds.push('other');
      w.addInterface({ linktype: 101, tsresol: 9 }); kinds.push('other');
      w.writePacket({ ifIndex: 0, tsSec: 1, tsNsec: 1000, data: new Uint8Array(13) }); kinds.push('packet');
      w.writeBlock(0x1234, new Uint8Array(6)); kinds.push('other');
      w.writeSimplePacket({ data: new Uint8Array(9) }); kinds.push('packet');
      w.writePacket({ ifIndex: 1, tsSec: 2, tsNsec: 5, data: new Uint8Array(30) }); kinds.push('packet');
    });
    const second = pcapngBlocks((w) => {
      w.addInterface({ linktype: 113 });
      w.writePacket({ tsSec: 3, tsNsec: 0, data: new Uint8Array(7) });
    }, { byteOrder: 'be' });
    kinds.push('other', 'other', 'packet');
    const all = Buffer.concat([bytes, second.bytes]);
    const ends = [...spans.map((s) => s[1]), ...second.spans.map((s) => s[1] + bytes.length)];
    const packetEnds = ends.filter((_, i) => kinds[i] === 'packet');
    for (let cut = 0; cut <= all.length; cut++) {
      const r = await readEveryWay(all.subarray(0, cut), cut);
      const complete = packetEnds.filter((e) => e <= cut).length;
      expect(r.frames).toHaveLength(complete);
      if (ends.includes(cut)) {
        expect(r.error).toBeNull();
        continue;
      }
      const msg = r.error!.replace(LABEL, "'F'");
      if (cut === 0) { expect(msg).toBe("capture file 'F' is empty"); continue; }
      if (cut < 4) { expect(msg).toMatch(/too short/); continue; }
      const blockIndex = ends.findIndex((e) => e > cut);
      const start = blockIndex === 0 ? 0 : ends[blockIndex - 1]!;
      const rest = cut - start;
      if (rest < 12) {
        expect(msg).toBe(`capture file 'F' is cut short in the middle of a block header (${rest} of at least 12 bytes) at offset ${start}`);
      } else if (kinds[blockIndex] === 'packet') {
        expect(msg).toMatch(new RegExp(`^capture file 'F' is cut short in the middle of packet ${complete + 1} \\((enhanced|simple) packet block\\) \\(block length says \\d+ bytes, ${rest} remain\\) at offset ${start}$`));
      } else {
        expect(msg).toMatch(new RegExp(`^capture file 'F' is cut short in the middle of a (section header block|interface description block|block of type 0x00001234) \\(block length says \\d+ bytes, ${rest} remain\\) at offset ${start}$`));
      }
    }
  });
});

describe('corrupt files', () => {
  const threeFrames = () => encodePcap(makeFrames(3, { size: () => 20 }));

  it('a huge pcap record length: frames before it, then "corrupt", without a huge allocation', async () => {
    for (const caplen of [MAX_RECORD_LENGTH + 1, 0xffffffff]) {
      const bytes = threeFrames();
      bytes.writeUInt32LE(caplen, 24 + 2 * 36 + 8); // third record
      const r = await readEveryWay(bytes);
      expect(r.frames).toHaveLength(2);
      expect(r.error!.replace(LABEL, "'F'")).toBe(
        `capture file 'F' is corrupt: packet 3 at offset 96 claims ${caplen} captured bytes (more than ${MAX_RECORD_LENGTH})`,
      );
    }
  });

  it('a plausible but wrong pcap record length reads as a cut-off file', async () => {
    const bytes = threeFrames();
    bytes.writeUInt32LE(1000, 24 + 36 + 8);
    const r = await readEveryWay(bytes);
    expect(r.frames).toHaveLength(1);
    expect(r.error).toMatch(/cut short in the middle of packet 2 \(record header says 1000 bytes, 56 remain\)/);
  });

  it('pcap version other than 2.x (both engines, same words)', async () => {
    const bytes = threeFrames();
    bytes.writeUInt16LE(3, 4);
    bytes.writeUInt16LE(5, 6);
    const r = await readEveryWay(bytes);
    expect(r.frames).toEqual([]);
    expect(r.error).toMatch(/is pcap version 3\.5; only version 2\.x is supported$/);
  });

  const ngFile = () =>
    pcapngBlocks((w) => {
      w.addInterface({ linktype: 1, name: 'eth0' });
      w.writePacket({ tsSec: 1, tsNsec: 0, data: new Uint8Array(8) });
      w.writePacket({ tsSec: 2, tsNsec: 0, data: new Uint8Array(8) });
      w.writePacket({ tsSec: 3, tsNsec: 0, data: new Uint8Array(8) });
    });

  const ngCases: [string, (b: Buffer, s: [number, number][]) => void, number, RegExp][] = [
    ['trailing length differs', (b, s) => b.writeUInt32LE(999, s[3]![1] - 4), 1, /block total length 40 does not match its trailing copy 999 \(block 4 at offset \d+, after packet 1\)/],
    ['length not a multiple of 4', (b, s) => b.writeUInt32LE(42, s[3]![0] + 4), 1, /block total length 42 is not a multiple of 4/],
    ['length below 12', (b, s) => b.writeUInt32LE(8, s[3]![0] + 4), 1, /block total length 8 is less than 12/],
    ['huge length', (b, s) => b.writeUInt32LE(0xfffffff0, s[3]![0] + 4), 1, /block total length 4294967280 is larger than 268435456/],
    ['EPB captured length beyond its block', (b, s) => b.writeUInt32LE(100, s[3]![0] + 20), 1, /enhanced packet block of 40 bytes cannot hold 100 captured bytes/],
    ['EPB names a missing interface', (b, s) => b.writeUInt32LE(7, s[4]![0] + 8), 2, /packet refers to interface 7, but its section has 1 interface \(/],
    ['bad byte-order magic', (b) => b.writeUInt32LE(0x12345678, 8), 0, /section header has a bad byte-order magic 0x78563412/],
    ['pcapng major version 2', (b) => b.writeUInt16LE(2, 12), 0, /has a pcapng section of version 2\.0 at offset 0; only version 1\.x is supported/],
    ['IDB option runs past its block', (b, s) => b.writeUInt32LE(0x00ff0009, s[1]![0] + 16), 0, /option 9 runs past the end of its block/],
    ['short EPB', (b, s) => { b.writeUInt32LE(28, s[3]![0] + 4); b.writeUInt32LE(28, s[3]![0] + 24); }, 1, /enhanced packet block length 28 is less than 32/],
  ];
  for (const [name, damage, good, message] of ngCases) {
    it(`pcapng: ${name}`, async () => {
      const { bytes, spans } = ngFile();
      damage(bytes, spans);
      const r = await readEveryWay(bytes);
      expect(r.frames).toHaveLength(good);
      expect(r.error).toMatch(message);
      expect(r.error).toMatch(/^capture file '.*' (is corrupt: |has a pcapng section)/);
    });
  }

  it('pcapng: unusable if_tsresol', async () => {
    const { bytes } = pcapngBlocks((w) => {
      w.addInterface({ linktype: 1, tsresol: 9 });
      w.writePacket({ tsSec: 1, tsNsec: 0, data: new Uint8Array(8) });
    });
    const at = bytes.indexOf(Buffer.from([9, 0, 1, 0, 9])); // if_tsresol option, value 9
    bytes[at + 4] = 0x80 | 100;
    const r = await readEveryWay(bytes);
    expect(r.error).toMatch(/interface 0 has an unusable if_tsresol 0xe4/);
  });

  it('pcapng: SPB before any IDB', async () => {
    const { bytes } = pcapngBlocks((w) => w.writeBlock(3, new Uint8Array(8)));
    expect((await readEveryWay(bytes)).error).toMatch(/packet refers to interface 0, but its section has 0 interfaces/);
  });
});

describe('not a capture file', () => {
  it('garbage magic', async () => {
    const r = await readEveryWay(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    expect(r.frames).toEqual([]);
    expect(r.error).toMatch(/^'.*' is not a pcap or pcapng capture file \(magic 0x47455420\)$/);
  });

  it('Kuznetzov pcap gets its own message', async () => {
    const bytes = encodePcap(makeFrames(1));
    bytes.writeUInt32LE(0xa1b2cd34, 0);
    expect((await readEveryWay(bytes)).error).toMatch(/modified \(Kuznetzov\) pcap file, which is not supported/);
  });

  it('empty file and a 3-byte file', async () => {
    expect((await readEveryWay(new Uint8Array(0))).error).toMatch(/^capture file '.*' is empty$/);
    expect((await readEveryWay(new Uint8Array(3))).error).toMatch(/is too short to be a capture file \(3 bytes\)$/);
  });

  it('missing file, sync and async', async () => {
    const missing = path.join(tmpDir(), 'does-not-exist.pcap');
    const expected = `cannot read capture file '${missing}': no such file or directory`;
    expect(readFileSyncAll(missing)).toEqual({ frames: [], error: expected });
    expect(await readAsyncAll(readCapture(missing))).toEqual({ frames: [], error: expected });
  });

  it('a directory, sync and async', async () => {
    const dir = tmpDir();
    const expected = `cannot read capture file '${dir}': it is a directory`;
    expect(readFileSyncAll(dir)).toEqual({ frames: [], error: expected });
    expect(await readAsyncAll(readCapture(dir))).toEqual({ frames: [], error: expected });
  });

  it('errors are CaptureFileError instances with one line and no cause chain', () => {
    const file = tmpFile(Buffer.from('nope nope'));
    try {
      [...readCaptureSync(file)];
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(CaptureFileError);
      expect((err as Error).name).toBe('CaptureFileError');
      expect((err as Error).message).not.toMatch(/\n/);
    }
    fs.unlinkSync(file);
  });

  it('closes the file when the consumer stops early', () => {
    const file = tmpFile(encodePcap(makeFrames(10)));
    for (let i = 0; i < 50; i++) {
      for (const f of readCaptureSync(file)) { if (f.no === 2) break; }
    }
    fs.unlinkSync(file);
  });
});
