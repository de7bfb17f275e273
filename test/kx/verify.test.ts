// Authenticator verification on standard Mobile IP traffic: extensions 32, 33, 34 and 36 under
// the keys file's SAs (docs/protocol.md §A; RFC 5944 §3.5.1, RFC 3012), "unverified" without keys.
import { describe, expect, it } from 'vitest';
import { standardFrames } from '../../samples/standard.js';
import { udpFrame } from '../../dissector/build.js';
import { encodeRegistrationRequest, ext } from '../../dissector/mip/encode.js';
import { computeAuthenticator } from '../../dissector/keys/mac.js';
import { dissectWithKeys, expertTexts, hex, values, verdicts } from './helpers.js';

const KEY = '11'.repeat(16);

describe('authenticators of standard traffic', () => {
  it('without keys every authenticator is unverified, with no expert item for it', () => {
    const { packets } = dissectWithKeys(standardFrames());
    const all = packets.flatMap(p => verdicts(p));
    expect(all.length).toBeGreaterThan(20);
    expect(new Set(all)).toEqual(new Set(['unverified']));
    expect(packets.flatMap(p => expertTexts(p, 'mip.auth.bad'))).toEqual([]);
    expect(packets.flatMap(p => values(p, 'mip.auth.alg'))).toEqual([]);
  });

  it('with the sample\'s keys every one verifies: HMAC-MD5, prefix+suffix, MN-FA, FA-HA, generalized (36)', () => {
    const spis = [...Array.from({ length: 18 }, (_, i) => 0x100 + i).filter(s => s !== 0x101), 0x200, 0x300, 0x400];
    const keys = JSON.stringify({ sas: [...spis.map(spi => ({ spi, key: KEY, auth: 'hmac-md5' })), { spi: 0x101, key: KEY, auth: 'md5-prefix-suffix' }] });
    const { packets } = dissectWithKeys(standardFrames(), keys);
    const all = packets.flatMap(p => verdicts(p));
    expect(all.length).toBeGreaterThan(20);
    expect(new Set(all)).toEqual(new Set(['good']));
    const gen = packets.find(p => values(p, 'mip.ext.type').includes('36'))!;
    expect(verdicts(gen)).toEqual(['good', 'good']);
    expect(new Set(packets.flatMap(p => values(p, 'mip.auth.alg')))).toEqual(new Set(['hmac-md5', 'md5-prefix-suffix']));
  });

  it('a bad authenticator shows the expected one; each algorithm of the SA is used', () => {
    const key = new Uint8Array(20).fill(5);
    const msg = encodeRegistrationRequest({ lifetime: 1, homeAddr: '10.0.0.1', haAddr: '10.0.0.2', coa: '10.0.0.3', ident: 1n, exts: [
      ext.genAuth(1, 0x300, key, 'hmac-sha1'), ext.mnHa(0x301, key, 'hmac-sha256', { authenticator: new Uint8Array(32).fill(1) }), ext.faHa(0x999, key)] });
    const keys = JSON.stringify({ sas: [{ spi: 0x300, key: hex(key), auth: 'hmac-sha1' }, { spi: 0x301, key: hex(key), auth: 'hmac-sha256' }] });
    const { packets } = dissectWithKeys([{ ...udpFrame({ src: '10.0.0.1', dst: '10.0.0.2', payload: msg }), tsSec: 1, tsNsec: 0 }], keys);
    const p = packets[0]!;
    expect(verdicts(p)).toEqual(['good', 'bad', 'unverified']);
    expect(values(p, 'mip.auth.alg')).toEqual(['hmac-sha1', 'hmac-sha256']);
    const authOffset = 24 + 4 + 4 + 20 + 2 + 4; // fixed part, 36 (long header, SPI, SHA1), 32 header and SPI
    expect(values(p, 'mip.auth.expected')).toEqual([hex(computeAuthenticator('hmac-sha256', key, msg.subarray(0, authOffset)))]);
    expect(expertTexts(p, 'mip.auth.bad')).toEqual(['Authenticator does not verify under SPI 0x00000301 (hmac-sha256; keys file)']);
  });
});
