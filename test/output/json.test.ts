// -T json against tshark 4.0 on the standard corpus: the envelope, the Mobile IP layers member
// by member (repeated keys included), the -e, -x and jsonraw forms.
import { describe, expect, it } from 'vitest';
import { fieldByAbbrev } from '../../dissector/index.js';
import { packetJson } from '../../dissector/output/json.js';
import { standardFrames } from '../../samples/standard.js';
import { dissectAll, writePcapng } from '../helpers.js';
import {
  corpusFile, kxExtensionTypes, member, Members, mipscope, parseJsonMembers, plain, pruneMembers, tshark, tsharkHasMember,
} from './helpers.js';
import type { JsonValue } from './helpers.js';

const layers = (doc: JsonValue) => member(member(doc, '_source')!, 'layers') as Members;

/** The members of a layer object named `name` (all of them, when repeated). */
const layer = (doc: JsonValue, name: string) => layers(doc).filter(([k]) => k === name).map(([, v]) => v);

/** Extension types in a Mobile IP layer (from its Extensions subtree). */
function extTypes(mip: JsonValue | undefined): number[] {
  const out: number[] = [];
  const walk = (v: JsonValue | undefined) => {
    if (v instanceof Members) for (const [k, x] of v) { if (k === 'mip.ext.type') out.push(Number(x)); else walk(x); }
  };
  walk(mip);
  return out;
}

/**
 * The Mobile IP layer as tshark can show it: mipscope-only fields and expert items set aside,
 * and protocols tshark nests inside it (the datagram a NAT-traversal message tunnels, which
 * mipscope shows as layers of their own) left out.
 */
function comparable(v: JsonValue): JsonValue {
  return pruneMembers(v, (k, x) => tsharkHasMember(k, x) && fieldByAbbrev(k.replace(/_raw$/, ''))?.type !== 'protocol');
}

function compareMip(tsDocs: JsonValue[], msDocs: JsonValue[]): { compared: number; skipped: number; diffs: string[] } {
  const kx = kxExtensionTypes();
  let compared = 0, skipped = 0;
  const diffs: string[] = [];
  msDocs.forEach((doc, i) => {
    const ours = layer(doc, 'mip');
    if (!ours.length) return;
    // KX extension types are unknown to tshark: it labels them "Unknown Extension".
    if (extTypes(ours[0]).some(t => kx.has(t))) { skipped++; return; }
    compared++;
    const a = plain(comparable(new Members(...layer(tsDocs[i]!, 'mip').map(v => ['mip', v] as [string, JsonValue]))));
    const b = plain(comparable(new Members(...ours.map(v => ['mip', v] as [string, JsonValue]))));
    if (JSON.stringify(a) !== JSON.stringify(b)) diffs.push(`frame ${i + 1}:\n tshark   ${JSON.stringify(a)}\n mipscope ${JSON.stringify(b)}`);
  });
  return { compared, skipped, diffs };
}

