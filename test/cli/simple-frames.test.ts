// The fast path for simple frames (cli/simple-frames.ts) makes the packet the dissectors make:
// every node (field, value as -T fields prints it, generated/hidden, bytes), the columns and
// the layers, over every sample capture, the benchmark corpus and damaged copies of them; and
// it takes no frame the dissectors would say anything about.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Frame } from '../../capture/frame.js';
import { readCaptureSync } from '../../capture/read.js';
import { SimpleFrames } from '../../cli/simple-frames.js';
import { independentOfTracking } from '../../cli/tracking-free.js';
import { allFields, dissectFrame, fieldByAbbrev, Session } from '../../dissector/index.js';
import type { Packet } from '../../dissector/index.js';
import { extractedValue } from '../../dissector/output/view.js';
import { benchFrames } from '../../bench/corpus.js';
import { encodeIpv4, encodeLink, encodeUdp, udpFrame } from '../../dissector/build.js';
import { encodeRegistrationReply, encodeRegistrationRequest, ext, ntpIdentification } from '../../dissector/mip/encode.js';
import { standardFrames } from '../../samples/standard.js';
import { prng, ROOT, toFrames } from '../helpers.js';

const CAPTURES = join(ROOT, 'samples', 'captures');

function captureFrames(path: string): Frame[] {
  const out: Frame[] = [];
  try { for (const f of readCaptureSync(path, {})) out.push({ ...f, data: Uint8Array.from(f.data) }); } catch { /* a capture cut short: what was read */ }
  return out;
}

const view = (pkt: Packet) => ({
  nodes: pkt.all.map(n => [n.field?.abbrev, n.expert ? 'expert' : extractedValue(n), n.generated, n.hidden, n.offset, n.length, n.src].join('|')),
  columns: [pkt.src, pkt.dst, pkt.protocol, pkt.info, pkt.layers.join(':')],
});

/** Both paths over the frames with `want`; the number of frames the fast path took. */
function compare(frames: readonly Frame[], want: Uint8Array, label: string): number {
  const fresh = () => { const s = new Session(); s.retain = false; s.skipTracking = true; return s; };
  let full = fresh(), fast = fresh();
  const simple = new SimpleFrames(fast.prefs);
  let taken = 0;
  for (const f of frames) {
    const a = dissectFrame(f, full, want);
    // A tracking-free pass ends at the first packet that could depend on tracking (a KX packet
    // may teach a key): the fast path is not used after it. Here both start again after it.
    if (!independentOfTracking(a)) { full = fresh(); fast = fresh(); continue; }
    const b = simple.dissect(f, fast, want);
    if (b === null) { dissectFrame(f, fast, want); continue; }
    taken++;
    expect(view(b), `${label} frame ${f.no}`).toEqual(view(a));
  }
  return taken;
}

const every = new Uint8Array(allFields().length).fill(1);
const none = new Uint8Array(allFields().length);
const some = new Uint8Array(allFields().length);
for (const n of ['frame.number', 'ip.src', 'mip.type', 'mip.auth.spi', 'mip.nai', 'frame.time_delta']) some[fieldByAbbrev(n)!.id] = 1;

/** Copies of simple frames with a byte changed, cut short or grown: each near the edge of "simple". */
function damaged(frames: readonly Frame[], seed: number, count: number): Frame[] {
  const rnd = prng(seed), out: Frame[] = [];
  for (let i = 0; i < count; i++) {
    const f = frames[Math.floor(rnd() * frames.length)]!;
    let data = Uint8Array.from(f.data);
    const how = rnd();
    if (how < 0.7) data[Math.floor(rnd() * Math.min(data.length, 90))] = Math.floor(rnd() * 256);
    else if (how < 0.85) data = data.subarray(0, Math.floor(rnd() * data.length));
    else data = Uint8Array.from([...data, ...Array.from({ length: 1 + Math.floor(rnd() * 8) }, () => Math.floor(rnd() * 256))]);
    out.push({ ...f, no: i + 1, data, caplen: data.length, len: rnd() < 0.05 ? data.length + 4 : data.length });
  }
  return out;
}

