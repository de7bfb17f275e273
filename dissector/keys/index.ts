// Keys: the keys file, the SA table, ciphers and MACs, Diffie-Hellman and derivations
// (docs/protocol.md §B.2, B.4, C), and the per-session key state.
export { KeysFileError, loadKeysFile, parseKeysFile, parseSpi } from './keys-file.js';
export type { KeysFile, DhEntry } from './keys-file.js';
export { SaTable, describeSa, LEARN_METHODS } from './table.js';
export type { SecurityAssociation, SaSource, LearnMethod } from './table.js';
export { attachKeys, kxState, learnedKeys, frameKeyResults } from './state.js';
export type { KxState, AuthRecord, AuthStatus, DecryptionRecord, FrameKeyResults, RequestInputs } from './state.js';
export { CIPHER_IDS, CIPHER_NAMES, CIPHER_KEY_SIZES, decrypt, encrypt, DecryptError } from './ciphers.js';
export type { CipherName } from './ciphers.js';
export { AUTH_ALG_IDS, AUTH_ALGS, AUTH_KEY_SIZES, AUTH_MAC_SIZES, computeAuthenticator } from './mac.js';
export type { AuthAlg } from './mac.js';
