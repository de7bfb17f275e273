// Mobile IP extensions (RFC 5944 §1.9 and companions): a dispatch table from type to layout
// and body dissector (DESIGN.md principle 5). KX types are resolved through preferences.
import { registerExperts } from '../fields.js';
import type { FieldDef } from '../fields.js';
import { defaultPrefs } from '../prefs.js';
import type { Prefs } from '../prefs.js';
import { BoundsError, Cursor } from '../cursor.js';
import type { Packet, UdpHeader } from '../packet.js';
import type { Node } from '../tree.js';
import { addItem } from '../tree.js';
import { EXTENSION_TYPES, MIP } from './fields.js';
import type { ExtensionDecl } from './layout.js';

export type Layout = 'short' | 'long' | 'cvse';

/** One extension as found on the wire. */
export interface Extension {
  type: number;
  /** Offset of the Type byte (in the message's data source). */
  offset: number;
  /** Header length: 2 (short) or 4 (long, CVSE). */
  hdrLen: number;
  /** The Length field's value. */
  length: number;
  /** Sub-type of long-format extensions. */
  subtype: number;
  /** End of the extension's data as declared (may lie past the message when malformed). */
  end: number;
  /** True when Length runs past the message. */
  overrun: boolean;
  node: Node;
}

/** What an extension's body dissector receives. */
export interface ExtensionContext {
  pkt: Packet;
  msg: MipMessage;
  ext: Extension;
  node: Node;
  /** Cursor over the extension data (after the header), bounded by the Length. */
  c: Cursor;
  buf: Uint8Array;
  src: number;
}

export interface ExtensionHandler {
  name: string;
  layout: Layout;
  /** The field of the header's second byte (long, CVSE), added between mip.ext.type and mip.ext.len. */
  subtype?: FieldDef;
  /** The declaration the handler was made from (layout.ts), which the encoder and decoder read too. */
  decl?: ExtensionDecl;
  dissect?: (x: ExtensionContext) => void;
}

/** A Mobile IP message being dissected, handed to post-dissection hooks (verification, matching). */
export interface MipMessage {
  type: number;
  buf: Uint8Array;
  start: number;
  end: number;
  src: number;
  node: Node;
  /** Offset where extensions begin. */
  extStart: number;
  exts: Extension[];
  code?: number;
  homeAddr?: number;
  haAddr?: number;
  coa?: number;
  ident?: bigint;
  lifetime?: number;
  flags?: number;
  /** The UDP header (and through it the IPv4 header) that carried the message. */
  udp: UdpHeader | undefined;
}

export const extensionTable = new Map<number, ExtensionHandler>();
/** Resolvers consulted before the table: KX types are preferences, so they are looked up per packet. */
export const extensionResolvers: Array<(type: number, prefs: Prefs) => ExtensionHandler | undefined> = [];

export function extensionHandler(type: number, prefs: Prefs): ExtensionHandler | undefined {
  for (const r of extensionResolvers) { const h = r(type, prefs); if (h) return h; }
  return extensionTable.get(type);
}

/** The header layout of an extension type: its handler's, short for a type nobody handles. */
export function layoutOf(type: number, prefs: Prefs = defaultPrefs): Layout {
  return extensionHandler(type, prefs)?.layout ?? 'short';
}

