// The key state of a session (DESIGN.md principle 6): the SA table (keys file + learned keys),
// the Diffie-Hellman exponents, and what each frame decrypted, verified and taught — filled in
// the forward pass and indexed by frame, so that dissecting frame N again gives the same tree.
import type { Session } from '../session.js';
import type { AuthAlg } from './mac.js';
import type { DhEntry, KeysFile } from './keys-file.js';
import { SaTable } from './table.js';
import type { SecurityAssociation } from './table.js';
import type { DhGroup } from './dh.js';
import { hopKey } from '../mip/transactions.js';

export type AuthStatus = 'good' | 'bad' | 'unverified';

export interface AuthRecord {
  frame: number;
  /** Extension type (32, 33, 34, 36) and offset of its Type byte in the message's data source. */
  extType: number;
  offset: number;
  spi: number;
  status: AuthStatus;
  alg?: AuthAlg;
  /** The SA used (absent when unverified for want of a key). */
  sa?: SecurityAssociation;
}

export interface DecryptionRecord {
  frame: number;
  /** What was encrypted ("GP-NAI", "KE sub-type 5", …) and where its header starts. */
  what: string;
  offset: number;
  spi: number;
  ok: boolean;
  /** Why it was not decrypted (no key, no cipher, bad padding, tag mismatch…). */
  problem?: string;
  sa?: SecurityAssociation;
}

/** A Diffie-Hellman public value offered in a proposal. */
export interface DhOffer { subtype: number; group: DhGroup; cv: Uint8Array }

/** What a request contributes to key derivations completed by its reply (B.4, E.5). */
export interface RequestInputs {
  frame: number;
  /** GP-NAI content 0 (decrypted or plain). */
  naiInitiator?: string;
  /** GP-IP content 0 (decrypted or plain). */
  homeAddress?: number;
  /** Proposal SPI → the DH offers in that proposal. */
  offers: Map<number, DhOffer[]>;
}

export interface KxState {
  keys: KeysFile | null;
  table: SaTable;
  dh: DhEntry[];
  /** Frame → SAs it taught (each valid from the next frame). */
  learnedIn: Map<number, SecurityAssociation[]>;
  /** Frame → decryption attempts (kept for the frames that taught a key, and the latest frame). */
  decryptions: Map<number, DecryptionRecord[]>;
  /** Frame → authenticator verdicts, in wire order (kept as the decryptions are). */
  auth: Map<number, AuthRecord[]>;
  /**
   * Request hop (of the session's transactions, by hopKey) → its derivation inputs: freed when its
   * transaction closes, unless the session retains results (a reply dissected again needs them).
   */
  requests: Map<number, RequestInputs>;
}

const KEY = 'kx';

/** The session's key state, created empty on first use (keys can be learned without a keys file). */
export function kxState(session: Session): KxState {
  let s = session.ext.get(KEY) as KxState | undefined;
  if (!s) {
    const st: KxState = { keys: null, table: new SaTable(), dh: [], learnedIn: new Map(), decryptions: new Map(), auth: new Map(), requests: new Map() };
    session.transactions.onClose(tx => { if (!session.retain) for (const h of tx.requests) st.requests.delete(hopKey(h)); });
    session.ext.set(KEY, (s = st));
  }
  return s;
}

/** Gives a session the user's keys; call before dissecting the first frame. */
export function attachKeys(session: Session, keys: KeysFile): KxState {
  const s = kxState(session);
  s.keys = keys;
  for (const sa of keys.sas) s.table.add(sa);
  s.dh.push(...keys.dh);
  return s;
}

/** Every key learned from the traffic so far, in frame order. */
export function learnedKeys(session: Session): SecurityAssociation[] {
  return kxState(session).table.learned();
}

export interface FrameKeyResults {
  decryptions: readonly DecryptionRecord[];
  auth: readonly AuthRecord[];
  learned: readonly SecurityAssociation[];
}

/**
 * What frame `no` decrypted, verified and taught (after it was dissected in the forward pass):
 * for the latest frame and every frame that taught a key (the keys view says what protected it).
 * Dissecting any frame again finds its verdicts and decryptions anew from the SA table.
 */
export function frameKeyResults(session: Session, no: number): FrameKeyResults {
  const s = kxState(session);
  return { decryptions: s.decryptions.get(no) ?? [], auth: s.auth.get(no) ?? [], learned: s.learnedIn.get(no) ?? [] };
}

/** Appends a per-frame record once: in the forward pass only. */
export function recordOnce<T>(session: Session, map: Map<number, T[]>, no: number, rec: T): void {
  if (session.visited(no) || !session.retain) return;
  const list = map.get(no);
  if (list) { list.push(rec); return; }
  // A new frame: the previous one's records go unless it taught a key (per frame memory stays small).
  const st = kxState(session), last = lastRecorded.get(map);
  if (last !== undefined && !st.learnedIn.has(last)) map.delete(last);
  lastRecorded.set(map, no);
  map.set(no, [rec]);
}
const lastRecorded = new WeakMap<Map<number, unknown>, number>();
