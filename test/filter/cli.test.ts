// -Y and the positional filter in the CLI (spawns dist/cli/main.js, which test/global-setup.ts keeps fresh).
import { describe, expect, it } from 'vitest';
import { runCli, writePcapng } from '../helpers.js';
import { fixtureFrames } from './fixtures.js';

const file = writePcapng(fixtureFrames());
const frames = (args: string[]) => {
  const r = runCli(['-r', file, '-T', 'fields', '-e', 'frame.number', ...args]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout.split('\n').filter(Boolean).map(Number);
};

describe('mipscope -Y', () => {
  it('prints only the packets that match', () => {
    expect(frames(['-Y', 'mip.type == 3'])).toEqual([2, 3]);
    expect(frames(['-Y', 'mip.nai contains "mn1" || icmp'])).toEqual([1, 2, 4]);
  });

  it('takes the filter from trailing arguments too', () => {
    expect(frames(['mip.type', '==', '1', 'and', 'mip.life', '>', '60'])).toEqual([1, 8]);
  });

  it('passes everything with an empty filter', () => {
    expect(frames(['-Y', ''])).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('-c counts packets read, not packets shown, as tshark does', () => {
    expect(frames(['-c', '3', '-Y', 'mip.type == 3'])).toEqual([2, 3]);
    expect(frames(['-c', '1', '-Y', 'mip.type == 3'])).toEqual([]);
  });

  it('filters the second pass of -2, where a request knows its reply', () => {
    expect(frames(['-Y', 'mip.response_in == 2'])).toEqual([]);
    expect(frames(['-2', '-Y', 'mip.response_in == 2'])).toEqual([1]);
  });

  it('filters the summary lines', () => {
    const r = runCli(['-r', file, '-Y', '_ws.malformed']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').filter(Boolean);
    // Frame 5's extension overruns the message, frame 6 raised an exception: both are malformed.
    expect(lines.map(l => l.trim().split(' ')[0])).toEqual(['5', '6']);
  });

  it('selects what the full tree selects when the output keeps only the fields it prints and filters on', async () => {
    const { compileFilter } = await import('../../dissector/filter/index.js');
    const { fixturePackets } = await import('./fixtures.js');
    const full = fixturePackets();
    // (No mip.auth.status here: the fixture's session has keys, the CLI run has none.)
    for (const f of ['ip.src#2 == 10.1.0.5', 'udp.dstport#[2] == 53', 'mip.ext.len.overrun', '_ws.malformed', '_ws.expert.group == "Malformed"',
      'mip[0] == 3', 'frame contains "home"', 'len(mip) == 36', 'mip.response_to == 1', 'count(mip.ext.type) == 2 && mip.nai matches "^MN"']) {
      const c = compileFilter(f);
      const fromFull = full.filter(p => c.match(p)).map(p => p.no);
      expect(frames(['-Y', f]), f).toEqual(fromFull);
      expect(fromFull.length, f).toBeGreaterThan(0);
    }
  });

  it('rejects a bad filter before reading: the message, the filter and a caret, exit 2', () => {
    const r = runCli(['-r', file, '-Y', 'mip.type == 1 && mip.foo']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('mipscope: "mip.foo" is not a valid protocol or protocol field.\n    mip.type == 1 && mip.foo\n                     ^~~~~~~\n');
    const missing = runCli(['-r', '/nonexistent.pcap', '-Y', 'mip.life == 1799.0']);
    expect(missing.code).toBe(2);
    expect(missing.stderr.split('\n')[0]).toBe('mipscope: "1799.0" is not a valid number.');
  });
});
