// The output formats on the command line: -G reports against tshark's, and the error paths.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REFERENCE, runCli } from '../helpers.js';
import { corpusFile, mipscope, tshark, tsharkAbbrevs } from './helpers.js';

const REF = REFERENCE;
const referenceLines = ['tshark-mip-fields.txt', 'tshark-icmp-mip-fields.txt']
  .flatMap(f => readFileSync(join(REF, f), 'utf8').split('\n'))
  .filter(l => l.startsWith('F\t'));

describe('-G', () => {
  const fields = mipscope(['-G', 'fields']).split('\n');

  it("writes tshark's line for every standard Mobile IP and ICMP mobility field", () => {
    const byAbbrev = new Map(fields.map(l => [l.split('\t')[2], l]));
    const diffs = referenceLines
      // tshark prints these with BASE_CUSTOM (a vendor-name function), mipscope with BASE_DEC and a name table.
      .filter(l => !l.includes('\tBASE_CUSTOM\t'))
      .filter(l => byAbbrev.get(l.split('\t')[2]) !== l);
    expect(diffs).toEqual([]);
    expect(referenceLines.length).toBeGreaterThan(100);
  });

  it('lists protocols with P lines and expert items as FT_NONE fields of their protocol', () => {
    expect(fields).toContain('P\tMobile IP\tmip');
    expect(fields).toContain('F\tMessage\t_ws.expert.message\tFT_STRING\t_ws.expert\t\t0x0\tWireshark expert information');
    expect(fields).toContain('F\tMalformed Packet (Exception occurred)\t_ws.malformed.expert\tFT_NONE\t_ws.malformed\t\t0x0\t');
    expect(fields).toContain('F\tExtension length runs past the end of the message\tmip.ext.len.overrun\tFT_NONE\tmip\t\t0x0\t');
  });

  it("writes tshark's -G protocols line for Mobile IP", () => {
    const ours = mipscope(['-G', 'protocols']).split('\n');
    const ref = tshark(['-G', 'protocols']).split('\n');
    for (const abbrev of ['mip', 'ip', 'udp', 'icmp', 'frame', 'data']) {
      expect(ours.find(l => l.endsWith('\t' + abbrev))).toBe(ref.find(l => l.endsWith('\t' + abbrev)));
    }
  });

  it("writes tshark's -G values for the Mobile IP value tables", () => {
    const pick = (text: string) => text.split('\n').filter(l => /^[VRT]\tmip\./.test(l));
    const ours = new Set(pick(mipscope(['-G', 'values'])));
    const ref = pick(tshark(['-G', 'values']));
    // Every tshark line is ours; for the fields tshark has, ours adds the KX message types 8
    // and 9, reply code 194 (RFC 4433) and the vendor names tshark keeps in a separate table.
    expect(ref.filter(l => !ours.has(l))).toEqual([]);
    const extra = [...ours].filter(l => !ref.includes(l) && tsharkAbbrevs().has(l.split('\t')[1]!));
    expect(extra.every(l => /^V\tmip\.(type\t[89]\t|code\t194\t|ext\.[cn]vse\.vendor_id\t)/.test(l))).toBe(true);
  });

  it('rejects an unknown report', () => {
    const r = runCli(['-G', 'bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("mipscope: invalid -G report 'bogus': expected fields, protocols, values, prefs or experts\n");
  });
});

describe('output format errors', () => {
  const file = corpusFile();
  const fails = (args: string[], message: RegExp) => {
    const r = runCli(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  };

  it('rejects an unknown -T value with one line and exit code 2', () => {
    fails(['-r', file, '-T', 'xml'], /^mipscope: invalid -T value 'xml': expected one of text, fields, json, ek, pdml, jsonraw, psml, tabs\n$/);
    fails(['-r', file, '-T', ''], /invalid -T value ''/);
  });

  it('rejects -T fields without -e, and -e with a format that has no fields', () => {
    fails(['-r', file, '-T', 'fields'], /-T fields requires at least one -e field/);
    fails(['-r', file, '-T', 'pdml', '-e', 'mip.type'], /-e requires -T fields/);
  });

  it('rejects an unknown -e field for -T json and -T ek too', () => {
    fails(['-r', file, '-T', 'json', '-e', 'mip.nosuchfield'], /'mip\.nosuchfield' is neither a field nor a column name/);
    fails(['-r', file, '-T', 'ek', '-e', 'mip.nosuchfield'], /'mip\.nosuchfield' is neither a field nor a column name/);
  });

  it('writes nothing but the error when the capture is missing', () => {
    for (const t of ['json', 'ek', 'pdml']) fails(['-r', '/nonexistent.pcap', '-T', t], /cannot read capture file '\/nonexistent\.pcap'/);
  });
});
