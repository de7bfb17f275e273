// The command line as a user meets it: input sources, errors, counts, field options, two passes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodePcap, encodePcapng } from '../../capture/write.js';
import { standardFrames } from '../../samples/standard.js';
import { ROOT, runCli, tmpFile, writePcapng } from '../helpers.js';

const frames = standardFrames();
const file = writePcapng(frames);

describe('mipscope CLI', () => {
  it('prints one summary line per packet', () => {
    const r = runCli(['-r', file]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(frames.length);
    expect(lines[4]).toMatch(/^\s+5 .*10\.1\.0\.5 → 192\.0\.2\.1\s+MobileIP 106 Reg Request: HoA=10\.1\.0\.5 HA=10\.1\.0\.1 CoA=192\.0\.2\.1$/);
  });

  it('analyses the bundled demo capture (the README command)', () => {
    const r = runCli(['-r', join(ROOT, 'samples', 'demo.pcapng')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Reg Reply: HoA=10.1.0.5 HA=10.1.0.1, Code=0');
  });

  it('the bundled demo capture is what the encoders build', () => {
    expect(new Uint8Array(readFileSync(join(ROOT, 'samples', 'demo.pcapng')))).toEqual(new Uint8Array(encodePcapng(frames)));
  });

  it('reads standard input with -r -', () => {
    const r = runCli(['-r', '-', '-T', 'fields', '-e', 'frame.number'], encodePcap(frames.filter(f => f.linktype === 1)));
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n').length).toBe(frames.filter(f => f.linktype === 1).length);
  });

  it('-c stops after N packets', () => {
    const r = runCli(['-r', file, '-c', '3', '-T', 'fields', '-e', 'frame.number']);
    expect(r.stdout).toBe('1\n2\n3\n');
  });

  it('-T fields with -E header, separator, occurrence, aggregator, quote', () => {
    const base = ['-r', file, '-c', '7', '-T', 'fields', '-e', 'frame.number', '-e', 'mip.ext.type'];
    expect(runCli([...base, '-E', 'header=y', '-E', 'separator=,', '-E', 'aggregator=/s']).stdout.split('\n').slice(0, 1)).toEqual(['frame.number,mip.ext.type']);
    expect(runCli([...base, '-E', 'aggregator=;']).stdout.split('\n')[6]).toBe('7\t32;132;33');
    expect(runCli([...base, '-E', 'occurrence=f']).stdout.split('\n')[6]).toBe('7\t32');
    expect(runCli([...base, '-E', 'occurrence=l']).stdout.split('\n')[6]).toBe('7\t33');
    expect(runCli([...base, '-E', 'occurrence=2']).stdout.split('\n')[6]).toBe('\t132');
    expect(runCli([...base, '-E', 'quote=d']).stdout.split('\n')[6]).toBe('"7"\t"32,132,33"');
  });

  it('-2 marks fragments with the frame that reassembles them', () => {
    const one = runCli(['-r', file, '-T', 'fields', '-e', 'frame.number', '-e', 'ip.reassembled_in']);
    const two = runCli(['-r', file, '-2', '-T', 'fields', '-e', 'frame.number', '-e', 'ip.reassembled_in']);
    expect(one.stdout).toContain('34\t\n');
    expect(two.stdout).toContain('34\t37\n35\t37\n36\t37\n');
    expect(two.stdout).toContain('38\t40\n39\t40\n');
  });

  it('-V shows the Mobile IP tree', () => {
    const r = runCli(['-r', file, '-V', '-c', '5']);
    expect(r.stdout).toContain('Mobile IP (Registration Request)');
    expect(r.stdout).toMatch(/Extension: Mobile-Home Authentication Extension/);
  });

  it('-G fields lists the registry', () => {
    const r = runCli(['-G', 'fields']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^F\tHome Address\tmip\.homeaddr\tFT_IPv4\tmip\t/m);
  });

  describe('bad input gives one line and exit code 2', () => {
    const cases: Array<[string, string[], RegExp, Uint8Array?]> = [
      ['unknown flag', ['-r', file, '-9'], /invalid option -- '9'/],
      ['unknown long option', ['--frobnicate'], /unknown option --frobnicate/],
      ['missing value', ['-r'], /option -r requires an argument/],
      ['bad -c', ['-r', file, '-c', 'ten'], /invalid -c value 'ten'/],
      ['bad -B', ['-i', 'lo', '-B', '0'], /invalid -B value '0'/],
      ['bad -T', ['-r', file, '-T', 'xml'], /invalid -T value 'xml'/],
      ['unknown -e field', ['-r', file, '-T', 'fields', '-e', 'mip.nope'], /mip\.nope/],
      ['bad -E', ['-r', file, '-T', 'fields', '-e', 'mip.type', '-E', 'occurrence=x'], /occurrence/],
      ['unknown preference', ['-r', file, '-o', 'mip.nope:1'], /unknown preference 'mip\.nope'/],
      ['bad preference value', ['-r', file, '-o', 'mip.udp.port:abc'], /takes a number/],
      ['missing file', ['-r', '/nonexistent/x.pcap'], /nonexistent\/x\.pcap/],
      ['not a capture', ['-r', tmpFile('x.txt', 'hello world, not a capture')], /not a pcap or pcapng/],
      ['no input', [], /no input/],
    ];
    for (const [name, args, re] of cases) {
      it(name, () => {
        const r = runCli(args);
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(re);
        expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      });
    }
  });

  it('a truncated file: every complete packet, then one error line and exit code 2', () => {
    const whole = encodePcapng(frames);
    const cut = tmpFile('cut.pcapng', whole.subarray(0, whole.length - 50));
    const r = runCli(['-r', cut, '-T', 'fields', '-e', 'frame.number']);
    expect(r.code).toBe(2);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(frames.length - 1);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('a port preference moves Mobile IP to another port', () => {
    const r = runCli(['-r', file, '-o', 'mip.udp.port:9999', '-T', 'fields', '-e', 'mip.type', '-c', '6']);
    expect(r.stdout.split('\n')[4]).toBe('');
  });
});

describe('writing captures from a file', () => {
  it('-r with -Y and -w writes the selected packets, which tshark and mipscope read back', async () => {
    const { spawnSync } = await import('node:child_process');
    const out = tmpFile('selected.pcapng', '');
    const r = runCli(['-r', file, '-Y', 'mip.type == 3', '-w', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const back = runCli(['-r', out, '-T', 'fields', '-e', 'mip.type']).stdout.split('\n').slice(0, -1);
    expect(back.length).toBe(runCli(['-r', file, '-Y', 'mip.type == 3', '-T', 'fields', '-e', 'frame.number']).stdout.trimEnd().split('\n').length);
    // The frame that completed a reassembly is written alone, so it no longer decodes as Mobile IP.
    expect(new Set(back.filter(Boolean))).toEqual(new Set(['3']));
    expect(back.filter(Boolean).length).toBe(back.length - 1);
    const ts = spawnSync('tshark', ['-r', out, '-T', 'fields', '-e', 'mip.type'], { encoding: 'utf8' });
    expect(ts.status).toBe(0);
    expect(ts.stdout.split('\n').slice(0, -1)).toEqual(back);
    const pcap = tmpFile('selected.pcap', '');
    expect(runCli(['-r', file, '-c', '5', '-w', pcap, '-F', 'pcap']).code).toBe(0);
    expect(runCli(['-r', pcap, '-T', 'fields', '-e', 'frame.number']).stdout).toBe('1\n2\n3\n4\n5\n');
  });
});

describe('printing while writing, and merged JSON keys', () => {
  it('-P prints the packets it writes with -w', () => {
    const out = tmpFile('p.pcapng', '');
    const r = runCli(['-r', file, '-c', '4', '-w', out, '-P', '-T', 'fields', '-e', 'frame.number']);
    expect(r.stdout).toBe('1\n2\n3\n4\n');
    expect(runCli(['-r', out, '-T', 'fields', '-e', 'frame.number']).stdout).toBe('1\n2\n3\n4\n');
  });

  it('--no-duplicate-keys merges repeated JSON keys into arrays, as tshark', () => {
    const r = runCli(['-r', file, '-c', '1', '-T', 'json', '--no-duplicate-keys']);
    const eth = JSON.parse(r.stdout)[0]._source.layers.eth;
    expect(eth['eth.addr']).toEqual(['02:00:00:00:02:01', '02:00:00:00:01:01']);
  });
});
