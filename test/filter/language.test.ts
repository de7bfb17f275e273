// Every operator and literal type of the filter language, on a fixture whose frames have known
// roles (fixtures.ts), and the any/all semantics checked against plain computations.
import { describe, expect, it } from 'vitest';
import { compileFilter, filterPackets } from '../../dissector/filter/index.js';
import type { Packet } from '../../dissector/index.js';
import { standardFrames } from '../../samples/standard.js';
import { randomFrames } from '../fixtures/random-mip.js';
import { dissectAll } from '../helpers.js';
import { fixturePackets } from './fixtures.js';

const packets = fixturePackets();
const sel = (filter: string) => filterPackets(packets, filter).map(p => p.no);
const ALL = [1, 2, 3, 4, 5, 6, 7, 8];
const MIP = [1, 2, 3, 5, 6, 7, 8];
const ETH_FRAMES = [1, 2, 4, 5, 6, 7, 8]; // frame 3 is raw IP
const WITH_LIFE = [1, 2, 3, 5, 6, 8];

function cases(list: Array<[string, number[]]>): void {
  for (const [filter, frames] of list) it(filter, () => expect(sel(filter)).toEqual(frames));
}

describe('fields and protocols', () => {
  cases([
    ['mip', MIP], ['icmp', [4]], ['udp', MIP], ['frame', ALL], ['mip.s', [1, 5, 6, 8]], ['mip.code', [2, 3]],
    ['mip.ext.msgstr.text', [3]], ['icmp.mip.coa', [4]], ['mip.auth.expected', [3]],
  ]);
  it('an empty filter passes everything', () => {
    expect(sel('')).toEqual(ALL);
    expect(sel('   ')).toEqual(ALL);
    expect(compileFilter('').empty).toBe(true);
  });
  it('reports the fields it uses', () => {
    expect(compileFilter('mip.type == 1 && ip.src == ip.dst or mip.ext.len.overrun').fields).toEqual(['mip.type', 'ip.src', 'ip.dst', 'mip.ext.len.overrun']);
    expect(compileFilter('udp.dstport#2 == 53').fields).toEqual(['udp.dstport', 'udp']);
  });
});

describe('comparisons and their any/all semantics', () => {
  cases([
    ['mip.type == 1', [1, 5, 6, 8]], ['mip.type eq 1', [1, 5, 6, 8]], ['mip.type any_eq 3', [2, 3]],
    ['mip.code == 0', [2]], ['mip.code != 0', [3]], ['!(mip.code == 0)', [1, 3, 4, 5, 6, 7, 8]],
    ['ip.addr == 10.1.0.5', [1, 2, 7, 8]],
    ['ip.addr != 10.1.0.5', [3, 4, 5, 6]], ['ip.addr ne 10.1.0.5', [3, 4, 5, 6]], ['ip.addr all_ne 10.1.0.5', [3, 4, 5, 6]],
    ['ip.addr ~= 10.1.0.5', ALL], ['ip.addr !== 10.1.0.5', ALL], ['ip.addr any_ne 10.1.0.5', ALL],
    ['ip.addr === 10.1.0.5', []], ['ip.src all_eq 10.1.0.5', [1, 8]], ['ip.src === 192.0.2.1', [2, 3, 4]],
    ['any ip.src == 10.0.0.0/8', [1, 5, 6, 7, 8]], ['all ip.src == 10.0.0.0/8', [1, 5, 6, 8]],
    ['any ip.addr != 10.1.0.5', ALL], ['all ip.addr != 10.1.0.5', [3, 4, 5, 6]],
    ['mip.life > 60', [1, 2, 8]], ['mip.life gt 60', [1, 2, 8]], ['mip.life >= 900', [1, 2, 8]], ['mip.life ge 900 and mip.life lt 1800', [8]],
    ['mip.life < 60', [3]], ['mip.life le 60', [3, 5, 6]], ['mip.life <= 60', [3, 5, 6]], ['mip.life all_ne 0', [1, 2, 5, 6, 8]],
    ['mip.auth.status == "good"', [1, 2, 8]], ['mip.auth.status != "good"', [3]], ['mip.auth.status ~= "good"', [3, 8]],
    ['all mip.auth.status == "good"', [1, 2]],
  ]);
});

