// Whole KX flows built with the encoders, as the agents of WO 01/26322 would send them: the stateful
// registration through an FA (Fig. 2), its AAA-relayed variant (E.10), SA negotiation, and each
// key-generation mode. Each flow comes with the keys file a user would hand in.
import type { FrameLike } from '../../capture/write.js';
import { udpFrame } from '../../dissector/build.js';
import { encodeWithExtensions, encodeRegistrationReply, encodeRegistrationRequest, encodeRevocation, ext, ntpIdentification } from '../../dissector/mip/encode.js';
import type { ExtSpec } from '../../dissector/mip/encode.js';
import type { AuthAlg } from '../../dissector/keys/mac.js';
import type { CipherName } from '../../dissector/keys/ciphers.js';
import { bigIntToBytes, dhPublic, OAKLEY_GROUPS, dhSaKey, dhSharedSecret, bytesToBigInt } from '../../dissector/keys/dh.js';
import type { DhGroup } from '../../dissector/keys/dh.js';
import { deriveFromSeed } from '../../dissector/keys/derive.js';
import { encodeKeyReply, encodeKeyRequest, gp, saPayload } from '../../dissector/kx/encode.js';
import type { EncryptingSa, KeSpec, ProposalSpec } from '../../dissector/kx/encode.js';

export const MN_HOA = '192.0.2.151', HA = '192.0.2.1', FA = '198.51.100.1', KDC = '192.0.2.10';
export const AAAF = '198.51.100.20', AAAH = '192.0.2.20';
export const NAI = 'mn1@home.example', FA_NAI = 'fa.visited.example', HA_NAI = 'ha.home.example';
export const MAC = '02:00:00:00:01:01';
const T0 = 1_709_000_000;

/** An SA both as the encoders use it and as a keys-file entry. */
export interface TestSa { spi: number; key: Uint8Array; auth: AuthAlg; cipher?: CipherName; label?: string }

export function keyBytes(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (seed * 31 + i * 17 + 3) & 0xff);
}
const enc = (sa: TestSa): EncryptingSa => ({ spi: sa.spi, key: sa.key, cipher: sa.cipher! });
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export function keysJson(sas: readonly TestSa[], dh: Array<{ cv: string; private: string }> = []): string {
  return JSON.stringify({
    sas: sas.map(s => ({ spi: `0x${s.spi.toString(16)}`, key: toHex(s.key), auth: s.auth, ...(s.cipher ? { cipher: s.cipher } : {}), ...(s.label ? { label: s.label } : {}) })),
    dh,
  });
}

/** Collects frames with increasing timestamps. */
export class Capture {
  readonly frames: FrameLike[] = [];
  private t = 0;
  send(src: string, dst: string, payload: Uint8Array, sport = 434, dport = 434): number {
    this.frames.push({ ...udpFrame({ src, dst, sport, dport, payload }), tsSec: T0 + Math.floor(this.t / 1000), tsNsec: (this.t % 1000) * 1_000_000 });
    this.t += 15;
    return this.frames.length;
  }
}

// ---- The stateful registration (WO 01/26322 Fig. 2; docs/protocol.md §B.5) ----

export const KEY0: TestSa = { spi: 0x1001, key: keyBytes(16, 1), auth: 'hmac-md5', cipher: 'aes-128-cbc', label: 'KEY0 mn1' };
export const FA_HA: TestSa = { spi: 0x3001, key: keyBytes(16, 2), auth: 'hmac-md5', label: 'FA-HA' };
export const HA_KDC: TestSa = { spi: 0x4001, key: keyBytes(32, 3), auth: 'hmac-sha256', cipher: 'aes-256-gcm', label: 'HA-KDC' };
// Distributed by the KDC: never in the keys file.
export const KEY1: TestSa = { spi: 0x5101, key: keyBytes(32, 4), auth: 'hmac-sha256', cipher: 'chacha20-poly1305' };
export const KEY2: TestSa = { spi: 0x5201, key: keyBytes(20, 5), auth: 'hmac-sha1' };
export const KEY3: TestSa = { spi: 0x5301, key: keyBytes(16, 6), auth: 'md5-prefix-suffix' };

const saInfo = (sa: TestSa) => ({ newSpi: sa.spi, authAlg: sa.auth, ...(sa.cipher ? { cipherAlg: sa.cipher } : {}), lifetime: 3600, key: sa.key });
const auth = (type: 32 | 33 | 34, sa: TestSa): ExtSpec => ext.auth(type, sa.spi, sa.key, sa.auth);

