// Number theory for the Diffie-Hellman rules, shared with the key module (WIRE.md B.3, B.4).
import { OAKLEY_GROUPS } from '../../dissector/keys/dh.js';

export { bytesToBigInt, isProbablePrime } from '../../dissector/keys/dh.js';

/** RFC 2409 §6.1 and §6.2. */
export const MODP1_PRIME = OAKLEY_GROUPS[1].p;
export const MODP2_PRIME = OAKLEY_GROUPS[2].p;