describe('logic', () => {
  cases([
    ['not mip', [4]], ['!mip', [4]], ['not not mip', MIP], ['!mip && ip', [4]],
    ['mip.type == 3 || icmp', [2, 3, 4]], ['mip.type == 3 or icmp', [2, 3, 4]],
    ['mip.type == 1 and mip.life == 60', [5, 6]], ['mip.type == 1 && mip.life == 60', [5, 6]],
    ['mip.type == 1 xor mip.t == 1', [5, 6]], ['mip.type == 1 ^^ mip.t == 1', [5, 6]],
    // and binds tighter than or, as in Wireshark 4
    ['mip.type == 3 or mip.type == 1 and mip.s == 1', [1, 2, 3]],
    ['(mip.type == 3 or mip.type == 1) and mip.life > 100', [1, 2, 8]],
    ['!(mip.type == 1 or mip.type == 3) && udp', [7]],
  ]);
});

describe('bitwise and', () => {
  cases([
    ['mip.flags & 0x80', [1]], ['mip.flags & 0x02', [1, 8]], ['mip.flags bitwise_and 0x02', [1, 8]], ['mip.flags & 0x82 == 0x82', [1]],
    ['mip.flags & 0x82 == 0x02', [8]], ['mip.flags & 1 + 1', [1, 8]], ['icmp.mip.flags & 0x1000', [4]],
    ['ip.dst & 0.0.0.255 == 0.0.0.1', [1, 4, 5, 6, 7, 8]],
  ]);
});

describe('sets', () => {
  cases([
    ['mip.life in {60, 900}', [5, 6, 8]], ['mip.life in {0 900}', [3, 8]], ['mip.life in {0..100}', [3, 5, 6]],
    ['mip.life in {0 .. 100, 1800}', [1, 2, 3, 5, 6]], ['mip.code in {"Reg Accepted", 131}', [2, 3]],
    ['mip.life not in {60, 900}', [1, 2, 3, 4, 7]], ['mip.homeaddr in {10.1.0.5, 10.1.0.6}', [1, 2, 3, 8]],
    ['mip.homeaddr in {10.1.0.6..10.1.0.8}', [3, 5, 6]], ['ip.dst in {224.0.0.0/4}', [4]],
    ['all ip.src in {10.0.0.0/8}', [1, 5, 6, 8]], ['mip.homeaddr in {ip.src}', [1, 5, 6, 8]],
    ['mip.nai in {"mn1@home.example", "x"}', [1, 2]], ['mip.type in {0x01, 0b11}', [1, 2, 3, 5, 6, 8]],
  ]);
});

describe('contains and matches', () => {
  cases([
    ['mip.nai contains "mn1"', [1, 2]], ['mip.nai contains "MN1"', []], ['mip.nai contains mn1', [1, 2]],
    ['frame contains "home"', [1, 2]], ['mip contains 6d:6e:31', [1, 2]], ['eth.src contains 01:01', ETH_FRAMES],
    ['mip.auth.auth contains c8:a0', [1]], ['mip.ext.msgstr.text contains "\\n"', [3]],
    ['mip.nai matches "^MN1@"', [1, 2]], ['mip.nai matches "(?-i)^MN1@"', []], ['mip.nai matches "home\\\\.example$"', [1, 2]],
    ['mip.nai ~ "^mn"', [1, 2]], ['mip.nai matches r"^mn\\d@"', [1, 2]], ['frame matches "mn1@home"', [1, 2]],
    ['mip.ext.msgstr.text matches "^hello\\nworld$"', [3]], ['mip.ext.msgstr.text matches "hello.world"', []],
    ['mip.ext.msgstr.text matches "(?s)hello.world"', [3]], ['mip.ext.msgstr.text matches "(?m)^world$"', [3]],
    ['mip.nai matches "^[[:alpha:]]+[[:digit:]]@"', [1, 2]], ['mip.nai matches r"\\Amn1@home\\.example\\z"', [1, 2]],
    ['mip.nai matches "(?P<user>mn)(?P=user)"', []], ['mip.nai matches "\\\\x{6d}n1"', [1, 2]],
  ]);
});

describe('slices', () => {
  cases([
    ['mip.auth.auth[0] == c8', [1]], ['mip.auth.auth[0:2] == c8:a0', [1]], ['mip.auth.auth[0-1] == c8:a0', [1]],
    ['mip.auth.auth[:2] == c8:a0', [1]], ['mip.auth.auth[-1] == 79', [1]], ['mip.auth.auth[-2:] == ad:79', [1]],
    ['mip.auth.auth[14:] == ad79', [1]], ['mip.auth.auth[0,15] == c8:79', [1]], ['mip.auth.auth[0:2,15] == c8a079', [1]],
    ['mip.auth.auth[15]', [1, 2, 3, 8]], ['mip.auth.auth[16]', []], ['mip.auth.auth[15:2]', []], ['mip.auth.auth[-17:1]', []],
    ['eth.src[0:3] == 02:00:00', ETH_FRAMES], ['mip.homeaddr[3] == 05', [1, 2, 8]], ['mip.nai[0:3] == "mn1"', [1, 2]],
    ['mip.nai[0:3] == 6d:6e:31', [1, 2]], ['mip[0] == 3', [2, 3]], ['udp[2:2] == 01:b2', [1, 3, 5, 6, 7, 8]],
    ['len(mip.auth.auth[0:4]) == 4', [1, 2, 3, 8]],
  ]);
});

