// Authenticators of the Mobile IP authentication extensions (RFC 5944 §3.5.1, RFC 2002 §3.5.1,
// docs/protocol.md §B.2) using @noble/hashes.
import { hmac } from '@noble/hashes/hmac.js';
import { md5, sha1 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';

export type AuthAlg = 'hmac-md5' | 'md5-prefix-suffix' | 'hmac-sha1' | 'hmac-sha256';

/** AuthAlg numbers of SA-INFO and authentication transforms (docs/protocol.md §B.2). */
export const AUTH_ALG_IDS: Record<number, AuthAlg> = { 1: 'hmac-md5', 2: 'md5-prefix-suffix', 3: 'hmac-sha1', 4: 'hmac-sha256' };
export const AUTH_ALGS: readonly AuthAlg[] = ['hmac-md5', 'md5-prefix-suffix', 'hmac-sha1', 'hmac-sha256'];
/** Authenticator sizes: the MAC's output length. */
export const AUTH_MAC_SIZES: Readonly<Record<AuthAlg, number>> = { 'hmac-md5': 16, 'md5-prefix-suffix': 16, 'hmac-sha1': 20, 'hmac-sha256': 32 };
/** Default key sizes (docs/protocol.md §B.2, E.4): a key as long as the MAC's output. */
export const AUTH_KEY_SIZES: Readonly<Record<AuthAlg, number>> = AUTH_MAC_SIZES;

export function computeAuthenticator(alg: AuthAlg, key: Uint8Array, data: Uint8Array): Uint8Array {
  switch (alg) {
    case 'hmac-md5': return hmac(md5, key, data);
    case 'hmac-sha1': return hmac(sha1, key, data);
    case 'hmac-sha256': return hmac(sha256, key, data);
    case 'md5-prefix-suffix': {
      const buf = new Uint8Array(key.length * 2 + data.length);
      buf.set(key, 0); buf.set(data, key.length); buf.set(key, key.length + data.length);
      return md5(buf);
    }
  }
}

/** Constant-time comparison. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

export function authAlgId(a: AuthAlg): number {
  return AUTH_ALGS.indexOf(a) + 1;
}
