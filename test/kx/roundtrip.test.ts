// Round trips (DESIGN.md principle 4): build with the encoders → dissect → compare the field
// values with what was built → rebuild from the dissected values alone (plus the keys that
// decrypted them) → the same bytes. Run over one message with every KX construct and over every
// message of every flow.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ATTR_LENGTHS } from '../../dissector/kx/negotiation.js';
import type { Node, Packet } from '../../dissector/index.js';
import type { Session } from '../../dissector/session.js';
import { encodeRegistrationReply, encodeRegistrationRequest, encodeRevocation, encodeWithExtensions, ext } from '../../dissector/mip/encode.js';
import type { ExtSpec } from '../../dissector/mip/encode.js';
import { encodeKeyReply, encodeKeyRequest, encodeSaInfo, gpExtension, saPayload } from '../../dissector/kx/encode.js';
import type { AttrSpec, KeSpec, ProposalSpec, TransformSpec } from '../../dissector/kx/encode.js';
import { kxState } from '../../dissector/keys/state.js';
import type { AuthAlg } from '../../dissector/keys/mac.js';
import type { CipherName } from '../../dissector/keys/ciphers.js';
import { OAKLEY_GROUPS, dhPublic } from '../../dissector/keys/dh.js';
import { udpFrame } from '../../dissector/build.js';
import { aaaFlow, dhFlow, keysJson, negotiationFlow, seedFlow, statefulFlow } from './flows.js';
import type { Flow, TestSa } from './flows.js';
import { dissectWithKeys, hex, values } from './helpers.js';

const utf8 = new TextEncoder();

function kids(n: Node): Node[] { return n.children ?? []; }
function field(n: Node, abbrev: string): Node | undefined { return kids(n).find(c => c.field?.abbrev === abbrev); }
function v<T = number>(n: Node, abbrev: string): T {
  const f = field(n, abbrev);
  if (!f) throw new Error(`no ${abbrev} under "${n.text}"`);
  return f.value as T;
}
function has(n: Node, abbrev: string): boolean { return field(n, abbrev) !== undefined; }

/** The key and cipher of an SPI as the session knew them at this frame. */
function saAt(session: Session, spi: number, frame: number) {
  const sa = kxState(session).table.lookup(spi, frame);
  if (!sa) throw new Error(`no SA 0x${spi.toString(16)} at frame ${frame}`);
  return sa;
}

