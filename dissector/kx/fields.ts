// Fields, expert items and preferences of the KX extensions (docs/protocol.md §B, D, E). The names of
// part D are kept exactly; the others (mip.kx.enc.*, mip.kx.pl.*, lengths, mip.kx.learned.*) are
// additions that show the rest of the bytes and what the analyzer computed.
import { registerExperts, registerFields } from '../fields.js';
import { registerPref } from '../prefs.js';
import type { Prefs } from '../prefs.js';

/** The KX type numbers: preferences, because the system assigns none (docs/protocol.md §B). */
export const KX_TYPE_PREFS = {
  gp_nai: 200, gp_ip: 201, gp_l2: 202, gp_sa: 203,
  sa: 112, proposal: 113, transform: 114, ke: 115,
} as const;
export type KxKind = keyof typeof KX_TYPE_PREFS;
for (const [k, v] of Object.entries(KX_TYPE_PREFS)) registerPref(`mip.kx.type.${k}`, v, [0, 255]);

/** The type number of a KX extension or payload under the session's preferences. */
export function kxType(prefs: Prefs, kind: KxKind): number {
  const v = prefs[`mip.kx.type.${kind}`];
  return typeof v === 'number' ? v : KX_TYPE_PREFS[kind];
}

export const GP_CONTENT_NAMES: Readonly<Record<'gp_nai' | 'gp_ip' | 'gp_l2' | 'gp_sa', Readonly<Record<number, string>>>> = {
  gp_nai: { 0: 'Mobile node', 1: 'Foreign agent', 2: 'Home agent' },
  gp_ip: { 0: 'Mobile node / home agent address', 1: 'Router address' },
  gp_l2: { 0: 'Ethernet', 1: 'IMSI', 2: 'MIN' },
  gp_sa: { 0: 'MN-FA (KEY3)', 1: 'FA-HA (KEY2)', 2: 'MN-HA (KEY1)', 3: 'HA-KDC' },
};

export const AUTH_ALG_NAMES = { 0: 'None', 1: 'HMAC-MD5', 2: 'Keyed-MD5 prefix+suffix', 3: 'HMAC-SHA1', 4: 'HMAC-SHA256' };
export const CIPHER_ALG_NAMES = { 0: 'None', 1: 'AES-128-CBC', 2: 'AES-256-CBC', 3: 'AES-128-GCM', 4: 'AES-256-GCM', 5: 'ChaCha20-Poly1305' };
export const ATTR_NAMES = { 1: 'Key length (bits)', 2: 'SA lifetime (s)', 3: 'Key-generation mode', 4: 'PRF', 5: 'Replay method' };
export const MODE_NAMES: Readonly<Record<number, string>> = { 1: 'stateless', 2: 'stateful', 3: 'semi-stateful' };
export const REPLAY_NAMES: Readonly<Record<number, string>> = { 1: 'none', 2: 'timestamps', 3: 'nonces' };
export const KE_SUBTYPES = {
  1: 'Diffie-Hellman, Oakley group 1', 2: 'Diffie-Hellman, Oakley group 2', 3: 'Secret key over a secured path',
  4: 'Diffie-Hellman, user-defined group', 5: 'KDC-generated key', 6: 'KDC seed (semi-stateful)',
};
export const SAP_SUBTYPES = { 1: 'MN-HA', 2: 'MN-FA', 3: 'FA-HA', 4: 'MN-SMM' };

