// Authenticators of the Mobile IP authentication extensions (RFC 5944 §3.5.1, RFC 2002 §3.5.1,
// docs/protocol.md §B.2), with @noble/hashes. Every authenticator of a capture is computed in the
// forward pass, under a few keys: the hash state after each key's pads (HMAC) or after the key
// (prefix+suffix) is kept per key and cloned for each message, which saves two of the four or so
// compression rounds of a registration-sized message.
import { hmac } from '@noble/hashes/hmac.js';
import { md5, sha1 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { RecentResults, sameBytes } from './recent.js';

export type AuthAlg = 'hmac-md5' | 'md5-prefix-suffix' | 'hmac-sha1' | 'hmac-sha256';

/** AuthAlg numbers of SA-INFO and authentication transforms (docs/protocol.md §B.2). */
export const AUTH_ALG_IDS: Record<number, AuthAlg> = { 1: 'hmac-md5', 2: 'md5-prefix-suffix', 3: 'hmac-sha1', 4: 'hmac-sha256' };
export const AUTH_ALGS: readonly AuthAlg[] = ['hmac-md5', 'md5-prefix-suffix', 'hmac-sha1', 'hmac-sha256'];
/** Authenticator sizes: the MAC's output length. */
export const AUTH_MAC_SIZES: Readonly<Record<AuthAlg, number>> = { 'hmac-md5': 16, 'md5-prefix-suffix': 16, 'hmac-sha1': 20, 'hmac-sha256': 32 };
/** Default key sizes (docs/protocol.md §B.2, E.4): a key as long as the MAC's output. */
export const AUTH_KEY_SIZES: Readonly<Record<AuthAlg, number>> = AUTH_MAC_SIZES;

const HMAC_HASH = { 'hmac-md5': md5, 'hmac-sha1': sha1, 'hmac-sha256': sha256 } as const;

/** A hash state that can be cloned, fed and finished (noble's HMAC and hash objects). */
interface Keyed { clone(): Keyed; update(b: Uint8Array): Keyed; digest(): Uint8Array }

/** The keyed states of the last KEYED (algorithm, key) pairs used, most recent first. */
const KEYED = 32;
const keyedStates: Array<{ alg: AuthAlg; key: Uint8Array; state: Keyed }> = [];

function keyedState(alg: AuthAlg, key: Uint8Array): Keyed {
  for (let i = 0; i < keyedStates.length; i++) {
    const k = keyedStates[i]!;
    if (k.alg === alg && sameBytes(k.key, key)) {
      if (i > 0) { keyedStates.splice(i, 1); keyedStates.unshift(k); }
      return k.state;
    }
  }
  const state = (alg === 'md5-prefix-suffix' ? md5.create().update(key) : hmac.create(HMAC_HASH[alg], key)) as unknown as Keyed;
  keyedStates.unshift({ alg, key: key.slice(), state });
  if (keyedStates.length > KEYED) keyedStates.pop();
  return state;
}

export function computeAuthenticator(alg: AuthAlg, key: Uint8Array, data: Uint8Array): Uint8Array {
  const kept = recent.find(alg, [data, key]);
  if (kept) return kept.slice();
  // RFC 5944 §3.5.1 keyed MD5 (prefix+suffix): MD5(key ‖ data ‖ key).
  const h = keyedState(alg, key).clone().update(data);
  const mac = (alg === 'md5-prefix-suffix' ? h.update(key) : h).digest();
  recent.add(alg, [data, key], mac);
  return mac.slice();
}

/** The last 16 authenticators computed: a relayed copy is covered by the same one over the same bytes. */
const recent = new RecentResults<Uint8Array>(16);
/** Turns remembering off or on (a test compares both over every sample). */
export function rememberRecentAuthenticators(on: boolean): void { recent.remember(on); }

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
