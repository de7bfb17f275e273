// A capture of standard Mobile IPv4 traffic built with the encoders: agent advertisements and
// solicitations, requests and replies with every standard extension, revocations, tunnel
// data, every supported link type, and fragmented messages. Used as the demo capture and by
// the differential test against tshark.
import type { FrameLike } from '../capture/write.js';
import { concat, encodeAgentAdvertisement, encodeAgentSolicitation, encodeIpv4, encodeLink, encodeUdp, fragmentIpv4, udpFrame, u16be } from '../dissector/build.js';
import type { LinkSpec } from '../dissector/build.js';
import { encodeRegistrationReply, encodeRegistrationRequest, encodeRevocation, encodeRevocationAck, encodeTunnelData, ext, ntpIdentification } from '../dissector/mip/encode.js';

const MN = '10.1.0.5', HA = '10.1.0.1', FA = '192.0.2.1', COA = '192.0.2.1';
const KEY = new Uint8Array(16).fill(0x11);
const T0 = 1_790_000_000; // a fixed start time: captures are deterministic

/** Builds the frames; `linkKinds` cycles the link layers. */
export function standardFrames(): FrameLike[] {
  const frames: FrameLike[] = [];
  let t = 0;
  const push = (f: { linktype: number; data: Uint8Array }) => { frames.push({ ...f, tsSec: T0 + Math.floor(t / 1000), tsNsec: (t % 1000) * 1_000_000 }); t += 37; };
  const eth: LinkSpec = { kind: 'eth', srcMac: '02:00:00:00:01:01', dstMac: '02:00:00:00:02:01' };
  const ident = (i: number) => ntpIdentification(T0 * 1000 + i * 1000, i);

  // Agent advertisement (FA), with prefix lengths and padding; and a solicitation.
  push(encodeLink(eth, encodeIpv4({ src: FA, dst: '224.0.0.1', proto: 1, ttl: 1, payload: encodeAgentAdvertisement({ routers: [{ addr: FA, pref: 0 }], seq: 1, regLifetime: 1800, flags: 0x9100, coas: [COA], prefixLengths: [24] }) })));
  push(encodeLink(eth, encodeIpv4({ src: HA, dst: '255.255.255.255', proto: 1, ttl: 1, payload: encodeAgentAdvertisement({ code: 16, routers: [{ addr: HA, pref: 10 }, { addr: '10.1.0.2', pref: -1 }], seq: 7, regLifetime: 600, flags: 0x2000 | 0x0080 | 0x0040, coas: [], padding: 2 }) })));
  push(encodeLink(eth, encodeIpv4({ src: '0.0.0.0', dst: '224.0.0.11', proto: 1, ttl: 1, payload: encodeAgentSolicitation() })));
  push(encodeLink(eth, encodeIpv4({ src: FA, dst: '224.0.0.1', proto: 1, ttl: 1, payload: encodeAgentAdvertisement({ routers: [], seq: 65535, regLifetime: 0xffff, flags: 0xfc00 | 0x0300, coas: [COA, '192.0.2.2', '192.0.2.3'] }) })));

  // Registration request/reply pairs with each standard extension.
  const reqExts = [
    [ext.nai('mn1@home.example'), ext.mnHa(0x100, KEY)],
    [ext.mnHa(0x101, KEY, 'md5-prefix-suffix'), ext.challenge(Uint8Array.from({ length: 16 }, (_, i) => i * 7)), ext.mnFa(0x200, KEY)],
    [ext.nai('mn2@home.example'), ext.genAuth(1, 0x300, KEY), ext.faHa(0x400, KEY)],
    [ext.cvse(12951, 1, Uint8Array.of(1, 2, 3, 4)), ext.cvse(9, 0x0102, Uint8Array.of(9, 9)), ext.mnHa(0x102, KEY)],
    [ext.nvse(9, 7, Uint8Array.of(0xaa, 0xbb)), ext.nvse(311, 1, new Uint8Array(0), 133), ext.mnHa(0x103, KEY)],
    [ext.revocationSupport(true, 123456), ext.dynamicHa(1, '10.1.0.9'), ext.mnHa(0x104, KEY)],
    [ext.udpTunnelRequest({ f: true, r: false, encap: 4 }), ext.mnHa(0x105, KEY)],
    [ext.messageString(1, 'hello from the HA'), ext.mnHa(0x106, KEY)],
    [ext.pmipSkippable(1, Uint8Array.of(0, 1, 2, 3, 4, 5)), ext.pmipSkippable(2, concat(Uint8Array.of(1), Uint8Array.of(2, 0, 0, 0, 1, 1))), ext.pmipSkippable(3, concat(Uint8Array.of(1), new TextEncoder().encode('001010123456789'))), ext.pmipSkippable(4, Uint8Array.of(5)), ext.mnHa(0x107, KEY)],
    [ext.pmipNonSkippable(1, 1), ext.mnHa(0x108, KEY)],
    [ext.mobileNetwork({ subtype: 0, prefixLength: 24, prefix: '10.9.0.0' }), ext.mnHa(0x109, KEY)],
    [ext.raw(210, Uint8Array.of(1, 2, 3)), ext.raw(250, Uint8Array.of(7)), ext.mnHa(0x10a, KEY)],
  ];
  const repExts = [
    [ext.nai('mn1@home.example'), ext.mnHa(0x100, KEY)],
    [ext.udpTunnelReply({ code: 0, f: true, keepalive: 110 }), ext.mnHa(0x105, KEY)],
    [ext.mobileNetwork({ subtype: 1, code: 0, prefixLength: 24, prefix: '10.9.0.0' }), ext.mnHa(0x109, KEY)],
    [ext.revocationSupport(false, 99), ext.mnHa(0x104, KEY), ext.mnFa(0x200, KEY)],
  ];
  const links: LinkSpec[] = [eth, { kind: 'vlan', vlanId: 42 }, { kind: 'sll' }, { kind: 'sll2' }, { kind: 'raw' }, { kind: 'ipv4' }, { kind: 'null' }, { kind: 'loop' }];
  reqExts.forEach((exts, i) => {
    const link = links[i % links.length]!;
    const id = ident(i + 1);
    const flags = [0x02, 0x80, 0x40 | 0x20, 0x10, 0x08, 0x00, 0x02 | 0x10][i % 7]!;
    push(udpFrame({ src: MN, dst: FA, sport: 434 + i, dport: 434, link, payload: encodeRegistrationRequest({ flags, lifetime: 1800 - i, homeAddr: MN, haAddr: HA, coa: COA, ident: id, exts }) }));
    const code = [0, 1, 64, 69, 129, 131, 133, 136, 194, 0, 0, 0][i]!;
    const r = repExts[i % repExts.length]!;
    push(udpFrame({ src: FA, dst: MN, sport: 434, dport: 434 + i, link, payload: encodeRegistrationReply({ code, lifetime: code < 2 ? 1800 - i : 0, homeAddr: MN, haAddr: HA, ident: id, exts: r }) }));
  });

  // Request with no extensions, deregistration, lifetime 0xffff, zero identification.
  push(udpFrame({ src: MN, dst: HA, sport: 1434, link: eth, payload: encodeRegistrationRequest({ lifetime: 0, homeAddr: MN, haAddr: HA, coa: MN, ident: 0n }) }));
  push(udpFrame({ src: MN, dst: HA, sport: 1434, link: eth, payload: encodeRegistrationRequest({ flags: 0xff, lifetime: 0xffff, homeAddr: MN, haAddr: HA, coa: COA, ident: 0xffffffffffffffffn, exts: [ext.mnHa(0x110, KEY)] }) }));

  // Revocation and acknowledgement (RFC 3543), NAT-traversal tunnel data (RFC 3519).
  push(udpFrame({ src: HA, dst: FA, link: eth, payload: encodeRevocation({ a: true, i: true, homeAddr: MN, homeDomain: HA, foreignDomain: FA, revocationId: 42, exts: [ext.faHa(0x400, KEY)] }) }));
  push(udpFrame({ src: FA, dst: HA, link: eth, payload: encodeRevocationAck({ i: true, homeAddr: MN, revocationId: 42, exts: [ext.faHa(0x400, KEY)] }) }));
  const inner = encodeIpv4({ src: MN, dst: '198.51.100.7', proto: 17, payload: encodeUdp({ src: MN, dst: '198.51.100.7', sport: 5000, dport: 53, payload: Uint8Array.of(1, 2, 3, 4) }) });
  push(udpFrame({ src: COA, dst: HA, sport: 4500, dport: 434, link: eth, payload: encodeTunnelData(4, inner) }));

  // A registration request fragmented over three frames, and another over two (out of order).
  const bigReq = encodeRegistrationRequest({ lifetime: 900, homeAddr: MN, haAddr: HA, coa: COA, ident: ident(50), exts: [ext.nai('a-very-long-network-access-identifier-for-fragmentation@home.example'), ext.raw(134, new Uint8Array(200).fill(0x42), {}), ext.mnHa(0x111, KEY)] });
  const dgram = { src: MN, dst: HA, proto: 17, id: 0x1234, payload: encodeUdp({ src: MN, dst: HA, sport: 434, dport: 434, payload: bigReq }) };
  for (const f of fragmentIpv4(dgram, 120)) push(encodeLink(eth, f));
  const bigRep = encodeRegistrationReply({ code: 0, lifetime: 900, homeAddr: MN, haAddr: HA, ident: ident(50), exts: [ext.raw(134, new Uint8Array(120).fill(0x24)), ext.mnHa(0x111, KEY)] });
  const frags = fragmentIpv4({ src: HA, dst: MN, proto: 17, id: 0x4321, payload: encodeUdp({ src: HA, dst: MN, sport: 434, dport: 434, payload: bigRep }) }, 100);
  for (const f of frags.reverse()) push(encodeLink({ kind: 'raw' }, f));
  void u16be;
  return frames;
}