/** The mobile node's request: identity hidden under `under` (B.5). */
function mnRequest(ident: bigint, under: TestSa, mnHa: TestSa, mnFa?: TestSa): Uint8Array {
  const o = { encrypt: enc(under) };
  const exts: ExtSpec[] = [gp.ip(0, MN_HOA, o), gp.nai(0, NAI, o), gp.eth(MAC, o), auth(32, mnHa)];
  if (mnFa) exts.push(auth(33, mnFa));
  return encodeRegistrationRequest({ flags: { t: true }, lifetime: 1800, homeAddr: '0.0.0.0', haAddr: HA, coa: FA, ident, exts });
}

/** Bytes of a message up to the end of its first extension of `type` (what a relay keeps). */
export function upTo(msg: Uint8Array, headerLen: number, type: number): Uint8Array {
  let off = headerLen;
  while (off < msg.length) {
    const t = msg[off]!;
    const long = t === 36 || t === 47 || (t >= 112 && t <= 115);
    const end = off + (long ? 4 + ((msg[off + 2]! << 8) | msg[off + 3]!) : 2 + msg[off + 1]!);
    if (t === type) return msg.subarray(0, end);
    off = end;
  }
  throw new Error(`no extension ${type}`);
}

export interface Flow { frames: FrameLike[]; keys: string; /** frame numbers by role */ at: Record<string, number> }

export function statefulFlow(): Flow {
  const cap = new Capture();
  const at: Record<string, number> = {};
  const ident = ntpIdentification(T0 * 1000, 0x1111);
  // 1: MN → FA, identity under KEY0; 2: FA → HA, relayed unchanged + FA-HA authentication.
  const req = mnRequest(ident, KEY0, KEY0);
  at.mnReq = cap.send('0.0.0.0', FA, req, 434);
  at.faReq = cap.send(FA, HA, encodeWithExtensions(req, [auth(34, FA_HA)]));
  // 3, 4: HA ↔ KDC (types 8/9) under the HA-KDC SA.
  const kid = ntpIdentification(T0 * 1000 + 20, 0x2222);
  const hk = { encrypt: enc(HA_KDC) };
  at.keyReq = cap.send(HA, KDC, encodeKeyRequest({ homeAddr: '0.0.0.0', ident: kid, exts: [gp.nai(0, NAI, hk), gp.ip(0, MN_HOA, hk), gp.eth(MAC, hk), gp.nai(1, FA_NAI), gp.ip(1, FA), auth(32, HA_KDC)] }));
  at.keyRep = cap.send(KDC, HA, encodeKeyReply({ code: 0, homeAddr: '0.0.0.0', ident: kid, exts: [gp.nai(0, NAI, hk), gp.sa(2, saInfo(KEY1), hk), gp.sa(1, saInfo(KEY2), hk), gp.sa(0, saInfo(KEY3), hk), auth(32, HA_KDC)] }));
  // 5: HA → FA, the reply of B.5; 6: FA → MN, stripped, MN-FA authentication under KEY3.
  const k0 = { encrypt: enc(KEY0) };
  const forMn = encodeRegistrationReply({ code: 0, lifetime: 1800, homeAddr: '0.0.0.0', haAddr: HA, ident, exts: [gp.sa(0, saInfo(KEY3), k0), gp.sa(2, saInfo(KEY1), k0), auth(32, KEY0)] });
  at.haRep = cap.send(HA, FA, encodeWithExtensions(forMn, [gp.sa(1, saInfo(KEY2)), gp.sa(0, saInfo(KEY3)), auth(34, FA_HA)]));
  at.faRep = cap.send(FA, '255.255.255.255', encodeWithExtensions(forMn, [auth(33, KEY3)]), 434, 434);
  // 7-10: re-registration: identity under KEY1, MN-HA under KEY1, MN-FA under KEY3, FA-HA under KEY2.
  const ident2 = ntpIdentification(T0 * 1000 + 60_000, 0x3333);
  const req2 = mnRequest(ident2, KEY1, KEY1, KEY3);
  at.mnReq2 = cap.send('0.0.0.0', FA, req2);
  at.faReq2 = cap.send(FA, HA, encodeWithExtensions(upTo(req2, 24, 32), [auth(34, KEY2)]));
  const rep2 = encodeRegistrationReply({ code: 0, lifetime: 1800, homeAddr: '0.0.0.0', haAddr: HA, ident: ident2, exts: [auth(32, KEY1)] });
  at.haRep2 = cap.send(HA, FA, encodeWithExtensions(rep2, [auth(34, KEY2)]));
  at.faRep2 = cap.send(FA, '255.255.255.255', encodeWithExtensions(rep2, [auth(33, KEY3)]));
  return { frames: cap.frames, keys: keysJson([KEY0, FA_HA, HA_KDC]), at };
}

