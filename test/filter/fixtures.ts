// A small capture for the filter tests, built with the encoders; each frame has a known role.
import type { FrameLike } from '../../capture/write.js';
import { encodeAgentAdvertisement, encodeIpv4, encodeLink, encodeUdp, udpFrame } from '../../dissector/build.js';
import { dissectFrame, Session } from '../../dissector/index.js';
import type { Packet } from '../../dissector/index.js';
import { attachKeys, parseKeysFile } from '../../dissector/keys/index.js';
import { defaultPrefs } from '../../dissector/prefs.js';
import { encodeRegistrationReply, encodeRegistrationRequest, encodeTunnelData, ext, ntpIdentification } from '../../dissector/mip/encode.js';
import { toFrames } from '../helpers.js';

export const KEY = new Uint8Array(16).fill(0x11);
const WRONG = new Uint8Array(16).fill(0x22);
const T0 = 1_790_000_000; // Sep 21, 2026 14:13:20 UTC
const ETH = { kind: 'eth', srcMac: '02:00:00:00:01:01', dstMac: '02:00:00:00:02:01' } as const;

/** Frame numbers of the fixture, by role. */
export const F = {
  request: 1,        // S|T request, NAI, MN-HA (good under SPI 0x100), lifetime 1800
  reply: 2,          // code 0, NAI, MN-HA good: answers frame 1, 1.25 s later
  denied: 3,         // code 131, lifetime 0, message string, MN-HA bad (wrong key); another node's, answers nothing
  advert: 4,         // ICMP agent advertisement (FA, two CoAs)
  overrun: 5,        // request with an NAI whose Length runs past the message
  truncated: 6,      // request cut short: malformed
  tunnel: 7,         // tunnel data carrying an inner IPv4/UDP datagram
  twoAuths: 8,       // request with MN-HA and MN-FA (SPI 0x300, no key: unverified); frame 1's Identification again after it was accepted: a replay
} as const;

export function fixtureFrames(): FrameLike[] {
  const out: FrameLike[] = [];
  // Frame i (from 0) is at T0 + 1.25·i seconds.
  const push = (f: { linktype: number; data: Uint8Array }) => out.push({ ...f, tsSec: T0 + Math.floor(out.length * 1.25), tsNsec: (out.length % 4) * 250_000_000 });
  const ident = ntpIdentification(T0 * 1000, 7);
  push(udpFrame({ src: '10.1.0.5', dst: '192.0.2.1', sport: 1434, dport: 434, link: ETH, payload: encodeRegistrationRequest({
    flags: 0x82, lifetime: 1800, homeAddr: '10.1.0.5', haAddr: '10.1.0.1', coa: '192.0.2.1', ident,
    exts: [ext.nai('mn1@home.example'), ext.mnHa(0x100, KEY)] }) }));
  push(udpFrame({ src: '192.0.2.1', dst: '10.1.0.5', sport: 434, dport: 1434, link: ETH, payload: encodeRegistrationReply({
    code: 0, lifetime: 1800, homeAddr: '10.1.0.5', haAddr: '10.1.0.1', ident, exts: [ext.nai('mn1@home.example'), ext.mnHa(0x100, KEY)] }) }));
  push(udpFrame({ src: '192.0.2.1', dst: '10.1.0.6', sport: 434, dport: 434, link: { kind: 'raw' }, payload: encodeRegistrationReply({
    code: 131, lifetime: 0, homeAddr: '10.1.0.6', haAddr: '10.1.0.1', ident, exts: [ext.messageString(1, 'Hello\nWorld'), ext.mnHa(0x101, WRONG)] }) }));
  push(encodeLink(ETH, encodeIpv4({ src: '192.0.2.1', dst: '224.0.0.1', proto: 1, ttl: 1, payload: encodeAgentAdvertisement({
    routers: [{ addr: '192.0.2.1', pref: 0 }], seq: 3, regLifetime: 1800, flags: 0x9100, coas: ['192.0.2.1', '192.0.2.9'] }) })));
  push(udpFrame({ src: '10.1.0.7', dst: '192.0.2.1', sport: 434, dport: 434, link: ETH, payload: encodeRegistrationRequest({
    lifetime: 60, homeAddr: '10.1.0.7', haAddr: '10.1.0.1', coa: '192.0.2.1', ident,
    exts: [ext.raw(131, new TextEncoder().encode('short'), { length: 200 })] }) }));
  const whole = encodeRegistrationRequest({ lifetime: 60, homeAddr: '10.1.0.8', haAddr: '10.1.0.1', coa: '192.0.2.1', ident });
  push(udpFrame({ src: '10.1.0.8', dst: '192.0.2.1', sport: 434, dport: 434, link: ETH, payload: whole.subarray(0, 10) }));
  const inner = encodeIpv4({ src: '10.1.0.5', dst: '198.51.100.7', proto: 17, payload: encodeUdp({ src: '10.1.0.5', dst: '198.51.100.7', sport: 5000, dport: 53, payload: Uint8Array.of(1, 2, 3, 4) }) });
  push(udpFrame({ src: '192.0.2.1', dst: '10.1.0.1', sport: 4500, dport: 434, link: ETH, payload: encodeTunnelData(4, inner) }));
  push(udpFrame({ src: '10.1.0.5', dst: '192.0.2.1', sport: 1434, dport: 434, link: ETH, payload: encodeRegistrationRequest({
    flags: 0x02, lifetime: 900, homeAddr: '10.1.0.5', haAddr: '10.1.0.1', coa: '192.0.2.1', ident,
    exts: [ext.mnHa(0x100, KEY), ext.mnFa(0x300, KEY)] }) }));
  return out;
}

/** The fixture dissected with keys for SPIs 0x100 and 0x101, so authenticators verify. */
export function fixturePackets(): Packet[] {
  const session = new Session(defaultPrefs);
  const hex = Buffer.from(KEY).toString('hex');
  attachKeys(session, parseKeysFile(JSON.stringify({ sas: [
    { spi: '0x100', key: hex, auth: 'hmac-md5' },
    { spi: '0x101', key: hex, auth: 'hmac-md5' },
  ] }), 'fixture'));
  return toFrames(fixtureFrames()).map(f => dissectFrame(f, session));
}
