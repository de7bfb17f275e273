// The KX extensions and messages (docs/protocol.md §B): importing this module registers the GP
// extensions, the negotiation payloads, the type 8/9 messages, and the message hook that
// verifies authenticators and learns keys (phase 'keys': after request↔reply matching, which
// derivations completed by a reply need).
import './messages.js';
import './extensions.js';
import { addMessageHook } from '../mip/messages.js';
import type { MipMessage } from '../mip/extensions.js';
import type { Packet } from '../packet.js';
import { verifyAuthenticators } from './verify.js';
import { learnKeys } from './learn.js';

export function kxHook(pkt: Packet, msg: MipMessage): void {
  verifyAuthenticators(pkt, msg);
  learnKeys(pkt, msg);
}
addMessageHook('keys', kxHook);

export { KX, KX_EXPERT, KX_TYPE_PREFS, kxType } from './fields.js';
export { kxExtensionHandler } from './extensions.js';
export { packetKx, peekMessageKx } from './records.js';
export type { MessageKx, GpRecord, SaInfo, SaPayloadRecord, ProposalRecord, TransformRecord, KeRecord } from './records.js';
export * from './encode.js';
