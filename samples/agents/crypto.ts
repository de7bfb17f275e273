// Key generation of the three modes (WO 01/26322 Fig. 29 and after; docs/protocol.md §B.4, E.4, E.5): Diffie-
// Hellman over Oakley groups 1 and 2 (RFC 2409 §6.1, §6.2) or a user-defined group (a safe prime
// found deterministically from a seeded stream), the SA key SHA-256(K ‖ SPI)[:KeyLen], and the
// semi-stateful derivation PRF(K_SEED, NAI_i ‖ NAI_r ‖ IP_r ‖ IP_i). Written here, apart from the
// dissector's own, so that the samples check the analyser rather than echo it.
import { checkPrimeSync, getDiffieHellman } from 'node:crypto';
import { hmac } from '@noble/hashes/hmac.js';
import { md5, sha1 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { Rng } from './rng.js';
import { AUTH_KEY_BYTES, CIPHER_KEY_BYTES, authById, cipherById } from './keys.js';

export interface DhGroup { subtype: 1 | 2 | 4; p: bigint; g: bigint; /** |P| in bytes. */ size: number; name: string }

export function toBig(b: Uint8Array): bigint { let v = 0n; for (const x of b) v = (v << 8n) | BigInt(x); return v; }
export function toBytes(v: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = v;
  for (let i = size - 1; i >= 0; i--) { out[i] = Number(x & 0xffn); x >>= 8n; }
  if (x) throw new RangeError(`value does not fit in ${size} bytes`);
  return out;
}

export function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let r = 1n, b = base % mod, e = exp;
  while (e > 0n) { if (e & 1n) r = (r * b) % mod; e >>= 1n; b = (b * b) % mod; }
  return r;
}

function oakley(name: 'modp1' | 'modp2', subtype: 1 | 2): DhGroup {
  const p = getDiffieHellman(name).getPrime();
  return { subtype, p: toBig(p), g: 2n, size: p.length, name: subtype === 1 ? 'Oakley group 1 (768-bit MODP)' : 'Oakley group 2 (1024-bit MODP)' };
}
export const OAKLEY_1 = oakley('modp1', 1);
export const OAKLEY_2 = oakley('modp2', 2);

const SMALL_PRIMES: bigint[] = (() => {
  const out: number[] = [];
  for (let i = 3; out.length < 2000; i += 2) if (out.every(p => i % p)) out.push(i);
  return out.map(BigInt);
})();

/** Miller-Rabin with bases 2, 3, 5, …, 47: deterministic, and plenty for a sample group. */
export function isPrime(n: bigint): boolean {
  if (n < 2n) return false;
  const bases = [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n, 41n, 43n, 47n];
  for (const p of bases) { if (n === p) return true; if (n % p === 0n) return false; }
  let d = n - 1n, s = 0;
  while (!(d & 1n)) { d >>= 1n; s++; }
  outer: for (const a of bases) {
    let x = modPow(a, d, n);
    if (x === 1n || x === n - 1n) continue;
    for (let i = 1; i < s; i++) { x = (x * x) % n; if (x === n - 1n) continue outer; }
    return false;
  }
  return true;
}

/**
 * A safe prime P = 2Q + 1 of `bits` bits from the stream, and the smallest G that is a primitive
 * root of P (WO 01/26322: "G should be less than, and a primitive root of, P"). For a safe prime, G is a
 * primitive root when G² ≠ 1 and G^Q ≠ 1 (mod P).
 */
