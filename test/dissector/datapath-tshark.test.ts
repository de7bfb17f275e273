// Differential test of the data path: tunnels (IP-in-IP, nested, GRE with keys, minimal
// encapsulation), ARP, ICMP echo and errors quoting a datagram, IPv6 — tshark and mipscope read
// the same captures, built with the encoders, and every field tshark prints for these protocols
// must have the same values, frame by frame.
import { describe, expect, it } from 'vitest';
import { allExperts, allFields } from '../../dissector/index.js';
import { datapathFrames, nestedTunnel } from '../fixtures/datapath.js';
import { encodeLink } from '../../dissector/build.js';
import { runCli, runTshark, writePcapng } from '../helpers.js';
import { tsharkAbbrevs } from '../output/helpers.js';

const PROTOCOLS = ['ip', 'icmp', 'gre', 'arp', 'ipv6', 'udp', 'data', 'mip'];
/** Every field of these protocols that both tools register. */
const FIELDS = allFields().filter(f => PROTOCOLS.includes(f.proto) && f.type !== 'protocol' && tsharkAbbrevs().has(f.abbrev)).map(f => f.abbrev);
/** Their expert items that tshark also has (`-e` prints "1" per occurrence), and every expert message. */
const EXPERTS = [...allExperts().filter(e => PROTOCOLS.includes(e.abbrev.split('.')[0]!) && tsharkAbbrevs().has(e.abbrev)).map(e => e.abbrev), '_ws.expert.message'];

/**
 * Fields tshark prints for these protocols that mipscope does not have, and why. Everything else
 * tshark prints must be in FIELDS (checked below).
 */
const NOT_COMPARED: Record<string, string> = {
  'ip.src_host': 'name resolution is off in both: the address as a string, same as ip.src',
  'ip.dst_host': 'as ip.src_host', 'ip.host': 'as ip.src_host',
  'ipv6.src_host': 'as ip.src_host', 'ipv6.dst_host': 'as ip.src_host', 'ipv6.host': 'as ip.src_host',
  'udp.stream': 'conversation index: mipscope has no conversation table',
  'udp.time_relative': 'conversation timing (as udp.stream)', 'udp.time_delta': 'as udp.time_relative',
  'data.data': 'data after a protocol tshark does not decode (minimal encapsulation) differs on purpose',
  'data.len': 'as data.data',
};

interface Diff { frame: number; field: string; tshark: string; mipscope: string }