/** Rebuilds one extension from its dissected node. */
function rebuildExtension(node: Node, pkt: Packet): ExtSpec {
  const type = v(node, 'mip.ext.type');
  const session = pkt.session, no = pkt.no;
  if (type === 32 || type === 33 || type === 34) {
    const spi = v(node, 'mip.auth.spi');
    const sa = saAt(session, spi, no);
    return ext.auth(type, spi, sa.key, sa.auth as AuthAlg);
  }
  if (type === 131) return ext.nai(v<string>(node, 'mip.nai'));
  if (type >= 200 && type <= 203) {
    const kind = (['gp_nai', 'gp_ip', 'gp_l2', 'gp_sa'] as const)[type - 200];
    const content = v(node, 'mip.kx.gp.content'), flags = v(node, 'mip.kx.gp.flags'), spi = v(node, 'mip.kx.gp.spi');
    let info: Uint8Array;
    if (kind === 'gp_nai') info = utf8.encode(v<string>(node, 'mip.kx.nai'));
    else if (kind === 'gp_ip') { const a = v(node, 'mip.kx.ip'); info = Uint8Array.of(a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255); }
    else if (kind === 'gp_l2') info = has(node, 'mip.kx.l2.eth') ? v<Uint8Array>(node, 'mip.kx.l2.eth') : utf8.encode(v<string>(node, has(node, 'mip.kx.l2.imsi') ? 'mip.kx.l2.imsi' : 'mip.kx.l2.min'));
    else info = encodeSaInfo({ newSpi: v(node, 'mip.kx.sa.newspi'), authAlg: v(node, 'mip.kx.sa.authalg'), cipherAlg: v(node, 'mip.kx.sa.cipheralg'), lifetime: v(node, 'mip.kx.sa.lifetime'), key: v<Uint8Array>(node, 'mip.kx.sa.key'), keyLen: v(node, 'mip.kx.sa.keylen') });
    if (!(flags & 0x80)) return gpExtension(kind, content, info, { flags });
    const sa = saAt(session, spi, no);
    return gpExtension(kind, content, info, { flags, encrypt: { spi, key: sa.key, cipher: sa.cipher as CipherName }, iv: v<Uint8Array>(node, 'mip.kx.enc.iv') });
  }
  if (type === 112) {
    const proposals: ProposalSpec[] = kids(node).filter(c => c.text?.startsWith('Proposal payload')).map(p => {
      const transforms: TransformSpec[] = kids(p).filter(c => c.text?.startsWith('Transform payload')).map(t => ({
        no: v(t, 'mip.kx.xf.no'), id: v(t, 'mip.kx.xf.id'), numKeys: v(t, 'mip.kx.xf.nkeys'), reserved: v(t, 'mip.kx.xf.reserved'),
        attrs: kids(t).filter(c => c.text?.startsWith('Attribute')).map((a): AttrSpec => ({ type: v(a, 'mip.kx.xf.attr.type'), value: Number(v<string>(a, 'mip.kx.xf.attr.value')) })),
      }));
      const ke: KeSpec[] = kids(p).filter(c => c.text?.startsWith('Key-exchange payload')).map((k): KeSpec => {
        const st = v(k, 'mip.kx.ke.subtype');
        if (st === 1 || st === 2) return { subtype: st, xfno: v(k, 'mip.kx.ke.xfno'), cv: v<Uint8Array>(k, 'mip.kx.ke.cv') };
        if (st === 3) return { subtype: 3, xfno: v(k, 'mip.kx.ke.xfno'), key: v<Uint8Array>(k, 'mip.kx.ke.key') };
        if (st === 4) return { subtype: 4, p: v<Uint8Array>(k, 'mip.kx.ke.p'), g: v<Uint8Array>(k, 'mip.kx.ke.g'), cv: v<Uint8Array>(k, 'mip.kx.ke.cv') };
        const spi = v(k, 'mip.kx.ke.spi');
        const sa = saAt(session, spi, no);
        return { subtype: st as 5 | 6, key: v<Uint8Array>(k, 'mip.kx.ke.key'), under: { spi, key: sa.key, cipher: sa.cipher as CipherName }, iv: v<Uint8Array>(k, 'mip.kx.enc.iv') };
      });
      return { no: v(p, 'mip.kx.prop.no'), protoNo: v(p, 'mip.kx.prop.protono'), protoId: v(p, 'mip.kx.prop.protoid'), lifetime: v(p, 'mip.kx.prop.lifetime'), spi: v(p, 'mip.kx.prop.spi'), transforms, ke };
    });
    return saPayload({ subtype: v(node, 'mip.kx.sap.subtype'), proposals });
  }
  throw new Error(`no rebuild for extension ${type}`);
}

/** Rebuilds a whole Mobile IP message from its dissected tree. */
function rebuild(pkt: Packet): Uint8Array {
  const mip = pkt.tree.find(n => n.field?.abbrev === 'mip')!;
  const extNodes = kids(kids(mip).find(c => c.text === 'Extensions') ?? ({ children: [] } as unknown as Node)).filter(c => c.text?.startsWith('Extension:'));
  const exts = extNodes.map(n => rebuildExtension(n, pkt));
  const type = v(mip, 'mip.type');
  const ident = type === 7 ? 0n : v<bigint>(mip, 'mip.ident.hex');
  switch (type) {
    case 1: return encodeRegistrationRequest({ flags: v(mip, 'mip.flags'), lifetime: v(mip, 'mip.life'), homeAddr: v(mip, 'mip.homeaddr'), haAddr: v(mip, 'mip.haaddr'), coa: v(mip, 'mip.coa'), ident, exts });
    case 3: return encodeRegistrationReply({ code: v(mip, 'mip.code'), lifetime: v(mip, 'mip.life'), homeAddr: v(mip, 'mip.homeaddr'), haAddr: v(mip, 'mip.haaddr'), ident, exts });
    case 7: return encodeRevocation({ flags: v(mip, 'mip.flags2'), homeAddr: v(mip, 'mip.homeaddr'), homeDomain: v(mip, 'mip.rev.hda'), foreignDomain: v(mip, 'mip.rev.fda'), revocationId: v(mip, 'mip.revid'), exts });
    case 8: return encodeKeyRequest({ code: v(mip, 'mip.kx.msg.code'), reserved: v(mip, 'mip.kx.msg.reserved'), homeAddr: v(mip, 'mip.homeaddr'), ident, exts });
    case 9: return encodeKeyReply({ code: v(mip, 'mip.kx.msg.code'), reserved: v(mip, 'mip.kx.msg.reserved'), homeAddr: v(mip, 'mip.homeaddr'), ident, exts });
    default: throw new Error(`no rebuild for message ${type}`);
  }
}

