// Ciphers, MACs, Diffie-Hellman, derivations and the SA table (docs/protocol.md §A, B.2, B.4, E.4, E.5, E.9).
import { createDiffieHellman, createHash, createHmac, getDiffieHellman } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CIPHER_NAMES, CIPHER_KEY_SIZES, decrypt, DecryptError, encrypt, encryptedLength, splitEncrypted } from '../../dissector/keys/ciphers.js';
import { computeAuthenticator } from '../../dissector/keys/mac.js';
import { cbc, gcm } from '@noble/ciphers/aes.js';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { bigIntToBytes, bytesToBigInt, dhPublic, dhSaKey, dhSharedSecret, groupProblem, isProbablePrime, OAKLEY_GROUPS, publicValueProblem } from '../../dissector/keys/dh.js';
import { deriveFromSeed, negotiatedKeyLength, seedMaterial, transformAlgorithm } from '../../dissector/keys/derive.js';
import { SaTable } from '../../dissector/keys/table.js';
import type { SecurityAssociation } from '../../dissector/keys/table.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('authenticators (docs/protocol.md §A vector)', () => {
  const covered = hex('010207080a0000050a000001c0000207e4a85fcb00000001830f6d6e31406578616d706c652e636f6d201400000100');
  const key = new Uint8Array(16).fill(0x11);
  it('HMAC-MD5 and keyed-MD5 prefix+suffix', () => {
    expect(toHex(computeAuthenticator('hmac-md5', key, covered))).toBe('4f21db863ad71ea19ad39b1b96bd5321');
    expect(toHex(computeAuthenticator('md5-prefix-suffix', key, covered))).toBe('ec6f27597a38b42130f92d30ec2be49f');
  });
  it('HMAC-SHA1 and HMAC-SHA256 agree with node:crypto', () => {
    expect(toHex(computeAuthenticator('hmac-sha1', key, covered))).toBe(createHmac('sha1', key).update(covered).digest('hex'));
    expect(toHex(computeAuthenticator('hmac-sha256', key, covered))).toBe(createHmac('sha256', key).update(covered).digest('hex'));
  });
});

describe('authenticators (@noble/hashes, keyed states kept per key) agree with OpenSSL', () => {
  it('every algorithm, key and data length from 0 to 200 bytes, keys reused and interleaved', () => {
    let seed = 99;
    const rnd = (n: number) => Uint8Array.from({ length: n }, () => { seed = (seed * 1103515245 + 12345) >>> 0; return seed >>> 24; });
    const keys = [0, 16, 20, 32, 65, 130].map(kl => rnd(kl));
    const node = (alg: string, key: Uint8Array, data: Uint8Array) => toHex(createHmac(alg, key).update(data).digest());
    for (let round = 0; round < 2; round++) for (let n = 0; n <= 200; n += 7) for (const key of keys) {
      const data = rnd(n);
      expect(toHex(computeAuthenticator('hmac-md5', key, data))).toBe(node('md5', key, data));
      expect(toHex(computeAuthenticator('hmac-sha1', key, data))).toBe(node('sha1', key, data));
      expect(toHex(computeAuthenticator('hmac-sha256', key, data))).toBe(node('sha256', key, data));
      expect(toHex(computeAuthenticator('md5-prefix-suffix', key, data))).toBe(toHex(createHash('md5').update(key).update(data).update(key).digest()));
    }
  });
});

