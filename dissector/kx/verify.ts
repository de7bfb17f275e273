// Verification of the authentication extensions 32 (MN-HA), 33 (MN-FA), 34 (FA-HA) and 36
// (generalized, RFC 3012) under the SA of their SPI. The authenticated data is everything from
// the message type through the extension's SPI (docs/protocol.md §A, RFC 5944 §3.5.1); the algorithm is
// the SA's `auth`. Without a key the verdict is "unverified".
import { equalBytes, computeAuthenticator } from '../keys/mac.js';
import { kxState, recordOnce } from '../keys/state.js';
import type { AuthRecord } from '../keys/state.js';
import { describeSa } from '../keys/table.js';
import { readU32 } from '../cursor.js';
import { MIP } from '../mip/fields.js';
import type { MipMessage } from '../mip/extensions.js';
import type { Packet } from '../packet.js';
import { KX_EXPERT } from './fields.js';
import { MAX_AUTHENTICATORS_PER_MESSAGE } from '../limits.js';
import { showSaOrigin, spiHex } from './decrypt.js';
import { messageKx } from './records.js';

export const AUTH_EXTENSION_TYPES: ReadonlySet<number> = new Set([32, 33, 34, 36]);

export function verifyAuthenticators(pkt: Packet, msg: MipMessage): void {
  const st = kxState(pkt.session);
  const { buf, src } = msg;
  let verified = 0;
  for (const ext of msg.exts) {
    if (!AUTH_EXTENSION_TYPES.has(ext.type) || ext.overrun) continue;
    const spiAt = ext.offset + ext.hdrLen;
    const authAt = spiAt + 4;
    if (authAt > ext.end) continue; // too short for an SPI: already a malformed extension
    const spi = readU32(buf, spiAt);
    const authenticator = buf.subarray(authAt, ext.end);
    const sa = st.table.lookup(spi, pkt.no);
    const rec: AuthRecord = { frame: pkt.no, extType: ext.type, offset: ext.offset, spi, status: 'unverified' };
    const at = authAt, len = ext.end - authAt;
    if (sa) rec.sa = sa;
    if (sa?.auth && verified === MAX_AUTHENTICATORS_PER_MESSAGE) {
      pkt.addExpert(ext.node, KX_EXPERT.authLimit, ext.offset, ext.end - ext.offset, `More than ${MAX_AUTHENTICATORS_PER_MESSAGE} authenticators in one message (MAX_AUTHENTICATORS_PER_MESSAGE): this and the later ones are not verified`);
    }
    if (sa?.auth && verified++ < MAX_AUTHENTICATORS_PER_MESSAGE) {
      const expected = computeAuthenticator(sa.auth, sa.key, buf.subarray(msg.start, authAt));
      rec.alg = sa.auth;
      rec.status = equalBytes(expected, authenticator) ? 'good' : 'bad';
      const sn = pkt.addGenerated(ext.node, MIP.authStatus, rec.status, at, len, src);
      pkt.addGenerated(ext.node, MIP.authAlg, sa.auth, at, len, src);
      showSaOrigin(pkt, ext.node, sa, at, len, src);
      if (rec.status === 'bad') {
        pkt.addGenerated(ext.node, MIP.authExpected, expected, at, len, src);
        pkt.addExpert(sn, KX_EXPERT.authBad, at, len, `Authenticator does not verify under ${describeSa(sa)}`);
      }
      ext.node.append = (ext.node.append ?? '') + ` [${rec.status}]`;
    } else {
      pkt.addGenerated(ext.node, MIP.authStatus, 'unverified', at, len, src);
      if (sa && !sa.auth) pkt.addExpert(ext.node, KX_EXPERT.authNoAlg, spiAt, 4, `${describeSa(sa)} has no authentication algorithm: SPI ${spiHex(spi)} not verified`);
    }
    messageKx(pkt, msg).auth.push(rec);
    recordOnce(pkt.session, st.auth, pkt.no, rec);
    if (!pkt.session.visited(pkt.no)) pkt.session.transactions.noteAuth(pkt.no, msg.start, msg.src, { type: ext.type, spi, status: rec.status });
  }
}
