// -V and the summary line against tshark 4.0 on the standard corpus. The Mobile IP subtree and
// the agent advertisement extensions must match tshark line for line, with only the documented
// exceptions of exceptions.ts.
import { describe, expect, it } from 'vitest';
import { allFields, dissectFrame, Session } from '../../dissector/index.js';
import { readCaptureSync } from '../../capture/read.js';
import type { Node, Packet } from '../../dissector/index.js';
import { treeText } from '../../dissector/output/text.js';
import { summaryLine, timePrecision } from '../../dissector/output/summary.js';
import { standardFrames } from '../../samples/standard.js';
import { encodePcap } from '../../capture/write.js';
import { dissectAll, tmpFile } from '../helpers.js';
import { corpusFile, kxExtensionTypes, mipscope, registered, tshark, tsharkAbbrevs } from './helpers.js';
import { asTsharkLabel } from './exceptions.js';

/** tshark -V output split into frames, each a list of top-level sections (label + lines). */
function sections(text: string): Array<Array<{ head: string; lines: string[] }>> {
  const frames: Array<Array<{ head: string; lines: string[] }>> = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (/^Frame \d+:/.test(line)) frames.push([]);
    if (!line.startsWith(' ')) frames.at(-1)!.push({ head: line, lines: [line] });
    else frames.at(-1)!.at(-1)!.lines.push(line);
  }
  return frames;
}

const PROTOCOL_NAMES = allFields().filter(f => f.type === 'protocol').map(f => f.name);

/** tshark's lines without the protocols it nests inside another (exception 3). */
function withoutNestedProtocols(lines: string[]): string[] {
  const out: string[] = [];
  let skipDepth = -1;
  for (const l of lines) {
    const depth = (l.length - l.trimStart().length) / 4;
    if (skipDepth >= 0 && depth > skipDepth) continue;
    skipDepth = -1;
    if (depth >= 1 && PROTOCOL_NAMES.some(p => l.trimStart().startsWith(p + ','))) { skipDepth = depth; continue; }
    out.push(l);
  }
  return out;
}

/** A copy of a subtree without what tshark does not have (exception 1). */
function prune(n: Node): Node | null {
  if (n.expert && !tsharkAbbrevs().has(n.expert.abbrev)) return null;
  if (n.field && !n.expert && registered(n.field.abbrev) && !tsharkAbbrevs().has(n.field.abbrev)) return null;
  return { ...n, children: n.children ? n.children.map(prune).filter((c): c is Node => c !== null) : null };
}

/** The -V lines of some top-level nodes of a packet, rendered by the -V renderer itself. */
function render(pkt: Packet, nodes: Node[]): string[] {
  const view = { tree: nodes, sources: pkt.sources } as unknown as Packet;
  return treeText(view).split('\n').filter(l => l !== '').map(asTsharkLabel);
}