function wire(pkt: Packet): Uint8Array {
  const mip = pkt.tree.find(n => n.field?.abbrev === 'mip')!;
  return pkt.frame.data.subarray(mip.offset, mip.offset + mip.length);
}

describe('round trip of one message with every KX construct', () => {
  const K: TestSa = { spi: 0x2001, key: Uint8Array.from({ length: 32 }, (_, i) => i + 1), auth: 'hmac-sha256', cipher: 'chacha20-poly1305' };
  const C: TestSa = { spi: 0x2002, key: Uint8Array.from({ length: 16 }, (_, i) => 0xf0 - i), auth: 'hmac-md5', cipher: 'aes-128-cbc' };
  const e = (sa: TestSa) => ({ encrypt: { spi: sa.spi, key: sa.key, cipher: sa.cipher! } });
  const cv1 = dhPublic(OAKLEY_GROUPS[1], 0x1234567n);
  const exts: ExtSpec[] = [
    gpExtension('gp_ip', 0, Uint8Array.of(192, 0, 2, 7), e(K)),
    gpExtension('gp_nai', 0, utf8.encode('jörg@home.example'), e(C)),
    gpExtension('gp_l2', 1, utf8.encode('310150123456789'), e(K)),
    gpExtension('gp_l2', 0, Uint8Array.of(2, 0, 0, 0, 1, 1)),
    gpExtension('gp_sa', 2, encodeSaInfo({ newSpi: 0x5101, authAlg: 'hmac-sha1', cipherAlg: 'aes-256-gcm', lifetime: 3600, key: new Uint8Array(32).fill(9) }), e(C)),
    gpExtension('gp_sa', 1, encodeSaInfo({ newSpi: 0x5201, authAlg: 'md5-prefix-suffix', key: new Uint8Array(16).fill(8) })),
    saPayload({ subtype: 2, proposals: [
      { no: 1, protoNo: 1, protoId: 1, lifetime: 60, spi: 0x6001, transforms: [{ no: 1, id: 4, attrs: [{ type: 1, value: 256 }, { type: 2, value: 60 }, { type: 3, value: 3 }, { type: 4, value: 3 }, { type: 5, value: 2 }] }, { no: 2, id: 1 }],
        ke: [{ subtype: 1, xfno: 1, cv: cv1 }, { subtype: 3, xfno: 2, key: new Uint8Array(16).fill(3) }, { subtype: 5, key: new Uint8Array(32).fill(4), under: { spi: K.spi, key: K.key, cipher: K.cipher! } }, { subtype: 6, key: new Uint8Array(32).fill(5), under: { spi: C.spi, key: C.key, cipher: C.cipher! } }] },
      { no: 2, protoNo: 1, protoId: 2, lifetime: 0xffffffff, spi: 0x6002, transforms: [{ no: 1, id: 5 }], ke: [{ subtype: 4, p: Uint8Array.of(0, 227), g: Uint8Array.of(2), cv: Uint8Array.of(0, 9) }] },
    ] }),
    ext.mnHa(K.spi, K.key, 'hmac-sha256'),
  ];
  const msg = encodeRegistrationRequest({ lifetime: 300, homeAddr: '0.0.0.0', haAddr: '192.0.2.1', coa: '198.51.100.1', ident: 0xe98d2cb6783449cdn, exts });
  const frames = [{ ...udpFrame({ src: '0.0.0.0', dst: '198.51.100.1', payload: msg }), tsSec: 1_700_000_000, tsNsec: 0 }];
  const { packets } = dissectWithKeys(frames, keysJson([K, C]));
  const pkt = packets[0]!;

  it('dissects to the values it was built from', () => {
    // Only notes and chat: keys learned, and a KE 5 key whose transform is ambiguous (two offered).
    expect(pkt.experts.filter(x => x.expert!.severity === 'warn' || x.expert!.severity === 'error').map(x => x.text)).toEqual([]);
    expect(values(pkt, 'mip.kx.learned.spi')).toEqual(['0x00005101', '0x00005201', '0x00006001']);
    expect(values(pkt, 'mip.ext.type')).toEqual(['201', '200', '202', '202', '203', '203', '112', '32']);
    expect(values(pkt, 'mip.kx.gp.e')).toEqual(['1', '1', '1', '0', '1', '0']);
    expect(values(pkt, 'mip.kx.gp.decrypted')).toEqual(['1', '1', '1', '1']);
    expect(values(pkt, 'mip.kx.ip')).toEqual(['192.0.2.7']);
    expect(values(pkt, 'mip.kx.nai')).toEqual(['jörg@home.example']);
    expect(values(pkt, 'mip.kx.l2.imsi')).toEqual(['310150123456789']);
    expect(values(pkt, 'mip.kx.l2.eth')).toEqual(['02:00:00:00:01:01']);
    expect(values(pkt, 'mip.kx.sa.newspi')).toEqual(['0x00005101', '0x00005201']);
    expect(values(pkt, 'mip.kx.sa.authalg')).toEqual(['3', '2']);
    expect(values(pkt, 'mip.kx.sa.cipheralg')).toEqual(['4', '0']);
    expect(values(pkt, 'mip.kx.sa.lifetime')).toEqual(['3600', '4294967295']);
    expect(values(pkt, 'mip.kx.sa.key')).toEqual(['09'.repeat(32), '08'.repeat(16)]);
    expect(values(pkt, 'mip.kx.sap.subtype')).toEqual(['2']);
    expect(values(pkt, 'mip.kx.prop.spi')).toEqual(['0x00006001', '0x00006002']);
    expect(values(pkt, 'mip.kx.prop.lifetime')).toEqual(['60', '4294967295']);
    expect(values(pkt, 'mip.kx.xf.attr.type')).toEqual(['1', '2', '3', '4', '5']);
    expect(values(pkt, 'mip.kx.xf.attr.value')).toEqual(['256', '60', '3', '3', '2']);
    expect(values(pkt, 'mip.kx.ke.subtype')).toEqual(['1', '3', '5', '6', '4']);
    expect(values(pkt, 'mip.kx.ke.xfno')).toEqual(['1', '2']);
    expect(values(pkt, 'mip.kx.ke.cv')).toEqual([hex(cv1), '0009']);
    expect(values(pkt, 'mip.kx.ke.key')).toEqual(['03'.repeat(16), '04'.repeat(32), '05'.repeat(32)]);
    expect(values(pkt, 'mip.kx.ke.spi')).toEqual(['0x00002001', '0x00002002']);
    expect(values(pkt, 'mip.kx.ke.p')).toEqual(['00e3']);
    expect(values(pkt, 'mip.kx.ke.g')).toEqual(['02']);
    expect(values(pkt, 'mip.auth.status')).toEqual(['good']);
  });

  it('rebuilds to the same bytes', () => {
    expect(hex(rebuild(pkt))).toBe(hex(msg));
  });
});