describe('field against field', () => {
  cases([
    ['ip.src == ip.dst', []], ['ip.src != ip.dst', ALL], ['mip.homeaddr == ip.src', [1, 5, 6, 8]], ['ip.dst == mip.homeaddr', [2, 3]],
    ['udp.srcport > udp.dstport', [1, 7, 8]], ['mip.auth.auth > mip.auth.auth', [8]], ['eth.src == eth.src', ETH_FRAMES],
    ['mip.coa == icmp.mip.coa', []], ['mip.nai == mip.nai', [1, 2]],
  ]);
});

describe('literals', () => {
  cases([
    // integers in every base, character constants, value names (quoted or bare, any case)
    ['mip.life == 1800', [1, 2]], ['mip.life == 0x708', [1, 2]], ['mip.life == 03410', [1, 2]], ['mip.life == 0b11100001000', [1, 2]],
    ["mip.type == '\\x01'", [1, 5, 6, 8]], ["mip.type == '\\001'", [1, 5, 6, 8]], ['mip.auth.spi == 0x100', [1, 2, 8]],
    ['mip.type == "Registration Reply"', [2, 3]], ['mip.type == "registration REPLY"', [2, 3]], ['mip.code == "Reg Accepted"', [2]],
    ['_ws.expert.severity == Error', [3, 5, 6]], ['mip.type > "Registration Request"', [2, 3, 7]],
    ['mip.ident.hex == 17175526113070284807', [1, 2, 3, 5, 8]], ['mip.ident.hex > 0xffffffff', [1, 2, 3, 5, 8]],
    ['icmp.pref_level > -1', [4]], ['icmp.pref_level == -0', [4]], ['mip.life == -1', []],
    // booleans
    ['mip.s == 1', [1]], ['mip.s == True', [1]], ['mip.s == true', [1]], ['mip.s == "TRUE"', [1]], ['mip.s == 2', [1]],
    ['mip.s == 0', [5, 6, 8]], ['mip.s == False', [5, 6, 8]], ['mip.s != 1', [5, 6, 8]],
    ['ip.flags.df == "Not set"', ALL], ['ip.flags.df == "Set"', []],
    // IPv4 and CIDR
    ['ip.src == 10.1.0.5', [1, 7, 8]], ['ip.src == 10.0.0.0/8', [1, 5, 6, 7, 8]], ['ip.dst == 224.0.0.0/4', [4]],
    ['ip.src == 10.1.0.5/32', [1, 7, 8]], ['ip.src == 0.0.0.0/0', ALL], ['ip.dst > 192.0.2.1', [4, 7]], ['ip.src < 10.0.0.0/8', []],
    // bytes: separators, none, one byte, strings
    ['mip.auth.auth[0:2] == c8-a0', [1]], ['mip.auth.auth[0:2] == c8.a0', [1]], ['mip.auth.auth[0:2] == c8a0', [1]],
    ['mip.auth.auth[0] == 0xc8', [1]], ['mip.auth.auth[0] == "\\xc8"', [1]], ['mip.nai[0] == "m"', [1, 2]],
    ['mip.auth.auth[0:2] > c8:00', [1]], ['mip.auth.auth[0:2] < 30:00', [2]],
    // strings and escapes
    ['mip.ext.msgstr.text == "Hello\\nWorld"', [3]], ['mip.ext.msgstr.text == "Hello\\x0aWorld"', [3]],
    ['mip.ext.msgstr.text == "\\110ello\\nWorld"', [3]], ['mip.ext.msgstr.text == "\\u0048ello\\nWorld"', [3]],
    ['mip.nai == "mn1@home.example"', [1, 2]], ['mip.nai == mn1', []], ['mip.nai > "m"', [1, 2]], ['mip.nai < "m"', []],
    ['mip.auth.status == good', [1, 2, 8]], ['mip.auth.status == "bad"', [3]], ['mip.auth.status == "unverified"', [8]],
    // Ethernet addresses
    ['eth.src == 02:00:00:00:01:01', ETH_FRAMES], ['eth.src == 02-00-00-00-01-01', ETH_FRAMES],
    ['eth.src == 0200.0000.0101', ETH_FRAMES], ['eth.src == 020000000101', ETH_FRAMES], ['eth.dst == 02:00:00:00:01:01', []],
    // absolute and relative times
    ['frame.time == "Sep 21, 2026 14:13:20 UTC"', [1]], ['frame.time == "Sep 21, 2026 14:13:21.25 UTC"', [2]],
    ['frame.time >= "2026-09-21 14:13:25 UTC"', [5, 6, 7, 8]], ['frame.time < "2026-09-21T14:13:21.5Z"', [1, 2]],
    ['mip.ident > "Sep 21, 2026 14:13:20 UTC" && mip.ident < "Sep 21, 2026 14:13:20.001 UTC"', [1, 2, 3, 5, 8]],
    ['frame.time_delta == 1.25', [2, 3, 4, 5, 6, 7, 8]], ['frame.time_relative > 5', [6, 7, 8]], ['frame.time_relative == 0', [1]],
    ['mip.time == 1.25', [2]], ['frame.time_delta > -1', ALL], ['frame.time_delta == 0', [1]],
  ]);
  it('reads an absolute time without UTC as local time, as Wireshark does', () => {
    const d = new Date(1_790_000_001 * 1000 + 250);
    const p2 = (n: number) => String(n).padStart(2, '0');
    const local = `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.25`;
    expect(sel(`frame.time == "${local}"`)).toEqual([2]);
  });
});

