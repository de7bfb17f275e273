// Security associations as the agents hold them (RFC 5944 §3.5, docs/protocol.md §B.1/B.2), and their
// export to the keys file of docs/protocol.md §C.
import { AUTH_ALG_IDS, authAlgId } from '../../dissector/keys/mac.js';
import type { AuthAlg } from '../../dissector/keys/mac.js';
import { CIPHER_IDS, cipherId } from '../../dissector/keys/ciphers.js';
import type { CipherName } from '../../dissector/keys/ciphers.js';
import type { EncryptingSa } from '../../dissector/kx/encode.js';

export type { AuthAlg, CipherName };

export interface Sa {
  spi: number;
  key: Uint8Array;
  auth: AuthAlg | null;
  cipher: CipherName | null;
  /** SA lifetime in seconds (0xFFFFFFFF = infinite), as SA-INFO or the proposal gave it. */
  lifetime?: number;
  /** When the SA stops being usable (clock ms), from `lifetime`. */
  expiresAt?: number;
  peer?: string;
  label?: string;
}

export const INFINITE = 0xffffffff;

export const AUTH_KEY_BYTES: Readonly<Record<AuthAlg, number>> = { 'hmac-md5': 16, 'md5-prefix-suffix': 16, 'hmac-sha1': 20, 'hmac-sha256': 32 };
export const CIPHER_KEY_BYTES: Readonly<Record<CipherName, number>> = { 'aes-128-cbc': 16, 'aes-256-cbc': 32, 'aes-128-gcm': 16, 'aes-256-gcm': 32, 'chacha20-poly1305': 32 };

/** The key length an SA needs: the cipher's when it has one, else the MAC's (E.8). */
export function keyBytes(auth: AuthAlg | null, cipher: CipherName | null): number {
  if (cipher) return CIPHER_KEY_BYTES[cipher];
  if (auth) return AUTH_KEY_BYTES[auth];
  throw new Error('an SA needs an algorithm');
}

export function authId(a: AuthAlg | null): number { return a ? authAlgId(a) : 0; }
export function cipherNo(c: CipherName | null): number { return c ? cipherId(c) : 0; }
export function authById(id: number): AuthAlg | null { return AUTH_ALG_IDS[id] ?? null; }
export function cipherById(id: number): CipherName | null { return CIPHER_IDS[id] ?? null; }

export function encryptingSa(sa: Sa): EncryptingSa {
  if (!sa.cipher) throw new Error(`SA 0x${sa.spi.toString(16)} has no cipher`);
  return { spi: sa.spi, key: sa.key, cipher: sa.cipher };
}

/** Whether an SA is past its lifetime at `now` (clock ms). */
export function expired(sa: Sa, now: number): boolean {
  return sa.expiresAt !== undefined && now >= sa.expiresAt;
}

/** Sets `expiresAt` from `lifetime` counted from `now`. */
export function started(sa: Sa, now: number): Sa {
  if (sa.lifetime !== undefined && sa.lifetime !== INFINITE) sa.expiresAt = now + sa.lifetime * 1000;
  return sa;
}

/** SPI → SA, the table every agent keeps. */
export class SaStore {
  private readonly map = new Map<number, Sa>();
  add(sa: Sa): Sa { this.map.set(sa.spi, sa); return sa; }
  get(spi: number): Sa | undefined { return this.map.get(spi); }
  delete(spi: number): void { this.map.delete(spi); }
  values(): IterableIterator<Sa> { return this.map.values(); }
}

export interface KeysFileSa { spi: string; key: string; auth: AuthAlg; cipher?: CipherName; peer?: string; label?: string }
export interface KeysFileDh { cv: string; private: string }
export interface KeysFileJson { sas: KeysFileSa[]; dh?: KeysFileDh[] }

export const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** A keys-file entry (docs/protocol.md §C); an SA without a MAC is listed with the cipher only where allowed. */
export function keysFileEntry(sa: Sa): KeysFileSa {
  if (!sa.auth) throw new Error(`SA 0x${sa.spi.toString(16)} has no authentication algorithm: the keys file needs one`);
  const e: KeysFileSa = { spi: `0x${sa.spi.toString(16).padStart(4, '0')}`, key: hex(sa.key), auth: sa.auth };
  if (sa.cipher) e.cipher = sa.cipher;
  if (sa.peer) e.peer = sa.peer;
  if (sa.label) e.label = sa.label;
  return e;
}
