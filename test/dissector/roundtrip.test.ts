// Decoder and encoder in pairs (DESIGN.md principle 4): build → dissect → compare → rebuild → same bytes.
import { describe, expect, it } from 'vitest';
import { udpFrame } from '../../dissector/build.js';
import { encodeRegistrationReply, encodeRegistrationRequest, encodeRevocation, encodeRevocationAck, encodeWithExtensions, ext } from '../../dissector/mip/encode.js';
import type { ExtSpec, RawExt } from '../../dissector/mip/encode.js';
import { fieldValueString } from '../../dissector/index.js';
import type { Packet } from '../../dissector/index.js';
import { standardFrames } from '../../samples/standard.js';
import { randomFrames } from '../fixtures/random-mip.js';
import { dissectAll, value, values } from '../helpers.js';
import { computeAuthenticator } from '../../dissector/keys/mac.js';

const KEY = new Uint8Array(16).fill(0x11);

/** The Mobile IP payload of a dissected packet, rebuilt from the tree: fixed part + extensions as raw specs. */
function rebuild(pkt: Packet): Uint8Array {
  const mip = pkt.tree.find(n => n.field?.abbrev === 'mip')!;
  const src = pkt.sources[mip.src]!.data;
  const start = mip.offset;
  const extTree = mip.children!.find(n => n.text === 'Extensions');
  const fixedEnd = extTree ? extTree.offset : start + mip.length;
  const exts: RawExt[] = (extTree?.children ?? []).map(e => {
    const type = Number(fieldValueString(e.children![0]!.field!, e.children![0]!.value));
    const lenNode = e.children!.find(c => c.field?.abbrev === 'mip.ext.len')!;
    const hdr = lenNode.length === 1 ? 2 : 4;
    return { type, subtype: hdr === 4 ? src[e.offset + 1]! : 0, layout: hdr === 2 ? 'short' : type === 38 ? 'cvse' : 'long', data: src.subarray(e.offset + hdr, e.offset + e.length) };
  });
  return encodeWithExtensions(src.slice(start, fixedEnd), exts);
}

function mipBytes(pkt: Packet): Uint8Array {
  const mip = pkt.tree.find(n => n.field?.abbrev === 'mip')!;
  return pkt.sources[mip.src]!.data.subarray(mip.offset, mip.offset + mip.length);
}

describe('encoders and dissector agree', () => {
  it('registration request: every fixed field and extension', () => {
    const payload = encodeRegistrationRequest({ flags: { s: true, t: true }, lifetime: 1234, homeAddr: '10.0.0.5', haAddr: '10.0.0.1', coa: '192.0.2.9', ident: 0xe4a85fcb00000001n, exts: [ext.nai('mn1@example.com'), ext.mnHa(0x100, KEY)] });
    const [pkt] = dissectAll([{ ...udpFrame({ src: '192.0.2.9', dst: '10.0.0.1', payload }), tsSec: 0, tsNsec: 0 }]);
    expect(value(pkt!, 'mip.type')).toBe('1');
    expect(value(pkt!, 'mip.flags')).toBe('0x82');
    expect(value(pkt!, 'mip.s')).toBe('1');
    expect(value(pkt!, 'mip.t')).toBe('1');
    expect(value(pkt!, 'mip.b')).toBe('0');
    expect(value(pkt!, 'mip.life')).toBe('1234');
    expect(value(pkt!, 'mip.homeaddr')).toBe('10.0.0.5');
    expect(value(pkt!, 'mip.haaddr')).toBe('10.0.0.1');
    expect(value(pkt!, 'mip.coa')).toBe('192.0.2.9');
    expect(value(pkt!, 'mip.ident.hex')).toBe('0xe4a85fcb00000001');
    expect(values(pkt!, 'mip.ext.type')).toEqual(['131', '32']);
    expect(values(pkt!, 'mip.ext.len')).toEqual(['15', '20']);
    expect(value(pkt!, 'mip.nai')).toBe('mn1@example.com');
    expect(value(pkt!, 'mip.auth.spi')).toBe('0x00000100');
    expect(rebuild(pkt!)).toEqual(payload);
  });

  it('authenticator matches the published vector (docs/protocol.md §A)', () => {
    // The vector's covered bytes are a request whose MN-HA extension follows an NAI extension.
    const payload = encodeRegistrationRequest({ flags: 0x02, lifetime: 0x0708, homeAddr: '10.0.0.5', haAddr: '10.0.0.1', coa: '192.0.2.7', ident: 0xe4a85fcb00000001n, exts: [ext.nai('mn1@example.com'), ext.mnHa(0x100, KEY)] });
    const covered = payload.subarray(0, payload.length - 16);
    expect(Buffer.from(covered).toString('hex')).toBe('010207080a0000050a000001c0000207e4a85fcb00000001830f6d6e31406578616d706c652e636f6d201400000100');
    expect(Buffer.from(payload.subarray(payload.length - 16)).toString('hex')).toBe('4f21db863ad71ea19ad39b1b96bd5321');
    expect(Buffer.from(computeAuthenticator('md5-prefix-suffix', KEY, covered)).toString('hex')).toBe('ec6f27597a38b42130f92d30ec2be49f');
  });

  it('reply, revocation and acknowledgement round-trip', () => {
    const exts: ExtSpec[] = [ext.revocationSupport(true, 77), ext.faHa(0x400, KEY, 'hmac-sha256')];
    const payloads = [
      encodeRegistrationReply({ code: 133, lifetime: 0, homeAddr: '10.0.0.5', haAddr: '10.0.0.1', ident: 5n, exts }),
      encodeRevocation({ a: true, homeAddr: '10.0.0.5', homeDomain: '10.0.0.1', foreignDomain: '192.0.2.1', revocationId: 9, exts }),
      encodeRevocationAck({ i: true, homeAddr: '10.0.0.5', revocationId: 9, exts }),
    ];
    const pkts = dissectAll(payloads.map(p => ({ ...udpFrame({ src: '10.0.0.1', dst: '192.0.2.1', payload: p }), tsSec: 0, tsNsec: 0 })));
    expect(value(pkts[0]!, 'mip.code')).toBe('133');
    expect(value(pkts[1]!, 'mip.rev.a')).toBe('1');
    expect(value(pkts[1]!, 'mip.revid')).toBe('9');
    expect(value(pkts[2]!, 'mip.ack.i')).toBe('1');
    expect(values(pkts[2]!, 'mip.auth.auth')[0]!.length).toBe(64);
    pkts.forEach((p, i) => expect(rebuild(p)).toEqual(payloads[i]));
  });

  it('every message of the standard and random corpora rebuilds to the same bytes', () => {
    let n = 0;
    for (const pkt of dissectAll([...standardFrames(), ...randomFrames(3, 300)])) {
      const mip = pkt.tree.find(x => x.field?.abbrev === 'mip');
      if (!mip || ![1, 3, 7, 15].includes(Number(value(pkt, 'mip.type')))) continue;
      expect(pkt.experts.filter(e => e.expert!.group === 'malformed')).toEqual([]);
      expect(rebuild(pkt)).toEqual(mipBytes(pkt));
      n++;
    }
    expect(n).toBeGreaterThan(250);
  });
});
