// A full disk (here: the file size limit, which fails writes the same way) while writing -w:
// one clear error line, exit 2, and a file that reads cleanly up to the last whole packet.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { firstFragments } from '../../bench/hostile.js';
import { readCaptureSync } from '../../capture/read.js';
import { CLI, writePcapng } from '../helpers.js';

describe('writing to a full disk', () => {
  for (const format of ['pcapng', 'pcap'] as const) {
    it(`-F ${format}: one error line, exit 2, the file readable up to the last complete packet`, () => {
      const frames = firstFragments(2000);
      const input = writePcapng(frames);
      const out = join(mkdtempSync(join(tmpdir(), 'mipscope-full-')), `out.${format}`);
      // ulimit -f 16: 8 KiB (512-byte blocks) or 16 KiB; writes past it fail with EFBIG, as ENOSPC would.
      const r = spawnSync('sh', ['-c', `ulimit -f 16; exec "${process.execPath}" "${CLI}" -r "${input}" -w "${out}" -F ${format}`], { encoding: 'utf8' });
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toEqual([`mipscope: cannot write capture file '${out}': file too large (the file size limit is reached)`]);
      const back = [...readCaptureSync(out)];
      expect(back.length).toBeGreaterThan(10);
      expect(back.length).toBeLessThan(frames.length);
      back.forEach((f, i) => expect(Buffer.from(f.data).equals(Buffer.from(frames[i]!.data))).toBe(true));
    });
  }
});
