// tshark opens every sample, and agrees with mipscope on every standard field (the approach of
// test/dissector/tshark-diff.test.ts). Frames with KX negotiation payloads (112-115, read by
// tshark as short TLVs) or of types 8/9 (unknown to tshark) are left out, as are frames whose
// extension lengths run past the message: there mipscope shows what remains (docs/protocol.md §E.13).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../samples/generate.js';
import { CLI, ROOT } from '../helpers.js';
import { referenceFields } from '../helpers.js';

const SAMPLES = join(ROOT, 'samples');
const manifest = JSON.parse(readFileSync(join(SAMPLES, 'manifest.json'), 'utf8')) as Manifest;
/** The standard fields both tools decode: Wireshark's Mobile IP and ICMP mobility fields. */
const FIELDS = referenceFields();

function run(cmd: string, args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr.replace(/^Running as user .*\n/m, '') };
}

const totals = { compared: 0, diffs: 0, skipped: 0 };

describe('tshark and the samples', () => {
  for (const e of manifest.captures) {
    const file = join(SAMPLES, e.capture);
    it(`${e.capture}: tshark opens it and agrees on the standard fields`, () => {
      const args = ['-r', file, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', ...FIELDS.flatMap(f => ['-e', f])];
      const ts = run('tshark', args), ms = run(process.execPath, [CLI, ...args, '-e', 'mip.ext.type']);
      if (e.cutShort) {
        // The one sample cut in the middle of its last packet on purpose: tshark says so, exit 2.
        expect(ts.code).toBe(2);
        expect(ts.stderr).toMatch(/cut short in the middle of a packet/);
      } else {
        expect(ts.stderr).toBe('');
        expect(ts.code).toBe(0);
      }
      expect(ts.stderr).not.toMatch(/appears to be damaged or corrupt/);
      expect(ms.code).toBe(e.cutShort ? 2 : 0);
      const a = ts.stdout.split('\n'), b = ms.stdout.split('\n');
      expect(a.length).toBe(e.packets + 1); // every packet read, by both
      expect(b.length).toBe(a.length);
      const overrun = new Set(e.rule === 'MIP-WELL-FORMED' ? e.frames : []);
      const diffs: string[] = [];
      let compared = 0;
      for (let i = 0; i < a.length - 1; i++) {
        const x = a[i]!.split('\t'), y = b[i]!.split('\t');
        const types = y[FIELDS.length]!.split(',').map(Number), type = y[FIELDS.indexOf('mip.type')];
        if (overrun.has(i + 1) || types.some(t => t >= 112 && t <= 115) || type === '8' || type === '9') { totals.skipped++; continue; }
        FIELDS.forEach((f, j) => { compared++; if (x[j] !== y[j]) diffs.push(`#${i + 1} ${f}: tshark=${JSON.stringify(x[j])} mipscope=${JSON.stringify(y[j])}`); });
      }
      totals.compared += compared; totals.diffs += diffs.length;
      expect(diffs.slice(0, 10)).toEqual([]);
      // A sample made only of negotiation (112-115) messages has nothing tshark can read field by field.
      if (!compared) expect(a.length - 1).toBeLessThanOrEqual(8);
    }, 120_000);
  }
  it('reports the agreement figure', () => {
    console.log(`samples vs tshark: ${totals.compared - totals.diffs}/${totals.compared} field values agree (${totals.skipped} KX-only frames left out)`);
    expect(totals.compared).toBeGreaterThan(100_000);
    expect(totals.diffs).toBe(0);
  });
});
