// -z statistics: tshark's tables against tshark on the same files, and mipscope's own mip,* tables.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, runTshark } from '../helpers.js';
import { fixed, textTable } from '../../cli/stats/text.js';
import type { ExpertRow } from '../../cli/stats/types.js';

const S = join(ROOT, 'samples');
const FILES = [join(S, 'demo.pcapng'), join(S, 'captures', 'kx-stateful.pcapng'), join(S, 'captures', 'kx-busy.pcapng')];
const stateful = join(S, 'captures', 'kx-stateful.pcapng'), statefulKeys = join(S, 'captures', 'kx-stateful.keys.json');
const denials = join(S, 'captures', 'kx-denials.pcapng');
const ours = (args: string[]) => { const r = runCli(args); expect(r.code).toBe(0); return r.stdout; };

describe('tshark\'s tables, the same numbers in the same layout', () => {
  for (const z of ['conv,eth', 'conv,ip', 'conv,udp', 'endpoints,eth', 'endpoints,ip', 'endpoints,udp']) {
    it(`-z ${z}`, () => {
      // -n: tshark would name well-known multicast MACs (IPv4mcast_01); mipscope never resolves names.
      for (const f of FILES) expect(ours(['-r', f, '-q', '-z', z])).toBe(runTshark(['-n', '-r', f, '-q', '-z', z]));
    });
  }

  it('as in tshark, -Y does not narrow the tables (taps see every packet); they follow the packets without -q', () => {
    const f = FILES[0]!;
    expect(ours(['-r', f, '-q', '-Y', 'mip.type == 1', '-z', 'conv,udp'])).toBe(runTshark(['-n', '-r', f, '-q', '-Y', 'mip.type == 1', '-z', 'conv,udp']));
    const both = ours(['-r', f, '-z', 'endpoints,ip', '-c', '3']);
    expect(both.startsWith(ours(['-r', f, '-c', '3']))).toBe(true);
    expect(both).toContain('IPv4 Endpoints');
  });

  it('-z help lists them; a bad one is one line and exit 2', () => {
    const help = ours(['-z', 'help']);
    for (const z of ['io,stat,INTERVAL', 'conv,udp', 'endpoints,eth', 'plen,tree', 'ptype,tree', 'expert', 'mip,reg', 'mip,keys', 'mip,codes']) expect(help).toContain(z);
    const bad = runCli(['-r', FILES[0]!, '-z', 'conv,sctp']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("mipscope: invalid -z argument 'conv,sctp' (see 'mipscope -z help')\n");
  });
});

describe('mipscope\'s tables', () => {
  it('-z mip,codes counts reply codes with their names (as -T fields counts them)', () => {
    const codes = runTshark(['-r', denials, '-Y', 'mip.type == 3', '-T', 'fields', '-e', 'mip.code']).trim().split('\n');
    const json = JSON.parse(ours(['-r', denials, '-q', '-T', 'json', '-z', 'mip,codes']));
    const counts: Record<string, number> = {};
    for (const c of codes) counts[c] = (counts[c] ?? 0) + 1;
    expect(Object.fromEntries(json[0].rows.map((r: { code: number; count: number }) => [String(r.code), r.count]))).toEqual(counts);
    expect(json[0].rows.find((r: { code: number }) => r.code === 129).name).toBe('Reg Deny (HA)- Administratively Prohibited');
    expect(ours(['-r', denials, '-q', '-z', 'mip,codes'])).toMatch(/^ +129 Reg Deny \(HA\)- Administratively Prohibited +2$/m);
  });

  it('-z mip,reg: per mobile node, decrypted with keys, requests and replies as counted by filters', () => {
    const rows = JSON.parse(ours(['-r', stateful, '--keys', statefulKeys, '-q', '-T', 'json', '-z', 'mip,reg']))[0].rows as Array<Record<string, unknown>>;
    expect(rows.map(r => r.mobileNode)).toEqual(['mn1@home.example', 'mn2@home.example', 'mn3-jörg@home.example']);
    const count = (f: string) => ours(['-r', stateful, '--keys', statefulKeys, '-Y', f, '-T', 'fields', '-e', 'frame.number']).trim().split('\n').length;
    expect(rows.reduce((n, r) => n + (r.requests as number), 0)).toBe(count('mip.type == 1'));
    expect(rows.reduce((n, r) => n + (r.replies as number), 0)).toBe(count('mip.type == 3'));
    for (const r of rows) {
      expect(r.homeAddress).toMatch(/^192\.0\.2\.10[123]$/);
      expect(r.hops).toEqual(['0.0.0.0', '198.51.100.1', '192.0.2.1']);
      expect(r.maxReplyTime as number).toBeGreaterThanOrEqual(r.meanReplyTime as number);
      expect(r.keysLearned as number).toBeGreaterThan(0);
    }
    // Without keys the identities stay hidden.
    const hidden = JSON.parse(ours(['-r', stateful, '-q', '-T', 'json', '-z', 'mip,reg']))[0].rows as Array<{ mobileNode: string }>;
    expect(hidden.some(r => r.mobileNode.startsWith('mn1@'))).toBe(false);
  });

  it('-z mip,keys: supplied and learned SAs, where learned, key bytes only when asked', () => {
    const text = ours(['-r', stateful, '--keys', statefulKeys, '-q', '-z', 'mip,keys']);
    expect(text).toMatch(/^0x00001001 keys file +- hmac-md5 +aes-128-cbc +KEY0 mn1@home\.example$/m);
    expect(text).toMatch(/^0x00010001 SA-INFO of a GP-SA extension +7 hmac-md5 /m);
    expect(text).not.toMatch(/ key [0-9a-f]{32}/);
    const shown = JSON.parse(ours(['-r', stateful, '--keys', statefulKeys, '-q', '-T', 'json', '-z', 'mip,keys,show']))[0].rows as Array<{ key?: string; source: string }>;
    expect(shown.every(r => /^[0-9a-f]+$/.test(r.key ?? ''))).toBe(true);
    expect(shown.filter(r => r.source === 'keys file').length).toBe(5);
  });
});

describe('tshark\'s stats_tree tables (-z plen,tree, ptype,tree)', () => {
  for (const z of ['plen,tree', 'ptype,tree']) {
    it(`-z ${z}: the same counts, averages, rates, percentages and bursts`, () => {
      for (const f of FILES) expect(ours(['-r', f, '-q', '-z', z])).toBe(runTshark(['-r', f, '-q', '-z', z]));
    });
  }

  it('several tables come out in tshark\'s order (last asked first); JSON keeps the -z order', () => {
    const f = FILES[0]!, zs = ['-z', 'plen,tree', '-z', 'ptype,tree', '-z', 'conv,ip'];
    expect(ours(['-r', f, '-q', ...zs])).toBe(runTshark(['-n', '-r', f, '-q', ...zs]));
    const json = JSON.parse(ours(['-r', f, '-q', '-T', 'json', ...zs])) as Array<{ statistic: string; rows: Array<{ item: string; count: number }> }>;
    expect(json.map(t => t.statistic)).toEqual(['plen,tree', 'ptype,tree', 'conv']);
    const frames = runTshark(['-r', f, '-T', 'fields', '-e', 'frame.len']).trim().split('\n').map(Number);
    expect(json[0]!.rows[0]).toMatchObject({ item: 'Packet Lengths', count: frames.length, min: Math.min(...frames), max: Math.max(...frames) });
    expect(json[0]!.rows.slice(1).reduce((n, r) => n + r.count, 0)).toBe(frames.length);
  });

  it('printf rounding: a tie goes to even, as glibc prints it', () => {
    expect(fixed(32.125, 2)).toBe('32.12');
    expect(fixed(32.375, 2)).toBe('32.38');
    expect(fixed(0.0277, 4)).toBe('0.0277');
    expect(fixed(0.5, 0)).toBe('0');
    expect(fixed(1.5, 0)).toBe('2');
    expect(fixed(99.99999, 2)).toBe('100.00');
    expect(fixed(0, 3)).toBe('0.000');
  });
});

describe('-z expert', () => {
  const busy = FILES[2]!;
  it('tshark\'s layout: its own items, laid out by mipscope\'s renderer, come out as tshark prints them', () => {
    // Where tshark and mipscope see different items (tshark does not decode the KX extensions), the
    // layout is compared on tshark's items: parsed back into rows and rendered again.
    for (const f of [busy, denials, FILES[0]!]) {
      const theirs = runTshark(['-r', f, '-q', '-z', 'expert']);
      const rows: ExpertRow[] = [];
      let severity: ExpertRow['severity'] = 'error';
      for (const line of theirs.split('\n')) {
        const head = /^(Errors|Warns|Notes|Chats) \(\d+\)$/.exec(line);
        if (head) severity = ({ Errors: 'error', Warns: 'warn', Notes: 'note', Chats: 'chat' } as const)[head[1] as 'Errors'];
        const m = /^ *(\d+) +(\S+) +(\S.*?)  (.*)$/.exec(line);
        if (m && !line.includes('Frequency')) rows.push({ severity, frequency: Number(m[1]), group: m[2]!.trim(), protocol: m[3]!.trim(), summary: m[4]! });
      }
      expect(rows.length).toBeGreaterThan(0);
      expect(textTable({ kind: 'expert', title: 'Expert Information', rows })).toBe(theirs);
    }
  });

  it('mipscope\'s items, counted as -T fields lists them; a severity narrows the table', () => {
    const json = JSON.parse(ours(['-r', busy, '-q', '-T', 'json', '-z', 'expert']))[0].rows as ExpertRow[];
    const listed = ours(['-r', busy, '-T', 'fields', '-E', 'aggregator=/', '-e', '_ws.expert.severity']).split('\n').flatMap(l => (l ? l.split('/') : []));
    const bySeverity = (sev: string) => json.filter(r => r.severity === sev).reduce((n, r) => n + r.frequency, 0);
    expect(bySeverity('error') + bySeverity('warn') + bySeverity('note') + bySeverity('chat')).toBe(listed.length);
    expect(bySeverity('warn')).toBe(listed.filter(s => s === '6291456').length);
    expect(json.some(r => r.summary.startsWith('Unable to decode') || r.protocol === 'Mobile IP')).toBe(true);
    const notes = ours(['-r', busy, '-q', '-z', 'expert,note']);
    expect(notes).toMatch(/^Notes \(\d+\)$/m);
    expect(notes).not.toMatch(/^Chats /m);
    expect(ours(['-r', busy, '-q', '-z', 'expert'])).toMatch(/^Chats \(\d+\)$/m);
    expect(runCli(['-r', busy, '-q', '-z', 'expert,loud']).code).toBe(2);
  });
});

describe('-z io,stat', () => {
  // Filters on what tshark decodes too (it does not know the KX messages, so `mip` differs).
  const everywhere = ['io,stat,1', 'io,stat,0', 'io,stat,0.5', 'io,stat,60', 'io,stat,0,icmp,udp.port==434', 'io,stat,10,mip.type==1,mip.type==3,,udp'];
  for (const z of everywhere) {
    it(`${z}: tshark's table, byte for byte`, () => {
      for (const f of FILES) expect(ours(['-r', f, '-q', '-z', z])).toBe(runTshark(['-r', f, '-q', '-z', z]));
    });
  }

  it('calculations, FRAMES() and BYTES(), a long filter that wraps, a duration under 10 s', () => {
    const f = FILES[0]!;
    for (const z of [
      'io,stat,0.25,ip.src==192.0.2.2',
      'io,stat,30,FRAMES()udp,BYTES()icmp,COUNT(udp.port)udp.port',
      'io,stat,30,MIN(ip.ttl)ip.ttl,MAX(ip.ttl)ip.ttl,SUM(ip.len)ip.len,AVG(ip.len)ip.len',
      // As tshark: a field no filter names has no values for the calculation.
      'io,stat,100,COUNT(ip.src)ip.src,SUM(frame.len)udp,MIN(udp.length)udp,MAX(udp.length),AVG(ip.ttl)ip',
      'io,stat,0,AVG(frame.time_delta)frame.time_delta,MAX(frame.time_delta)frame.time_delta,SUM(frame.time_delta)frame.time_delta',
      'io,stat,1,ip.src==198.51.100.1||ip.src==198.51.100.2||ip.dst==224.0.0.1||udp.srcport==434||udp.dstport==434&&ip.ttl>3&&frame.len>10',
      'io,stat,1,ip.src==198.51.100.1 || ip.src==198.51.100.2 || ip.dst==224.0.0.1 || udp.srcport==434 || udp.dstport==434 and ip.ttl>3',
      'io,stat,1.0,udp',
    ]) expect(ours(['-r', f, '-q', '-z', z])).toBe(runTshark(['-r', f, '-q', '-z', z]));
    // A duration whose µs have a leading zero: tshark 4.0 pads them with spaces ("94. 86810") in whole seconds.
    const reused = join(S, 'captures', 'fault-key-reused.pcapng');
    for (const z of ['io,stat,1', 'io,stat,0.01']) expect(ours(['-r', reused, '-q', '-z', z])).toBe(runTshark(['-r', reused, '-q', '-z', z]));
    const busy = FILES[2]!, z = 'io,stat,300,MIN(ip.ttl)ip.ttl,MAX(udp.length)udp.length,AVG(frame.time_delta)frame.time_delta';
    expect(ours(['-r', busy, '-q', '-z', z])).toBe(runTshark(['-r', busy, '-q', '-z', z]));
  });

  it('with other tables, in tshark\'s order; -T json: every frame in one interval, as -Y counts them', () => {
    const f = FILES[1]!, zs = ['-z', 'io,stat,100,udp', '-z', 'conv,ip'];
    expect(ours(['-r', f, '-q', ...zs])).toBe(runTshark(['-n', '-r', f, '-q', ...zs]));
    const [t] = JSON.parse(ours(['-r', f, '-q', '-T', 'json', '-z', 'io,stat,100,udp.port==434,SUM(udp.length)udp.length'])) as Array<{
      statistic: string; interval: number; columns: Array<{ calc: string }>; rows: Array<{ start: number; cells: Array<{ frames: number; value: number }> }>;
    }>;
    expect(t!.statistic).toBe('io,stat');
    expect(t!.interval).toBe(100);
    expect(t!.columns.map(c => c.calc)).toEqual(['FRAMES BYTES', 'SUM']);
    const listed = (filter: string, field: string) => runTshark(['-r', f, '-Y', filter, '-T', 'fields', '-e', field]).trim().split('\n').map(Number);
    expect(t!.rows.reduce((n, r) => n + r.cells[0]!.frames, 0)).toBe(listed('udp.port==434', 'frame.len').length);
    expect(t!.rows.reduce((n, r) => n + r.cells[0]!.value, 0)).toBe(listed('udp.port==434', 'frame.len').reduce((a, b) => a + b, 0));
    expect(t!.rows.reduce((n, r) => n + r.cells[1]!.value, 0)).toBe(listed('udp.length', 'udp.length').reduce((a, b) => a + b, 0));
  });

  it('a bad interval, filter or calculation: one line, exit 2', () => {
    const f = FILES[0]!;
    for (const [z, msg] of [
      ['io,stat', /^mipscope: invalid -z argument 'io,stat': use io,stat,INTERVAL/],
      ['io,stat,x', /invalid -z argument 'io,stat,x'/],
      ['io,stat,1,udp,', /invalid -z argument/],
      ['io,stat,0.0000001', /interval must be >= 0\.000001 seconds, or 0/],
      ['io,stat,1,mip.bogus==1', /invalid filter 'mip\.bogus==1': "mip\.bogus" is not a valid protocol or protocol field/],
      ['io,stat,1,SUM(ip.src)ip.src', /ip\.src doesn't have integral values, so SUM\(\*\) calculations are not supported/],
      ['io,stat,1,AVG(nosuch)ip', /there is no field named 'nosuch'/],
      ['io,stat,1,AVG(ip.ttl', /closing parenthesis missing/],
      ['io,stat,1,COUNT()ip', /didn't specify a field name for COUNT/],
      ['io,stat,1,LOAD(mip.time)mip.time', /LOAD\(\*\) is not supported/],
    ] as const) {
      const r = runCli(['-r', f, '-q', '-z', z]);
      expect(r.code, z).toBe(2);
      expect(r.stderr, z).toMatch(msg);
      expect(r.stderr.trim().split('\n'), z).toHaveLength(1);
      expect(r.stdout, z).toBe('');
    }
  });
});
