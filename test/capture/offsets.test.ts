// readCaptureSync's onFrameOffset: the file position of each frame's data, so a viewer can read
// a frame again later without keeping it (the TUI's offset index).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaptureSync } from '../../capture/read.js';
import { encodePcap } from '../../capture/write.js';
import { ROOT, tmpFile } from '../helpers.js';

function check(path: string): number {
  const file = readFileSync(path);
  let offset = -2, n = 0;
  for (const f of readCaptureSync(path, { onFrameOffset: o => { offset = o; } })) {
    expect(offset).toBeGreaterThan(0);
    expect(Buffer.from(file.subarray(offset, offset + f.caplen)).equals(Buffer.from(f.data))).toBe(true);
    n++;
  }
  return n;
}

describe('frame offsets', () => {
  it('point at each frame of a pcapng file', () => {
    expect(check(join(ROOT, 'samples', 'captures', 'kx-aaa.pcapng'))).toBe(53);
  });
  it('point at each frame of a pcap file, across read chunks', () => {
    const frames = Array.from({ length: 5000 }, (_, i) => ({ tsSec: 1_700_000_000 + i, tsNsec: 0, linktype: 1, data: new Uint8Array(60 + (i % 90)).fill(i & 0xff) }));
    expect(check(tmpFile('many.pcap', encodePcap(frames)))).toBe(5000);
  });
});