export const KX = registerFields({
  // GP extensions (B.1)
  gpContent: { abbrev: 'mip.kx.gp.content', name: 'Content Type', type: 'uint8', description: 'GP extension content type (meaning depends on the extension type)' },
  gpFlags: { abbrev: 'mip.kx.gp.flags', name: 'Flags', type: 'uint8', base: 'hex' },
  gpE: { abbrev: 'mip.kx.gp.e', name: 'Encrypted', type: 'bool', bits: 8, bitmask: 0x80, description: 'E flag: INFO is encrypted under the SA of SPI' },
  gpReserved: { abbrev: 'mip.kx.gp.reserved', name: 'Reserved', type: 'uint8', base: 'hex', bits: 8, bitmask: 0x7f },
  gpSpi: { abbrev: 'mip.kx.gp.spi', name: 'SPI', type: 'uint32', base: 'hex', description: 'SA that encrypted INFO (0 when E = 0)' },
  gpDecrypted: { abbrev: 'mip.kx.gp.decrypted', name: 'Decrypted', type: 'bool', description: 'INFO was decrypted with a known key (present on E = 1 extensions only)' },
  gpInfo: { abbrev: 'mip.kx.gp.info', name: 'INFO', type: 'bytes', description: 'INFO not otherwise decoded' },
  // Encrypted data (B.2)
  encIv: { abbrev: 'mip.kx.enc.iv', name: 'IV / nonce', type: 'bytes' },
  encCiphertext: { abbrev: 'mip.kx.enc.ciphertext', name: 'Ciphertext', type: 'bytes' },
  encTag: { abbrev: 'mip.kx.enc.tag', name: 'Authentication tag', type: 'bytes' },
  encData: { abbrev: 'mip.kx.enc.data', name: 'Encrypted data', type: 'bytes', description: 'Encrypted data whose cipher is unknown (no key for its SPI)' },
  encCipher: { abbrev: 'mip.kx.enc.cipher', name: 'Cipher', type: 'string', description: 'The cipher of the SA used to decrypt' },
  keyLearnedIn: { abbrev: 'mip.kx.key.learned_in', name: 'Key learned in', type: 'framenum', description: 'The frame that taught the key used here' },
  keyLabel: { abbrev: 'mip.kx.key.label', name: 'Keys-file SA', type: 'string', description: 'Label of the keys-file entry used here' },
  // INFO contents
  nai: { abbrev: 'mip.kx.nai', name: 'NAI', type: 'string' },
  ip: { abbrev: 'mip.kx.ip', name: 'Address', type: 'ipv4' },
  ip6: { abbrev: 'mip.kx.ip6', name: 'IPv6 address', type: 'string' },
  l2Eth: { abbrev: 'mip.kx.l2.eth', name: 'Ethernet address', type: 'ether' },
  l2Imsi: { abbrev: 'mip.kx.l2.imsi', name: 'IMSI', type: 'string' },
  l2Min: { abbrev: 'mip.kx.l2.min', name: 'MIN', type: 'string' },
  saNewSpi: { abbrev: 'mip.kx.sa.newspi', name: 'New SPI', type: 'uint32', base: 'hex' },
  saAuthAlg: { abbrev: 'mip.kx.sa.authalg', name: 'Authentication algorithm', type: 'uint8', values: AUTH_ALG_NAMES },
  saCipherAlg: { abbrev: 'mip.kx.sa.cipheralg', name: 'Cipher algorithm', type: 'uint8', values: CIPHER_ALG_NAMES },
  saLifetime: { abbrev: 'mip.kx.sa.lifetime', name: 'Lifetime', type: 'uint32', description: 'Seconds; 4294967295 = infinite' },
  saKeyLen: { abbrev: 'mip.kx.sa.keylen', name: 'Key length', type: 'uint8' },
  saKey: { abbrev: 'mip.kx.sa.key', name: 'Key', type: 'bytes' },
  // Negotiation payloads (B.3)
  sapSubtype: { abbrev: 'mip.kx.sap.subtype', name: 'SA sub-type', type: 'uint8', values: SAP_SUBTYPES },
  plType: { abbrev: 'mip.kx.pl.type', name: 'Payload type', type: 'uint8', description: 'Type of a payload nested in an SA payload' },
  plSubtype: { abbrev: 'mip.kx.pl.subtype', name: 'Payload sub-type', type: 'uint8' },
  plLen: { abbrev: 'mip.kx.pl.len', name: 'Payload length', type: 'uint16' },
  plData: { abbrev: 'mip.kx.pl.data', name: 'Payload data', type: 'bytes', description: 'Bytes of a negotiation payload not otherwise decoded (too short for a header or field, or of an unknown sub-type)' },
  propNo: { abbrev: 'mip.kx.prop.no', name: 'Proposal number', type: 'uint8' },
  propProtoNo: { abbrev: 'mip.kx.prop.protono', name: 'Protocol number', type: 'uint8' },
  propProtoId: { abbrev: 'mip.kx.prop.protoid', name: 'Protocol id', type: 'uint8', values: { 1: 'Authentication', 2: 'Encryption' } },
  propNtrans: { abbrev: 'mip.kx.prop.ntrans', name: 'Number of transforms', type: 'uint8' },
  propLifetime: { abbrev: 'mip.kx.prop.lifetime', name: 'Lifetime', type: 'uint32', description: 'Seconds; 4294967295 = infinite' },
  propSpi: { abbrev: 'mip.kx.prop.spi', name: 'SPI', type: 'uint32', base: 'hex' },
  xfNo: { abbrev: 'mip.kx.xf.no', name: 'Transform number', type: 'uint8' },
  xfId: { abbrev: 'mip.kx.xf.id', name: 'Transform id', type: 'uint8' },
  xfNkeys: { abbrev: 'mip.kx.xf.nkeys', name: 'Number of keys', type: 'uint8' },
  xfReserved: { abbrev: 'mip.kx.xf.reserved', name: 'Reserved', type: 'uint8', base: 'hex' },
  xfAttrType: { abbrev: 'mip.kx.xf.attr.type', name: 'Attribute type', type: 'uint16', values: ATTR_NAMES },
  xfAttrLen: { abbrev: 'mip.kx.xf.attr.len', name: 'Attribute length', type: 'uint16' },
  // Decimal for attribute types 1-5, hex bytes for others (docs/protocol.md §E.12): one name, two forms.
  xfAttrValue: { abbrev: 'mip.kx.xf.attr.value', name: 'Attribute value', type: 'string', description: 'Decimal integer for attributes 1-5, hex bytes for others' },
  keSubtype: { abbrev: 'mip.kx.ke.subtype', name: 'Key-exchange sub-type', type: 'uint8', values: KE_SUBTYPES },
  keXfNo: { abbrev: 'mip.kx.ke.xfno', name: 'Transform number', type: 'uint8' },
  keReserved: { abbrev: 'mip.kx.ke.reserved', name: 'Reserved', type: 'uint8', base: 'hex' },
  kePLen: { abbrev: 'mip.kx.ke.plen', name: 'P length', type: 'uint16' },
  keP: { abbrev: 'mip.kx.ke.p', name: 'P', type: 'bytes' },
  keGLen: { abbrev: 'mip.kx.ke.glen', name: 'G length', type: 'uint16' },
  keG: { abbrev: 'mip.kx.ke.g', name: 'G', type: 'bytes' },
  keCvLen: { abbrev: 'mip.kx.ke.cvlen', name: 'CV length', type: 'uint16' },
  keCv: { abbrev: 'mip.kx.ke.cv', name: 'CV (public value)', type: 'bytes' },
  keSpi: { abbrev: 'mip.kx.ke.spi', name: 'SPI', type: 'uint32', base: 'hex', description: 'SA that encrypted the key or seed' },
  keKey: { abbrev: 'mip.kx.ke.key', name: 'Key', type: 'bytes', description: 'Secret key, or the decrypted KDC key or seed' },
  // General-purpose messages (B.5)
  msgCode: { abbrev: 'mip.kx.msg.code', name: 'Code', type: 'uint8', values: { 0: 'Keys issued', 128: 'Refused' } },
  msgReserved: { abbrev: 'mip.kx.msg.reserved', name: 'Reserved', type: 'uint16', base: 'hex' },
  // What the analyzer learned (generated)
  learnedSpi: { abbrev: 'mip.kx.learned.spi', name: 'Learned SA', type: 'uint32', base: 'hex', description: 'SPI of a security association learned from this message' },
  learnedKey: { abbrev: 'mip.kx.learned.key', name: 'Key', type: 'bytes' },
  learnedAuth: { abbrev: 'mip.kx.learned.auth', name: 'Authentication algorithm', type: 'string' },
  learnedCipher: { abbrev: 'mip.kx.learned.cipher', name: 'Cipher', type: 'string' },
  learnedMethod: { abbrev: 'mip.kx.learned.method', name: 'Learned from', type: 'string' },
  learnedValidFrom: { abbrev: 'mip.kx.learned.valid_from', name: 'Applies from frame', type: 'framenum', description: 'A key learned in frame N applies from frame N + 1 (docs/protocol.md §E.9)' },
  dhSecret: { abbrev: 'mip.kx.dh.secret', name: 'Diffie-Hellman shared secret', type: 'bytes', description: 'K = G^(Xi·Xr) mod P, left-padded to |P|' },
});