// ---- The AAA-relayed variant (Figs. 14b-d; docs/protocol.md §E.10) ----

export const FA_AAAF: TestSa = { spi: 0x3101, key: keyBytes(16, 7), auth: 'hmac-md5', label: 'FA-AAAF' };
export const AAAF_AAAH: TestSa = { spi: 0x3102, key: keyBytes(20, 8), auth: 'hmac-sha1', label: 'AAAF-AAAH' };
export const AAAH_HA: TestSa = { spi: 0x3103, key: keyBytes(32, 9), auth: 'hmac-sha256', label: 'AAAH-HA' };

export function aaaFlow(): Flow {
  const cap = new Capture();
  const at: Record<string, number> = {};
  const ident = ntpIdentification(T0 * 1000 + 5000, 0x4444);
  const req = mnRequest(ident, KEY0, KEY0);
  // Each relay removes the previous hop's FA-HA authentication and appends its own (E.10).
  at.mnReq = cap.send('0.0.0.0', FA, req);
  at.faReq = cap.send(FA, AAAF, encodeWithExtensions(req, [auth(34, FA_AAAF)]));
  at.aaafReq = cap.send(AAAF, AAAH, encodeWithExtensions(req, [auth(34, AAAF_AAAH)]));
  at.aaahReq = cap.send(AAAH, HA, encodeWithExtensions(req, [auth(34, AAAH_HA)]));
  const k0 = { encrypt: enc(KEY0) };
  const forMn = encodeRegistrationReply({ code: 0, lifetime: 1800, homeAddr: '0.0.0.0', haAddr: HA, ident, exts: [gp.sa(0, saInfo(KEY3), k0), gp.sa(2, saInfo(KEY1), k0), auth(32, KEY0)] });
  // On the way back the AAA servers keep the FA-only GP-SA extensions; only the FA strips them.
  const withFaPart = encodeWithExtensions(forMn, [gp.sa(1, saInfo(KEY2)), gp.sa(0, saInfo(KEY3))]);
  at.haRep = cap.send(HA, AAAH, encodeWithExtensions(withFaPart, [auth(34, AAAH_HA)]));
  at.aaahRep = cap.send(AAAH, AAAF, encodeWithExtensions(withFaPart, [auth(34, AAAF_AAAH)]));
  at.aaafRep = cap.send(AAAF, FA, encodeWithExtensions(withFaPart, [auth(34, FA_AAAF)]));
  at.faRep = cap.send(FA, '255.255.255.255', encodeWithExtensions(forMn, [auth(33, KEY3)]));
  // A later request authenticated with the distributed keys only.
  const ident2 = ntpIdentification(T0 * 1000 + 9000, 0x5555);
  at.mnReq2 = cap.send('0.0.0.0', FA, mnRequest(ident2, KEY1, KEY1, KEY3));
  return { frames: cap.frames, keys: keysJson([KEY0, FA_AAAF, AAAF_AAAH, AAAH_HA]), at };
}

// ---- Negotiation (Figs. 17-28; docs/protocol.md §B.3, E.3) with KDC-generated keys ----

export const NEG_KEY0: TestSa = { spi: 0x1006, key: keyBytes(32, 10), auth: 'hmac-sha1', cipher: 'aes-256-cbc', label: 'KEY0 nego' };
export const NEG_AUTH: TestSa = { spi: 0x6001, key: keyBytes(20, 11), auth: 'hmac-sha1' };
export const NEG_ENC: TestSa = { spi: 0x6002, key: keyBytes(16, 12), auth: 'hmac-md5', cipher: 'aes-128-gcm' };
export const NEG_FAHA: TestSa = { spi: 0x6301, key: keyBytes(32, 13), auth: 'hmac-sha256' };
export const NEG_COUNTER: TestSa = { spi: 0x6101, key: keyBytes(32, 14), auth: 'hmac-sha256' };

const attrs = (bits: number, mode = 2) => [{ type: 1, value: bits }, { type: 3, value: mode }];

