// Diffie-Hellman for the stateless mode (docs/protocol.md §B.3 sub-types 1, 2, 4; B.4; E.4, E.7):
// Oakley groups 1 and 2 (RFC 2409 §6.1, §6.2), user-defined groups, and the SA key
// SHA-256(K ‖ SPI)[:KeyLen].
import { sha256 } from '@noble/hashes/sha2.js';
import { MILLER_RABIN_ROUNDS_LARGE, PRIME_CACHE_ENTRIES } from '../limits.js';

export interface DhGroup { p: bigint; g: bigint; /** |P| in bytes: the width every CV and K is padded to. */ size: number }

// The Oakley primes, RFC 2409 §6.1 (768 bits) and §6.2 (1024 bits), both with generator 2.
// Written out: OpenSSL's group set-up (crypto.getDiffieHellman) costs tens of milliseconds a run.
const MODP1 = 'ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b0a6df25f14374fe1356d6d51c245e485b576625e7ec6f44c42e9a63a3620ffffffffffffffff';
const MODP2 = 'ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b0a6df25f14374fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7edee386bfb5a899fa5ae9f24117c4b1fe649286651ece65381ffffffffffffffff';

function oakley(hex: string): DhGroup {
  return { p: BigInt('0x' + hex), g: 2n, size: hex.length / 2 };
}

const groups: Partial<Record<1 | 2, DhGroup>> = {};
/** KE sub-type → Oakley group (sub-types 1 and 2; 4 carries its own group). */
export const OAKLEY_GROUPS: Readonly<Record<1 | 2, DhGroup>> = {
  get 1() { return (groups[1] ??= oakley(MODP1)); },
  get 2() { return (groups[2] ??= oakley(MODP2)); },
};

export function bytesToBigInt(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

/** Big-endian bytes, left-padded with zeros to `size` (throws when the value does not fit). */
export function bigIntToBytes(v: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = v;
  for (let i = size - 1; i >= 0; i--) { out[i] = Number(x & 0xffn); x >>= 8n; }
  if (x !== 0n) throw new RangeError(`value does not fit in ${size} bytes`);
  return out;
}

export function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  if (mod === 1n) return 0n;
  let r = 1n, b = base % mod, e = exp;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % mod;
    e >>= 1n;
    b = (b * b) % mod;
  }
  return r;
}

// A capture repeats the same few groups: each P is tested once, whatever G is (a 1024-bit test
// costs ~1 ms, a 4096-bit one far more: callers cap |P|, docs/limits.md).
const primeMemo = new Map<bigint, boolean>();

/** The primality of P when it was tested before (by the dissector or anyone), else undefined. */
export function knownPrimality(p: bigint): boolean | undefined { return primeMemo.get(p); }

/**
 * Miller-Rabin with fixed bases: deterministic answers, good enough to reject a bad group.
 * Each base costs |n|³: over 1024 bits only MILLER_RABIN_ROUNDS_LARGE bases are tried.
 */
export function isProbablePrime(n: bigint): boolean {
  const known = primeMemo.get(n);
  if (known !== undefined) return known;
  const r = millerRabin(n);
  if (primeMemo.size >= PRIME_CACHE_ENTRIES) primeMemo.delete(primeMemo.keys().next().value!);
  primeMemo.set(n, r);
  return r;
}

function millerRabin(n: bigint): boolean {
  if (n < 2n) return false;
  const small = [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n, 41n, 43n, 47n];
  for (const p of small) { if (n === p) return true; if (n % p === 0n) return false; }
  let d = n - 1n, s = 0;
  while ((d & 1n) === 0n) { d >>= 1n; s++; }
  const bases = n >> 1024n > 0n ? small.slice(0, MILLER_RABIN_ROUNDS_LARGE) : small;
  outer: for (const a of bases) {
    let x = modPow(a, d, n);
    if (x === 1n || x === n - 1n) continue;
    for (let i = 1; i < s; i++) {
      x = (x * x) % n;
      if (x === n - 1n) continue outer;
    }
    return false;
  }
  return true;
}

/** What is wrong with a group or a public value, or null (docs/protocol.md §B.3: P prime, 1 < G < P, 1 < CV < P − 1). */
export function groupProblem(g: DhGroup): string | null {
  if (!isProbablePrime(g.p)) return 'P is not prime';
  if (!(g.g > 1n && g.g < g.p)) return 'G is not between 1 and P';
  return null;
}
export function publicValueProblem(g: DhGroup, cv: bigint): string | null {
  return cv > 1n && cv < g.p - 1n ? null : 'CV is not between 1 and P − 1 (a degenerate public value)';
}

export function dhPublic(g: DhGroup, priv: bigint): Uint8Array {
  return bigIntToBytes(modPow(g.g, priv, g.p), g.size);
}

// The public value of a keys-file exponent in a group is the same for every exchange of the
// capture that uses them: the dissector computes each once (a few entries times a few groups;
// the oldest is forgotten past PRIME_CACHE_ENTRIES).
const publicMemo = new Map<string, Uint8Array>();

/** dhPublic, remembered: the result is shared, to be compared and never changed. */
export function dhPublicShared(g: DhGroup, priv: bigint): Uint8Array {
  const k = `${g.p.toString(36)}/${g.g.toString(36)}/${priv.toString(36)}`;
  let v = publicMemo.get(k);
  if (!v) {
    v = dhPublic(g, priv);
    if (publicMemo.size >= PRIME_CACHE_ENTRIES) publicMemo.delete(publicMemo.keys().next().value!);
    publicMemo.set(k, v);
  }
  return v;
}

/** K = peerCV^priv mod P, left-padded to |P| (docs/protocol.md §B.4). */
export function dhSharedSecret(g: DhGroup, priv: bigint, peerCv: bigint): Uint8Array {
  return bigIntToBytes(modPow(peerCv, priv, g.p), g.size);
}

/** The negotiated SA's key: first KeyLen bytes of SHA-256(K ‖ SPI(4)) (docs/protocol.md §B.4). */
export function dhSaKey(k: Uint8Array, spi: number, keyLen: number): Uint8Array {
  const buf = new Uint8Array(k.length + 4);
  buf.set(k, 0);
  buf[k.length] = spi >>> 24; buf[k.length + 1] = (spi >>> 16) & 255; buf[k.length + 2] = (spi >>> 8) & 255; buf[k.length + 3] = spi & 255;
  return sha256(buf).slice(0, keyLen);
}