describe('ciphers (docs/protocol.md §B.2)', () => {
  const aad = hex('c92600800000100a');
  const plain = new TextEncoder().encode('mn1@home.example');
  for (const c of CIPHER_NAMES) {
    const key = Uint8Array.from({ length: CIPHER_KEY_SIZES[c] }, (_, i) => i * 7 + 1);
    it(`${c}: round trip, layout, and every failure is an error, never plaintext`, () => {
      const ct = encrypt(c, key, plain, aad);
      expect(ct.length).toBe(encryptedLength(c, plain.length));
      expect(toHex(decrypt(c, key, ct, aad))).toBe(toHex(plain));
      const parts = splitEncrypted(c, ct)!;
      expect(parts.iv.length).toBe(c.endsWith('cbc') ? 16 : 12);
      expect(parts.tag.length).toBe(c.endsWith('cbc') ? 0 : 16);
      const reason = (f: () => unknown) => { try { f(); return 'none'; } catch (e) { expect(e).toBeInstanceOf(DecryptError); return (e as DecryptError).reason; } };
      const wrongKey = key.map(b => b ^ 0x5a);
      const tampered = ct.slice(); tampered[tampered.length - 1]! ^= 1;
      if (c.endsWith('cbc')) {
        // A wrong key almost always breaks the PKCS#7 padding; with this key, IV and data it does
        // (with a random IV it passes the padding check by chance about once in 256 runs).
        expect(reason(() => decrypt(c, wrongKey, encrypt(c, key, plain, aad, new Uint8Array(16).fill(9)), aad))).toBe('padding');
        expect(reason(() => decrypt(c, key, ct.subarray(0, ct.length - 1), aad))).toBe('blocks');
        expect(reason(() => decrypt(c, key, ct.subarray(0, 16), aad))).toBe('blocks');
      } else {
        expect(reason(() => decrypt(c, wrongKey, ct, aad))).toBe('tag');
        expect(reason(() => decrypt(c, key, tampered, aad))).toBe('tag');
        // The header is authenticated: another AAD fails.
        expect(reason(() => decrypt(c, key, ct, hex('c92600800000100b')))).toBe('tag');
        expect(reason(() => decrypt(c, key, ct.subarray(0, 27), aad))).toBe('short');
      }
      expect(reason(() => decrypt(c, key.subarray(1), ct, aad))).toBe('key');
    });
  }
  it('CBC with a given IV is deterministic and matches node:crypto', async () => {
    const { createCipheriv } = await import('node:crypto');
    const key = new Uint8Array(16).fill(3), iv = new Uint8Array(16).fill(9);
    const ours = encrypt('aes-128-cbc', key, plain, aad, iv);
    const c = createCipheriv('aes-128-cbc', key, iv);
    expect(toHex(ours)).toBe(toHex(iv) + Buffer.concat([c.update(plain), c.final()]).toString('hex'));
  });
});

describe('decryption with node:crypto agrees with @noble/ciphers', () => {
  // The dissector decrypts with OpenSSL; @noble/ciphers (which encrypts in the builders) is the
  // reference: the same plaintext, or a failure for the same reason, on intact, tampered,
  // wrongly keyed and cut inputs of every cipher.
  const noble = (c: (typeof CIPHER_NAMES)[number], key: Uint8Array, data: Uint8Array, aad: Uint8Array): string => {
    const l = c.endsWith('cbc') ? 16 : 12, t = c.endsWith('cbc') ? 0 : 16;
    if (key.length !== CIPHER_KEY_SIZES[c]) return 'key';
    if (data.length < l + t) return 'short';
    const ivp = data.subarray(0, l);
    try {
      if (c.endsWith('cbc')) {
        const ct = data.subarray(l);
        if (ct.length === 0 || ct.length % 16) return 'blocks';
        try { return toHex(cbc(key, ivp).decrypt(ct)); } catch { return 'padding'; }
      }
      return toHex(c === 'chacha20-poly1305' ? chacha20poly1305(key, ivp, aad).decrypt(data.subarray(l)) : gcm(key, ivp, aad).decrypt(data.subarray(l)));
    } catch { return 'tag'; }
  };
  const ours = (c: (typeof CIPHER_NAMES)[number], key: Uint8Array, data: Uint8Array, aad: Uint8Array): string => {
    try { return toHex(decrypt(c, key, data, aad)); } catch (e) { expect(e).toBeInstanceOf(DecryptError); return (e as DecryptError).reason; }
  };
  let seed = 12345;
  const rnd = (n: number) => Uint8Array.from({ length: n }, () => { seed = (seed * 1103515245 + 12345) >>> 0; return seed >>> 24; });
  for (const c of CIPHER_NAMES) {
    it(c, () => {
      let ok = 0, failed = 0;
      for (let i = 0; i < 300; i++) {
        const key = rnd(CIPHER_KEY_SIZES[c]), aad = rnd(i % 9), plain = rnd(i % 70);
        const ct = encrypt(c, key, plain, aad, rnd(c.endsWith('cbc') ? 16 : 12));
        const cases = [ct, ct.subarray(0, ct.length - (i % 5)), ct.map((b, j) => (j === i % ct.length ? b ^ (1 + (i & 0x7f)) : b))];
        for (const data of cases) for (const k of [key, key.map(b => b ^ 0x5a), key.subarray(1)]) {
          const want = noble(c, k, data, aad);
          expect(ours(c, k, data, aad)).toBe(want);
          if (/^[0-9a-f]*$/.test(want) && want !== 'key') ok++; else failed++;
        }
        expect(ours(c, key, ct, aad)).toBe(toHex(plain));
      }
      expect(ok).toBeGreaterThan(300);
      expect(failed).toBeGreaterThan(300);
    });
  }
});

