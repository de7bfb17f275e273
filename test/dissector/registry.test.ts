// The registry: abbrevs unique, Wireshark's names and types for standard fields, value-name
// tables free of copy-paste duplicates (DESIGN.md principle 1).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../../dissector/index.js';
import { allFields, FT_NAMES, fieldByAbbrev } from '../../dissector/index.js';
import { REFERENCE } from '../helpers.js';

const reference = ['tshark-mip-fields.txt', 'tshark-icmp-mip-fields.txt']
  .flatMap(f => readFileSync(join(REFERENCE, f), 'utf8').split('\n'))
  .filter(l => l.startsWith('F\t'))
  .map(l => { const [, name, abbrev, type, , , mask] = l.split('\t'); return { name: name!, abbrev: abbrev!, type: type!, mask: mask! }; });

/** Value names that legitimately repeat: an old and a new number for the same thing. */
const ALLOWED_REPEATS = new Set([
  'mip.ext.type:Critical Vendor/Organization Specific Extension',
  'mip.ext.type:Normal Vendor/Organization Specific Extension',
]);

describe('field registry', () => {
  it('has unique abbrevs', () => {
    const names = allFields().map(f => f.abbrev);
    expect(new Set(names).size).toBe(names.length);
  });

  it('declares every standard Mobile IP field with Wireshark\'s abbrev, name and type', () => {
    expect(reference.length).toBeGreaterThan(100);
    for (const r of reference) {
      const f = fieldByAbbrev(r.abbrev);
      expect(f, r.abbrev).toBeDefined();
      expect(FT_NAMES[f!.type], r.abbrev).toBe(r.type);
      expect(f!.name, r.abbrev).toBe(r.name);
      if (r.type === 'FT_BOOLEAN') expect('0x' + f!.bitmask.toString(16), r.abbrev).toBe(r.mask);
    }
  });

  it('has value-name tables without copy-paste duplicates', () => {
    const problems: string[] = [];
    for (const f of allFields()) {
      if (!f.values) continue;
      const seen = new Map<string, number>();
      for (const [k, v] of Object.entries(f.values)) {
        if (seen.has(v) && !ALLOWED_REPEATS.has(`${f.abbrev}:${v}`)) problems.push(`${f.abbrev}: ${seen.get(v)} and ${k} are both "${v}"`);
        seen.set(v, Number(k));
      }
    }
    expect(problems).toEqual([]);
  });

  it('names every Mobile IP message type distinctly (unlike an old Wireshark table)', () => {
    const t = fieldByAbbrev('mip.type')!.values!;
    for (const n of [16, 17, 18, 19, 20, 21]) expect(t[n]).not.toBe('NAT Traversal Tunnel Data');
  });
});