export const KX_EXPERT = registerExperts({
  noKey: { abbrev: 'mip.kx.decrypt.no_key', summary: 'No key for the SPI: not decrypted', group: 'decryption', severity: 'note' },
  noCipher: { abbrev: 'mip.kx.decrypt.no_cipher', summary: 'The SA has no cipher: not decrypted', group: 'decryption', severity: 'warn' },
  failed: { abbrev: 'mip.kx.decrypt.failed', summary: 'Decryption failed', group: 'decryption', severity: 'warn' },
  gpShort: { abbrev: 'mip.kx.gp.short', summary: 'GP extension shorter than its 6-byte header', group: 'malformed', severity: 'error' },
  gpReserved: { abbrev: 'mip.kx.gp.reserved.nonzero', summary: 'Reserved GP flag bits are set', group: 'protocol', severity: 'warn' },
  gpSpi: { abbrev: 'mip.kx.gp.spi.bad', summary: 'GP extension SPI does not fit its E flag', group: 'protocol', severity: 'warn' },
  gpContent: { abbrev: 'mip.kx.gp.content.unknown', summary: 'Unknown GP content type', group: 'protocol', severity: 'warn' },
  infoLength: { abbrev: 'mip.kx.gp.info.bad', summary: 'INFO does not fit its content type', group: 'malformed', severity: 'error' },
  saInfo: { abbrev: 'mip.kx.sa.bad', summary: 'SA-INFO is inconsistent', group: 'malformed', severity: 'error' },
  saAlg: { abbrev: 'mip.kx.sa.alg.unknown', summary: 'Unknown algorithm in SA-INFO', group: 'protocol', severity: 'warn' },
  plLength: { abbrev: 'mip.kx.pl.len.bad', summary: 'Payload length disagrees with the bytes', group: 'malformed', severity: 'error' },
  plUnexpected: { abbrev: 'mip.kx.pl.unexpected', summary: 'Unexpected payload type here', group: 'malformed', severity: 'error' },
  plSubtype: { abbrev: 'mip.kx.pl.subtype.bad', summary: 'Payload sub-type is not the one defined', group: 'protocol', severity: 'warn' },
  sapSubtype: { abbrev: 'mip.kx.sap.subtype.unknown', summary: 'Unknown SA payload sub-type', group: 'protocol', severity: 'warn' },
  sapEmpty: { abbrev: 'mip.kx.sap.empty', summary: 'SA payload holds no proposal', group: 'malformed', severity: 'error' },
  ntrans: { abbrev: 'mip.kx.prop.ntrans.bad', summary: 'NumTransforms disagrees with the transforms present', group: 'malformed', severity: 'error' },
  keFirst: { abbrev: 'mip.kx.prop.ke_before_transform', summary: 'Key-exchange payload before a transform (KE payloads follow the transforms, docs/protocol.md §E.2)', group: 'malformed', severity: 'error' },
  propOrder: { abbrev: 'mip.kx.prop.order', summary: 'Proposal numbering breaks the AND/OR rules', group: 'protocol', severity: 'warn' },
  protoId: { abbrev: 'mip.kx.prop.protoid.unknown', summary: 'Unknown ProtocolId', group: 'protocol', severity: 'warn' },
  xfOrder: { abbrev: 'mip.kx.xf.order', summary: 'Transform numbers are not increasing', group: 'protocol', severity: 'warn' },
  xfId: { abbrev: 'mip.kx.xf.id.unknown', summary: 'Transform id unknown for the ProtocolId', group: 'protocol', severity: 'warn' },
  attrLength: { abbrev: 'mip.kx.xf.attr.len.bad', summary: 'Attribute length is wrong', group: 'malformed', severity: 'error' },
  attrValue: { abbrev: 'mip.kx.xf.attr.value.bad', summary: 'Attribute value out of range', group: 'protocol', severity: 'warn' },
  keSubtype: { abbrev: 'mip.kx.ke.subtype.unknown', summary: 'Unknown key-exchange sub-type', group: 'protocol', severity: 'warn' },
  cvLength: { abbrev: 'mip.kx.ke.cv.len', summary: 'CV length is not the prime\'s length (docs/protocol.md §E.7)', group: 'malformed', severity: 'error' },
  cvRange: { abbrev: 'mip.kx.ke.cv.range', summary: 'Degenerate Diffie-Hellman public value', group: 'security', severity: 'warn' },
  badGroup: { abbrev: 'mip.kx.ke.group.bad', summary: 'User-defined Diffie-Hellman group is invalid', group: 'security', severity: 'warn' },
  keXfNo: { abbrev: 'mip.kx.ke.xfno.unknown', summary: 'Key-exchange payload names a transform that is not in its proposal', group: 'protocol', severity: 'warn' },
  keReserved: { abbrev: 'mip.kx.ke.reserved.nonzero', summary: 'Reserved byte is not zero', group: 'protocol', severity: 'warn' },
  xfReserved: { abbrev: 'mip.kx.xf.reserved.nonzero', summary: 'Transform payload: Reserved byte is not zero', group: 'protocol', severity: 'warn' },
  learned: { abbrev: 'mip.kx.key.learned', summary: 'Key learned', group: 'security', severity: 'chat' },
  rekeyed: { abbrev: 'mip.kx.key.replaced', summary: 'A learned key replaces an earlier key of the same SPI', group: 'security', severity: 'note' },
  notLearned: { abbrev: 'mip.kx.key.not_derived', summary: 'A key could not be derived', group: 'decryption', severity: 'note' },
  badTransform: { abbrev: 'mip.kx.xf.bad', summary: 'Transform cannot give a key', group: 'malformed', severity: 'error' },
  authBad: { abbrev: 'mip.auth.bad', summary: 'Authenticator does not verify', group: 'security', severity: 'error' },
  authLimit: { abbrev: 'mip.auth.limit', summary: 'Too many authenticators in one message: the rest are not verified', group: 'malformed', severity: 'warn' },
  authNoAlg: { abbrev: 'mip.auth.no_alg', summary: 'The SA has no authentication algorithm', group: 'security', severity: 'warn' },
  msgCode: { abbrev: 'mip.kx.msg.code.unknown', summary: 'Unknown general-purpose message code', group: 'protocol', severity: 'warn' },
});