describe('functions', () => {
  cases([
    ['len(mip.nai) == 16', [1, 2]], ['len(mip.auth.auth) == 16', [1, 2, 3, 8]], ['len(mip.life) == 2', WITH_LIFE],
    ['len(eth.src) == 6', ETH_FRAMES], ['len(mip) == 36', [7]], ['count(mip.ext.type) == 2', [1, 2, 3, 8]], ['count(ip.src) == 2', [7]],
    ['count(mip.auth.status) == 2', [8]], ['count(_ws.expert) == 1', [3, 5, 6, 8]], ['count(mip.nai) == 0', []],
    ['upper(mip.nai) == "MN1@HOME.EXAMPLE"', [1, 2]], ['lower(mip.ext.msgstr.text) contains "hello"', [3]],
    ['string(mip.life) == "1800"', [1, 2]], ['string(ip.src) == "10.1.0.5"', [1, 7, 8]], ['string(eth.src) contains "02:00"', ETH_FRAMES],
    ['max(mip.life, mip.type) == 1800', [1, 2]], ['min(mip.ext.type) == 32', [1, 2, 3, 8]], ['min(mip.life, 100) == 60', [5, 6]],
    ['abs(mip.life - 1000) == 800', [1, 2]], ['max(frame.time_delta) > 1', [2, 3, 4, 5, 6, 7, 8]],
  ]);
});

describe('arithmetic', () => {
  cases([
    ['mip.life + 1 == 1801', [1, 2]], ['mip.life - 100 == 800', [8]], ['mip.life * 2 == 3600', [1, 2]], ['mip.life / 2 == 900', [1, 2]],
    ['mip.life % 7 == 1', [1, 2]], ['{mip.life + 200} * 2 == 2200', [8]], ['mip.life + 1', WITH_LIFE], ['-mip.life', [1, 2, 5, 6, 8]],
    ['mip.life == -mip.life', [3]], ['mip.life == 1000 + 800', [1, 2]], ['mip.life == {1000 + 800} / 2', [8]],
    ['udp.dstport - udp.srcport == 1000', [2]], ['mip.life / 0 == 1', []], ['mip.ident.hex + 1 > mip.ident.hex', [1, 2, 3, 5, 8]],
    ['frame.time_delta + frame.time_delta == 2.5', [2, 3, 4, 5, 6, 7, 8]], ['-frame.time_delta < 0', [2, 3, 4, 5, 6, 7, 8]],
    ['mip.ext.type + mip.ext.type == 163', [1, 2]],
  ]);
});

describe('layers', () => {
  cases([
    ['ip#2', [7]], ['ip.src#2 == 10.1.0.5', [7]], ['ip.src#1 == 10.1.0.5', [1, 8]], ['ip.dst#[1-2] == 198.51.100.7', [7]],
    ['udp.dstport#2 == 53', [7]], ['ip.src#[2:]', [7]], ['ip.src#3', []], ['mip.type#1 == 4', [7]], ['count(ip.src#2) == 1', [7]],
  ]);
});

