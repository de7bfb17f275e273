// A streaming pass without registration tracking prints what a pass with it prints: every
// sample capture, the benchmark corpus and mixtures that turn tracking back on half-way, in
// summary lines, -T fields over every field tracking does not make, and -Y filters.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaptureFileError, readCaptureSync } from '../../capture/read.js';
import type { FrameLike } from '../../capture/write.js';
import { parseArgs } from '../../cli/args.js';
import { prepare } from '../../cli/prepare.js';
import { createRenderer, fastPathFields } from '../../cli/render.js';
import { StreamingDissection, trackingFreeAllowed } from '../../cli/tracking-free.js';
import { allFields } from '../../dissector/index.js';
import { benchFrames, repeatedCapture } from '../../bench/corpus.js';
import { standardFrames } from '../../samples/standard.js';
import { ROOT, runCli, writePcapng } from '../helpers.js';

const CAPTURES = join(ROOT, 'samples', 'captures');
const samples = readdirSync(CAPTURES).filter(f => f.endsWith('.pcapng')).map(f => join(CAPTURES, f));

/** What the main command prints for argv over `file`, as cli/main.ts does it; and where tracking came back. */
function printed(argv: string[], slow: boolean): { text: string; free: boolean; fellBackAt: number | null } {
  const o = parseArgs(argv);
  const { session, filter } = prepare(o);
  session.retain = false;
  const want = fastPathFields(o, filter);
  const free = !slow && trackingFreeAllowed(o, filter, want, 0);
  const r = createRenderer(o, { timeDigits: () => 6 });
  const d = new StreamingDissection(session, want, free, () => prepare(o).session, () => readCaptureSync(o.read!, {}));
  let text = '';
  try {
    for (const f of readCaptureSync(o.read!, {})) {
      const pkt = d.dissect(f);
      if (filter && !filter.match(pkt)) continue;
      text += r.packet(pkt);
    }
  } catch (e) {
    // A capture cut short (a fault sample): what was read is what counts.
    if (!(e instanceof CaptureFileError)) throw e;
  }
  return { text, free, fellBackAt: d.fellBackAt };
}

// Every field of the registry that tracking does not make, and the columns: -T fields over all of them.
const probe = parseArgs(['-r', 'x']);
const everyField = allFields().map(f => f.abbrev).filter(n => trackingFreeAllowed({ ...probe, outputFormat: 'fields', fields: [n] }, null, new Uint8Array(1), 0));
const FIELDS = ['-T', 'fields', ...everyField.flatMap(n => ['-e', n]), '-e', '_ws.col.Info', '-e', '_ws.col.Time', '-e', '_ws.col.Source'];
const MODES: string[][] = [
  [],
  FIELDS,
  ['-Y', 'mip.type == 1'],
  ['-Y', 'mip.auth.spi == 0x1001 || icmp', '-T', 'fields', '-e', 'frame.number', '-e', 'mip.nai'],
  ['-Y', 'mip.nai contains "mn" && !(mip.code == 0)', '-t', 'd'],
  ['-x', '-Y', 'frame.protocols contains "mip" || udp.port == 434'],
  ['-T', 'psml', '-t', 'ad'],
  ['-T', 'tabs', '-t', 'dd', '-Y', 'ip.src == 10.1.1.11 or icmp'],
];

function mixed(): string {
  // Standard traffic, then the KX-heavy sample: tracking is turned back on at its first KX packet.
  const bench = benchFrames(300);
  const busy = repeatedCapture(join(CAPTURES, 'kx-busy.pcapng'), 1).map(f => ({ ...f, tsSec: f.tsSec - 1_000_000 + 400 })) as FrameLike[];
  const t0 = bench.at(-1)!.tsSec + 1;
  return writePcapng([...bench, ...busy.map((f, i) => ({ ...f, tsSec: t0 + Math.floor(i / 100), tsNsec: 0 })), ...benchFrames(50)]);
}

describe('tracking-free streaming pass', () => {
  const files = [...samples, join(ROOT, 'samples', 'demo.pcapng'), writePcapng(benchFrames(2000)), writePcapng(standardFrames()), mixed()];

  it('has a field list long enough to mean something, and leaves out what tracking makes', () => {
    expect(everyField.length).toBeGreaterThan(300);
    for (const n of ['mip.response_in', 'mip.response_to', 'mip.time', 'mip.transaction', 'mip.hop', 'mip.binding.coa', 'mip.retransmission', '_ws.expert']) expect(everyField).not.toContain(n);
    for (const n of ['mip.type', 'mip.nai', 'mip.auth.spi', 'ip.src', 'frame.number']) expect(everyField).toContain(n);
  });

  for (const mode of MODES) {
    it(`prints the same bytes with and without tracking: ${mode.slice(0, 4).join(' ') || 'summary lines'}${mode.length > 4 ? ' …' : ''}`, () => {
      let used = 0;
      for (const file of files) {
        const argv = ['-r', file, ...mode];
        const slow = printed(argv, true), fast = printed(argv, false);
        expect(fast.free).toBe(true);
        if (fast.fellBackAt !== 1) used++;
        expect(fast.text, file).toBe(slow.text);
      }
      // Most captures start tracking-free: the comparison is not vacuous.
      expect(used).toBeGreaterThan(3);
    });
  }

  it('stays tracking-free over standard traffic and turns tracking on at the first KX packet', () => {
    expect(printed(['-r', writePcapng(benchFrames(500))], false).fellBackAt).toBe(null);
    const at = printed(['-r', mixed()], false).fellBackAt;
    expect(at).toBeGreaterThan(300);
    expect(at).toBeLessThan(400);
  });

  it('is not used when the output reads what tracking makes, for -2, -z, keys or standard input', () => {
    const file = writePcapng(benchFrames(10));
    const allowed = (argv: string[]) => { const o = parseArgs(['-r', file, ...argv]); const { filter } = prepare(o); return trackingFreeAllowed(o, filter, fastPathFields(o, filter), o.statistics.length); };
    expect(allowed([])).toBe(true);
    expect(allowed(['-Y', 'mip.response_in'])).toBe(false);
    expect(allowed(['-T', 'fields', '-e', 'mip.time'])).toBe(false);
    expect(allowed(['-Y', '_ws.expert'])).toBe(false);
    expect(allowed(['-T', 'fields', '-e', 'mip.retransmission'])).toBe(false);
    expect(allowed(['-V'])).toBe(false);
    expect(allowed(['-T', 'json'])).toBe(false);
    expect(allowed(['-2'])).toBe(false);
    expect(allowed(['-z', 'mip,reg'])).toBe(false);
    expect(allowed(['--keys', join(CAPTURES, 'kx-busy.keys.json')])).toBe(false);
    const o = parseArgs(['-r', '-']);
    expect(trackingFreeAllowed(o, null, fastPathFields(o, null), 0)).toBe(false);
  });

  it('the command prints the same with MIPSCOPE_SLOW_PATH=1 (tracking on throughout)', () => {
    const file = mixed();
    for (const mode of [[], ['-T', 'fields', '-e', 'frame.number', '-e', 'mip.nai', '-e', 'mip.auth.spi']]) {
      const fast = runCli(['-r', file, ...mode]);
      process.env['MIPSCOPE_SLOW_PATH'] = '1';
      const slow = runCli(['-r', file, ...mode]);
      delete process.env['MIPSCOPE_SLOW_PATH'];
      expect(fast.code).toBe(0);
      expect(fast.stdout.length).toBeGreaterThan(1000);
      expect(fast.stdout).toBe(slow.stdout);
    }
  });
});