describe('decrypting the same bytes again (a relayed copy)', () => {
  it('gives the same plaintext in a new array, or the same failure', () => {
    const c = 'aes-128-gcm', key = new Uint8Array(16).fill(4), aad = new Uint8Array(8).fill(1);
    const ct = encrypt(c, key, new TextEncoder().encode('mn@home.example'), aad, new Uint8Array(12).fill(2));
    const a = decrypt(c, key, ct, aad);
    a.fill(0);
    const b = decrypt(c, key, ct, aad);
    expect(new TextDecoder().decode(b)).toBe('mn@home.example');
    expect(b).not.toBe(a);
    const bad = ct.slice(); bad[20]! ^= 1;
    for (let i = 0; i < 2; i++) expect(() => decrypt(c, key, bad, aad)).toThrow(DecryptError);
    // Same data, another key or associated data: decrypted afresh.
    expect(() => decrypt(c, key.map(x => x ^ 1), ct, aad)).toThrow(DecryptError);
    expect(() => decrypt(c, key, ct, aad.map(x => x ^ 1))).toThrow(DecryptError);
    expect(() => decrypt('aes-256-gcm', key, ct, aad)).toThrow(DecryptError);
    // More distinct inputs than are remembered, then the first again.
    for (let i = 0; i < 40; i++) decrypt(c, key, encrypt(c, key, new Uint8Array([i]), aad), aad);
    expect(new TextDecoder().decode(decrypt(c, key, ct, aad))).toBe('mn@home.example');
  });
});

describe('Diffie-Hellman (docs/protocol.md §B.3, B.4)', () => {
  it('Oakley groups 1 and 2 are RFC 2409\'s primes with g = 2', () => {
    expect(OAKLEY_GROUPS[1].size).toBe(96);
    expect(OAKLEY_GROUPS[2].size).toBe(128);
    // The primes written out are OpenSSL's RFC 2409 groups.
    expect(OAKLEY_GROUPS[1].p).toBe(bytesToBigInt(getDiffieHellman('modp1').getPrime()));
    expect(OAKLEY_GROUPS[2].p).toBe(bytesToBigInt(getDiffieHellman('modp2').getPrime()));
    expect([OAKLEY_GROUPS[1].g, OAKLEY_GROUPS[2].g]).toEqual([2n, 2n]);
    expect(groupProblem(OAKLEY_GROUPS[2])).toBeNull();
  });
  it('both sides compute the same K, as node:crypto does', () => {
    const g = OAKLEY_GROUPS[1];
    const xi = 0x1234567890abcdefn, xr = 0xfedcba0987654321n;
    const cvi = dhPublic(g, xi), cvr = dhPublic(g, xr);
    expect(cvi.length).toBe(96);
    const k1 = dhSharedSecret(g, xi, bytesToBigInt(cvr)), k2 = dhSharedSecret(g, xr, bytesToBigInt(cvi));
    expect(toHex(k1)).toBe(toHex(k2));
    const node = createDiffieHellman(getDiffieHellman('modp1').getPrime(), Buffer.from([2]));
    node.setPrivateKey(Buffer.from(bigIntToBytes(xi, 8)));
    expect(toHex(k1).replace(/^(00)+/, '')).toBe(node.computeSecret(Buffer.from(cvr)).toString('hex').replace(/^(00)+/, ''));
    // SA key = SHA-256(K ‖ SPI)[:KeyLen]
    const spi = 0x7101;
    expect(toHex(dhSaKey(k1, spi, 16))).toBe(createHash('sha256').update(Buffer.concat([k1, Buffer.from([0, 0, 0x71, 0x01])])).digest('hex').slice(0, 32));
  });
  it('rejects bad groups and degenerate public values', () => {
    expect(isProbablePrime(561n)).toBe(false); // a Carmichael number
    expect(isProbablePrime((1n << 127n) - 1n)).toBe(true);
    expect(groupProblem({ p: 221n, g: 2n, size: 1 })).toBe('P is not prime');
    expect(groupProblem({ p: 23n, g: 23n, size: 1 })).toBe('G is not between 1 and P');
    expect(publicValueProblem({ p: 23n, g: 5n, size: 1 }, 1n)).not.toBeNull();
    expect(publicValueProblem({ p: 23n, g: 5n, size: 1 }, 22n)).not.toBeNull();
    expect(publicValueProblem({ p: 23n, g: 5n, size: 1 }, 8n)).toBeNull();
    expect(() => bigIntToBytes(256n, 1)).toThrow(RangeError);
  });
});

