// Key sizes of negotiated SAs (docs/protocol.md §E.4) and the semi-stateful derivation from a KDC seed
// (B.4, E.5): K = PRF(K_SEED, NAI_i ‖ NAI_r ‖ IP_r ‖ IP_i), truncated to KeyLen.
import { hmac } from '@noble/hashes/hmac.js';
import { md5, sha1 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { AUTH_ALG_IDS, AUTH_KEY_SIZES } from './mac.js';
import type { AuthAlg } from './mac.js';
import { CIPHER_IDS, CIPHER_KEY_SIZES } from './ciphers.js';
import type { CipherName } from './ciphers.js';

/** Transform attribute types (docs/protocol.md §B.3). */
export const ATTR = { keyLength: 1, lifetime: 2, mode: 3, prf: 4, replay: 5 } as const;

/** PRF ids of transform attribute 4; the default is HMAC-SHA256 (B.4). */
export const PRF_NAMES: Readonly<Record<number, string>> = { 1: 'hmac-md5', 2: 'hmac-sha1', 3: 'hmac-sha256' };
export const PRF_OUTPUT: Readonly<Record<number, number>> = { 1: 16, 2: 20, 3: 32 };
export const DEFAULT_PRF = 3;

/** The algorithm a transform names, per its proposal's ProtocolId (1 authentication, 2 encryption). */
export function transformAlgorithm(protocolId: number, transformId: number): { auth: AuthAlg | null; cipher: CipherName | null } | null {
  if (protocolId === 1) { const a = AUTH_ALG_IDS[transformId]; return a ? { auth: a, cipher: null } : null; }
  if (protocolId === 2) { const c = CIPHER_IDS[transformId]; return c ? { auth: null, cipher: c } : null; }
  return null;
}

/** KeyLen of a negotiated SA: attribute 1 ÷ 8 when present, else the algorithm's default size (E.4). */
export function negotiatedKeyLength(protocolId: number, transformId: number, keyLengthBits?: number): number | null {
  if (keyLengthBits !== undefined) return keyLengthBits % 8 === 0 && keyLengthBits > 0 ? keyLengthBits / 8 : null;
  const alg = transformAlgorithm(protocolId, transformId);
  if (!alg) return null;
  return alg.auth ? AUTH_KEY_SIZES[alg.auth] : CIPHER_KEY_SIZES[alg.cipher!];
}

export function prf(prfId: number, key: Uint8Array, data: Uint8Array): Uint8Array {
  switch (prfId) {
    case 1: return hmac(md5, key, data);
    case 2: return hmac(sha1, key, data);
    case 3: return hmac(sha256, key, data);
    default: throw new RangeError(`unknown PRF ${prfId}`);
  }
}

const utf8 = new TextEncoder();

export interface SeedInputs {
  /** The request's GP-NAI content 0 (the mobile node). */
  naiInitiator: string;
  /** The reply's GP-NAI content 2 (the home agent). */
  naiResponder: string;
  /** The reply's Home Agent field. */
  ipResponder: number;
  /** The mobile node's home address (its GP-IP content 0). */
  ipInitiator: number;
}

/** The PRF input of E.5: NAIs as UTF-8, IPs as 4 raw bytes, in the order NAI_i NAI_r IP_r IP_i. */
export function seedMaterial(s: SeedInputs): Uint8Array {
  const a = utf8.encode(s.naiInitiator), b = utf8.encode(s.naiResponder);
  const out = new Uint8Array(a.length + b.length + 8);
  out.set(a, 0); out.set(b, a.length);
  const ip = (v: number, at: number) => { out[at] = v >>> 24; out[at + 1] = (v >>> 16) & 255; out[at + 2] = (v >>> 8) & 255; out[at + 3] = v & 255; };
  ip(s.ipResponder, a.length + b.length);
  ip(s.ipInitiator, a.length + b.length + 4);
  return out;
}

/** Derives a pair key from a seed; throws RangeError when KeyLen exceeds the PRF output (E.5). */
export function deriveFromSeed(seed: Uint8Array, s: SeedInputs, keyLen: number, prfId = DEFAULT_PRF): Uint8Array {
  const out = PRF_OUTPUT[prfId];
  if (out === undefined) throw new RangeError(`unknown PRF ${prfId}`);
  if (keyLen > out) throw new RangeError(`KeyLen ${keyLen} is larger than the ${PRF_NAMES[prfId]} output (${out} bytes)`);
  return prf(prfId, seed, seedMaterial(s)).slice(0, keyLen);
}
