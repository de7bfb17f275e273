// Generators of hostile captures, one per cost or depth finding of the robustness review: each
// builds frames with the project's encoders. Used by the regression tests (small sizes) and,
// as a script, to write the full-size captures that the figures in docs/limits.md come from.
// Usage: node dist/bench/hostile.js <name> <out.pcap> [size]   (names: see HOSTILE below)
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { writeCaptureFile } from '../capture/write.js';
import type { FrameLike } from '../capture/write.js';
import { encodeIpv4, encodeLink, encodeUdp, udpFrame } from '../dissector/build.js';
import { encodeRegistrationRequest, encodeTunnelData, ext, ntpIdentification } from '../dissector/mip/encode.js';
import { saPayload } from '../dissector/kx/encode.js';
import type { KeSpec } from '../dissector/kx/encode.js';
import { getDiffieHellman } from 'node:crypto';

const T0 = 1_790_000_000;
const MN = '10.1.0.10', HA = '10.1.0.1', FA = '192.0.2.1';

function frame(f: { linktype: number; data: Uint8Array }, n: number): FrameLike {
  return { linktype: f.linktype, data: f.data, tsSec: T0 + Math.floor(n / 1000), tsNsec: (n % 1000) * 1_000_000 };
}

/** A plain registration request: the "next good packet" after hostile ones. */
export function goodRequest(n = 0): Uint8Array {
  return encodeRegistrationRequest({ flags: 0x02, lifetime: 1800, homeAddr: MN, haAddr: HA, coa: FA, ident: ntpIdentification(T0 * 1000, n), exts: [ext.nai('mn@home.example')] });
}

/** Tunnel Data (type 4) carrying IPv4/UDP/434/Tunnel Data … `levels` deep, a request innermost. */
export function nestedTunnelData(levels: number): Uint8Array {
  let mip = goodRequest();
  for (let i = 0; i < levels; i++) {
    const udp = encodeUdp({ src: FA, dst: HA, sport: 434, dport: 434, payload: mip });
    mip = encodeTunnelData(4, encodeIpv4({ src: FA, dst: HA, proto: 17, payload: udp }));
  }
  return mip;
}

/** `count` overlapping 80-byte fragments of one datagram whose last fragment came first, so that it never completes. */
export function overlappingFragments(count: number): FrameLike[] {
  const out: FrameLike[] = [];
  const ipf = (payload: Uint8Array, fragOffset: number, mf: boolean) => encodeLink({ kind: 'eth' }, encodeIpv4({ src: FA, dst: HA, proto: 17, id: 0x4242, payload, fragOffset, mf }));
  out.push(frame(ipf(new Uint8Array(80).fill(1), 1600, false), 0));
  for (let i = 0; i < count; i++) out.push(frame(ipf(new Uint8Array(80).fill(i & 255), 8 * (i % 8), true), i + 1));
  out.push(frame(udpFrame({ src: MN, dst: FA, payload: goodRequest(1) }), count + 1));
  return out;
}