describe('negotiated key sizes and the seed derivation (docs/protocol.md §E.4, E.5)', () => {
  it('KeyLen: attribute 1 ÷ 8, else the algorithm\'s size', () => {
    expect(negotiatedKeyLength(1, 3)).toBe(20);
    expect(negotiatedKeyLength(1, 4, 128)).toBe(16);
    expect(negotiatedKeyLength(2, 2)).toBe(32);
    expect(negotiatedKeyLength(2, 9)).toBeNull();
    expect(negotiatedKeyLength(1, 1, 12)).toBeNull();
    expect(transformAlgorithm(2, 5)).toEqual({ auth: null, cipher: 'chacha20-poly1305' });
    expect(transformAlgorithm(3, 1)).toBeNull();
  });
  it('K = PRF(seed, NAI_i ‖ NAI_r ‖ IP_r ‖ IP_i), truncated', () => {
    const seed = new Uint8Array(32).fill(0x42);
    const inputs = { naiInitiator: 'mn-jörg@home.example', naiResponder: 'ha.home.example', ipResponder: 0xc0000201, ipInitiator: 0xc00002be };
    const material = Buffer.concat([Buffer.from('mn-jörg@home.example', 'utf8'), Buffer.from('ha.home.example'), Buffer.from([192, 0, 2, 1]), Buffer.from([192, 0, 2, 190])]);
    expect(toHex(seedMaterial(inputs))).toBe(material.toString('hex'));
    expect(toHex(deriveFromSeed(seed, inputs, 16))).toBe(createHmac('sha256', seed).update(material).digest('hex').slice(0, 32));
    expect(toHex(deriveFromSeed(seed, inputs, 20, 2))).toBe(createHmac('sha1', seed).update(material).digest('hex'));
    expect(() => deriveFromSeed(seed, inputs, 32, 1)).toThrow(/KeyLen 32 is larger than the hmac-md5 output/);
  });
});

describe('SA table (docs/protocol.md §E.9)', () => {
  const sa = (spi: number, key: number, validFrom: number, frame = validFrom - 1): SecurityAssociation => ({
    spi, key: new Uint8Array(16).fill(key), auth: 'hmac-md5', cipher: null, validFrom,
    source: validFrom === 0 ? { kind: 'file' } : { kind: 'learned', frame, method: 'sa-info' },
  });
  it('a learned key applies from the next frame; versions by frame; repeats are not new keys', () => {
    const t = new SaTable();
    expect(t.add(sa(0x1001, 1, 0))).toBe('added');
    expect(t.add(sa(0x5101, 2, 6))).toBe('added');
    expect(t.lookup(0x5101, 5)).toBeUndefined();
    expect(t.lookup(0x5101, 6)!.key[0]).toBe(2);
    expect(t.add(sa(0x5101, 2, 8))).toBe('same');
    expect(t.add(sa(0x1001, 3, 10))).toBe('added');
    expect(t.lookup(0x1001, 9)!.key[0]).toBe(1);
    expect(t.lookup(0x1001, 10)!.key[0]).toBe(3);
    expect(t.previous(t.lookup(0x1001, 10)!)!.key[0]).toBe(1);
    expect(t.learned().map(s => s.spi)).toEqual([0x5101, 0x1001]);
    expect(t.size).toBe(3);
  });
});