function compare(file: string): { compared: number; equal: number; frames: number; diffs: Diff[] } {
  const fields = [...FIELDS.filter(f => !(f in NOT_COMPARED)), ...EXPERTS];
  // tshark 4.0 leaves IPv4 header checksums unverified by default; mipscope verifies them.
  const args = ['-r', file, '-o', 'ip.check_checksum:FALSE', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', ...fields.flatMap(f => ['-e', f])];
  const ts = runTshark(args).split('\n');
  const ms = runCli(args);
  expect(ms.stderr).toBe('');
  const ml = ms.stdout.split('\n');
  expect(ml.length).toBe(ts.length);
  const diffs: Diff[] = [];
  let compared = 0;
  const proto = fields.indexOf('ip.proto');
  for (let i = 0; i < ts.length - 1; i++) {
    const a = ts[i]!.split('\t'), b = ml[i]!.split('\t');
    // tshark does not decode minimal encapsulation: on those frames only the outer IPv4 header is common.
    const minenc = a[proto]!.split(',').includes('55');
    fields.forEach((f, j) => {
      if (minenc && !f.startsWith('ip.')) return;
      compared++;
      if (a[j] !== b[j]) diffs.push({ frame: i + 1, field: f, tshark: a[j]!, mipscope: b[j]! });
    });
  }
  return { compared, equal: compared - diffs.length, frames: ts.length - 1, diffs };
}

function report(diffs: Diff[]): string[] {
  const byField = new Map<string, Diff[]>();
  for (const d of diffs) byField.set(d.field, [...(byField.get(d.field) ?? []), d]);
  return [...byField].map(([f, ds]) => `${f}: ${ds.length} frame(s), e.g. #${ds[0]!.frame} tshark=${JSON.stringify(ds[0]!.tshark)} mipscope=${JSON.stringify(ds[0]!.mipscope)}`);
}

describe('the data path agrees with tshark', () => {
  const totals = { compared: 0, equal: 0 };
  for (const seed of [1, 2, 3]) {
    it(`every field of tunnels, ARP, ICMP and IPv6, frame by frame (seed ${seed})`, () => {
      const r = compare(writePcapng(datapathFrames(seed)));
      totals.compared += r.compared; totals.equal += r.equal;
      expect(report(r.diffs)).toEqual([]);
      expect(r.frames).toBeGreaterThan(60);
    });
  }

  it('prints no field for these protocols that mipscope lacks', () => {
    const ek = runTshark(['-r', writePcapng(datapathFrames(1)), '-T', 'ek']);
    const seen = new Set<string>();
    for (const line of ek.split('\n')) {
      if (!line.startsWith('{"timestamp"')) continue;
      const layers = (JSON.parse(line) as { layers: Record<string, Record<string, unknown>> }).layers;
      // Members named `proto_field` (nested protocols, text items and expert subtrees are not fields).
      for (const p of PROTOCOLS) for (const k of Object.keys(layers[p] ?? {})) if (/^[a-z0-9]+_[a-z0-9]+_/.test(k)) seen.add(k.slice(p.length + 1));
    }
    // ek member names: the abbrev with dots as underscores, after the layer's name.
    const known = new Set([...FIELDS, ...Object.keys(NOT_COMPARED)].map(f => f.replace(/[.-]/g, '_')));
    const missing = [...seen].filter(k => !known.has(k));
    expect(missing).toEqual([]);
    expect(seen.size).toBeGreaterThan(60);
  });

  it('lists the same protocols in frame.protocols', () => {
    const file = writePcapng(datapathFrames(4));
    // tshark 4.0 leaves IPv4 header checksums unverified by default; mipscope verifies them.
  const args = ['-r', file, '-o', 'ip.check_checksum:FALSE', '-T', 'fields', '-e', 'frame.protocols'];
    const ts = runTshark(args).split('\n'), ms = runCli(args).stdout.split('\n');
    let compared = 0;
    ts.forEach((t, i) => {
      if (!t) return;
      // minimal encapsulation: tshark stops at data, mipscope decodes on.
      if (t.endsWith(':ip:data') && ms[i]!.includes(':minenc')) { expect(ms[i]).toMatch(/^eth:ethertype:ip:minenc:icmp(:data)?$/); return; }
      compared++;
      expect(ms[i], `frame ${i + 1}`).toBe(t);
    });
    expect(compared).toBeGreaterThan(60);
  });

  it('reports the agreement figure', () => {
    expect(totals.compared).toBeGreaterThan(5000);
    console.log(`data path agreement with tshark: ${totals.equal}/${totals.compared} field values`);
  });
});

describe('nesting limit', () => {
  it('stops a deep tunnel at the one nesting limit with an expert item, keeping the bytes as data', () => {
    const file = writePcapng([{ ...encodeLink({ kind: 'eth' }, nestedTunnel(40)), tsSec: 1_790_000_000, tsNsec: 0 }]);
    const r = runCli(['-r', file, '-T', 'fields', '-e', '_ws.expert.message', '-e', 'frame.protocols', '-e', 'data.len']);
    expect(r.code).toBe(0);
    const [msg, protos, len] = r.stdout.trim().split('\t');
    expect(msg).toMatch(/Too many nested layers \(limit 32/);
    expect(protos!.split(':').filter(p => p === 'ip')).toHaveLength(33);
    expect(Number(len)).toBe(40 * 20 - 32 * 20 + 28 + 16 - 20);
  });
});

describe('-V labels of the data-path protocols', () => {
  /** tshark -V split into frames, each a list of top-level sections (first line + its lines). */
  function sections(text: string): Array<Array<string[]>> {
    const frames: Array<Array<string[]>> = [];
    for (const line of text.split('\n')) {
      if (line === '') continue;
      if (/^Frame \d+:/.test(line)) frames.push([]);
      if (!line.startsWith(' ')) frames.at(-1)!.push([line]);
      else frames.at(-1)!.at(-1)!.push(line);
    }
    return frames;
  }
  /** A section without the protocols nested in it (the quoted IPv4/UDP of an ICMP error). */
  const NESTED = /^ {4}(Internet Protocol Version 4|User Datagram Protocol|Internet Control Message Protocol)/;
  function withoutNested(lines: string[]): string[] {
    const out: string[] = [];
    let skipping = false;
    for (const l of lines) {
      if (NESTED.test(l)) { skipping = true; continue; }
      if (skipping && l.startsWith('        ')) continue;
      skipping = false;
      out.push(l);
    }
    return out;
  }

  it('prints ICMP, ARP (with duplicate-address detection) and GRE as tshark does, line for line', () => {
    const file = writePcapng(datapathFrames(5));
    const args = ['-r', file, '-o', 'ip.check_checksum:FALSE', '-V'];
    const theirs = sections(runTshark(args)), ours = sections(runCli(args).stdout);
    expect(ours).toHaveLength(theirs.length);
    const heads = /^(Internet Control Message Protocol|Address Resolution Protocol|Generic Routing Encapsulation|\[Duplicate IP address detected)/;
    const diffs: string[] = [];
    let lines = 0;
    theirs.forEach((frame, i) => {
      if (ours[i]!.some(s => s[0]!.startsWith('Minimal Encapsulation'))) return; // tshark shows data there
      const t = frame.filter(s => heads.test(s[0]!)).map(withoutNested);
      const o = ours[i]!.filter(s => heads.test(s[0]!)).map(withoutNested);
      lines += t.flat().length;
      if (JSON.stringify(t) !== JSON.stringify(o)) {
        const tf = t.flat(), of = o.flat(), k = tf.findIndex((l, j) => l !== of[j]);
        diffs.push(`frame ${i + 1}, line ${k + 1}:\n tshark   ${JSON.stringify(tf[k])}\n mipscope ${JSON.stringify(of[k])}`);
      }
    });
    expect(diffs).toEqual([]);
    expect(lines).toBeGreaterThan(600);
  });
});
