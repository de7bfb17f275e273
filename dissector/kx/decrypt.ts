// Decryption of encrypted INFO (GP extensions) and of KE sub-types 5 and 6 under the SA of an
// SPI (docs/protocol.md §B.2, E.6). The plaintext becomes a new data source, so the generated fields
// decoded from it point into real bytes; a failure is an expert item, never shown as plaintext.
import type { Packet } from '../packet.js';
import type { Node } from '../tree.js';
import { addItem } from '../tree.js';
import { Cursor } from '../cursor.js';
import { cipherLayout, decrypt, DecryptError, splitEncrypted, DECRYPT_FAILURES } from '../keys/ciphers.js';
import { kxState, recordOnce } from '../keys/state.js';
import type { DecryptionRecord } from '../keys/state.js';
import { describeSa } from '../keys/table.js';
import type { SecurityAssociation } from '../keys/table.js';
import { KX, KX_EXPERT } from './fields.js';

export interface Decrypted { plain: Uint8Array; src: number; sa: SecurityAssociation }

import { spiHex } from '../format.js';
export { spiHex };

/** Shows which SA a key came from (learned frame or keys-file label) as generated fields. */
export function showSaOrigin(pkt: Packet, parent: Node, sa: SecurityAssociation, offset: number, length: number, src: number): void {
  if (sa.source.kind === 'learned') pkt.addGenerated(parent, KX.keyLearnedIn, sa.source.frame, offset, length, src);
  else if (sa.label) pkt.addGenerated(parent, KX.keyLabel, sa.label, offset, length, src);
}

export interface EncryptedPart {
  spi: number;
  /** The encrypted bytes (IV/nonce ‖ ciphertext ‖ tag) and where they are. */
  buf: Uint8Array;
  offset: number;
  length: number;
  src: number;
  /** Associated data of the AEAD ciphers: the header the encryption covers. */
  aad: Uint8Array;
  /** What this is, for messages and the decrypted data source's name ("GP-NAI", "KE sub-type 5"). */
  what: string;
  /** Offset of the extension or payload header, for the per-frame record. */
  headerOffset: number;
}

/** Shows the encrypted bytes, decrypts them when the key is known; returns the plaintext or null. */
export function decryptPart(pkt: Packet, parent: Node, e: EncryptedPart): Decrypted | null {
  const session = pkt.session;
  const st = kxState(session);
  const data = e.buf.subarray(e.offset, e.offset + e.length);
  const record = (ok: boolean, sa?: SecurityAssociation, problem?: string) => {
    const rec: DecryptionRecord = { frame: pkt.no, what: e.what, offset: e.headerOffset, spi: e.spi, ok };
    if (sa) rec.sa = sa;
    if (problem) rec.problem = problem;
    recordOnce(session, st.decryptions, pkt.no, rec);
  };
  const sa = st.table.lookup(e.spi, pkt.no);
  if (!sa || !sa.cipher) {
    const n = addItem(pkt, parent, KX.encData, new Cursor(e.buf, e.offset, e.offset + e.length), e.src).node;
    if (!sa) {
      const msg = `No key for SPI ${spiHex(e.spi)}: ${e.what} not decrypted`;
      pkt.addExpert(n, KX_EXPERT.noKey, e.offset, e.length, msg);
      record(false, undefined, 'no key');
    } else {
      pkt.addExpert(n, KX_EXPERT.noCipher, e.offset, e.length, `${describeSa(sa)} has no cipher: ${e.what} not decrypted`);
      record(false, sa, 'no cipher');
    }
    return null;
  }
  const cipher = sa.cipher;
  const parts = splitEncrypted(cipher, data);
  if (parts) {
    const l = cipherLayout(cipher);
    // IV ‖ ciphertext ‖ tag, one after the other over the encrypted bytes.
    const c = new Cursor(e.buf, e.offset, e.offset + e.length);
    addItem(pkt, parent, KX.encIv, c, e.src, l.ivLen);
    addItem(pkt, parent, KX.encCiphertext, c, e.src, parts.ct.length);
    if (l.tagLen) addItem(pkt, parent, KX.encTag, c, e.src, l.tagLen);
  } else addItem(pkt, parent, KX.encData, new Cursor(e.buf, e.offset, e.offset + e.length), e.src);
  pkt.addGenerated(parent, KX.encCipher, cipher, e.offset, e.length, e.src);
  showSaOrigin(pkt, parent, sa, e.offset, e.length, e.src);
  try {
    const plain = decrypt(cipher, sa.key, data, e.aad);
    const src = pkt.addSource(`Decrypted ${e.what} (SPI ${spiHex(e.spi)})`, plain);
    record(true, sa);
    return { plain, src, sa };
  } catch (err) {
    const reason = err instanceof DecryptError ? DECRYPT_FAILURES[err.reason] : String(err);
    pkt.addExpert(parent, KX_EXPERT.failed, e.offset, e.length, `${e.what}: decryption under ${describeSa(sa)} failed: ${reason}`);
    record(false, sa, reason);
    return null;
  }
}