describe('-V', () => {
  const file = corpusFile();
  const theirs = sections(tshark(['-r', file, '-V']));
  const session = new Session();
  const pkts = [...readCaptureSync(file)].map(f => dissectFrame({ ...f, data: f.data.slice() }, session));

  it('prints the same tree as the renderer, one blank line after each packet', () => {
    const out = mipscope(['-r', file, '-V']);
    expect(out).toBe(pkts.map(p => treeText(p) + '\n').join(''));
    const lines = out.split('\n');
    const starts = lines.flatMap((l, i) => (/^Frame \d+:/.test(l) ? [i] : []));
    expect(starts).toHaveLength(pkts.length);
    for (const i of starts.slice(1)) expect(lines[i - 1]).toBe('');
    expect(out.endsWith('\n\n')).toBe(true);
  });

  it('matches tshark line for line in every Mobile IP subtree', () => {
    const kx = kxExtensionTypes();
    let compared = 0, lines = 0;
    const diffs: string[] = [];
    pkts.forEach((pkt, i) => {
      const mip = pkt.tree.find(n => n.field?.abbrev === 'mip');
      if (!mip) return;
      if (pkt.all.some(n => n.field?.abbrev === 'mip.ext.type' && kx.has(n.value as number))) return; // exception 2
      const ours = render(pkt, [prune(mip)!]);
      const ref = withoutNestedProtocols(theirs[i]!.find(s => s.head.startsWith('Mobile IP'))!.lines);
      compared++;
      lines += ref.length;
      if (ours.join('\n') !== ref.join('\n')) {
        const k = ours.findIndex((l, j) => l !== ref[j]);
        diffs.push(`frame ${i + 1}, line ${k + 1}:\n tshark   ${JSON.stringify(ref[k])}\n mipscope ${JSON.stringify(ours[k])}`);
      }
    });
    expect(diffs).toEqual([]);
    expect(compared).toBeGreaterThan(30);
    expect(lines).toBeGreaterThan(700);
  });

  it('matches tshark line for line in the mobility extensions of agent advertisements', () => {
    let compared = 0;
    pkts.forEach((pkt, i) => {
      const icmp = pkt.tree.find(n => n.field?.abbrev === 'icmp');
      if (!icmp) return;
      const exts = icmp.children!.filter(c => c.text?.startsWith('Ext: '));
      const ref = theirs[i]!.find(s => s.head.startsWith('Internet Control Message Protocol'))!.lines;
      const ours = render(pkt, exts.map(prune) as Node[]).map(l => '    ' + l);
      const start = ref.findIndex(l => l.startsWith('    Ext: '));
      expect(ours).toEqual(ref.slice(start, start + ours.length));
      compared += ours.length;
    });
    expect(compared).toBeGreaterThan(40);
  });

  it('lays out flags, value names, bit patterns and generated fields as tshark does', () => {
    const out = mipscope(['-r', file, '-V']).split('\n');
    expect(out).toContain('    Flags: 0x02, Reverse Tunneling');
    expect(out).toContain('        .... ..1. = Reverse Tunneling: True');
    expect(out).toContain('        0... .... = Simultaneous Bindings: False');
    expect(out).toContain('            .... .... ..00 0000 = Reserved: 0x00');
    expect(out).toContain('            Extension Type: Unknown (250)');
    expect(out).toContain('            Code: Success (0)');
    expect(out).toContain('            UDP TunReq Ext SubType:  (0)');
    // BASE_NONE with value names: the name alone.
    expect(out.filter(l => /^ {4}\[Header checksum status: (Good|Bad|Unverified)\]$/.test(l))).toHaveLength(out.filter(l => l.includes('Header checksum status')).length);
    expect(out.some(l => l.includes('Header checksum status'))).toBe(true);
    expect(out.some(l => /^ {4}\[Identification \(hex\): 0x[0-9a-f]{16}\]$/.test(l))).toBe(true);
  });

  it('prints expert items as tshark does: the item, then the message, severity and group', () => {
    const out = mipscope(['-r', file, '-V']).split('\n');
    const k = out.findIndex(l => l.includes('[Expert Info (Warning/Protocol): Reserved flag bit(s) set'));
    expect(out.slice(k, k + 4)).toEqual([
      '        [Expert Info (Warning/Protocol): Reserved flag bit(s) set in a Registration Request (0x05; RFC 5944 §3.3)]',
      '            [Reserved flag bit(s) set in a Registration Request (0x05; RFC 5944 §3.3)]',
      '            [Severity level: Warning]',
      '            [Group: Protocol]',
    ]);
    // tshark's own expert items have the same four lines.
    const ttl = theirs[1]!.find(s => s.head.startsWith('Internet Protocol'))!.lines;
    const j = ttl.findIndex(l => l.includes('[Expert Info (Note/Sequence)'));
    expect(j).toBeGreaterThanOrEqual(0);
    expect(ttl[j + 1]).toMatch(/^ {12}\[[^[\]]+\]$/);
    expect(ttl.slice(j + 2, j + 4)).toEqual(['            [Severity level: Note]', '            [Group: Sequence]']);
  });

  it('dumps undissected data in the tree as tshark does, unless -x dumps the packet', () => {
    const out = mipscope(['-r', file, '-V']);
    const ts = tshark(['-r', file, '-V']);
    const dump = (s: string) => s.split('\n\n').find(b => b.startsWith('0000  01 b2 01 b2'));
    expect(dump(out)).toBeDefined();
    expect(dump(out)!.split('\n').slice(0, 6)).toEqual(dump(ts)!.split('\n').slice(0, 6));
    expect(mipscope(['-r', file, '-V', '-x']).split('\n').filter(l => l.startsWith('0000  01 b2 01 b2'))).toHaveLength(1 + 1);
  });
});

describe('summary line', () => {
  const file = corpusFile();
  /** tshark's lines, except where it dissects a protocol mipscope does not have (DNS inside the tunnel). */
  const comparable = (ours: string[], ref: string[]) => {
    const protocols = new Set(['ICMP', 'MobileIP', 'IPv4', 'UDP', 'Ethernet', 'DATA']);
    return ref.map((l, i) => [l.trimEnd(), ours[i]!.trimEnd()] as const).filter(([l]) => protocols.has(l.trim().split(/\s+/)[5]!));
  };

  it("matches tshark's columns and padding, with nanosecond precision for this capture", () => {
    const ours = mipscope(['-r', file]).split('\n'), ref = tshark(['-r', file]).split('\n');
    expect(ours).toHaveLength(ref.length);
    const pairs = comparable(ours, ref);
    expect(pairs.length).toBe(standardFrames().length - 1);
    for (const [a, b] of pairs) expect(b).toBe(a);
    expect(ours[0]).toBe('    1 0.000000000    192.0.2.1 → 224.0.0.1    ICMP 65 Mobile IP Advertisement (Normal router advertisement)');
  });

  it('matches tshark for every -t time format', () => {
    for (const t of ['a', 'ad', 'd', 'dd', 'e', 'r', 'u', 'ud']) {
      const ours = mipscope(['-r', file, '-t', t, '-c', '8']).split('\n'), ref = tshark(['-r', file, '-t', t, '-c', '8']).split('\n');
      for (const [a, b] of comparable(ours, ref)) expect(b).toBe(a);
    }
  });

  it('uses six decimals for a microsecond pcap, as tshark does', () => {
    const eth = standardFrames().filter(f => f.linktype === 1);
    const pcap = tmpFile('eth.pcap', encodePcap(eth));
    const ours = mipscope(['-r', pcap]).split('\n'), ref = tshark(['-r', pcap]).split('\n');
    for (const [a, b] of comparable(ours, ref)) expect(b).toBe(a);
    expect(ours[1]).toMatch(/^ {4}2 +0\.037000 /);
  });

  it('derives the precision from if_tsresol', () => {
    expect(timePrecision(6)).toBe(6);
    expect(timePrecision(9)).toBe(9);
    expect(timePrecision(3)).toBe(3);
    expect(timePrecision(0x80 | 10)).toBe(3); // 2^-10 s: milliseconds
    expect(timePrecision(0x80 | 30)).toBe(9);
    const [p] = dissectAll(standardFrames().slice(0, 1));
    expect(summaryLine(p!, 'r', 0)).toMatch(/^ {4}1 {10}0 /);
  });
});