export function negotiationFlow(): Flow {
  const cap = new Capture();
  const at: Record<string, number> = {};
  const HOA = '192.0.2.161';
  const ident = ntpIdentification(T0 * 1000 + 100, 0x6666);
  const offer: ProposalSpec[] = [
    { no: 1, protoNo: 1, protoId: 1, lifetime: 3600, spi: NEG_AUTH.spi, transforms: [{ no: 1, id: 4, attrs: attrs(256) }, { no: 2, id: 3, attrs: attrs(160) }] },
    { no: 1, protoNo: 2, protoId: 2, lifetime: 3600, spi: NEG_ENC.spi, transforms: [{ no: 1, id: 4, attrs: attrs(256) }, { no: 2, id: 3, attrs: attrs(128) }] },
    { no: 2, protoNo: 1, protoId: 1, lifetime: 7200, spi: 0x6003, transforms: [{ no: 1, id: 1, attrs: [{ type: 1, value: 128 }, { type: 2, value: 7200 }, { type: 3, value: 2 }, { type: 5, value: 2 }] }] },
  ];
  at.req = cap.send(HOA, HA, encodeRegistrationRequest({ lifetime: 1800, homeAddr: HOA, haAddr: HA, coa: '203.0.113.31', flags: { d: true }, ident, exts: [ext.nai('nego@home.example'), saPayload({ subtype: 1, proposals: offer }), auth(32, NEG_KEY0)] }));
  // The responder chooses proposal 1: transform 2 for authentication, 3 for encryption, keys by the KDC under KEY0.
  const kdc = enc(NEG_KEY0);
  at.rep = cap.send(HA, HOA, encodeRegistrationReply({ code: 0, lifetime: 1800, homeAddr: HOA, haAddr: HA, ident, exts: [saPayload({ subtype: 1, proposals: [
    { no: 1, protoNo: 1, protoId: 1, lifetime: 3600, spi: NEG_AUTH.spi, transforms: [{ no: 2, id: 3, attrs: attrs(160) }], ke: [{ subtype: 5, key: NEG_AUTH.key, under: kdc }] },
    { no: 1, protoNo: 2, protoId: 2, lifetime: 3600, spi: NEG_ENC.spi, transforms: [{ no: 2, id: 3, attrs: attrs(128) }], ke: [{ subtype: 5, key: NEG_ENC.key, under: kdc }] },
  ] }), auth(32, NEG_KEY0)] }));
  // A request using both negotiated SAs: identity under the encryption SA, MN-HA under the authentication SA.
  const ident2 = ntpIdentification(T0 * 1000 + 2000, 0x7777);
  at.use = cap.send(HOA, HA, encodeRegistrationRequest({ lifetime: 1800, homeAddr: '0.0.0.0', haAddr: HA, coa: '203.0.113.31', ident: ident2, exts: [gp.ip(0, HOA, { encrypt: enc(NEG_ENC) }), gp.nai(0, 'nego@home.example', { encrypt: enc(NEG_ENC) }), auth(32, NEG_AUTH)] }));
  at.useRep = cap.send(HA, HOA, encodeRegistrationReply({ code: 0, lifetime: 1800, homeAddr: '0.0.0.0', haAddr: HA, ident: ident2, exts: [auth(32, NEG_AUTH)] }));
  // Counter-proposal: a denial (129) offering two transforms; the new request accepts one; the reply keys it.
  const ident3 = ntpIdentification(T0 * 1000 + 4000, 0x8888);
  const p1 = (xf: ProposalSpec['transforms']): ProposalSpec => ({ no: 1, protoId: 1, lifetime: 600, spi: NEG_COUNTER.spi, transforms: xf });
  at.req3 = cap.send(HOA, HA, encodeRegistrationRequest({ lifetime: 600, homeAddr: HOA, haAddr: HA, coa: '203.0.113.31', ident: ident3, exts: [saPayload({ subtype: 1, proposals: [p1([{ no: 1, id: 1, attrs: attrs(128) }])] }), auth(32, NEG_KEY0)] }));
  at.deny = cap.send(HA, HOA, encodeRegistrationReply({ code: 129, lifetime: 0, homeAddr: HOA, haAddr: HA, ident: ident3, exts: [saPayload({ subtype: 1, proposals: [p1([{ no: 1, id: 4, attrs: attrs(256) }, { no: 2, id: 3, attrs: attrs(160) }])] }), auth(32, NEG_KEY0)] }));
  const ident4 = ntpIdentification(T0 * 1000 + 5000, 0x9999);
  at.accept = cap.send(HOA, HA, encodeRegistrationRequest({ lifetime: 600, homeAddr: HOA, haAddr: HA, coa: '203.0.113.31', ident: ident4, exts: [saPayload({ subtype: 1, proposals: [p1([{ no: 1, id: 4, attrs: attrs(256) }])] }), auth(32, NEG_KEY0)] }));
  at.acceptRep = cap.send(HA, HOA, encodeRegistrationReply({ code: 0, lifetime: 600, homeAddr: HOA, haAddr: HA, ident: ident4, exts: [saPayload({ subtype: 1, proposals: [{ ...p1([{ no: 1, id: 4, attrs: attrs(256) }]), ke: [{ subtype: 5, key: NEG_COUNTER.key, under: kdc }] }] }), auth(32, NEG_KEY0)] }));
  at.useCounter = cap.send(HOA, HA, encodeRegistrationRequest({ lifetime: 600, homeAddr: HOA, haAddr: HA, coa: '203.0.113.31', ident: ntpIdentification(T0 * 1000 + 7000, 1), exts: [auth(32, NEG_COUNTER)] }));
  // FA-HA negotiation (SA sub-type 3) with a key over the secured path (KE sub-type 3), then a revocation under it.
  const ident5 = ntpIdentification(T0 * 1000 + 8000, 0xaaaa);
  const faOffer = saPayload({ subtype: 3, proposals: [{ no: 1, protoId: 1, lifetime: 86400, spi: NEG_FAHA.spi, transforms: [{ no: 1, id: 4, attrs: attrs(256) }, { no: 2, id: 1, attrs: attrs(128) }] }] });
  const req5 = encodeRegistrationRequest({ lifetime: 1800, homeAddr: HOA, haAddr: HA, coa: FA, ident: ident5, exts: [auth(32, NEG_KEY0)] });
  at.faReq = cap.send(FA, HA, encodeWithExtensions(req5, [faOffer, auth(34, FA_HA)]));
  const rep5 = encodeRegistrationReply({ code: 0, lifetime: 1800, homeAddr: HOA, haAddr: HA, ident: ident5, exts: [auth(32, NEG_KEY0)] });
  at.faRep = cap.send(HA, FA, encodeWithExtensions(rep5, [saPayload({ subtype: 3, proposals: [{ no: 1, protoId: 1, lifetime: 86400, spi: NEG_FAHA.spi, transforms: [{ no: 1, id: 4, attrs: attrs(256) }], ke: [{ subtype: 3, xfno: 1, key: NEG_FAHA.key }] }] }), auth(34, FA_HA)]));
  at.revocation = cap.send(HA, FA, encodeRevocation({ a: true, homeAddr: HOA, homeDomain: HA, foreignDomain: FA, revocationId: 7, exts: [auth(34, NEG_FAHA)] }));
  return { frames: cap.frames, keys: keysJson([NEG_KEY0, FA_HA]), at };
}

