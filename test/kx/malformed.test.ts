// Failure cases: wrong keys, tampered ciphertext, unknown SPIs, and every structural check of the
// KX extensions and payloads — each an expert item with a precise message, never an exception,
// never garbage shown as plaintext; the next packet dissects normally.
import { describe, expect, it } from 'vitest';
import { udpFrame } from '../../dissector/build.js';
import { computeAuthenticator } from '../../dissector/keys/mac.js';
import { encodeRegistrationReply, encodeRegistrationRequest, ext } from '../../dissector/mip/encode.js';
import type { ExtSpec } from '../../dissector/mip/encode.js';
import { encodeKe, encodeKeyReply, encodeProposal, encodeTransform, gp, saPayload, strayPayload } from '../../dissector/kx/encode.js';
import type { ProposalSpec } from '../../dissector/kx/encode.js';
import { OAKLEY_GROUPS } from '../../dissector/keys/dh.js';
import { keysJson } from './flows.js';
import type { TestSa } from './flows.js';
import { dissectWithKeys, expertTexts, experts, hex, values, verdicts } from './helpers.js';

const HOA = '192.0.2.151', HA = '192.0.2.1';
const CBC: TestSa = { spi: 0x1001, key: new Uint8Array(16).fill(0x21), auth: 'hmac-md5', cipher: 'aes-128-cbc', label: 'KEY0' };
const GCM: TestSa = { spi: 0x1002, key: new Uint8Array(32).fill(0x22), auth: 'hmac-sha1', cipher: 'aes-256-gcm', label: 'KEY0b' };
const NOCIPHER: TestSa = { spi: 0x1003, key: new Uint8Array(16).fill(0x23), auth: 'hmac-md5' };
const CLEAN: TestSa = { spi: 0x1fff, key: new Uint8Array(16).fill(0x24), auth: 'hmac-md5' };
const IV16 = Uint8Array.from({ length: 16 }, (_, i) => i), IV12 = Uint8Array.from({ length: 12 }, (_, i) => 0x40 + i);
const enc = (sa: TestSa, iv: Uint8Array) => ({ encrypt: { spi: sa.spi, key: sa.key, cipher: sa.cipher! }, iv });

function request(exts: ExtSpec[], ident = 1n): Uint8Array {
  return encodeRegistrationRequest({ lifetime: 1800, homeAddr: '0.0.0.0', haAddr: HA, coa: '198.51.100.1', ident, exts });
}
function frame(payload: Uint8Array, t = 0) { return { ...udpFrame({ src: '198.51.100.1', dst: HA, payload }), tsSec: 1_700_000_000 + t, tsNsec: 0 }; }
const clean = () => request([gp.nai(0, 'ok@home.example'), ext.mnHa(CLEAN.spi, CLEAN.key)], 99n);

/** Dissects one message and a clean one after it; checks the second is unaffected. */
function one(payload: Uint8Array, sas: TestSa[] = [CBC, GCM, NOCIPHER]) {
  const { packets } = dissectWithKeys([frame(payload), frame(clean(), 1)], keysJson([...sas, CLEAN]));
  const [pkt, next] = packets as [typeof packets[0], typeof packets[0]];
  expect(experts(pkt)).not.toContain('_ws.dissector_bug');
  expect(next.experts.map(e => e.text)).toEqual([]);
  expect(values(next, 'mip.kx.nai')).toEqual(['ok@home.example']);
  expect(verdicts(next)).toEqual(['good']);
  return pkt;
}