describe('round trip of every message of every flow', () => {
  const flows: Array<[string, Flow]> = [
    ['stateful', statefulFlow()], ['AAA', aaaFlow()], ['negotiation', negotiationFlow()],
    ['Diffie-Hellman', dhFlow([{ group: 2, xi: 0x1234n, xr: 0x5678n, spi: 0x7102, transformId: 4, keyBits: 256, known: 'initiator' }], [32], ['hmac-sha256'])],
    ['seed', seedFlow(3, [{ type: 1, value: 160 }, { type: 3, value: 3 }, { type: 4, value: 2 }], 20, 2, 'hmac-sha1')],
  ];
  for (const [name, flow] of flows) {
    it(name, () => {
      const { packets } = dissectWithKeys(flow.frames, flow.keys);
      let n = 0;
      for (const pkt of packets) {
        expect(hex(rebuild(pkt)), `frame ${pkt.no}`).toBe(hex(wire(pkt)));
        n++;
      }
      expect(n).toBe(flow.frames.length);
    });
  }
  // A relay appends to a message it did not build; rebuilding it needs nothing else.
  void encodeWithExtensions;
});

describe('round trips of negotiation payloads generated from values', () => {
  const BROKEN = new Set(['_ws.malformed.expert', 'mip.ext.len.short', 'mip.ext.len.overrun', 'mip.kx.pl.len.bad', 'mip.kx.xf.attr.len.bad']);
  const u8 = fc.integer({ min: 0, max: 255 }), u32 = fc.integer({ min: 0, max: 0xffffffff });
  const attr: fc.Arbitrary<AttrSpec> = fc.constantFrom(1, 2, 3, 4, 5).chain(type => fc.integer({ min: 0, max: 2 ** (8 * ATTR_LENGTHS[type]!) - 1 }).map(value => ({ type, value })));
  const transform: fc.Arbitrary<TransformSpec> = fc.record({ no: u8, id: u8, numKeys: u8, reserved: u8, attrs: fc.array(attr, { maxLength: 4 }) });
  const ke: fc.Arbitrary<KeSpec> = fc.oneof(
    fc.record({ subtype: fc.constantFrom(1 as const, 2 as const), xfno: u8, cv: fc.uint8Array({ maxLength: 16 }) }),
    fc.record({ subtype: fc.constant(3 as const), xfno: u8, key: fc.uint8Array({ maxLength: 16 }) }),
    // Small groups: their primality is quick to test.
    fc.record({ subtype: fc.constant(4 as const), p: fc.uint8Array({ minLength: 1, maxLength: 6 }), g: fc.uint8Array({ minLength: 1, maxLength: 2 }), cv: fc.uint8Array({ maxLength: 6 }) }),
  );
  const proposal: fc.Arbitrary<ProposalSpec> = fc.record({ no: u8, protoNo: u8, protoId: fc.oneof(fc.constantFrom(1, 2), u8), lifetime: u32, spi: u32, transforms: fc.array(transform, { maxLength: 3 }), ke: fc.array(ke, { maxLength: 3 }) });

  it('SA payload: built from values → dissected → rebuilt from the tree → the same bytes and values', () => {
    fc.assert(fc.property(u8, fc.array(proposal, { minLength: 1, maxLength: 3 }), (subtype, proposals) => {
      const msg = encodeRegistrationRequest({ lifetime: 30, homeAddr: '10.0.0.5', haAddr: '10.0.0.1', coa: '192.0.2.9', ident: 1n, exts: [saPayload({ subtype, proposals })] });
      const { packets } = dissectWithKeys([{ ...udpFrame({ src: '192.0.2.9', dst: '10.0.0.1', payload: msg }), tsSec: 0, tsNsec: 0 }]);
      const pkt = packets[0]!;
      // Values out of range are findings (a CV that is no public value); lengths that do not fit are not.
      expect(pkt.experts.filter(x => BROKEN.has(x.expert!.abbrev)).map(x => x.text)).toEqual([]);
      expect(values(pkt, 'mip.kx.sap.subtype')).toEqual([String(subtype)]);
      expect(values(pkt, 'mip.kx.prop.spi')).toEqual(proposals.map(p => '0x' + p.spi.toString(16).padStart(8, '0')));
      expect(values(pkt, 'mip.kx.xf.no')).toEqual(proposals.flatMap(p => p.transforms.map(t => String(t.no))));
      expect(values(pkt, 'mip.kx.ke.subtype')).toEqual(proposals.flatMap(p => (p.ke ?? []).map(k => String(k.subtype))));
      expect(hex(rebuild(pkt))).toBe(hex(msg));
    }), { seed: 20261203, numRuns: 120 });
  });
});