describe('expert items and generated fields', () => {
  cases([
    ['_ws.expert', [3, 5, 6, 8]], ['_ws.expert.severity == "Error"', [3, 5, 6]], ['_ws.expert.severity == 0x800000', [3, 5, 6]],
    ['_ws.expert.group == "Malformed"', [5, 6]], ['_ws.expert.group == "Security"', [3, 8]], ['_ws.expert.message contains "runs past"', [5]],
    ['mip.ext.len.overrun', [5]], ['_ws.malformed', [5, 6]], ['_ws.malformed.expert', [6]], ['mip.ext.len.overrun or _ws.malformed', [5, 6]],
    ['mip.ext.len.overrun#1', [5]], ['mip.auth.alg == "hmac-md5"', [1, 2, 3, 8]], ['mip.response_to == 1', [2]], ['mip.time > 1', [2]],
  ]);
});

describe('generated KX fields, named through the registry', () => {
  it('mip.kx.gp.decrypted selects the decrypted extensions of the published vectors', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { readCaptureSync } = await import('../../capture/read.js');
    const { attachKeys, parseKeysFile } = await import('../../dissector/keys/index.js');
    const { dissectFrame, Session, fieldByAbbrev } = await import('../../dissector/index.js');
    const { defaultPrefs } = await import('../../dissector/prefs.js');
    const { VECTORS } = await import('../helpers.js');
    expect(fieldByAbbrev('mip.kx.gp.decrypted')?.type).toBe('bool');
    const dir = VECTORS;
    let decrypted = 0;
    for (const f of readdirSync(dir).filter(n => n.endsWith('.pcap'))) {
      const session = new Session(defaultPrefs);
      attachKeys(session, parseKeysFile(readFileSync(join(dir, f.replace(/\.pcap$/, '.keys.json')), 'utf8'), f));
      const pkts = [...readCaptureSync(join(dir, f))].map(fr => dissectFrame(fr, session));
      const truth = (p: Packet) => p.all.some(n => n.field?.abbrev === 'mip.kx.gp.decrypted' && n.value === true);
      expect(filterPackets(pkts, 'mip.kx.gp.decrypted == 1').map(p => p.no)).toEqual(pkts.filter(truth).map(p => p.no));
      expect(filterPackets(pkts, 'mip.kx.gp.decrypted').map(p => p.no)).toEqual(pkts.filter(p => p.all.some(n => n.field?.abbrev === 'mip.kx.gp.decrypted')).map(p => p.no));
      decrypted += filterPackets(pkts, 'mip.kx.gp.decrypted == True').length;
    }
    expect(decrypted).toBeGreaterThan(0);
  });
});

describe('any/all semantics agree with a plain computation', () => {
  const corpus = [...dissectAll(standardFrames()), ...dissectAll(randomFrames(3, 300))];
  const raw = (p: Packet, abbrev: string) => p.all.filter(n => n.field?.abbrev === abbrev && n.value !== null).map(n => Number(n.value));
  for (const field of ['mip.type', 'mip.code', 'mip.life', 'mip.ext.type', 'udp.port', 'ip.ttl', 'icmp.mip.prefixlength']) {
    it(field, () => {
      const seen = [...new Set(corpus.flatMap(p => raw(p, field)))].slice(0, 12);
      expect(seen.length).toBeGreaterThan(1);
      for (const v of seen) {
        const checks: Array<[string, (xs: number[]) => boolean]> = [
          [`${field} == ${v}`, xs => xs.some(x => x === v)],
          [`${field} != ${v}`, xs => xs.length > 0 && xs.every(x => x !== v)],
          [`${field} ~= ${v}`, xs => xs.some(x => x !== v)],
          [`${field} === ${v}`, xs => xs.length > 0 && xs.every(x => x === v)],
          [`${field} > ${v}`, xs => xs.some(x => x > v)],
          [`all ${field} <= ${v}`, xs => xs.length > 0 && xs.every(x => x <= v)],
          [`${field} in {${v}..${v + 10}}`, xs => xs.some(x => x >= v && x <= v + 10)],
          [`not ${field} in {${v}, 0}`, xs => !xs.some(x => x === v || x === 0)],
        ];
        for (const [filter, truth] of checks) {
          const f = compileFilter(filter);
          const bad = corpus.filter(p => f.match(p) !== truth(raw(p, field)));
          expect(bad.map(p => `${filter} on frame ${p.no}`)).toEqual([]);
        }
      }
    });
  }
});
