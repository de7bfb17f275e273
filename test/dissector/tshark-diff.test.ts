// Differential test: tshark and mipscope read the same captures, and every standard mip.* and
// icmp.mip.* field must have the same values on every frame.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { standardFrames } from '../../samples/standard.js';
import { randomFrames } from '../fixtures/random-mip.js';
import { VECTORS, runCli, runTshark, writePcapng } from '../helpers.js';
import { referenceFields } from '../helpers.js';

/** The standard fields both tools decode: Wireshark's Mobile IP and ICMP mobility fields. */
const FIELDS = referenceFields();

interface Diff { frame: number; field: string; tshark: string; mipscope: string }

/** Compares the two tools on one file; frames where `skip` says so are left out. */
function compare(file: string): { compared: number; frames: number; skipped: number; diffs: Diff[] } {
  const args = ['-r', file, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', ...FIELDS.flatMap(f => ['-e', f])];
  const ts = runTshark(args).split('\n');
  const ms = runCli([...args, '-e', 'mip.ext.type']);
  expect(ms.stderr).toBe('');
  expect(ms.code).toBe(0);
  const ml = ms.stdout.split('\n');
  expect(ml.length).toBe(ts.length);
  const diffs: Diff[] = [];
  let compared = 0, skipped = 0;
  for (let i = 0; i < ts.length - 1; i++) {
    const a = ts[i]!.split('\t'), b = ml[i]!.split('\t');
    // KX negotiation payloads (112-115) use the long format that tshark, not knowing them, reads
    // as short TLVs (docs/protocol.md §B): the extension fields after one cannot agree, so skip the frame.
    const extTypes = b[FIELDS.length]!.split(',').map(Number);
    // Types 8 and 9 (KX general-purpose messages) are unknown to tshark, which then shows no mip fields.
    if (extTypes.some(t => t >= 112 && t <= 115) || b[FIELDS.indexOf("mip.type")] === "8" || b[FIELDS.indexOf("mip.type")] === "9") { skipped++; continue; }
    FIELDS.forEach((f, j) => {
      compared++;
      if (a[j] !== b[j]) diffs.push({ frame: i + 1, field: f, tshark: a[j]!, mipscope: b[j]! });
    });
  }
  return { compared, frames: ts.length - 1, skipped, diffs };
}

describe('agreement with tshark on standard fields', () => {
  const cases: Array<[string, () => string]> = [
    ['standard corpus (every extension, link type, fragments, advertisements)', () => writePcapng(standardFrames())],
    ['randomized messages (seeded)', () => writePcapng(randomFrames(1, 400))],
    ['randomized messages, second seed', () => writePcapng(randomFrames(2, 400))],
    ...readdirSync(VECTORS).filter(f => f.endsWith('.pcap'))
      .map(f => [`published vector ${f}`, () => join(VECTORS, f)] as [string, () => string]),
  ];
  const totals = { compared: 0, diffs: 0 };
  for (const [name, make] of cases) {
    it(name, () => {
      const r = compare(make());
      totals.compared += r.compared;
      totals.diffs += r.diffs.length;
      const byField = new Map<string, Diff[]>();
      for (const d of r.diffs) byField.set(d.field, [...(byField.get(d.field) ?? []), d]);
      expect([...byField].map(([f, ds]) => `${f}: ${ds.length} frame(s), e.g. #${ds[0]!.frame} tshark=${JSON.stringify(ds[0]!.tshark)} mipscope=${JSON.stringify(ds[0]!.mipscope)}`)).toEqual([]);
      expect(r.compared).toBeGreaterThan(0);
    });
  }
  it('reports the agreement figure', () => {
    expect(totals.compared).toBeGreaterThan(10_000);
    console.log(`tshark agreement: ${totals.compared - totals.diffs}/${totals.compared} field values`);
  });
});

describe('frame.protocols as tshark lists it', () => {
  /** The protocols mipscope dissects; a frame holding another (DNS in a tunnel) is left out. */
  const KNOWN = new Set(['eth', 'ethertype', 'vlan', 'sll', 'null', 'raw', 'ip', 'udp', 'icmp', 'mip', 'data']);
  it('agrees on every frame made only of protocols mipscope dissects', () => {
    const files = [writePcapng(standardFrames()), writePcapng(randomFrames(4, 200))];
    let compared = 0;
    for (const file of files) {
      const args = ['-r', file, '-T', 'fields', '-e', 'frame.protocols'];
      const ts = runTshark(args).split('\n'), ms = runCli(args).stdout.split('\n');
      expect(ms.length).toBe(ts.length);
      ts.forEach((t, i) => {
        if (!t || t.split(':').some(p => !KNOWN.has(p))) return;
        compared++;
        expect(ms[i], `frame ${i + 1}`).toBe(t);
      });
    }
    expect(compared).toBeGreaterThan(200);
  });
});
