// Frame sets shared by the fast-path tests (simple frames, direct lines): every sample capture,
// the benchmark corpus, frames at the edges of "simple" and damaged copies of simple frames.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame } from '../../capture/frame.js';
import { readCaptureSync } from '../../capture/read.js';
import { benchFrames } from '../../bench/corpus.js';
import { encodeIpv4, encodeLink, encodeUdp, udpFrame } from '../../dissector/build.js';
import { encodeRegistrationReply, encodeRegistrationRequest, ext, ntpIdentification } from '../../dissector/mip/encode.js';
import { standardFrames } from '../../samples/standard.js';
import { prng, ROOT, toFrames } from '../helpers.js';

const CAPTURES = join(ROOT, 'samples', 'captures');

export function captureFrames(path: string): Frame[] {
  const out: Frame[] = [];
  try { for (const f of readCaptureSync(path, {})) out.push({ ...f, data: Uint8Array.from(f.data) }); } catch { /* a capture cut short: what was read */ }
  return out;
}

/** Every sample capture, the demo, the benchmark corpus, the standard frames and the edge cases. */
export function frameSets(): Array<[string, Frame[]]> {
  return [
    ...readdirSync(CAPTURES).filter(f => f.endsWith('.pcapng')).map(f => [f, captureFrames(join(CAPTURES, f))] as [string, Frame[]]),
    ['demo', captureFrames(join(ROOT, 'samples', 'demo.pcapng'))],
    ['bench corpus', toFrames(benchFrames(3000))],
    ['standard frames', toFrames(standardFrames())],
    ['edges', edges()],
  ];
}

/** Copies of simple frames with a byte changed, cut short or grown: each near the edge of "simple". */
export function damaged(frames: readonly Frame[], seed: number, count: number): Frame[] {
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
export function edges(): Frame[] {
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

