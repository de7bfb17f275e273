// The general-purpose messages between home agent and KDC (docs/protocol.md §B.5, WO 01/26322 Fig. 7):
// type 8 Key Request, type 9 Key Reply: Type Code Reserved(2) HomeAddress(4) Identification(8).
import { ipv4String } from '../format.js';
import { MIP } from '../mip/fields.js';
import { MIP_EXPERT } from '../mip/extensions.js';
import { ident, uint } from '../mip/layout.js';
import { declareMessage } from '../mip/messages.js';
import { KX, KX_EXPERT } from './fields.js';

function keyMessage(reply: boolean): void {
  declareMessage({
    type: reply ? 9 : 8,
    items: [
      // A Key Request carries code 0; a Key Reply 0 (keys issued) or 128 (refused).
      uint('code', KX.msgCode, { check: x => {
        if (reply ? x.value !== 0 && x.value !== 128 : x.value !== 0) x.pkt.addExpert(x.node, KX_EXPERT.msgCode, x.offset, 1, reply ? `Key Reply code ${x.value} is neither 0 (keys issued) nor 128 (refused)` : `Key Request code ${x.value} is not 0`);
      } }),
      uint('reserved', KX.msgReserved, { check: x => { if (x.value) x.pkt.addExpert(x.node, MIP_EXPERT.reservedSet, x.offset, 2, 'Reserved field is not zero (docs/protocol.md §B.5)'); } }),
      uint('homeAddr', MIP.homeaddr),
      ident('ident'),
    ],
    info: { through: 'homeAddr', text: v => reply ? `Key Reply: HoA=${ipv4String(v.homeAddr as number)}, Code=${v.code}` : `Key Request: HoA=${ipv4String(v.homeAddr as number)}` },
  });
}

keyMessage(false);
keyMessage(true);