describe('-T json', () => {
  const file = corpusFile();
  const ours = mipscope(['-r', file, '-T', 'json']);
  const theirs = tshark(['-r', file, '-T', 'json']);
  const msDocs = parseJsonMembers(ours) as JsonValue[];
  const tsDocs = parseJsonMembers(theirs) as JsonValue[];

  it('is well-formed JSON: an array with one document per packet', () => {
    const docs = JSON.parse(ours) as unknown[];
    expect(docs).toHaveLength(standardFrames().length);
    expect(ours.endsWith('\n  }\n]\n')).toBe(true);
  });

  it("wraps each packet in tshark's envelope", () => {
    expect(msDocs).toHaveLength(tsDocs.length);
    msDocs.forEach((doc, i) => {
      expect((doc as Members).map(([k]) => k)).toEqual(['_index', '_type', '_score', '_source']);
      expect(member(doc, '_index')).toBe(member(tsDocs[i]!, '_index'));
      expect(member(doc, '_type')).toBe('doc');
      expect(member(doc, '_score')).toBeNull();
      expect(layers(doc)[0]![0]).toBe('frame');
    });
    // The same indentation as tshark: compare the first lines of the first document.
    expect(ours.split('\n').slice(0, 8)).toEqual(theirs.split('\n').slice(0, 8));
  });

  it("gives every Mobile IP layer member for member as tshark does", () => {
    const r = compareMip(tsDocs, msDocs);
    expect(r.diffs).toEqual([]);
    expect(r.compared).toBeGreaterThan(25);
    expect(r.skipped).toBeLessThan(4);
  });

  it('gives the mobility extensions of agent advertisements as tshark does', () => {
    let compared = 0;
    msDocs.forEach((doc, i) => {
      const icmp = layer(doc, 'icmp')[0];
      if (!(icmp instanceof Members)) return;
      const exts = (v: JsonValue) => plain(new Members(...(v as Members).filter(([k]) => k.startsWith('Ext: '))));
      compared++;
      expect(exts(icmp)).toEqual(exts(layer(tsDocs[i]!, 'icmp')[0]!));
    });
    expect(compared).toBe(4);
  });

  it('repeats keys within an object, as tshark 4.0 does', () => {
    const ip = layer(msDocs[0]!, 'ip')[0] as Members;
    expect(ip.filter(([k]) => k === 'ip.addr').map(([, v]) => v)).toEqual(['192.0.2.1', '224.0.0.1']);
    const icmp = layer(msDocs[1]!, 'icmp')[0] as Members;
    expect(icmp.filter(([k]) => k === 'icmp.router_address')).toHaveLength(2);
    expect(icmp.filter(([k]) => k === 'Ext: One byte padding extension')).toHaveLength(2);
    expect(plain(icmp.filter(([k]) => k.startsWith('Ext: ')))).toEqual(plain((layer(tsDocs[1]!, 'icmp')[0] as Members).filter(([k]) => k.startsWith('Ext: '))));
  });

  it('gives a field with children a "_tree" member and a text label its own key', () => {
    const mip = layer(msDocs[4]!, 'mip')[0] as Members;
    expect(member(mip, 'mip.flags')).toBe('0x02');
    expect(plain(member(mip, 'mip.flags_tree'))).toEqual([['mip.s', '0'], ['mip.b', '0'], ['mip.d', '0'], ['mip.m', '0'], ['mip.g', '0'], ['mip.v', '0'], ['mip.t', '1'], ['mip.x', '0']]);
    const nai = member(member(mip, 'Extensions')!, 'Extension: Mobile Node NAI Extension');
    expect(member(nai!, 'mip.nai')).toBe('mn1@home.example');
    expect(member(member(member(mip, 'Extensions')!, 'Extension: Mobile-Home Authentication Extension')!, 'mip.auth.auth')).toBe('4a:7a:c5:d1:06:e5:6a:5e:3d:b2:e2:76:c0:f9:bd:e9');
  });

  it('writes expert items as tshark does: the expert\'s own entry, message, severity and group', () => {
    // A registration request with reserved flag bits set carries a mipscope expert item.
    const doc = msDocs.find(d => member(layer(d, 'mip')[0] ?? new Members(), 'mip.flags') === '0xff')!;
    const flagsTree = member(layer(doc, 'mip')[0]!, 'mip.flags_tree') as Members;
    const expert = member(flagsTree, '_ws.expert') as Members;
    expect(expert.map(([k]) => k)).toEqual(['mip.reserved.nonzero', '_ws.expert.message', '_ws.expert.severity', '_ws.expert.group']);
    expect(member(expert, 'mip.reserved.nonzero')).toBe('');
    expect(member(expert, '_ws.expert.severity')).toBe('6291456');
    expect(member(expert, '_ws.expert.group')).toBe('150994944');
  });

  it("-e writes tshark's arrays of values, identically", () => {
    const fields = ['frame.number', 'ip.addr', 'mip.type', 'mip.flags', 'mip.s', 'mip.ext.type', 'mip.nai', 'mip.auth.spi', 'mip.auth.auth', 'mip.ident', 'icmp.mip.coa', 'icmp.mip.r'];
    const args = ['-r', file, '-T', 'json', ...fields.flatMap(f => ['-e', f])];
    expect(mipscope(args)).toBe(tshark(args));
  });

  it('-x adds the "_raw" arrays (hex, offset, length, bitmask, type) as tshark does', () => {
    const args = ['-r', file, '-T', 'json', '-x'];
    const r = compareMip(parseJsonMembers(tshark(args)) as JsonValue[], parseJsonMembers(mipscope(args)) as JsonValue[]);
    expect(r.diffs).toEqual([]);
    expect(r.compared).toBeGreaterThan(25);
    const doc = (parseJsonMembers(mipscope(args)) as JsonValue[])[4]!;
    expect(plain(member(layer(doc, 'mip')[0]!, 'mip.type_raw'))).toEqual(['01', 42, 1, 0, 4]);
    expect(plain(member(member(layer(doc, 'mip')[0]!, 'mip.flags_tree')!, 'mip.t_raw'))).toEqual(['1', 43, 1, 2, 2]);
  });

  it('-T jsonraw gives only the raw arrays, as tshark does', () => {
    const args = ['-r', file, '-T', 'jsonraw'];
    const r = compareMip(parseJsonMembers(tshark(args)) as JsonValue[], parseJsonMembers(mipscope(args)) as JsonValue[]);
    expect(r.diffs).toEqual([]);
    expect(r.compared).toBeGreaterThan(25);
  });

  it('merges repeated keys into arrays on request (tshark --no-duplicate-keys)', () => {
    const [pkt] = dissectAll(standardFrames().slice(1, 2));
    const doc = parseJsonMembers(`[\n${packetJson(pkt!, { mergeDuplicateKeys: true })}\n]`) as JsonValue[];
    const icmp = layer(doc[0]!, 'icmp')[0] as Members;
    expect(icmp.filter(([k]) => k === 'icmp.router_address').map(([, v]) => v)).toEqual([['10.1.0.1', '10.1.0.2']]);
    expect(plain(member(icmp, 'Ext: One byte padding extension'))).toEqual([[['icmp.mip.type', '0']], [['icmp.mip.type', '0']]]);
    JSON.parse(`[${packetJson(pkt!, { mergeDuplicateKeys: true, raw: true })}]`);
  });

  it('writes an empty array for a capture without packets, as tshark does', () => {
    const empty = writePcapng([]);
    expect(mipscope(['-r', empty, '-T', 'json'])).toBe('[]\n');
    expect(tshark(['-r', empty, '-T', 'json'])).toBe('[]\n');
  });
});