// ---- Stateless mode: Diffie-Hellman (B.4) ----

export interface DhCase { group: 1 | 2 | DhGroup; xi: bigint; xr: bigint; spi: number; transformId: number; keyBits?: number; known: 'initiator' | 'responder' | 'prefix' }

/** Proposal carrying a DH payload of the case's group. */
function dhProposal(c: DhCase, cv: Uint8Array): ProposalSpec {
  const g = typeof c.group === 'number' ? OAKLEY_GROUPS[c.group] : c.group;
  const ke: KeSpec = typeof c.group === 'number'
    ? { subtype: c.group, xfno: 1, cv }
    : { subtype: 4, p: bigIntToBytes(g.p, g.size), g: bigIntToBytes(g.g, 1), cv };
  return { no: 1, protoId: 1, lifetime: 3600, spi: c.spi, transforms: [{ no: 1, id: c.transformId, attrs: [...(c.keyBits ? [{ type: 1, value: c.keyBits }] : []), { type: 3, value: 1 }] }], ke: [ke] };
}

export function dhGroupOf(c: DhCase): DhGroup { return typeof c.group === 'number' ? OAKLEY_GROUPS[c.group] : c.group; }

/** The SA key both ends compute: SHA-256(K ‖ SPI)[:KeyLen]. */
export function dhExpectedKey(c: DhCase, keyLen: number): Uint8Array {
  const g = dhGroupOf(c);
  return dhSaKey(dhSharedSecret(g, c.xi, bytesToBigInt(dhPublic(g, c.xr))), c.spi, keyLen);
}

export const DH_KEY0: TestSa = { spi: 0x1009, key: keyBytes(16, 20), auth: 'hmac-md5', label: 'KEY0 dh' };