/** `count` first fragments (offset 0, more fragments) of distinct datagrams that never complete. */
export function firstFragments(count: number): FrameLike[] {
  const out: FrameLike[] = [];
  const payload = new Uint8Array(64).fill(0x55);
  for (let i = 0; i < count; i++) {
    const src = `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
    out.push(frame(encodeLink({ kind: 'eth' }, encodeIpv4({ src, dst: HA, proto: 17, id: i & 0xffff, payload, mf: true })), i));
  }
  out.push(frame(udpFrame({ src: MN, dst: FA, payload: goodRequest(1) }), count));
  return out;
}

/**
 * Registration requests each carrying `perPacket` KE payloads of sub-type 4 (a user-defined
 * group) with the same 4096-bit prime and a different G each (RFC 3526 group 16's prime).
 */
export function dhUserGroups(packets: number, perPacket = 8): FrameLike[] {
  const p = new Uint8Array(getDiffieHellman('modp16').getPrime());
  const cv = new Uint8Array(p.length).fill(0x11);
  const out: FrameLike[] = [];
  for (let n = 0; n < packets; n++) {
    const ke: KeSpec[] = Array.from({ length: perPacket }, (_, i) => ({ subtype: 4, p, g: Uint8Array.of(2 + i + n * perPacket), cv }));
    const sa = saPayload({ subtype: 1, proposals: [{ no: 1, protoId: 1, lifetime: 60, spi: 0x6001 + n, transforms: [{ no: 1, id: 1 }], ke }] });
    const req = encodeRegistrationRequest({ lifetime: 1800, homeAddr: MN, haAddr: HA, coa: FA, ident: ntpIdentification(T0 * 1000, n), exts: [sa] });
    out.push(frame(udpFrame({ src: MN, dst: HA, payload: req }), n));
  }
  out.push(frame(udpFrame({ src: MN, dst: FA, payload: goodRequest(packets) }), packets));
  return out;
}

/** A keys file with `count` Diffie-Hellman entries of distinct CVs (and optionally one huge private exponent). */
export function manyDhKeys(count: number, privateDigits = 64): string {
  const dh = Array.from({ length: count }, (_, i) => ({ cv: (i * 2654435761 >>> 0).toString(16).padStart(8, '0') + i.toString(16).padStart(6, '0'), private: '7'.repeat(privateDigits) }));
  return JSON.stringify({ sas: [], dh });
}

/** The SA that `repeatedAuth` frames are authenticated under, as a keys file. */
export const REPEATED_AUTH_KEYS = JSON.stringify({ sas: [{ spi: '0x1001', key: '42'.repeat(16), auth: 'hmac-md5' }] });

/** A registration request with `count` MN-HA authentication extensions (each over all before it): 1,700 fill 64 KB. */
export function repeatedAuth(count: number): FrameLike[] {
  const key = new Uint8Array(16).fill(0x42);
  const req = encodeRegistrationRequest({ lifetime: 1800, homeAddr: MN, haAddr: HA, coa: FA, ident: ntpIdentification(T0 * 1000, 0), exts: [ext.nai('mn@home.example'), ...Array.from({ length: count }, () => ext.mnHa(0x1001, key))] });
  return [frame(udpFrame({ src: MN, dst: HA, payload: req }), 0), frame(udpFrame({ src: MN, dst: FA, payload: goodRequest(1) }), 1)];
}

/** `count` Registration Requests from distinct mobile nodes that never get a reply. */
export function unansweredRequests(count: number): FrameLike[] {
  const out: FrameLike[] = [];
  for (let i = 0; i < count; i++) {
    const mn = `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
    const req = encodeRegistrationRequest({ flags: 0x02, lifetime: 1800, homeAddr: mn, haAddr: HA, coa: FA, ident: ntpIdentification(T0 * 1000 + i, i), exts: [ext.nai(`mn${i}@home.example`)] });
    out.push(frame(udpFrame({ src: mn, dst: FA, payload: req }), i));
  }
  return out;
}

export const HOSTILE: Record<string, { about: string; size: number; frames: (size: number) => FrameLike[] }> = {
  'nested-tunnel': {
    about: 'one Tunnel Data message nested `size` levels deep, then a good request',
    size: 600,
    frames: size => [frame(udpFrame({ src: FA, dst: HA, payload: nestedTunnelData(size) }), 0), frame(udpFrame({ src: MN, dst: FA, payload: goodRequest(1) }), 1)],
  },
  'overlapping-fragments': { about: 'overlapping fragments of one datagram that never completes', size: 20_000, frames: overlappingFragments },
  'dh-groups': { about: 'requests with 8 KE sub-type 4 payloads each, one 4096-bit P, G changing', size: 4, frames: n => dhUserGroups(n) },
  'repeated-auth': { about: 'one request with `size` MN-HA authenticators (keys: REPEATED_AUTH_KEYS)', size: 1_700, frames: repeatedAuth },
  'unanswered-requests': { about: 'registration requests from distinct mobile nodes, never answered', size: 500_000, frames: unansweredRequests },
  'first-fragments': { about: 'first fragments of distinct datagrams that never complete', size: 500_000, frames: firstFragments },
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [name, out, size] = process.argv.slice(2);
  const g = name ? HOSTILE[name] : undefined;
  if (!g || !out) {
    process.stderr.write(`usage: node dist/bench/hostile.js <name> <out.pcap> [size]\n${Object.entries(HOSTILE).map(([k, v]) => `  ${k}: ${v.about} (default size ${v.size})`).join('\n')}\n`);
    process.exit(2);
  }
  writeCaptureFile(out, g.frames(size ? parseInt(size, 10) : g.size), out.endsWith('.pcapng') ? 'pcapng' : 'pcap');
  if (name === 'repeated-auth') writeFileSync(out.replace(/\.pcap(ng)?$/, '') + '.keys.json', REPEATED_AUTH_KEYS, { mode: 0o600 });
}
