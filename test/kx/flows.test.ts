// Whole flows built with the encoders: every decrypted value and every authenticator verdict,
// including those only verifiable with keys learned from the traffic.
import { generatePrimeSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { learnedKeys } from '../../dissector/keys/index.js';
import { udpFrame } from '../../dissector/build.js';
import { encodeRegistrationReply } from '../../dissector/mip/encode.js';
import { saPayload } from '../../dissector/kx/encode.js';
import { aaaFlow, dhExpectedKey, dhFlow, FA, FA_NAI, KEY0, KEY1, KEY2, KEY3, MAC, MN_HOA, NAI, NEG_AUTH, NEG_COUNTER, NEG_ENC, NEG_FAHA, NEG_KEY0, negotiationFlow, seedFlow, seedKey, SEED, statefulFlow } from './flows.js';
import type { DhCase } from './flows.js';
import { dissectWithKeys, expertTexts, hex, spi, values, verdicts } from './helpers.js';

describe('stateful registration through an FA (WO 01/26322 Fig. 2, docs/protocol.md §B.5)', () => {
  const flow = statefulFlow();
  const { packets, session } = dissectWithKeys(flow.frames, flow.keys);
  const p = (role: string) => packets[flow.at[role]! - 1]!;

  it('the mobile node\'s hidden identity decrypts under KEY0', () => {
    for (const role of ['mnReq', 'faReq']) {
      const pkt = p(role);
      expect(values(pkt, 'mip.homeaddr')).toEqual(['0.0.0.0']);
      expect(values(pkt, 'mip.kx.ip')).toEqual([MN_HOA]);
      expect(values(pkt, 'mip.kx.nai')).toEqual([NAI]);
      expect(values(pkt, 'mip.kx.l2.eth')).toEqual([MAC]);
      expect(values(pkt, 'mip.kx.gp.decrypted')).toEqual(['1', '1', '1']);
      expect(values(pkt, 'mip.kx.gp.spi')).toEqual([spi(KEY0.spi), spi(KEY0.spi), spi(KEY0.spi)]);
      // The decrypted values are generated fields pointing into decrypted data sources.
      const nai = pkt.all.find(n => n.field?.abbrev === 'mip.kx.nai')!;
      expect(nai.generated).toBe(true);
      expect(pkt.sources[nai.src]!.name).toMatch(/^Decrypted GP-NAI/);
      expect(new TextDecoder().decode(pkt.sources[nai.src]!.data.subarray(nai.offset, nai.offset + nai.length))).toBe(NAI);
    }
    expect(verdicts(p('mnReq'))).toEqual(['good']);
    expect(verdicts(p('faReq'))).toEqual(['good', 'good']);
    expect(values(p('faReq'), 'mip.auth.alg')).toEqual(['hmac-md5', 'hmac-md5']);
  });

  it('the HA-KDC messages decrypt and verify, and the Key Reply teaches KEY1, KEY2, KEY3', () => {
    const rq = p('keyReq');
    expect(values(rq, 'mip.type')).toEqual(['8']);
    expect(rq.info).toBe(`Key Request: HoA=0.0.0.0 [decrypted: NAI=${NAI} HoA=${MN_HOA}]`);
    expect(values(rq, 'mip.kx.nai')).toEqual([NAI, FA_NAI]);
    expect(values(rq, 'mip.kx.ip')).toEqual([MN_HOA, FA]);
    expect(values(rq, 'mip.kx.gp.e')).toEqual(['1', '1', '1', '0', '0']);
    expect(values(rq, 'mip.kx.gp.decrypted')).toEqual(['1', '1', '1']);
    expect(verdicts(rq)).toEqual(['good']);
    expect(values(rq, 'mip.auth.alg')).toEqual(['hmac-sha256']);
    const rp = p('keyRep');
    expect(rp.info).toBe(`Key Reply: HoA=0.0.0.0, Code=0 [decrypted: NAI=${NAI}]`);
    expect(values(rp, 'mip.kx.msg.code')).toEqual(['0']);
    expect(values(rp, 'mip.kx.gp.content')).toEqual(['0', '2', '1', '0']);
    expect(values(rp, 'mip.kx.sa.newspi')).toEqual([KEY1, KEY2, KEY3].map(k => spi(k.spi)));
    expect(values(rp, 'mip.kx.sa.key')).toEqual([KEY1, KEY2, KEY3].map(k => hex(k.key)));
    expect(values(rp, 'mip.kx.sa.authalg')).toEqual(['4', '3', '2']);
    expect(values(rp, 'mip.kx.sa.cipheralg')).toEqual(['5', '0', '0']);
    expect(values(rp, 'mip.kx.learned.spi')).toEqual([KEY1, KEY2, KEY3].map(k => spi(k.spi)));
    expect(values(rp, 'mip.kx.learned.valid_from')).toEqual([String(flow.at.keyRep! + 1), String(flow.at.keyRep! + 1), String(flow.at.keyRep! + 1)]);
    expect(verdicts(rp)).toEqual(['good']);
  });

  it('the HA\'s reply: KEY3 and KEY1 for the MN under KEY0, KEY2 and KEY3 in clear for the FA', () => {
    const r = p('haRep');
    expect(values(r, 'mip.ext.type')).toEqual(['203', '203', '32', '203', '203', '34']);
    expect(values(r, 'mip.kx.gp.e')).toEqual(['1', '1', '0', '0']);
    expect(values(r, 'mip.kx.gp.decrypted')).toEqual(['1', '1']);
    expect(values(r, 'mip.kx.sa.key')).toEqual([KEY3, KEY1, KEY2, KEY3].map(k => hex(k.key)));
    expect(verdicts(r)).toEqual(['good', 'good']);
    // Known since the Key Reply: nothing new is learned here.
    expect(values(r, 'mip.kx.learned.spi')).toEqual([]);
  });

  it('authenticators only verifiable with learned keys verify: MN-FA under KEY3, then KEY1/KEY2/KEY3', () => {
    expect(verdicts(p('faRep'))).toEqual(['good', 'good']);
    expect(values(p('faRep'), 'mip.auth.alg')).toEqual(['hmac-md5', 'md5-prefix-suffix']);
    expect(values(p('faRep'), 'mip.kx.key.learned_in')).toContain(String(flow.at.keyRep));
    const r2 = p('mnReq2');
    expect(values(r2, 'mip.kx.nai')).toEqual([NAI]);
    expect(values(r2, 'mip.kx.enc.cipher')).toEqual(['chacha20-poly1305', 'chacha20-poly1305', 'chacha20-poly1305']);
    expect(verdicts(r2)).toEqual(['good', 'good']);
    expect(values(r2, 'mip.auth.alg')).toEqual(['hmac-sha256', 'md5-prefix-suffix']);
    expect(verdicts(p('faReq2'))).toEqual(['good', 'good']);
    expect(values(p('faReq2'), 'mip.auth.alg')).toEqual(['hmac-sha256', 'hmac-sha1']);
    expect(verdicts(p('haRep2'))).toEqual(['good', 'good']);
    expect(verdicts(p('faRep2'))).toEqual(['good', 'good']);
  });

  it('without the frames that taught them, the same messages are unverified and undecrypted', () => {
    const tail = flow.frames.slice(flow.at.mnReq2! - 1);
    const { packets: alone } = dissectWithKeys(tail, flow.keys);
    expect(verdicts(alone[0]!)).toEqual(['unverified', 'unverified']);
    expect(values(alone[0]!, 'mip.kx.gp.decrypted')).toEqual(['0', '0', '0']);
    expect(values(alone[0]!, 'mip.kx.nai')).toEqual([]);
    expect(expertTexts(alone[0]!, 'mip.kx.decrypt.no_key')).toEqual([
      `No key for SPI ${spi(KEY1.spi)}: GP-IP not decrypted`, `No key for SPI ${spi(KEY1.spi)}: GP-NAI not decrypted`, `No key for SPI ${spi(KEY1.spi)}: GP-L2 not decrypted`]);
    expect(verdicts(alone[1]!)).toEqual(['unverified', 'unverified']);
  });

  it('lists the learned keys with the frame that taught them', () => {
    expect(learnedKeys(session).map(s => [spi(s.spi), s.source.kind === 'learned' ? s.source.frame : 0, s.validFrom, s.auth, s.cipher])).toEqual([
      [spi(KEY1.spi), flow.at.keyRep, flow.at.keyRep! + 1, 'hmac-sha256', 'chacha20-poly1305'],
      [spi(KEY2.spi), flow.at.keyRep, flow.at.keyRep! + 1, 'hmac-sha1', null],
      [spi(KEY3.spi), flow.at.keyRep, flow.at.keyRep! + 1, 'md5-prefix-suffix', null],
    ]);
  });

  it('without keys: the structure is shown, nothing decrypts, every verdict is unverified', () => {
    const { packets: nk } = dissectWithKeys(flow.frames);
    for (const pkt of nk) expect(values(pkt, 'mip.kx.gp.decrypted').every(v => v === '0')).toBe(true);
    for (const pkt of nk.slice(0, flow.at.haRep)) expect(values(pkt, 'mip.auth.status').every(v => v === 'unverified')).toBe(true);
    // Plaintext GP-SA in the HA's reply still teaches KEY2 and KEY3 (E=0, for the FA): whatever
    // they authenticate verifies; KEY1 travelled encrypted, so MN-HA stays unverified.
    expect(values(nk[flow.at.haRep! - 1]!, 'mip.kx.learned.spi')).toEqual([spi(KEY2.spi), spi(KEY3.spi)]);
    for (const role of ['faRep', 'mnReq2', 'faReq2', 'haRep2', 'faRep2']) expect(verdicts(nk[flow.at[role]! - 1]!), role).toEqual(['unverified', 'good']);
  });
});

describe('AAA-relayed registration (docs/protocol.md §E.10)', () => {
  const flow = aaaFlow();
  const { packets } = dissectWithKeys(flow.frames, flow.keys);
  const p = (role: string) => packets[flow.at[role]! - 1]!;
  it('each hop\'s FA-HA authentication verifies under the SA of that hop', () => {
    expect(verdicts(p('mnReq'))).toEqual(['good']);
    for (const role of ['faReq', 'aaafReq', 'aaahReq', 'haRep', 'aaahRep', 'aaafRep']) expect(verdicts(p(role)), role).toEqual(['good', 'good']);
    expect(values(p('faReq'), 'mip.auth.spi')).toEqual([spi(KEY0.spi), '0x00003101']);
    expect(values(p('aaafReq'), 'mip.auth.alg')).toEqual(['hmac-md5', 'hmac-sha1']);
    expect(values(p('aaahReq'), 'mip.auth.alg')).toEqual(['hmac-md5', 'hmac-sha256']);
  });
  it('the relays keep the FA-only GP-SA extensions; the FA strips them and authenticates to the MN under KEY3', () => {
    for (const role of ['haRep', 'aaahRep', 'aaafRep']) expect(values(p(role), 'mip.kx.sa.key'), role).toEqual([KEY3, KEY1, KEY2, KEY3].map(k => hex(k.key)));
    expect(values(p('faRep'), 'mip.ext.type')).toEqual(['203', '203', '32', '33']);
    expect(verdicts(p('faRep'))).toEqual(['good', 'good']);
    // Learned from the HA's reply: KEY1 (decrypted under KEY0), KEY2 and KEY3 (in clear).
    expect(values(p('haRep'), 'mip.kx.learned.spi')).toEqual([KEY3, KEY1, KEY2].map(k => spi(k.spi)));
    const later = p('mnReq2');
    expect(values(later, 'mip.kx.ip')).toEqual([MN_HOA]);
    expect(verdicts(later)).toEqual(['good', 'good']);
  });
});

describe('negotiation (docs/protocol.md §B.3, E.3) with KDC keys (KE sub-type 5) and a secret key (KE sub-type 3)', () => {
  const flow = negotiationFlow();
  const { packets, session } = dissectWithKeys(flow.frames, flow.keys);
  const p = (role: string) => packets[flow.at[role]! - 1]!;
  it('shows the offered AND/OR proposals with their transforms and attributes', () => {
    const r = p('req');
    expect(values(r, 'mip.ext.type')).toEqual(['131', '112', '32']);
    expect(values(r, 'mip.kx.sap.subtype')).toEqual(['1']);
    expect(values(r, 'mip.kx.prop.no')).toEqual(['1', '1', '2']);
    expect(values(r, 'mip.kx.prop.protoid')).toEqual(['1', '2', '1']);
    expect(values(r, 'mip.kx.prop.ntrans')).toEqual(['2', '2', '1']);
    expect(values(r, 'mip.kx.xf.id')).toEqual(['4', '3', '4', '3', '1']);
    expect(values(r, 'mip.kx.xf.attr.value')).toEqual(['256', '2', '160', '2', '256', '2', '128', '2', '128', '7200', '2', '2']);
    expect(r.experts.filter(e => e.expert!.abbrev.startsWith('mip.kx')).map(e => e.text)).toEqual([]);
    expect(verdicts(r)).toEqual(['good']);
  });
  it('the accepted proposal\'s KDC keys decrypt and become the negotiated SAs (E.4)', () => {
    const r = p('rep');
    expect(values(r, 'mip.kx.ke.subtype')).toEqual(['5', '5']);
    expect(values(r, 'mip.kx.ke.key')).toEqual([hex(NEG_AUTH.key), hex(NEG_ENC.key)]);
    expect(values(r, 'mip.kx.learned.spi')).toEqual([spi(NEG_AUTH.spi), spi(NEG_ENC.spi)]);
    expect(values(r, 'mip.kx.learned.auth')).toEqual(['hmac-sha1']);
    expect(values(r, 'mip.kx.learned.cipher')).toEqual(['aes-128-gcm']);
    const u = p('use');
    expect(values(u, 'mip.kx.ip')).toEqual(['192.0.2.161']);
    expect(values(u, 'mip.kx.nai')).toEqual(['nego@home.example']);
    expect(values(u, 'mip.kx.enc.cipher')).toEqual(['aes-128-gcm', 'aes-128-gcm']);
    expect(verdicts(u)).toEqual(['good']);
    expect(values(u, 'mip.auth.alg')).toEqual(['hmac-sha1']);
    expect(verdicts(p('useRep'))).toEqual(['good']);
  });
  it('a counter-proposal in a 129 denial teaches nothing; the accepted alternative does', () => {
    expect(values(p('deny'), 'mip.kx.prop.ntrans')).toEqual(['2']);
    expect(values(p('deny'), 'mip.kx.learned.spi')).toEqual([]);
    expect(values(p('acceptRep'), 'mip.kx.learned.spi')).toEqual([spi(NEG_COUNTER.spi)]);
    expect(values(p('acceptRep'), 'mip.kx.learned.auth')).toEqual(['hmac-sha256']);
    expect(verdicts(p('useCounter'))).toEqual(['good']);
    expect(values(p('useCounter'), 'mip.auth.alg')).toEqual(['hmac-sha256']);
  });
  it('a key inside a denial\'s counter-proposal is shown but not learned (E.3)', () => {
    const deny = encodeRegistrationReply({ code: 129, lifetime: 0, homeAddr: '192.0.2.161', haAddr: '192.0.2.1', ident: 77n, exts: [saPayload({ subtype: 1, proposals: [
      { no: 1, protoId: 1, spi: 0x6aaa, transforms: [{ no: 1, id: 4 }], ke: [{ subtype: 5, key: new Uint8Array(32).fill(1), under: { spi: NEG_KEY0.spi, key: NEG_KEY0.key, cipher: NEG_KEY0.cipher! } }] }] })] });
    const { packets: d } = dissectWithKeys([{ ...udpFrame({ src: '192.0.2.1', dst: '192.0.2.161', payload: deny }), tsSec: 1, tsNsec: 0 }], flow.keys);
    expect(values(d[0]!, 'mip.kx.ke.key')).toEqual(['01'.repeat(32)]);
    expect(values(d[0]!, 'mip.kx.learned.spi')).toEqual([]);
  });
  it('FA-HA negotiation: the key over the secured path, then a revocation under the new FA-HA SA', () => {
    expect(values(p('faReq'), 'mip.ext.type')).toEqual(['32', '112', '34']);
    expect(verdicts(p('faReq'))).toEqual(['good', 'good']);
    expect(values(p('faRep'), 'mip.kx.ke.key')).toEqual([hex(NEG_FAHA.key)]);
    expect(values(p('faRep'), 'mip.kx.ke.xfno')).toEqual(['1']);
    expect(verdicts(p('faRep'))).toEqual(['good', 'good']);
    expect(verdicts(p('revocation'))).toEqual(['good']);
    expect(values(p('revocation'), 'mip.auth.alg')).toEqual(['hmac-sha256']);
    expect(learnedKeys(session).map(s => spi(s.spi))).toEqual([NEG_AUTH, NEG_ENC, NEG_COUNTER, NEG_FAHA].map(k => spi(k.spi)));
  });
});

describe('stateless mode: Diffie-Hellman (docs/protocol.md §B.4, E.4, E.7)', () => {
  const userGroup = { p: generatePrimeSync(256, { bigint: true }), g: 2n, size: 32 };
  const cases: DhCase[] = [
    { group: 1, xi: 0x3b2f9c1d5e7a0b44c1d2n, xr: 0x77aa019fe3c5d2b1n, spi: 0x7101, transformId: 1, keyBits: 128, known: 'initiator' },
    { group: 2, xi: 0x1122334455667788990011n, xr: 0x99887766554433221100ffeen, spi: 0x7102, transformId: 4, keyBits: 256, known: 'responder' },
    { group: userGroup, xi: 0xabcdef0123456789n, xr: 0x0fedcba987654321n, spi: 0x7103, transformId: 3, known: 'prefix' },
  ];
  const keyLens = [16, 32, 20];
  const flow = dhFlow(cases, keyLens, ['hmac-md5', 'hmac-sha256', 'hmac-sha1']);
  it('groups 1, 2 and a user-defined group: the SA key from one side\'s exponent, and the follow-up verifies', () => {
    const { packets } = dissectWithKeys(flow.frames, flow.keys);
    cases.forEach((c, i) => {
      const req = packets[flow.at[`req${i}`]! - 1]!, rep = packets[flow.at[`rep${i}`]! - 1]!, use = packets[flow.at[`use${i}`]! - 1]!;
      expect(values(req, 'mip.kx.ke.subtype')).toEqual([typeof c.group === 'number' ? String(c.group) : '4']);
      expect(values(req, 'mip.kx.ke.p').length).toBe(typeof c.group === 'number' ? 0 : 1);
      expect(values(rep, 'mip.kx.learned.spi')).toEqual([spi(c.spi)]);
      expect(values(rep, 'mip.kx.learned.key')).toEqual([hex(dhExpectedKey(c, keyLens[i]!))]);
      expect(values(rep, 'mip.kx.dh.secret').length).toBe(1);
      expect(verdicts(use), `case ${i}`).toEqual(['good']);
    });
  });
  it('without a private exponent, or with one that does not give the CV, no key and an explanation', () => {
    const none = JSON.stringify({ ...JSON.parse(flow.keys), dh: [] });
    const { packets } = dissectWithKeys(flow.frames, none);
    expect(verdicts(packets[flow.at.use0! - 1]!)).toEqual(['unverified']);
    expect(expertTexts(packets[flow.at.rep0! - 1]!, 'mip.kx.key.not_derived')).toEqual(['No Diffie-Hellman key: the keys file gives no private exponent ("dh")']);
    const k = JSON.parse(flow.keys);
    k.dh[0].private = 'abcdef';
    const { packets: wrong } = dissectWithKeys(flow.frames, JSON.stringify(k));
    expect(expertTexts(wrong[flow.at.rep0! - 1]!, 'mip.kx.key.not_derived')).toEqual(['No Diffie-Hellman key: the private exponent of dh[0] does not give this exchange\'s CV']);
    expect(verdicts(wrong[flow.at.use0! - 1]!)).toEqual(['unverified']);
    expect(verdicts(wrong[flow.at.use1! - 1]!)).toEqual(['good']);
  });
});

describe('semi-stateful mode: a KDC seed (docs/protocol.md §B.4, E.5)', () => {
  const variants: Array<[string, number, Array<{ type: number; value: number }>, number, number | undefined, 'hmac-sha256' | 'hmac-sha1' | 'hmac-md5']> = [
    ['HMAC-SHA256 PRF, 256-bit key', 4, [{ type: 1, value: 256 }, { type: 3, value: 3 }, { type: 4, value: 3 }], 32, 3, 'hmac-sha256'],
    ['HMAC-SHA1 PRF, 160-bit key', 3, [{ type: 1, value: 160 }, { type: 3, value: 3 }, { type: 4, value: 2 }], 20, 2, 'hmac-sha1'],
    ['default PRF, default key length', 1, [{ type: 3, value: 3 }], 16, undefined, 'hmac-md5'],
  ];
  for (const [name, id, attrs, keyLen, prfId, alg] of variants) {
    it(name, () => {
      const flow = seedFlow(id, attrs, keyLen, prfId, alg);
      const { packets } = dissectWithKeys(flow.frames, flow.keys);
      const rep = packets[flow.at.rep! - 1]!;
      expect(values(rep, 'mip.kx.ke.key')).toEqual([hex(SEED)]);
      expect(values(rep, 'mip.kx.nai')).toEqual(['ha.home.example']);
      expect(values(rep, 'mip.kx.learned.key')).toEqual([hex(seedKey(keyLen, prfId))]);
      expect(values(rep, 'mip.kx.learned.method')).toEqual(['semi-stateful derivation from a KDC seed (KE sub-type 6)']);
      expect(verdicts(packets[flow.at.use! - 1]!)).toEqual(['good']);
    });
  }
  it('a KeyLen larger than the PRF output is a malformed transform: no key', () => {
    const flow = seedFlow(4, [{ type: 1, value: 256 }, { type: 4, value: 1 }], 16, 1, 'hmac-sha256');
    const { packets } = dissectWithKeys(flow.frames, flow.keys);
    expect(expertTexts(packets[flow.at.rep! - 1]!, 'mip.kx.xf.bad')).toEqual(['No key derived from the seed: KeyLen 32 is larger than the hmac-md5 output (16 bytes) (a malformed transform, docs/protocol.md §E.5)']);
    expect(verdicts(packets[flow.at.use! - 1]!)).toEqual(['unverified']);
  });
  it('without the request the derivation has no inputs', () => {
    const flow = seedFlow(1, [{ type: 3, value: 3 }], 16, undefined, 'hmac-md5');
    const { packets } = dissectWithKeys(flow.frames.slice(1), flow.keys);
    expect(expertTexts(packets[0]!, 'mip.kx.key.not_derived')).toEqual(['No key derived from the seed: missing the request (not seen) (docs/protocol.md §E.5)']);
  });
});

