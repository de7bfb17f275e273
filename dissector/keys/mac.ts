// Authenticators of the Mobile IP authentication extensions (RFC 5944 §3.5.1, RFC 2002 §3.5.1,
// docs/protocol.md §B.2), with Node's OpenSSL: every authenticator of a capture is computed in the
// forward pass, and the native MACs cost a fraction of the pure-JavaScript ones.
import { createHash, createHmac } from 'node:crypto';

export type AuthAlg = 'hmac-md5' | 'md5-prefix-suffix' | 'hmac-sha1' | 'hmac-sha256';

/** AuthAlg numbers of SA-INFO and authentication transforms (docs/protocol.md §B.2). */
export const AUTH_ALG_IDS: Record<number, AuthAlg> = { 1: 'hmac-md5', 2: 'md5-prefix-suffix', 3: 'hmac-sha1', 4: 'hmac-sha256' };
export const AUTH_ALGS: readonly AuthAlg[] = ['hmac-md5', 'md5-prefix-suffix', 'hmac-sha1', 'hmac-sha256'];
/** Authenticator sizes: the MAC's output length. */
export const AUTH_MAC_SIZES: Readonly<Record<AuthAlg, number>> = { 'hmac-md5': 16, 'md5-prefix-suffix': 16, 'hmac-sha1': 20, 'hmac-sha256': 32 };
/** Default key sizes (docs/protocol.md §B.2, E.4): a key as long as the MAC's output. */
export const AUTH_KEY_SIZES: Readonly<Record<AuthAlg, number>> = AUTH_MAC_SIZES;

const HMAC_HASH: Readonly<Record<Exclude<AuthAlg, 'md5-prefix-suffix'>, string>> = { 'hmac-md5': 'md5', 'hmac-sha1': 'sha1', 'hmac-sha256': 'sha256' };

/** A plain Uint8Array over a Buffer's bytes (what callers compare and keep). */
const plain = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.length);

export function computeAuthenticator(alg: AuthAlg, key: Uint8Array, data: Uint8Array): Uint8Array {
  // A relayed copy is covered by the same authenticator over the same bytes as the hop before it.
  for (let i = 0; remembering && i < recent.length; i++) {
    const r = recent[i]!;
    if (r.alg === alg && sameBytes(r.data, data) && sameBytes(r.key, key)) return r.mac.slice();
  }
  // RFC 5944 §3.5.1 keyed MD5 (prefix+suffix): MD5(key ‖ data ‖ key).
  const mac = alg === 'md5-prefix-suffix' ? plain(createHash('md5').update(key).update(data).update(key).digest()) : plain(createHmac(HMAC_HASH[alg], key).update(data).digest());
  recent[recentAt] = { alg, key: key.slice(), data: data.slice(), mac };
  recentAt = (recentAt + 1) % RECENT;
  return mac.slice();
}

/** The last RECENT authenticators computed (inputs copied). */
const RECENT = 16;
let remembering = true;
/** Turns remembering off or on (a test compares both over every sample). */
export function rememberRecentAuthenticators(on: boolean): void { remembering = on; recent.length = 0; recentAt = 0; }
const recent: Array<{ alg: AuthAlg; key: Uint8Array; data: Uint8Array; mac: Uint8Array }> = [];
let recentAt = 0;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
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