export function safePrimeGroup(rng: Rng, bits: number): DhGroup {
  const q0 = rng.bigint(bits - 1) | 1n;
  // Candidates Q = q0 + 2k. A window of k is sieved at once: for each small prime s, Q ≡ 0 and
  // 2Q + 1 ≡ 0 (mod s) each fix k mod s. OpenSSL's Miller-Rabin (checkPrimeSync) tests the
  // survivors, and ours confirms.
  const W = 1 << 16;
  const small = SMALL_PRIMES.map(Number);
  const inv = (a: number, m: number) => { let [r0, r1, t0, t1] = [a % m, m, 1, 0]; while (r1) { const q = Math.floor(r0 / r1); [r0, r1] = [r1, r0 - q * r1]; [t0, t1] = [t1, t0 - q * t1]; } return ((t0 % m) + m) % m; };
  for (let base = 0n; ; base += BigInt(2 * W)) {
    const start = q0 + base;
    const composite = new Uint8Array(W);
    for (const sp of small) {
      const r = Number(start % BigInt(sp));
      const k1 = ((sp - r) % sp) * inv(2, sp) % sp;               // start + 2k ≡ 0
      const k2 = ((sp - ((2 * r + 1) % sp)) % sp) * inv(4, sp) % sp; // 2(start + 2k) + 1 ≡ 0
      for (let k = k1; k < W; k += sp) composite[k] = 1;
      for (let k = k2; k < W; k += sp) composite[k] = 1;
    }
    for (let k = 0; k < W; k++) {
      if (composite[k]) continue;
      const q = start + BigInt(2 * k), p = 2n * q + 1n;
      if (!checkPrimeSync(q) || !checkPrimeSync(p) || !isPrime(q) || !isPrime(p)) continue;
      let g = 2n;
      while (modPow(g, 2n, p) === 1n || modPow(g, q, p) === 1n) g++;
      return { subtype: 4, p, g, size: Math.ceil(bits / 8), name: `user-defined ${bits}-bit safe prime` };
    }
  }
}

/** A private exponent and its public value CV = G^X mod P, left-padded to |P| (E.7). */
export function dhKeyPair(group: DhGroup, rng: Rng): { x: bigint; cv: Uint8Array } {
  const x = rng.bigint(256);
  return { x, cv: toBytes(modPow(group.g, x, group.p), group.size) };
}

/** 1 < CV < P − 1 and as long as P (docs/protocol.md §B.3, E.7). */
export function validPublicValue(group: DhGroup, cv: Uint8Array): boolean {
  if (cv.length !== group.size) return false;
  const v = toBig(cv);
  return v > 1n && v < group.p - 1n;
}

/** The SA key of the stateless mode: K = CV_peer^X mod P, then SHA-256(K ‖ SPI)[:KeyLen] (B.4). */
export function dhSaKey(group: DhGroup, x: bigint, peerCv: Uint8Array, spi: number, keyLen: number): Uint8Array {
  const k = toBytes(modPow(toBig(peerCv), x, group.p), group.size);
  const buf = new Uint8Array(k.length + 4);
  buf.set(k, 0);
  new DataView(buf.buffer).setUint32(k.length, spi);
  return sha256(buf).slice(0, keyLen);
}

const utf8 = new TextEncoder();

/** PRF ids of transform attribute 4 (B.3); the default is HMAC-SHA256 (B.4). */
export function prf(id: number, key: Uint8Array, data: Uint8Array): Uint8Array {
  if (id === 1) return hmac(md5, key, data);
  if (id === 2) return hmac(sha1, key, data);
  if (id === 3) return hmac(sha256, key, data);
  throw new RangeError(`unknown PRF ${id}`);
}

/** K = PRF(K_SEED, NAI_i ‖ NAI_r ‖ IP_r ‖ IP_i)[:KeyLen] (WO 01/26322 formula (5); E.5 fixes order and encoding). */
export function seedKey(seed: Uint8Array, naiI: string, naiR: string, ipR: number, ipI: number, keyLen: number, prfId = 3): Uint8Array {
  const a = utf8.encode(naiI), b = utf8.encode(naiR);
  const m = new Uint8Array(a.length + b.length + 8);
  m.set(a, 0); m.set(b, a.length);
  const dv = new DataView(m.buffer);
  dv.setUint32(a.length + b.length, ipR);
  dv.setUint32(a.length + b.length + 4, ipI);
  return prf(prfId, seed, m).slice(0, keyLen);
}

/** KeyLen of a negotiated SA: attribute 1 ÷ 8, else the algorithm's default size (E.4). */
export function negotiatedKeyLen(protoId: number, transformId: number, keyBits?: number): number {
  if (keyBits !== undefined) return keyBits / 8;
  if (protoId === 1) { const a = authById(transformId); if (a) return AUTH_KEY_BYTES[a]; }
  if (protoId === 2) { const c = cipherById(transformId); if (c) return CIPHER_KEY_BYTES[c]; }
  throw new RangeError(`transform id ${transformId} names no algorithm for protocol ${protoId}`);
}
