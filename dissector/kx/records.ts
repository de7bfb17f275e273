// What the KX dissectors found in one message, handed from the extension dissectors to the
// message hook that verifies authenticators and learns keys. Kept per message (a tunnelled
// datagram can hold a second message in the same packet), dropped with the message.
import type { MipMessage } from '../mip/extensions.js';
import type { Packet } from '../packet.js';
import type { Node } from '../tree.js';
import type { DhGroup } from '../keys/dh.js';
import type { AuthRecord } from '../keys/state.js';
import type { SecurityAssociation } from '../keys/table.js';

/** Where a record's bytes lie: its node's, kept apart because the fast path keeps no node (DESIGN.md principle 7). */
export interface Span { offset: number; length: number; src: number }

/** A record with its node and where it lies. */
export interface Located { node: Node; at: Span }

export type GpKind = 'gp_nai' | 'gp_ip' | 'gp_l2' | 'gp_sa';

export interface SaInfo {
  newSpi: number;
  authAlg: number;
  cipherAlg: number;
  lifetime: number;
  key: Uint8Array;
}

export interface GpRecord {
  kind: GpKind;
  /** Position of the extension among the message's extensions. */
  index: number;
  content: number;
  encrypted: boolean;
  spi: number;
  /** INFO could be read: E = 0, or E = 1 and decrypted. */
  readable: boolean;
  nai?: string;
  ip?: number;
  /** A GP-IP IPv6 address, as printed. */
  ip6?: string;
  /** GP-L2: the Ethernet address (content 0), or the IMSI / MIN text (contents 1, 2). */
  eth?: Uint8Array;
  l2Text?: string;
  saInfo?: SaInfo;
  node: Node;
  /** The extension's bytes. */
  at: Span;
}

export interface TransformRecord {
  no: number;
  id: number;
  /** Attribute type → integer value (types 1-5 with a well-formed length). */
  attrs: Map<number, number>;
  node: Node;
}

export interface KeRecord {
  subtype: number;
  xfno?: number;
  /** DH public value and its group (sub-types 1, 2, 4) when well formed. */
  cv?: Uint8Array;
  group?: DhGroup;
  /** The key (sub-type 3), or the decrypted key (5) or seed (6). */
  key?: Uint8Array;
  spi?: number;
  /** The expert item that rejected the Diffie-Hellman group or public value (sub-types 1, 2, 4). */
  problem?: Node;
  node: Node;
  /** The payload's bytes. */
  at: Span;
}

export interface ProposalRecord {
  no: number;
  protoNo: number;
  protoId: number;
  lifetime: number;
  spi: number;
  transforms: TransformRecord[];
  ke: KeRecord[];
  node: Node;
  /** The payload's bytes. */
  at: Span;
}

export interface SaPayloadRecord { subtype: number; proposals: ProposalRecord[]; node: Node }

export interface MessageKx {
  gp: GpRecord[];
  sa: SaPayloadRecord[];
  /** The authenticator verdicts of the authentication extensions, in wire order. */
  auth: AuthRecord[];
  /** The security associations the message taught (shown under it). */
  learned: SecurityAssociation[];
}

/**
 * A message's record hangs on the message under a symbol and the packet lists its messages'
 * records (Packet.kx): a WeakMap per message cost a lookup per extension and left ephemerons
 * for every collection to trace.
 */
const RECORD = Symbol('kx records');
type WithRecord = MipMessage & { [RECORD]?: MessageKx };

/** The record of a message, created by the first KX extension found in it. */
export function messageKx(pkt: Packet, msg: MipMessage): MessageKx {
  let m = (msg as WithRecord)[RECORD];
  if (!m) {
    m = { gp: [], sa: [], auth: [], learned: [] };
    (msg as WithRecord)[RECORD] = m;
    if (pkt.kx) pkt.kx.push(m); else pkt.kx = [m];
  }
  return m;
}

/** What the KX dissectors found in a packet's messages (for rules over the decoded structure). */
export function packetKx(pkt: Packet): readonly MessageKx[] {
  return pkt.kx ?? [];
}

export function peekMessageKx(msg: MipMessage): MessageKx | undefined {
  return (msg as WithRecord)[RECORD];
}
