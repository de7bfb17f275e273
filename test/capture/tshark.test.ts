/**
 * Files written by capture/write.ts must open in tshark, and tshark must see the same frames,
 * times and lengths as capture/read.ts. tshark is a required test dependency.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaptureSync } from '../../capture/read.js';
import { encodePcap, encodePcapng, writeCaptureFile } from '../../capture/write.js';
import { epoch, makeFrames, pcapngBlocks, tmpDir, tsharkFields } from './helpers.js';

/**
 * Our view in tshark's columns. tshark leaves frame.interface_id empty for pcap and, in 4.0,
 * numbers interfaces per section; we number them file-wide, so multi-section files map back.
 */
function ours(file: string): string[][] {
  let format = '';
  const firstOfSection = new Map<number, number>();
  const local: number[] = [];
  const frames = [...readCaptureSync(file, {
    onInfo: (i) => (format = i.format),
    onInterface: (i) => {
      if (!firstOfSection.has(i.section)) firstOfSection.set(i.section, i.index);
      local[i.index] = i.index - firstOfSection.get(i.section)!;
    },
  })];
  return frames.map((f) => [
    String(f.no), epoch(f.tsSec, f.tsNsec), String(f.len), String(f.caplen),
    format === 'pcapng' ? String(local[f.ifIndex]) : '',
  ]);
}

function write(name: string, bytes: Uint8Array): string {
  const file = path.join(tmpDir(), name);
  fs.writeFileSync(file, bytes);
  return file;
}

describe('tshark agrees with our reader on files we write', () => {
  it('tshark is installed', () => {
    expect(execFileSync('tshark', ['--version'], { encoding: 'utf8' })).toMatch(/^TShark/);
  });

  const frames = makeFrames(25, { size: (k) => 20 + k * 3 });

  const cases: [string, () => Uint8Array][] = [
    ['pcap-us-le.pcap', () => encodePcap(frames)],
    ['pcap-us-be.pcap', () => encodePcap(frames, { byteOrder: 'be' })],
    ['pcap-ns-le.pcap', () => encodePcap(frames, { nanosecond: true })],
    ['pcap-ns-be.pcap', () => encodePcap(frames, { nanosecond: true, byteOrder: 'be', snaplen: 64 })],
    ['ng-linktypes.pcapng', () => encodePcapng(makeFrames(30, { linktype: (k) => [1, 101, 113][k % 3]! }))],
    ['ng-resolutions.pcapng', () =>
      pcapngBlocks((w) => {
        const ids = [6, 9, 0x80 | 20, 3].map((tsresol, i) => w.addInterface({ linktype: 1, tsresol, name: `if${i}` }));
        frames.forEach((f, k) => w.writePacket({ ifIndex: ids[k % 4], tsSec: f.tsSec, tsNsec: f.tsNsec, data: f.data, len: f.data.length + k }));
      }).bytes],
    ['ng-two-sections.pcapng', () =>
      Buffer.concat([
        encodePcapng(frames.slice(0, 10)),
        encodePcapng(makeFrames(10, { linktype: 101, tsSec: 1800000000 }), { byteOrder: 'be', tsresol: 6 }),
      ])],
    ['ng-blocks.pcapng', () =>
      pcapngBlocks((w) => {
        w.addInterface({ linktype: 1, tsresol: 9 });
        w.writeBlock(0x00001234, new Uint8Array(8)); // unknown type: skipped by both
        w.writeBlock(4, new Uint8Array(4)); // name resolution, empty
        w.writePacket({ tsSec: 1700000000, tsNsec: 1, data: new Uint8Array(60) });
        w.writeBlock(5, new Uint8Array(12)); // interface statistics
        w.writePacket({ tsSec: 1700000001, tsNsec: 999999999, data: new Uint8Array(70), len: 1514 });
      }).bytes],
  ];

  for (const [name, build] of cases) {
    it(name, () => {
      const file = write(name, build());
      const mine = ours(file);
      expect(mine.length).toBeGreaterThan(0);
      expect(tsharkFields(file)).toEqual(mine);
    });
  }

  it('simple packet blocks: tshark sees the same lengths', () => {
    const file = write('ng-spb.pcapng', pcapngBlocks((w) => {
      w.addInterface({ linktype: 1, snaplen: 100 });
      w.writeSimplePacket({ data: new Uint8Array(60) });
      w.writeSimplePacket({ data: new Uint8Array(150) });
    }).bytes);
    // SPBs carry no time: compare number, len, cap_len only.
    const strip = (rows: string[][]) => rows.map(([no, , len, caplen]) => [no, len, caplen]);
    expect(strip(tsharkFields(file))).toEqual(strip(ours(file)));
  });

  it('writeCaptureFile output opens in capinfos with the right packet count', () => {
    const file = path.join(tmpDir(), 'capinfos.pcapng');
    writeCaptureFile(file, frames, 'pcapng');
    const out = execFileSync('capinfos', ['-c', '-M', file], { encoding: 'utf8' });
    expect(out).toMatch(/Number of packets:\s+25\b/);
  });
});
