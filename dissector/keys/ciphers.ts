// The ciphers of encrypted INFO and KE payloads (docs/protocol.md §B.2): CBC as IV(16) ‖
// ciphertext with PKCS#7 padding; the AEADs as nonce(12) ‖ ciphertext ‖ tag(16). Decryption, done
// for every encrypted payload of a capture, uses Node's OpenSSL; the builders encrypt with
// @noble/ciphers (so the tests' round trips cross two implementations).
import { createDecipheriv } from 'node:crypto';
import { RecentResults } from './recent.js';
import { cbc, gcm } from '@noble/ciphers/aes.js';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';

export type CipherName = 'aes-128-cbc' | 'aes-256-cbc' | 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';

/** CipherAlg numbers of SA-INFO and encryption transforms (docs/protocol.md §B.2); 0 = none. */
export const CIPHER_IDS: Readonly<Record<number, CipherName>> = { 1: 'aes-128-cbc', 2: 'aes-256-cbc', 3: 'aes-128-gcm', 4: 'aes-256-gcm', 5: 'chacha20-poly1305' };
export const CIPHER_NAMES: readonly CipherName[] = ['aes-128-cbc', 'aes-256-cbc', 'aes-128-gcm', 'aes-256-gcm', 'chacha20-poly1305'];
export const CIPHER_KEY_SIZES: Readonly<Record<CipherName, number>> = { 'aes-128-cbc': 16, 'aes-256-cbc': 32, 'aes-128-gcm': 16, 'aes-256-gcm': 32, 'chacha20-poly1305': 32 };

export function cipherId(c: CipherName): number {
  return CIPHER_NAMES.indexOf(c) + 1;
}

export interface CipherLayout {
  /** IV (CBC) or nonce (AEAD) length in front of the ciphertext. */
  ivLen: number;
  /** Tag length after the ciphertext (AEAD only). */
  tagLen: number;
  aead: boolean;
}

export function cipherLayout(c: CipherName): CipherLayout {
  return c.endsWith('-cbc') ? { ivLen: 16, tagLen: 0, aead: false } : { ivLen: 12, tagLen: 16, aead: true };
}

export type DecryptFailure = 'short' | 'blocks' | 'padding' | 'tag' | 'key';

/** Why decryption failed, in words a user can act on. */
export const DECRYPT_FAILURES: Readonly<Record<DecryptFailure, string>> = {
  short: 'the encrypted data is shorter than the cipher\'s IV/nonce and tag',
  blocks: 'the CBC ciphertext is not a whole number of 16-byte blocks',
  padding: 'bad PKCS#7 padding (wrong key or altered ciphertext)',
  tag: 'authentication tag mismatch (wrong key, or the data or its header was altered)',
  key: 'the key has the wrong length for the cipher',
};

export class DecryptError extends Error {
  constructor(readonly reason: DecryptFailure) { super(DECRYPT_FAILURES[reason]); }
}

/** Splits encrypted data into IV/nonce, ciphertext and tag by the cipher's layout; null when too short. */
export function splitEncrypted(c: CipherName, data: Uint8Array): { iv: Uint8Array; ct: Uint8Array; tag: Uint8Array } | null {
  const l = cipherLayout(c);
  if (data.length < l.ivLen + l.tagLen) return null;
  return { iv: data.subarray(0, l.ivLen), ct: data.subarray(l.ivLen, data.length - l.tagLen), tag: data.subarray(data.length - l.tagLen) };
}

/**
 * Decrypts IV/nonce ‖ ciphertext ‖ tag. `aad` is the associated data of the AEAD ciphers
 * (ignored by CBC). Throws DecryptError; never returns unauthenticated garbage for the AEADs,
 * and for CBC only what passed the padding check.
 */
export function decrypt(c: CipherName, key: Uint8Array, data: Uint8Array, aad: Uint8Array): Uint8Array {
  const kept = recent.find(c, [data, key, aad]);
  if (kept) {
    if (kept.plain) return kept.plain.slice();
    throw new DecryptError(kept.reason!);
  }
  try {
    const plain = decryptOnce(c, key, data, aad);
    recent.add(c, [data, key, aad], { plain });
    return plain.slice();
  } catch (e) {
    if (e instanceof DecryptError) recent.add(c, [data, key, aad], { plain: null, reason: e.reason });
    throw e;
  }
}

/** The last 16 decryptions (result or failure): a relayed copy carries the same encrypted bytes as the hop before it. */
const recent = new RecentResults<{ plain: Uint8Array | null; reason?: DecryptFailure }>(16);
/** Turns remembering off or on (a test compares both over every sample). */
export function rememberRecentDecryptions(on: boolean): void { recent.remember(on); }

function decryptOnce(c: CipherName, key: Uint8Array, data: Uint8Array, aad: Uint8Array): Uint8Array {
  if (key.length !== CIPHER_KEY_SIZES[c]) throw new DecryptError('key');
  const parts = splitEncrypted(c, data);
  if (!parts) throw new DecryptError('short');
  const l = cipherLayout(c);
  if (!l.aead) {
    if (parts.ct.length === 0 || parts.ct.length % 16 !== 0) throw new DecryptError('blocks');
    // OpenSSL checks the PKCS#7 padding as a whole (1..16 bytes, each the count) and strips it.
    try { const d = createDecipheriv(c, key, parts.iv); return joined(d.update(parts.ct), d.final()); } catch { throw new DecryptError('padding'); }
  }
  try {
    const d = createDecipheriv(c as 'aes-128-gcm', key, parts.iv, { authTagLength: 16 });
    d.setAAD(aad);
    d.setAuthTag(parts.tag);
    return joined(d.update(parts.ct), d.final());
  } catch { throw new DecryptError('tag'); }
}

/** The bytes of two Buffers as one plain Uint8Array (what the callers keep and compare). */
function joined(a: Buffer, b: Buffer): Uint8Array {
  if (b.length === 0) return new Uint8Array(a.buffer, a.byteOffset, a.length);
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0); out.set(b, a.length);
  return out;
}

/** Encrypts into IV/nonce ‖ ciphertext ‖ tag; the IV/nonce is random unless given. */
export function encrypt(c: CipherName, key: Uint8Array, plain: Uint8Array, aad: Uint8Array, iv?: Uint8Array): Uint8Array {
  const l = cipherLayout(c);
  const nonce = iv ?? crypto.getRandomValues(new Uint8Array(l.ivLen));
  if (nonce.length !== l.ivLen) throw new Error(`${c} needs a ${l.ivLen}-byte IV/nonce, got ${nonce.length}`);
  if (key.length !== CIPHER_KEY_SIZES[c]) throw new Error(`${c} needs a ${CIPHER_KEY_SIZES[c]}-byte key, got ${key.length}`);
  const body = !l.aead ? cbc(key, nonce).encrypt(plain)
    : c === 'chacha20-poly1305' ? chacha20poly1305(key, nonce, aad).encrypt(plain) : gcm(key, nonce, aad).encrypt(plain);
  const out = new Uint8Array(nonce.length + body.length);
  out.set(nonce, 0); out.set(body, nonce.length);
  return out;
}

/** Length of the encrypted form of `n` plaintext bytes. */
export function encryptedLength(c: CipherName, n: number): number {
  const l = cipherLayout(c);
  return l.aead ? l.ivLen + n + l.tagLen : l.ivLen + (Math.floor(n / 16) + 1) * 16;
}