describe('decryption failures', () => {
  const msg = request([gp.nai(0, 'mn1@home.example', enc(CBC, IV16)), gp.ip(0, HOA, enc(GCM, IV12)), ext.mnHa(CBC.spi, CBC.key)]);

  it('the right keys decrypt both', () => {
    const pkt = one(msg);
    expect(values(pkt, 'mip.kx.nai')).toEqual(['mn1@home.example']);
    expect(values(pkt, 'mip.kx.ip')).toEqual([HOA]);
    expect(values(pkt, 'mip.kx.enc.iv')).toEqual([hex(IV16), hex(IV12)]);
  });

  it('a wrong key: bad padding (CBC) and a tag mismatch (GCM) are expert items; nothing is shown as plaintext', () => {
    const wrong = [{ ...CBC, key: new Uint8Array(16).fill(0x99) }, { ...GCM, key: new Uint8Array(32).fill(0x98) }];
    const pkt = one(msg, wrong);
    expect(values(pkt, 'mip.kx.gp.decrypted')).toEqual(['0', '0']);
    expect(values(pkt, 'mip.kx.nai')).toEqual([]);
    expect(values(pkt, 'mip.kx.ip')).toEqual([]);
    expect(expertTexts(pkt, 'mip.kx.decrypt.failed')).toEqual([
      'GP-NAI: decryption under SPI 0x00001001 "KEY0" (hmac-md5, aes-128-cbc; keys file) failed: bad PKCS#7 padding (wrong key or altered ciphertext)',
      'GP-IP: decryption under SPI 0x00001002 "KEY0b" (hmac-sha1, aes-256-gcm; keys file) failed: authentication tag mismatch (wrong key, or the data or its header was altered)',
    ]);
    expect(pkt.sources.length).toBe(1);
    // The MN-HA authenticator is bad under the wrong key; the expected value is shown.
    expect(verdicts(pkt)).toEqual(['bad']);
    const covered = msg.subarray(0, msg.length - 16);
    expect(values(pkt, 'mip.auth.expected')).toEqual([hex(computeAuthenticator('hmac-md5', new Uint8Array(16).fill(0x99), covered))]);
    expect(expertTexts(pkt, 'mip.auth.bad')).toEqual(['Authenticator does not verify under SPI 0x00001001 "KEY0" (hmac-md5, aes-128-cbc; keys file)']);
  });

  it('tampered ciphertext, and a tampered header under an AEAD, fail; the authenticator catches it too', () => {
    const naiStart = 24 + 2 + 6; // fixed part, GP header, ContentType Flags SPI
    const t1 = msg.slice();
    t1[naiStart + 31]! ^= 0x01; // CBC: the byte of block 1 that XORs onto the last padding byte of block 2
    const p1 = one(t1);
    expect(expertTexts(p1, 'mip.kx.decrypt.failed')[0]).toMatch(/^GP-NAI: .*bad PKCS#7 padding/);
    expect(values(p1, 'mip.kx.ip')).toEqual([HOA]);
    expect(verdicts(p1)).toEqual(['bad']);
    const ipExt = 24 + 2 + 6 + 16 + 32; // after GP-NAI: header, IV, two CBC blocks
    const t2 = msg.slice();
    t2[ipExt + 2]! ^= 0x01; // ContentType: covered by the AEAD's associated data (B.2)
    const p2 = one(t2);
    expect(expertTexts(p2, 'mip.kx.decrypt.failed')).toEqual(['GP-IP: decryption under SPI 0x00001002 "KEY0b" (hmac-sha1, aes-256-gcm; keys file) failed: authentication tag mismatch (wrong key, or the data or its header was altered)']);
    expect(values(p2, 'mip.kx.nai')).toEqual(['mn1@home.example']);
    const t3 = msg.slice();
    t3[t3.length - 23]! ^= 0x80; // last byte of the GCM tag, before the 22-byte MN-HA extension
    expect(expertTexts(one(t3), 'mip.kx.decrypt.failed').length).toBe(1);
  });

  it('an unknown SPI: not decrypted, unverified, and said so', () => {
    const other: TestSa = { ...CBC, spi: 0x9999 };
    const pkt = one(request([gp.nai(0, 'x@y', enc(other, IV16)), ext.mnHa(0x9999, CBC.key)]));
    expect(expertTexts(pkt, 'mip.kx.decrypt.no_key')).toEqual(['No key for SPI 0x00009999: GP-NAI not decrypted']);
    expect(values(pkt, 'mip.kx.gp.decrypted')).toEqual(['0']);
    expect(values(pkt, 'mip.kx.enc.data').length).toBe(1);
    expect(verdicts(pkt)).toEqual(['unverified']);
    expect(values(pkt, 'mip.auth.alg')).toEqual([]);
  });

  it('an SA without a cipher cannot decrypt', () => {
    const pkt = one(request([gp.nai(0, 'x@y', enc({ ...CBC, spi: NOCIPHER.spi }, IV16)), ext.mnHa(NOCIPHER.spi, NOCIPHER.key)]));
    expect(expertTexts(pkt, 'mip.kx.decrypt.no_cipher')).toEqual(['SPI 0x00001003 (hmac-md5; keys file) has no cipher: GP-NAI not decrypted']);
    expect(verdicts(pkt)).toEqual(['good']);
  });

  it('KE sub-type 5 under an unknown SPI or a wrong key: no key, nothing learned', () => {
    const prop = (under: TestSa): ProposalSpec => ({ no: 1, protoId: 1, spi: 0x6001, transforms: [{ no: 1, id: 1 }], ke: [{ subtype: 5, key: new Uint8Array(16).fill(7), under: { spi: under.spi, key: under.key, cipher: under.cipher! }, iv: IV16 }] });
    const reply = (under: TestSa) => encodeRegistrationReply({ code: 0, lifetime: 60, homeAddr: HOA, haAddr: HA, ident: 5n, exts: [saPayload({ subtype: 1, proposals: [prop(under)] })] });
    const a = one(reply({ ...CBC, spi: 0x7777 }));
    expect(expertTexts(a, 'mip.kx.decrypt.no_key')).toEqual(['No key for SPI 0x00007777: KDC key (KE sub-type 5) not decrypted']);
    expect(values(a, 'mip.kx.learned.spi')).toEqual([]);
    const b = one(reply({ ...CBC, key: new Uint8Array(16).fill(0x55) }));
    expect(expertTexts(b, 'mip.kx.decrypt.failed')[0]).toMatch(/^KDC key \(KE sub-type 5\): decryption under SPI 0x00001001/);
    expect(values(b, 'mip.kx.ke.key')).toEqual([]);
    const good = one(reply(CBC));
    expect(values(good, 'mip.kx.ke.key')).toEqual(['07'.repeat(16)]);
    expect(values(good, 'mip.kx.learned.spi')).toEqual(['0x00006001']);
  });
});

describe('GP extension checks (docs/protocol.md §B.1)', () => {
  const cases: Array<[string, ExtSpec, string, string]> = [
    ['shorter than its header', ext.raw(200, Uint8Array.of(0, 0, 1)), 'mip.kx.gp.short', 'GP-NAI: Length 3 is shorter than ContentType, Flags and SPI (6 bytes)'],
    ['reserved flag bits', gp.nai(0, 'a@b', { flags: 0x41 }), 'mip.kx.gp.reserved.nonzero', 'Reserved flag bits set (0x41), sent as zero (docs/protocol.md §B.1)'],
    ['SPI on an unencrypted extension', gp.nai(0, 'a@b', { spi: 0x1234 }), 'mip.kx.gp.spi.bad', 'SPI is 0x00001234 on an unencrypted extension (E = 0 sends SPI 0)'],
    ['unknown content type', gp.nai(7, 'a@b'), 'mip.kx.gp.content.unknown', 'GP-NAI: unknown content type 7'],
    ['an IP of 5 bytes', gp.raw('gp_ip', 0, Uint8Array.of(1, 2, 3, 4, 5)), 'mip.kx.gp.info.bad', 'GP-IP: INFO is 5 bytes; an address is 4 (IPv4) or 16 (IPv6)'],
    ['an Ethernet address of 5 bytes', gp.raw('gp_l2', 0, Uint8Array.of(1, 2, 3, 4, 5)), 'mip.kx.gp.info.bad', 'GP-L2: an Ethernet address is 6 bytes, INFO is 5'],
    ['an IMSI with letters', gp.imsi('31015012345678x'), 'mip.kx.gp.info.bad', 'GP-L2: an IMSI is 6 to 15 ASCII digits (got 15 bytes)'],
    ['a MIN of 9 digits', gp.min('212555012'), 'mip.kx.gp.info.bad', 'GP-L2: a MIN is 10 ASCII digits (got 9 bytes)'],
    ['SA-INFO too short', gp.raw('gp_sa', 0, new Uint8Array(10)), 'mip.kx.sa.bad', 'SA-INFO needs at least 11 bytes, INFO has 10'],
    ['SA-INFO KeyLen past the end', gp.sa(0, { newSpi: 0x5301, authAlg: 1, key: new Uint8Array(16), keyLen: 20 }), 'mip.kx.sa.bad', 'KeyLen 20 runs past SA-INFO (16 bytes remain)'],
    ['SA-INFO key size against its cipher (E.8)', gp.sa(0, { newSpi: 0x5301, authAlg: 1, cipherAlg: 'aes-256-cbc', key: new Uint8Array(16) }), 'mip.kx.sa.bad', 'KeyLen 16 is not the aes-256-cbc key size 32 (docs/protocol.md §E.8)'],
    ['SA-INFO unknown algorithm', gp.sa(0, { newSpi: 0x5301, authAlg: 9, key: new Uint8Array(16) }), 'mip.kx.sa.alg.unknown', 'Unknown authentication algorithm 9'],
  ];
  for (const [name, e, abbrev, text] of cases) {
    it(name, () => { expect(expertTexts(one(request([e])), abbrev)).toEqual([text]); });
  }
  it('IPv6 addresses, IMSI and MIN print as such', () => {
    const v6 = Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    const pkt = one(request([gp.ip6(0, v6), gp.imsi('310150123456789'), gp.min('2125550123')]));
    expect(values(pkt, 'mip.kx.ip6')).toEqual(['2001:db8::1']);
    expect(values(pkt, 'mip.kx.ip')).toEqual(['2001:db8::1']);
    // With the IPv4 addresses, in wire order.
    const mixed = one(request([gp.ip(0, '10.0.0.1'), gp.ip6(1, v6), gp.ip(1, '10.0.0.2')]));
    expect(values(mixed, 'mip.kx.ip')).toEqual(['10.0.0.1', '2001:db8::1', '10.0.0.2']);
    expect(values(pkt, 'mip.kx.l2.imsi')).toEqual(['310150123456789']);
    expect(values(pkt, 'mip.kx.l2.min')).toEqual(['2125550123']);
    expect(values(pkt, 'mip.kx.gp.decrypted')).toEqual([]);
  });
});

describe('negotiation payload checks (docs/protocol.md §B.3, E.2, E.7)', () => {
  const xf = (no: number, id = 1) => ({ no, id, attrs: [{ type: 1, value: 128 }] });
  const prop = (o: Partial<ProposalSpec> = {}): ProposalSpec => ({ no: 1, protoId: 1, lifetime: 60, spi: 0x6001, transforms: [xf(1), xf(2, 3)], ...o });
  const sa = (...proposals: ProposalSpec[]) => saPayload({ subtype: 1, proposals });
  const cases: Array<[string, ExtSpec[], string, string[]]> = [
    ['NumTransforms disagrees', [sa(prop({ numTransforms: 3 }))], 'mip.kx.prop.ntrans.bad', ['NumTransforms is 3, but 2 transform payload(s) follow']],
    ['KE payload before the transforms', [sa(prop({ ke: [{ subtype: 3, xfno: 1, key: new Uint8Array(16) }], keFirst: true }))], 'mip.kx.prop.ke_before_transform',
      ['Transform payload after a key-exchange payload: KE payloads follow the transforms (docs/protocol.md §E.2)', 'Transform payload after a key-exchange payload: KE payloads follow the transforms (docs/protocol.md §E.2)']],
    ['proposal Length past the SA payload', [sa(prop({ length: 200 }))], 'mip.kx.pl.len.bad', ['Proposal payload: Length 200 runs past the SA payload (40 bytes remain)']],
    ['proposal Length shorter than its fixed part', [sa(prop({ length: 8, transforms: [] }))], 'mip.kx.pl.len.bad', ['Proposal payload: Length 8 is shorter than its 12 fixed bytes', 'Payload type 0: Length 24577 runs past the SA payload (0 bytes remain)']],
    ['attribute of the wrong length', [sa(prop({ transforms: [{ no: 1, id: 1, attrs: [{ type: 1, value: Uint8Array.of(0, 0, 128) }] }] }))], 'mip.kx.xf.attr.len.bad', ['Key length (bits): length 3, expected 2 (docs/protocol.md §B.3)']],
    ['attribute past the transform', [sa(prop({ transforms: [{ no: 1, id: 1, attrs: [{ type: 2, value: 60, length: 40 }] }] }))], 'mip.kx.xf.attr.len.bad', ['Attribute length 40 runs past the transform (4 bytes remain)']],
    ['attribute out of range', [sa(prop({ transforms: [{ no: 1, id: 1, attrs: [{ type: 3, value: 4 }, { type: 1, value: 100 }] }] }))], 'mip.kx.xf.attr.value.bad', ['Key-generation mode: value 4 is not defined (1-3)', 'Key length (bits): a key length of 100 bits is not a whole number of bytes']],
    ['transform numbers not increasing', [sa(prop({ transforms: [xf(2), xf(1)] }))], 'mip.kx.xf.order', ['TransformNo 1 does not increase (previous 2; RFC 2408 §4.2)']],
    ['unknown ProtocolId and transform id', [sa(prop({ protoId: 5 }), prop({ no: 2, transforms: [xf(1, 9)] }))], 'mip.kx.prop.protoid.unknown', ['ProtocolId 5 is neither 1 (authentication) nor 2 (encryption)']],
    ['transform id unknown for authentication', [sa(prop({ transforms: [xf(1, 9)] }))], 'mip.kx.xf.id.unknown', ['Transform id 9 is not an authentication algorithm of docs/protocol.md §B.2']],
    ['proposals out of order and split', [sa(prop({ no: 2 }), prop({ no: 1 }), prop({ no: 2 }))], 'mip.kx.prop.order', ['ProposalNo 1 after 2: alternatives come in increasing order', 'ProposalNo 2 appears again after other proposals: the parts of a combined proposal are adjacent']],
    ['a transform directly in the SA payload', [saPayload({ subtype: 1, proposals: [] }), { ...strayPayload(encodeTransform(xf(1))), type: 112, subtype: 1, data: encodeTransform(xf(1)), length: undefined }], 'mip.kx.pl.unexpected', ['Transform payload (type 114) inside an SA payload: expected Proposal payloads']],
    ['a proposal outside an SA payload', [strayPayload(encodeProposal(prop()))], 'mip.kx.pl.unexpected', ['Proposal payload outside an SA payload (it belongs inside one, docs/protocol.md §B.3)']],
    ['an empty SA payload', [sa()], 'mip.kx.sap.empty', ['SA payload holds no proposal']],
    ['unknown SA sub-type', [saPayload({ subtype: 9, proposals: [prop()] })], 'mip.kx.sap.subtype.unknown', ['Unknown SA payload sub-type 9']],
    ['unknown KE sub-type', [sa(prop({ ke: [{ subtype: 9, body: Uint8Array.of(1, 2) }] }))], 'mip.kx.ke.subtype.unknown', ['Unknown key-exchange sub-type 9']],
    ['CV shorter than the prime', [sa(prop({ ke: [{ subtype: 1, xfno: 1, cv: new Uint8Array(95).fill(3) }] }))], 'mip.kx.ke.cv.len', ['CV is 95 bytes; the prime is 96 bytes and every CV is left-padded to it (docs/protocol.md §E.7)']],
    ['degenerate CV', [sa(prop({ ke: [{ subtype: 1, xfno: 1, cv: Uint8Array.from({ length: 96 }, (_, i) => (i === 95 ? 1 : 0)) }] }))], 'mip.kx.ke.cv.range', ['CV is not between 1 and P − 1 (a degenerate public value)']],
    ['user-defined group with a composite P', [sa(prop({ ke: [{ subtype: 4, p: Uint8Array.of(0, 221), g: Uint8Array.of(2), cv: Uint8Array.of(0, 5) }] }))], 'mip.kx.ke.group.bad', ['User-defined group: P is not prime']],
    ['user-defined group too large to check', [sa(prop({ ke: [{ subtype: 4, p: new Uint8Array(600).fill(0xff), g: Uint8Array.of(2), cv: new Uint8Array(600).fill(3) }] }))], 'mip.kx.ke.group.bad', ['User-defined group: P has 4800 bits; groups over 4096 bits (MAX_DH_GROUP_BITS) are neither checked nor used']],
    ['user-defined group with a CV of another length', [sa(prop({ ke: [{ subtype: 4, p: Uint8Array.of(0, 227), g: Uint8Array.of(2), cv: Uint8Array.of(5) }] }))], 'mip.kx.ke.cv.len', ['CV length 1 differs from P length 2 (docs/protocol.md §E.7)']],
    ['a transform with a non-zero Reserved byte', [sa(prop({ transforms: [{ ...xf(1), reserved: 1 }] }))], 'mip.kx.xf.reserved.nonzero', ['Transform payload: Reserved byte is not zero']],
    ['a key exchange with a non-zero Reserved byte', [sa(prop({ ke: [{ subtype: 3, xfno: 1, key: new Uint8Array(16), reserved: 2 }] }))], 'mip.kx.ke.reserved.nonzero', ['Key-exchange payload: Reserved byte is not zero']],
    ['KE names a transform not in its proposal', [sa(prop({ ke: [{ subtype: 3, xfno: 7, key: new Uint8Array(16) }] }))], 'mip.kx.ke.xfno.unknown', ['TransformNo 7 is not among the proposal\'s transforms']],
  ];
  for (const [name, exts, abbrev, texts] of cases) {
    it(name, () => { expect(expertTexts(one(request(exts)), abbrev)).toEqual(texts); });
  }
  it('bytes a payload cannot decode are mip.kx.pl.data, not GP INFO', () => {
    const pkt = one(request([sa(prop({ transforms: [xf(1)], ke: [{ subtype: 9, body: Uint8Array.of(1, 2) }] }))]));
    expect(values(pkt, 'mip.kx.pl.data')).toEqual(['0102']);
    expect(values(pkt, 'mip.kx.gp.info')).toEqual([]);
  });
  it('a well-formed payload has no expert item, and E.1: nested payloads are not mip.ext.*', () => {
    const pkt = one(request([sa(prop({ ke: [{ subtype: 1, xfno: 1, cv: new Uint8Array(96).fill(7) }] }), prop({ no: 2 })), ext.mnHa(CBC.spi, CBC.key)]));
    expect(pkt.experts.map(e => e.text)).toEqual([]);
    expect(values(pkt, 'mip.ext.type')).toEqual(['112', '32']);
    expect(values(pkt, 'mip.kx.pl.type')).toEqual(['113', '114', '114', '115', '113', '114', '114']);
    expect(values(pkt, 'mip.kx.ke.p')).toEqual([]);
    expect(values(pkt, 'mip.kx.ke.cv')).toEqual(['07'.repeat(96)]);
    expect(OAKLEY_GROUPS[1].size).toBe(96);
    void encodeKe;
  });
});

describe('key messages (docs/protocol.md §B.5)', () => {
  it('an unknown Key Reply code and a non-zero Reserved field', () => {
    const pkt = one(encodeKeyReply({ code: 5, reserved: 1, homeAddr: '0.0.0.0', ident: 3n }));
    expect(expertTexts(pkt, 'mip.kx.msg.code.unknown')).toEqual(['Key Reply code 5 is neither 0 (keys issued) nor 128 (refused)']);
    expect(expertTexts(pkt, 'mip.reserved.nonzero')).toEqual(['Reserved field is not zero (docs/protocol.md §B.5)']);
    expect(pkt.info).toBe('Key Reply: HoA=0.0.0.0, Code=5');
  });
  it('a truncated Key Request is malformed, not an exception', () => {
    const pkt = one(Uint8Array.of(8, 0, 0, 0, 1, 2));
    expect(experts(pkt)).toContain('_ws.malformed.expert');
  });
});
