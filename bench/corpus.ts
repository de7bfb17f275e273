// Large synthetic captures for benchmarks: realistic Mobile IP registration traffic
// (advertisements, requests and replies with NAI and authentication extensions) built with
// the encoders, deterministic for a given size.
import { readCaptureSync } from '../capture/read.js';
import { writeCaptureFile } from '../capture/write.js';
import type { FrameLike } from '../capture/write.js';
import { encodeAgentAdvertisement, encodeIpv4, encodeLink, udpFrame } from '../dissector/build.js';
import { encodeRegistrationReply, encodeRegistrationRequest, ext, ntpIdentification } from '../dissector/mip/encode.js';

export function benchFrames(count: number): FrameLike[] {
  const key = new Uint8Array(16).fill(7);
  const frames: FrameLike[] = [];
  const t0 = 1_790_000_000;
  // A handful of distinct messages, reused: the cost measured is the analyzer's, not the generator's.
  const templates: Array<{ linktype: number; data: Uint8Array }> = [];
  for (let i = 0; i < 64; i++) {
    const mn = `10.${1 + (i >> 4)}.${i & 15}.${10 + i}`, ha = '10.1.0.1', fa = '192.0.2.1';
    const ident = ntpIdentification((t0 + i) * 1000, i);
    if (i % 16 === 0) {
      templates.push(encodeLink({ kind: 'eth' }, encodeIpv4({ src: fa, dst: '224.0.0.1', proto: 1, ttl: 1, payload: encodeAgentAdvertisement({ routers: [{ addr: fa, pref: 0 }], seq: i, regLifetime: 1800, flags: 0x9100, coas: [fa], prefixLengths: [24] }) })));
      continue;
    }
    const req = encodeRegistrationRequest({ flags: 0x02, lifetime: 1800, homeAddr: mn, haAddr: ha, coa: fa, ident, exts: [ext.nai(`mn${i}@home.example`), ext.mnHa(0x1000 + i, key), ext.mnFa(0x2000 + i, key)] });
    templates.push(udpFrame({ src: mn, dst: fa, sport: 434, dport: 434, payload: req }));
    const rep = encodeRegistrationReply({ code: i % 5 === 0 ? 131 : 0, lifetime: 1800, homeAddr: mn, haAddr: ha, ident, exts: [ext.nai(`mn${i}@home.example`), ext.mnHa(0x1000 + i, key)] });
    templates.push(udpFrame({ src: fa, dst: mn, sport: 434, dport: 434, payload: rep }));
  }
  for (let n = 0; n < count; n++) {
    const t = templates[n % templates.length]!;
    // A fresh Identification per exchange, as real traffic has (identical replays would be
    // one exchange with thousands of retransmissions). Each reply follows its request.
    const data = Uint8Array.from(t.data);
    const mip = 14 + 20 + 8;
    if (data.length > mip + 24 && (data[mip] === 1 || data[mip] === 3)) {
      const identAt = mip + (data[mip] === 1 ? 16 : 12);
      const exchange = data[mip] === 1 ? n : n - 1;
      new DataView(data.buffer).setUint32(identAt + 4, exchange >>> 0);
    }
    frames.push({ linktype: t.linktype, data, tsSec: t0 + Math.floor(n / 1000), tsNsec: (n % 1000) * 1_000_000 });
  }
  return frames;
}

export function writeBenchCapture(path: string, count: number, format: 'pcap' | 'pcapng' = 'pcap'): void {
  writeCaptureFile(path, benchFrames(count), format);
}

/**
 * `copies` back-to-back copies of a sample capture, each shifted in time past the end of the
 * previous one: the KX-heavy traffic of the benchmarks (the sample's agents made the bytes).
 */
export function repeatedCapture(samplePath: string, copies: number): FrameLike[] {
  const sample = [...readCaptureSync(samplePath)].map(f => ({ linktype: f.linktype, data: Uint8Array.from(f.data), tsSec: f.tsSec, tsNsec: f.tsNsec, len: f.len }));
  if (!sample.length) return [];
  const span = sample.at(-1)!.tsSec - sample[0]!.tsSec + 60;
  const frames: FrameLike[] = [];
  for (let c = 0; c < copies; c++) for (const f of sample) frames.push({ ...f, tsSec: f.tsSec + c * span });
  return frames;
}