export const MIP_EXPERT = registerExperts({
  extOverrun: { abbrev: 'mip.ext.len.overrun', summary: 'Extension length runs past the end of the message', group: 'malformed', severity: 'error' },
  extShort: { abbrev: 'mip.ext.len.short', summary: 'Extension is too short for its fields', group: 'malformed', severity: 'error' },
  extTrailing: { abbrev: 'mip.ext.trailing', summary: 'Extension data not used by its fields', group: 'malformed', severity: 'warn' },
  unknownNonSkippable: { abbrev: 'mip.ext.unknown_nonskippable', summary: 'Unknown non-skippable extension: a receiver discards the message (RFC 5944 §1.9)', group: 'protocol', severity: 'warn' },
  unknownSkippable: { abbrev: 'mip.ext.unknown_skippable', summary: 'Unknown skippable extension', group: 'undecoded', severity: 'note' },
  unknownType: { abbrev: 'mip.type.unknown', summary: 'Unknown Mobile IP message type', group: 'undecoded', severity: 'warn' },
  reservedSet: { abbrev: 'mip.reserved.nonzero', summary: 'Reserved bits are set', group: 'protocol', severity: 'warn' },
  notDissected: { abbrev: 'mip.data_not_dissected.expert', summary: 'Data not dissected yet', group: 'undecoded', severity: 'note' },
});

/** Dissects the extensions of msg from msg.extStart to msg.end. */
export function dissectExtensions(pkt: Packet, msg: MipMessage): void {
  const { buf, src, end } = msg;
  if (msg.extStart >= end) return;
  const exts = pkt.addText(msg.node, 'Extensions', msg.extStart, end - msg.extStart, src);
  let off = msg.extStart;
  const prefs = pkt.session.prefs;
  while (off < end) {
    const type = buf[off]!;
    const handler = extensionHandler(type, prefs);
    const layout: Layout = handler?.layout ?? 'short';
    const hdrLen = layout === 'short' ? 2 : 4;
    const label = handler?.name ?? EXTENSION_TYPES[type] ?? `Unknown Extension ${type}`;
    const node = pkt.addText(exts, `Extension: ${label}`, off, Math.min(hdrLen, end - off), src);
    const hc = new Cursor(buf, off, end);
    addItem(pkt, node, MIP.extType, hc, src);
    if (off + hdrLen > end) {
      pkt.addExpert(node, MIP_EXPERT.extShort, off, end - off, `Extension header needs ${hdrLen} bytes, ${end - off} remain`);
      return;
    }
    // Short: Type Length(1); long and CVSE: Type SubType Length(2), the sub-type shown when the handler names its field.
    const subtype = layout === 'short' ? 0 : handler?.subtype ? addItem(pkt, node, handler.subtype, hc, src).value as number : hc.u8();
    const length = addItem(pkt, node, MIP.extLen, hc, src, layout === 'short' ? 1 : 2).value as number;
    const dataStart = off + hdrLen;
    const declaredEnd = dataStart + length;
    const ext: Extension = { type, offset: off, hdrLen, length, subtype, end: declaredEnd, overrun: declaredEnd > end, node };
    msg.exts.push(ext);
    if (ext.overrun) {
      node.length = end - off;
      pkt.addExpert(node, MIP_EXPERT.extOverrun, off + 1, hdrLen - 1, `Extension length ${length} runs past the end of the message (${end - dataStart} bytes remain)`);
      if (end > dataStart) pkt.add(node, MIP.extension, buf.subarray(dataStart, end), dataStart, end - dataStart, src);
      return;
    }
    node.length = hdrLen + length;
    if (!handler) {
      if (type < 128) pkt.addExpert(node, MIP_EXPERT.unknownNonSkippable, off, 1, `Unknown non-skippable extension type ${type}: a receiver discards the message (RFC 5944 §1.9)`);
      else pkt.addExpert(node, MIP_EXPERT.unknownSkippable, off, 1, `Unknown skippable extension type ${type}`);
    }
    const c = new Cursor(buf, dataStart, declaredEnd);
    const x: ExtensionContext = { pkt, msg, ext, node, c, buf, src };
    if (handler?.dissect) {
      try {
        handler.dissect(x);
      } catch (e) {
        if (!(e instanceof BoundsError)) throw e;
        pkt.addExpert(node, MIP_EXPERT.extShort, dataStart, length, `${label}: length ${length} is too short for its fields`);
      }
    } else pkt.add(node, MIP.extension, buf.subarray(dataStart, declaredEnd), dataStart, length, src);
    off = declaredEnd;
  }
}
