// The general-purpose messages between home agent and KDC (docs/protocol.md §B.5, WO 01/26322 Fig. 7):
// type 8 Key Request, type 9 Key Reply: Type Code Reserved(2) HomeAddress(4) Identification(8).
import { ipv4String } from '../format.js';
import { MIP } from '../mip/fields.js';
import { MIP_EXPERT } from '../mip/extensions.js';
import { addIdentification, messageTable } from '../mip/messages.js';
import type { MessageDissector } from '../mip/messages.js';
import { readU32 } from '../cursor.js';
import { KX, KX_EXPERT } from './fields.js';

function keyMessage(reply: boolean): MessageDissector {
  return (pkt, msg, c) => {
    const b = msg.buf, s = msg.start;
    if (msg.end - s >= 8) {
      pkt.info = reply ? `Key Reply: HoA=${ipv4String(readU32(b, s + 4))}, Code=${b[s + 1]}` : `Key Request: HoA=${ipv4String(readU32(b, s + 4))}`;
    }
    msg.code = c.u8();
    const cn = pkt.add(msg.node, KX.msgCode, msg.code, s + 1, 1, msg.src);
    // A Key Request carries code 0; a Key Reply 0 (keys issued) or 128 (refused).
    if (reply ? msg.code !== 0 && msg.code !== 128 : msg.code !== 0) pkt.addExpert(cn, KX_EXPERT.msgCode, s + 1, 1, reply ? `Key Reply code ${msg.code} is neither 0 (keys issued) nor 128 (refused)` : `Key Request code ${msg.code} is not 0`);
    const reserved = c.u16();
    const rn = pkt.add(msg.node, KX.msgReserved, reserved, s + 2, 2, msg.src);
    if (reserved) pkt.addExpert(rn, MIP_EXPERT.reservedSet, s + 2, 2, 'Reserved field is not zero (docs/protocol.md §B.5)');
    const p = c.pos;
    msg.homeAddr = c.u32();
    pkt.add(msg.node, MIP.homeaddr, msg.homeAddr, p, 4, msg.src);
    addIdentification(pkt, msg, c);
    msg.extStart = c.pos;
  };
}

messageTable.set(8, keyMessage(false));
messageTable.set(9, keyMessage(true));
