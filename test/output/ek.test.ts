// -T ek against tshark 4.0 on the standard corpus: the bulk-format lines, member names
// ("mip_mip_homeaddr"), flattening and grouping into arrays, typed values, -e and -x.
import { describe, expect, it } from 'vitest';
import { standardFrames } from '../../samples/standard.js';
import { corpusFile, kxExtensionTypes, member, Members, mipscope, parseJsonMembers, plain, pruneMembers, tshark, tsharkAbbrevs } from './helpers.js';
import type { JsonValue } from './helpers.js';

/** EK member names tshark 4.0 can write: "<protocol>_<abbrev>" of its fields, protocols, "text". */
function tsharkEkNames(): Set<string> {
  const names = new Set<string>(['text']);
  for (const a of tsharkAbbrevs()) names.add(a.replace(/\./g, '_'));
  return names;
}

describe('-T ek', () => {
  const file = corpusFile();
  const ours = mipscope(['-r', file, '-T', 'ek']);
  const theirs = tshark(['-r', file, '-T', 'ek']);
  const msLines = ours.split('\n');
  const tsLines = theirs.split('\n');

  it('is newline-delimited JSON: an index line and a document line per packet', () => {
    expect(msLines.at(-1)).toBe('');
    expect(msLines.length - 1).toBe(2 * standardFrames().length);
    for (const l of msLines.slice(0, -1)) JSON.parse(l);
  });

  it("writes tshark's index lines and timestamps", () => {
    for (let i = 0; i < msLines.length - 1; i += 2) {
      expect(msLines[i]).toBe(tsLines[i]);
      const a = JSON.parse(msLines[i + 1]!) as { timestamp: string }, b = JSON.parse(tsLines[i + 1]!) as { timestamp: string };
      expect(a.timestamp).toBe(b.timestamp);
    }
  });

  it("gives every Mobile IP and ICMP layer as tshark does, member names and grouping included", () => {
    const known = tsharkEkNames();
    const kx = kxExtensionTypes();
    // Keep what tshark can write: its field names, and expert objects of experts it knows.
    const keep = (k: string, v: JsonValue) => {
      if (k === '_ws_expert') return (Array.isArray(v) ? v : [v]).every(x => x instanceof Members && known.has(x[0]?.[0] ?? ''));
      // Our own field names are "<proto>_<abbrev>": keep those tshark has (protocols nest, set aside).
      return known.has(k) && !/^(ip|udp)$/.test(k);
    };
    let compared = 0;
    const diffs: string[] = [];
    for (let i = 1; i < msLines.length - 1; i += 2) {
      const b = member(member(parseJsonMembers(msLines[i]!), 'layers')!, 'mip');
      const types = member(b ?? new Members(), 'mip_mip_ext_type');
      if ([types].flat().some(t => kx.has(Number(t)))) continue; // KX types: unknown extensions to tshark
      for (const name of ['mip', 'icmp']) {
        const x = member(member(parseJsonMembers(tsLines[i]!), 'layers')!, name);
        const y = member(member(parseJsonMembers(msLines[i]!), 'layers')!, name);
        if (x === undefined && y === undefined) continue;
        compared++;
        const px = JSON.stringify(plain(pruneMembers(x!, keep))), py = JSON.stringify(plain(pruneMembers(y!, keep)));
        if (px !== py) diffs.push(`frame ${(i + 1) / 2} ${name}\n tshark   ${px}\n mipscope ${py}`);
      }
    }
    expect(diffs).toEqual([]);
    expect(compared).toBeGreaterThan(30);
  });

  it('flattens a protocol, groups repeated names into arrays and types the values', () => {
    const doc = parseJsonMembers(msLines[9]!); // frame 5: a registration request
    const mip = member(member(doc, 'layers')!, 'mip') as Members;
    expect(member(mip, 'mip_mip_homeaddr')).toBe('10.1.0.5');
    expect(member(mip, 'mip_mip_t')).toBe(true);
    expect(member(mip, 'mip_mip_s')).toBe(false);
    expect(member(mip, 'mip_mip_ident')).toBe('2026-09-21T14:13:21.000000000Z');
    expect(member(mip, 'mip_mip_ext_type')).toEqual(['131', '32']);
    expect(mip.filter(([k]) => k === 'text').map(([, v]) => v)).toEqual(['Extensions', ['Extension: Mobile Node NAI Extension', 'Extension: Mobile-Home Authentication Extension']]);
    const ip = member(member(doc, 'layers')!, 'ip') as Members;
    expect(member(ip, 'ip_ip_addr')).toEqual(['10.1.0.5', '192.0.2.1']);
  });

  it('nests expert items as objects', () => {
    const doc = msLines.map(l => l && parseJsonMembers(l)).find(d => d && member(member(member(d, 'layers')!, 'mip') ?? new Members(), 'mip_mip_flags') === '0xff')!;
    const expert = member(member(member(doc, 'layers')!, 'mip')!, '_ws_expert') as Members;
    expect(plain(expert)).toEqual([
      ['mip_mip_reserved_nonzero', null],
      ['_ws_expert__ws_expert_message', 'Reserved flag bit(s) set in a Registration Request (0x05; RFC 5944 §3.3)'],
      ['_ws_expert__ws_expert_severity', '6291456'],
      ['_ws_expert__ws_expert_group', '150994944'],
    ]);
  });

  it("-e writes tshark's arrays under underscored names, identically", () => {
    const fields = ['frame.number', 'ip.addr', 'mip.type', 'mip.s', 'mip.ext.type', 'mip.nai', 'mip.auth.auth', 'mip.ident', 'icmp.mip.coa'];
    const args = ['-r', file, '-T', 'ek', ...fields.flatMap(f => ['-e', f])];
    expect(mipscope(args)).toBe(tshark(args));
  });

  it('-x adds "_raw" members as tshark does', () => {
    const args = ['-r', file, '-T', 'ek', '-x'];
    const a = parseJsonMembers(tshark(args).split('\n')[9]!), b = parseJsonMembers(mipscope(args).split('\n')[9]!);
    const known = tsharkEkNames();
    const raw = (d: JsonValue) => plain(new Members(...(member(member(d, 'layers')!, 'mip') as Members).filter(([k]) => k.endsWith('_raw') && known.has(k.slice(0, -4)))));
    expect(raw(b)).toEqual(raw(a));
    expect(member(member(b, 'layers')!, 'mip_raw')).toBe(member(member(a, 'layers')!, 'mip_raw'));
  });
});
