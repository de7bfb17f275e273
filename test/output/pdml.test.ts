// -T pdml against tshark 4.0: a well-formed document, the geninfo pseudo-protocol, every Mobile
// IP element with the same attributes, and XML escaping of awkward strings.
import { describe, expect, it } from 'vitest';
import { udpFrame } from '../../dissector/build.js';
import { encodeRegistrationRequest, ext } from '../../dissector/mip/encode.js';
import { escapeXml } from '../../dissector/output/pdml.js';
import { standardFrames } from '../../samples/standard.js';
import { writePcapng } from '../helpers.js';
import { attr, corpusFile, kxExtensionTypes, mipscope, parseXml, registered, tshark, tsharkAbbrevs } from './helpers.js';
import type { XmlElement } from './helpers.js';
import { asTsharkLabel } from './exceptions.js';

/**
 * An element as tshark can write it: children that mipscope adds (fields tshark does not know,
 * expert items of its own) and protocols tshark nests inside Mobile IP set aside.
 */
function comparable(e: XmlElement): unknown {
  const keep = (c: XmlElement) => {
    const name = attr(c, 'name') ?? '';
    if (c.tag === 'proto') return false;
    if (name === '_ws.expert') return tsharkAbbrevs().has(attr(c.children[0]!, 'name') ?? '');
    return !registered(name) || tsharkAbbrevs().has(name);
  };
  return [e.tag, e.attrs.map(([k, v]) => [k, k === 'showname' ? asTsharkLabel(v) : v]), e.children.filter(keep).map(comparable)];
}

const packets = (doc: XmlElement) => doc.children.filter(c => c.tag === 'packet');
const proto = (pkt: XmlElement, name: string) => pkt.children.find(c => c.tag === 'proto' && attr(c, 'name') === name);

describe('-T pdml', () => {
  const file = corpusFile();
  const ours = mipscope(['-r', file, '-T', 'pdml']);
  const theirs = tshark(['-r', file, '-T', 'pdml']);
  const doc = parseXml(ours);
  const ref = parseXml(theirs);

  it('is a well-formed PDML document with one <packet> per frame', () => {
    expect(doc.tag).toBe('pdml');
    expect(attr(doc, 'version')).toBe('0');
    expect(attr(doc, 'creator')).toMatch(/^mipscope\/\d+\.\d+\.\d+$/);
    expect(attr(doc, 'capture_file')).toBe(file);
    expect(attr(doc, 'time')).toMatch(/^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}$/);
    expect(packets(doc)).toHaveLength(standardFrames().length);
    expect(ours.split('\n').slice(0, 2)).toEqual(theirs.split('\n').slice(0, 2));
    expect(ours.endsWith('</packet>\n\n</pdml>\n')).toBe(true);
  });

  it("writes tshark's geninfo for every packet", () => {
    packets(doc).forEach((p, i) => expect(proto(p, 'geninfo')).toEqual(proto(packets(ref)[i]!, 'geninfo')));
  });

  it("writes every Mobile IP element with tshark's attributes (name, showname, size, pos, show, value)", () => {
    const kx = kxExtensionTypes();
    let compared = 0;
    const diffs: string[] = [];
    packets(doc).forEach((p, i) => {
      const ours = proto(p, 'mip');
      if (!ours) return;
      const types: number[] = [];
      const walk = (e: XmlElement) => { if (attr(e, 'name') === 'mip.ext.type') types.push(Number(attr(e, 'show'))); e.children.forEach(walk); };
      walk(ours);
      if (types.some(t => kx.has(t))) return; // KX types are unknown extensions to tshark
      compared++;
      const a = JSON.stringify(comparable(proto(packets(ref)[i]!, 'mip')!)), b = JSON.stringify(comparable(ours));
      if (a !== b) diffs.push(`frame ${i + 1}\n tshark   ${a}\n mipscope ${b}`);
    });
    expect(diffs).toEqual([]);
    expect(compared).toBeGreaterThan(25);
  });

  it('writes agent advertisement extensions as tshark does', () => {
    packets(doc).slice(0, 4).forEach((p, i) => {
      const exts = (e: XmlElement) => e.children.filter(c => (attr(c, 'show') ?? '').startsWith('Ext: ')).map(comparable);
      expect(exts(proto(p, 'icmp')!)).toEqual(exts(proto(packets(ref)[i]!, 'icmp')!));
    });
  });

  it('marks hidden fields and wraps expert items as tshark does', () => {
    const ip = proto(packets(doc)[0]!, 'ip')!;
    const addr = ip.children.filter(c => attr(c, 'name') === 'ip.addr');
    expect(addr.map(c => attr(c, 'hide'))).toEqual(['yes', 'yes']);
    const p30 = packets(doc).find(p => proto(p, 'mip')?.children.some(c => attr(c, 'name') === 'mip.flags' && attr(c, 'show') === '0xff'))!;
    const flags = proto(p30, 'mip')!.children.find(c => attr(c, 'name') === 'mip.flags')!;
    const expert = flags.children.find(c => attr(c, 'name') === '_ws.expert')!;
    expect(expert.tag).toBe('field');
    expect(attr(expert, 'size')).toBe('0');
    expect(attr(expert, 'pos')).toBe(attr(flags, 'pos'));
    expect(expert.children.map(c => [attr(c, 'name'), attr(c, 'hide') ?? ''])).toEqual([
      ['mip.reserved.nonzero', ''], ['_ws.expert.message', 'yes'], ['_ws.expert.severity', ''], ['_ws.expert.group', ''],
    ]);
  });

  it('escapes strings as tshark does', () => {
    const f = udpFrame({
      src: '10.1.0.5', dst: '10.1.0.1', sport: 434, dport: 434, link: { kind: 'eth', srcMac: '02:00:00:00:01:01', dstMac: '02:00:00:00:02:01' },
      payload: encodeRegistrationRequest({ lifetime: 5, homeAddr: '10.1.0.5', haAddr: '10.1.0.1', coa: '10.1.0.5', ident: 1n, exts: [ext.nai('a<b>&"c\'d\x01e\tf'), ext.messageString(1, 'x<y & z>')] }),
    });
    const capture = writePcapng([{ ...f, tsSec: 1_790_000_000, tsNsec: 0 }]);
    const pick = (x: string) => x.split('\n').filter(l => /mip\.nai"|msgstr\.text"|Extension: M/.test(l));
    const a = pick(tshark(['-r', capture, '-T', 'pdml'])), b = pick(mipscope(['-r', capture, '-T', 'pdml']));
    expect(b).toEqual(a);
    expect(b.join('\n')).toContain('show="a&lt;b&gt;&amp;&quot;c&#x27;d\\x1e\tf"');
    parseXml(mipscope(['-r', capture, '-T', 'pdml']));
    expect(escapeXml('plain')).toBe('plain');
    expect(escapeXml('\x7f&')).toBe('\\x7f&amp;');
  });

  it('writes an empty document for a capture without packets', () => {
    const out = mipscope(['-r', writePcapng([]), '-T', 'pdml']);
    expect(parseXml(out).children).toEqual([]);
    expect(out.endsWith('">\n</pdml>\n')).toBe(true);
  });
});