/** Frames at the edges of "simple", built with the encoders: each either simple or not, by one detail. */
function edges(): Frame[] {
  const key = new Uint8Array(16).fill(3), ident = ntpIdentification(1_790_000_000_000, 7);
  const req = (o: Partial<Parameters<typeof encodeRegistrationRequest>[0]> = {}) => encodeRegistrationRequest({ flags: 0x02, lifetime: 600, homeAddr: '10.1.0.5', haAddr: '10.1.0.1', coa: '192.0.2.1', ident, exts: [ext.nai('mn@home.example'), ext.mnHa(0x100, key)], ...o });
  const rep = (o: Partial<Parameters<typeof encodeRegistrationReply>[0]> = {}) => encodeRegistrationReply({ code: 0, lifetime: 600, homeAddr: '10.1.0.5', haAddr: '10.1.0.1', ident, exts: [ext.mnHa(0x100, key)], ...o });
  const at = (payload: Uint8Array, o: Partial<Parameters<typeof udpFrame>[0]> = {}) => udpFrame({ src: '192.0.2.1', dst: '10.1.0.1', payload, ...o });
  const raw = (t: number, n: number) => ext.raw(t, new Uint8Array(n).fill(0x41));
  const list: Array<{ linktype: number; data: Uint8Array }> = [
    at(req()), at(rep()), at(req({ exts: [] })), at(rep({ exts: [] })), at(rep({ code: 131 })),
    ...[0, 1, 3, 4, 5, 20].map(n => at(req({ exts: [raw(32, n)] }))),
    ...[0, 1, 3, 4, 5].map(n => at(req({ exts: [raw(33, n), raw(34, n)] }))),
    at(req({ exts: [raw(131, 0)] })), at(req({ exts: [ext.raw(131, Uint8Array.of(0x6d, 0xff, 0xfe, 0x0a, 0x09, 0x22, 0x5c, 0xc3))] })),
    ...[0x01, 0x04, 0x05, 0xfa, 0xff, 0x00, 0x80].map(flags => at(req({ flags }))),
    at(req({ exts: [ext.challenge(new Uint8Array(8))] })), at(req({ exts: [ext.cvse(5535, 1, new Uint8Array(4))] })),
    at(req({ exts: [ext.genAuth(1, 0x100, key)] })),
    at(req(), { sport: 434, dport: 50000 }), at(req(), { sport: 50000, dport: 434 }), at(req(), { sport: 4340, dport: 4341 }),
    at(req(), { link: { kind: 'vlan' } }), at(req(), { link: { kind: 'sll' } }), at(req().subarray(0, 23)), at(rep().subarray(0, 19)),
    encodeLink({ kind: 'eth' }, encodeIpv4({ src: '192.0.2.1', dst: '10.1.0.1', proto: 17, payload: encodeUdp({ src: '192.0.2.1', dst: '10.1.0.1', sport: 434, dport: 434, payload: req() }), options: Uint8Array.of(1, 1, 1, 0) })),
    encodeLink({ kind: 'eth' }, encodeIpv4({ src: '192.0.2.1', dst: '10.1.0.1', proto: 17, payload: encodeUdp({ src: '192.0.2.1', dst: '10.1.0.1', sport: 434, dport: 434, payload: req(), checksum: 0 }) })),
    encodeLink({ kind: 'eth' }, encodeIpv4({ src: '192.0.2.1', dst: '10.1.0.1', proto: 17, df: true, reservedFlag: true, payload: encodeUdp({ src: '192.0.2.1', dst: '10.1.0.1', sport: 434, dport: 434, payload: req() }) })),
    encodeLink({ kind: 'eth' }, encodeIpv4({ src: '192.0.2.1', dst: '10.1.0.1', proto: 17, mf: true, payload: encodeUdp({ src: '192.0.2.1', dst: '10.1.0.1', sport: 434, dport: 434, payload: req() }) })),
    encodeLink({ kind: 'eth' }, encodeIpv4({ src: '192.0.2.1', dst: '10.1.0.1', proto: 17, payload: encodeUdp({ src: '192.0.2.1', dst: '10.1.0.1', sport: 434, dport: 434, payload: req(), length: 20 }) })),
    encodeLink({ kind: 'eth', pad: true }, encodeIpv4({ src: '192.0.2.1', dst: '10.1.0.1', proto: 17, payload: encodeUdp({ src: '192.0.2.1', dst: '10.1.0.1', sport: 434, dport: 434, payload: rep({ exts: [] }).subarray(0, 4) }) })),
  ];
  return toFrames(list.map((f, i) => ({ ...f, tsSec: 1_790_000_000 + i, tsNsec: i * 1000 })));
}

describe('simple frames', () => {
  const sets: Array<[string, Frame[]]> = [
    ...readdirSync(CAPTURES).filter(f => f.endsWith('.pcapng')).map(f => [f, captureFrames(join(CAPTURES, f))] as [string, Frame[]]),
    ['demo', captureFrames(join(ROOT, 'samples', 'demo.pcapng'))],
    ['bench corpus', toFrames(benchFrames(3000))],
    ['standard frames', toFrames(standardFrames())],
    ['edges', edges()],
  ];

  for (const [name, want] of [['every field', every], ['no field', none], ['five fields and a time', some]] as const) {
    it(`gives the dissectors' packet, keeping ${name}`, () => {
      let taken = 0;
      for (const [label, frames] of sets) taken += compare(frames, want, label);
      expect(taken).toBeGreaterThan(3500);
    });
  }

  it('takes the simple ones among the edge cases and leaves the others', () => {
    const frames = edges();
    const s = new Session();
    s.skipTracking = true;
    const simple = new SimpleFrames(s.prefs);
    const taken = frames.map(f => simple.dissect(f, s, every) !== null);
    // Plain request and reply, without extensions, code 131; authentication of 4 bytes and more.
    expect(taken.slice(0, 11)).toEqual([true, true, true, true, true, false, false, false, true, true, true]);
    expect(taken.filter(Boolean).length).toBeGreaterThan(15);
    expect(taken.filter(x => !x).length).toBeGreaterThan(15);
  });

  it('takes only what the dissectors raise nothing about, over damaged frames', () => {
    const base = [...toFrames(benchFrames(500)), ...toFrames(standardFrames())];
    const frames = damaged(base, 20261203, 4000);
    const taken = compare(frames, every, 'damaged');
    // Many damaged copies are still simple (a changed address or authenticator), many are not.
    expect(taken).toBeGreaterThan(400);
    expect(taken).toBeLessThan(3600);
    expect(compare(frames, none, 'damaged')).toBe(taken);
  });

  it('leaves out frames the preferences make different: checksums checked, another port', () => {
    const frames = toFrames(benchFrames(200));
    const s = new Session({ ...new Session().prefs, 'udp.check_checksum': true });
    expect(new SimpleFrames(s.prefs).usable).toBe(false);
    const moved = new Session({ ...new Session().prefs, 'mip.udp.port': 4340 });
    moved.skipTracking = true;
    const simple = new SimpleFrames(moved.prefs);
    expect(frames.filter(f => simple.dissect(f, moved, every) !== null)).toHaveLength(0);
  });
});
