// The faults agents can be told to commit, for the deliberately faulty samples. Each is a
// misbehaviour of one agent; the others react as they would to the real thing. A fault that
// sits in the bytes relays keep (up to the MN-HA authentication, WO 01/26322 Fig. 4b) travels with the
// message through relays, so every frame that carries it is marked.

export const FAULT = {
  /** MN: flips a bit of its MN-HA authenticator. */
  corruptMnHa: 'corrupt-mn-ha',
  /** MN: sends its NAI in a GP-NAI with E = 0 and its home address in the header. */
  identityClear: 'identity-clear',
  /** MN: sets the reserved x bit of the request flags. */
  reservedBits: 'reserved-bits',
  /** MN: a GP-L2 extension whose Length runs past the message. */
  lengthOverrun: 'length-overrun',
  /** MN: a Diffie-Hellman value of P − 1. */
  dhOutOfRange: 'dh-out-of-range',
  /** MN: proposal numbers out of order. */
  proposalOrder: 'proposal-order',
  /** MN and HA: keep using KEY1 after its SA lifetime. */
  useExpiredSa: 'use-expired-sa',
  /** MN: authenticates with a corrupted copy of the KEY1 it learned. */
  wrongLearnedKey: 'wrong-learned-key',
  /** MN: re-offers what the HA refused instead of taking its counter-proposal. */
  stubborn: 'stubborn-negotiation',
  /** HA: grants more lifetime than requested. */
  grantMore: 'grant-more-lifetime',
  /** HA: answers a negotiation with a transform that was not offered. */
  transformNotOffered: 'transform-not-offered',
  /** HA: gives the FA a KEY3 different from the mobile node's. */
  key3Mismatch: 'key3-mismatch',
  /** HA: sends KEY0 itself as KEY1. */
  key0AsKey1: 'key0-as-key1',
  /** HA: sends the mobile node's KEY1 copy unencrypted. */
  key1Clear: 'key1-in-clear',
  /** HA: puts FA-HA authentication before the FA-only extensions. */
  faHaNotLast: 'faha-not-last',
  /** HA: answers with the wrong low 32 bits of the Identification. */
  wrongReplyIdent: 'wrong-reply-ident',
  /** KDC: hands out a KEY3 it already gave another mobile node. */
  reuseKey3: 'reuse-key3',
  /** FA: relays the reply to the mobile node without removing the plaintext keys. */
  noStrip: 'no-strip',
} as const;

export type FaultName = typeof FAULT[keyof typeof FAULT];

/** Faults carried in bytes that relays pass on unchanged. */
export const TRAVELS: ReadonlySet<string> = new Set<string>([
  FAULT.corruptMnHa, FAULT.identityClear, FAULT.reservedBits, FAULT.dhOutOfRange, FAULT.proposalOrder,
  FAULT.useExpiredSa, FAULT.wrongLearnedKey, FAULT.stubborn, FAULT.grantMore, FAULT.transformNotOffered,
  FAULT.key0AsKey1, FAULT.key1Clear, FAULT.reuseKey3,
]);

export function travelling(faults: readonly string[]): string[] {
  return faults.filter(f => TRAVELS.has(f));
}