export function dhFlow(cases: readonly DhCase[], keyLens: readonly number[], algs: readonly AuthAlg[]): Flow {
  const cap = new Capture();
  const at: Record<string, number> = {};
  const dh: Array<{ cv: string; private: string }> = [];
  cases.forEach((c, i) => {
    const g = dhGroupOf(c);
    const cvi = dhPublic(g, c.xi), cvr = dhPublic(g, c.xr);
    const HOA = `192.0.2.${180 + i}`;
    const ident = ntpIdentification(T0 * 1000 + 10_000 * i, i);
    at[`req${i}`] = cap.send(HOA, HA, encodeRegistrationRequest({ lifetime: 900, homeAddr: HOA, haAddr: HA, coa: HOA, ident, exts: [saPayload({ subtype: 1, proposals: [dhProposal(c, cvi)] }), auth(32, DH_KEY0)] }));
    at[`rep${i}`] = cap.send(HA, HOA, encodeRegistrationReply({ code: 0, lifetime: 900, homeAddr: HOA, haAddr: HA, ident, exts: [saPayload({ subtype: 1, proposals: [dhProposal(c, cvr)] }), auth(32, DH_KEY0)] }));
    const sa: TestSa = { spi: c.spi, key: dhExpectedKey(c, keyLens[i]!), auth: algs[i]! };
    at[`use${i}`] = cap.send(HOA, HA, encodeRegistrationRequest({ lifetime: 900, homeAddr: HOA, haAddr: HA, coa: HOA, ident: ident + 1000n, exts: [auth(32, sa)] }));
    const own = c.known === 'responder' ? cvr : cvi;
    const priv = c.known === 'responder' ? c.xr : c.xi;
    dh.push({ cv: c.known === 'prefix' ? toHex(own).slice(0, 20) : toHex(own), private: priv.toString(16) });
  });
  return { frames: cap.frames, keys: keysJson([DH_KEY0], dh), at };
}

// ---- Semi-stateful mode: a KDC seed (KE sub-type 6; B.4, E.5) ----

export const SEED_KEY0: TestSa = { spi: 0x101c, key: keyBytes(32, 30), auth: 'hmac-md5', cipher: 'chacha20-poly1305', label: 'KEY0 seed' };
export const SEED = keyBytes(32, 31);

export function seedKey(keyLen: number, prfId?: number): Uint8Array {
  return deriveFromSeed(SEED, { naiInitiator: NAI, naiResponder: HA_NAI, ipResponder: 0xc0000201, ipInitiator: 0xc0000297 }, keyLen, prfId);
}

export function seedFlow(transformId: number, attrList: Array<{ type: number; value: number }>, keyLen: number, prfId: number | undefined, alg: AuthAlg): Flow {
  const cap = new Capture();
  const at: Record<string, number> = {};
  const ident = ntpIdentification(T0 * 1000 + 50_000, 0xbbbb);
  const o = { encrypt: enc(SEED_KEY0) };
  const prop = (ke?: ProposalSpec['ke']): ProposalSpec => ({ no: 1, protoId: 1, lifetime: 3600, spi: 0x7201, transforms: [{ no: 1, id: transformId, attrs: attrList }], ...(ke ? { ke } : {}) });
  at.req = cap.send('0.0.0.0', HA, encodeRegistrationRequest({ lifetime: 1800, homeAddr: '0.0.0.0', haAddr: HA, coa: '203.0.113.50', ident, exts: [gp.ip(0, MN_HOA, o), gp.nai(0, NAI, o), saPayload({ subtype: 1, proposals: [prop()] }), auth(32, SEED_KEY0)] }));
  at.rep = cap.send(HA, '203.0.113.50', encodeRegistrationReply({ code: 0, lifetime: 1800, homeAddr: '0.0.0.0', haAddr: HA, ident, exts: [gp.nai(2, HA_NAI), saPayload({ subtype: 1, proposals: [prop([{ subtype: 6, key: SEED, under: enc(SEED_KEY0) }])] }), auth(32, SEED_KEY0)] }));
  const derived: TestSa = { spi: 0x7201, key: seedKey(keyLen, prfId), auth: alg };
  at.use = cap.send('0.0.0.0', HA, encodeRegistrationRequest({ lifetime: 1800, homeAddr: '0.0.0.0', haAddr: HA, coa: '203.0.113.50', ident: ident + 77n, exts: [gp.ip(0, MN_HOA, o), gp.nai(0, NAI, o), auth(32, derived)] }));
  return { frames: cap.frames, keys: keysJson([SEED_KEY0]), at };
}
