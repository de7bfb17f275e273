// The negotiation payloads (docs/protocol.md §B.3, WO 01/26322 Figs. 17-23): an SA payload (112) holding
// Proposal payloads (113), each holding Transform payloads (114) then Key-exchange payloads
// (115). All use the long format Type SubType Length(2), Length counting the bytes after it
// (E.2). Every count and length is checked against the bytes really there.
import { BoundsError, Cursor, readU16 } from '../cursor.js';
import { addItem } from '../tree.js';
import { readItems, uint } from '../mip/layout.js';
import type { LayoutItem, Values } from '../mip/layout.js';
import type { ExtensionContext, ExtensionHandler } from '../mip/extensions.js';
import type { Packet } from '../packet.js';
import type { Prefs } from '../prefs.js';
import type { Node } from '../tree.js';
import { hex } from '../format.js';
import { valueName } from '../fields.js';
import type { FieldDef } from '../fields.js';
import { bytesToBigInt, groupProblem, knownPrimality, OAKLEY_GROUPS, publicValueProblem } from '../keys/dh.js';
import { MAX_DH_GROUP_BITS, MAX_PRIME_TESTS_PER_PACKET } from '../limits.js';
import type { DhGroup } from '../keys/dh.js';
import { kxType, KX, KX_EXPERT, MODE_NAMES, REPLAY_NAMES } from './fields.js';
import { PRF_NAMES } from '../keys/derive.js';
import { decryptPart, spiHex } from './decrypt.js';
import { messageKx } from './records.js';
import type { KeRecord, ProposalRecord, SaPayloadRecord, TransformRecord } from './records.js';

/** Expected value lengths of the transform attributes 1-5 (B.3). */
export const ATTR_LENGTHS: Readonly<Record<number, number>> = { 1: 2, 2: 4, 3: 1, 4: 1, 5: 1 };

/** Transform payload's fixed part: TransformNo TransformId NumKeys Reserved (B.3, Fig. 20); the encoder writes it from the same items. */
export const TRANSFORM_FIXED: readonly LayoutItem[] = [uint('no', KX.xfNo), uint('id', KX.xfId), uint('numKeys', KX.xfNkeys), uint('reserved', KX.xfReserved)];

/** Proposal payload's fixed part: ProposalNo ProtocolNo ProtocolId NumTransforms Lifetime(4) SPI(4) (B.3, Fig. 19). */
export const PROPOSAL_FIXED: readonly LayoutItem[] = [
  uint('no', KX.propNo), uint('protoNo', KX.propProtoNo),
  uint('protoId', KX.propProtoId, { check: x => {
    if (x.value !== 1 && x.value !== 2) x.pkt.addExpert(x.node, KX_EXPERT.protoId, x.offset, 1, `ProtocolId ${x.value} is neither 1 (authentication) nor 2 (encryption)`);
  } }),
  uint('numTransforms', KX.propNtrans), uint('lifetime', KX.propLifetime), uint('spi', KX.propSpi),
];

/** The scope a payload is read in. */
interface Scope { pkt: Packet; buf: Uint8Array; src: number; prefs: Prefs }

interface PayloadHeader {
  type: number; subtype: number; length: number; offset: number; /** end as declared, clipped to the parent */ end: number; overrun: boolean; node: Node;
  /** Over the 4 header bytes, past Type: the payload's dissector adds its Sub-type field, then the Length. */
  header: Cursor;
}

const PAYLOAD_NAMES: Record<string, string> = { proposal: 'Proposal payload', transform: 'Transform payload', ke: 'Key-exchange payload', sa: 'SA payload' };

function payloadName(s: Scope, type: number): string {
  for (const k of ['proposal', 'transform', 'ke', 'sa'] as const) if (kxType(s.prefs, k) === type) return PAYLOAD_NAMES[k]!;
  return `Payload type ${type}`;
}

/**
 * Reads the nested payload headers of [start, end) one by one. A header that does not fit, or a
 * Length running past the parent, is a malformed expert item; the rest is shown raw.
 */
function forEachPayload(s: Scope, parent: Node, start: number, end: number, what: string, visit: (h: PayloadHeader) => void): void {
  const { pkt, buf, src } = s;
  let off = start;
  while (off < end) {
    if (end - off < 4) {
      const n = addItem(pkt, parent, KX.plData, new Cursor(buf, off, end), src).node;
      pkt.addExpert(n, KX_EXPERT.plLength, off, end - off, `${end - off} byte(s) left in the ${what}: too short for a payload header (4 bytes)`);
      return;
    }
    // The whole header is read first: the payload's subtree is labelled by Type and spans Length.
    const type = buf[off]!, subtype = buf[off + 1]!, length = readU16(buf, off + 2);
    const declared = off + 4 + length;
    const overrun = declared > end;
    const node = pkt.addText(parent, payloadName(s, type), off, Math.min(declared, end) - off, src);
    const header = new Cursor(buf, off, off + 4);
    addItem(pkt, node, KX.plType, header, src);
    const h: PayloadHeader = { type, subtype, length, offset: off, end: Math.min(declared, end), overrun, node, header };
    visit(h);
    if (overrun) {
      // The Length field node was added by visit(); the expert goes on the payload.
      pkt.addExpert(node, KX_EXPERT.plLength, off + 2, 2, `${payloadName(s, type)}: Length ${length} runs past the ${what} (${end - off - 4} bytes remain)`);
      return;
    }
    off = declared;
  }
}

/** Runs a payload body; bytes missing for its fields become an expert item, not an exception. */
function guarded(s: Scope, h: PayloadHeader, name: string, body: () => void): void {
  try { body(); } catch (e) {
    if (!(e instanceof BoundsError)) throw e;
    s.pkt.addExpert(h.node, KX_EXPERT.plLength, h.offset, h.end - h.offset, `${name}: Length ${h.length} is too short for its fields`);
  }
}

/** Adds the payload header's Sub-type byte as `field` (each payload names its own). */
function addSubtype(s: Scope, h: PayloadHeader, field: FieldDef = KX.plSubtype): Node {
  return addItem(s.pkt, h.node, field, h.header, s.src).node;
}

/** Adds the payload header's Length (after the Sub-type). */
function addLength(s: Scope, h: PayloadHeader): void {
  addItem(s.pkt, h.node, KX.plLen, h.header, s.src);
}

/** The payload's bytes after its header, within the Length (clipped to the parent). */
function payloadBody(s: Scope, h: PayloadHeader): Cursor {
  return new Cursor(s.buf, h.offset + 4, h.end);
}

function subtypeZero(s: Scope, h: PayloadHeader, name: string): void {
  const n = addSubtype(s, h);
  if (h.subtype !== 0) s.pkt.addExpert(n, KX_EXPERT.plSubtype, h.offset + 1, 1, `${name} sub-type is ${h.subtype}; it is 0 (docs/protocol.md §B.3)`);
}

function unexpected(s: Scope, h: PayloadHeader, where: string, expected: string): void {
  addSubtype(s, h);
  addLength(s, h);
  if (h.end > h.offset + 4) addItem(s.pkt, h.node, KX.plData, payloadBody(s, h), s.src);
  s.pkt.addExpert(h.node, KX_EXPERT.plUnexpected, h.offset, 1, `${payloadName(s, h.type)} (type ${h.type}) inside ${where}: expected ${expected}`);
}

/** Name of a transform id under its proposal's ProtocolId. */
/** A transform id names an algorithm of SA-INFO's tables (docs/protocol.md §B.2), by ProtocolId; 0 names none. */
function transformName(protoId: number, id: number): string | undefined {
  const def = protoId === 1 ? KX.saAuthAlg : protoId === 2 ? KX.saCipherAlg : undefined;
  return def && id !== 0 ? valueName(def, id) : undefined;
}

function attrValueText(type: number, v: number): string {
  if (type === 3) return MODE_NAMES[v] ?? 'unknown mode';
  if (type === 4) return PRF_NAMES[v] ?? 'unknown PRF';
  if (type === 5) return REPLAY_NAMES[v] ?? 'unknown replay method';
  if (type === 2 && v === 0xffffffff) return 'infinite';
  return '';
}

/** Transform payload: TransformNo TransformId NumKeys Reserved Attributes (B.3, Fig. 20). */
function dissectTransform(s: Scope, h: PayloadHeader, prop: ProposalRecord | null): TransformRecord | null {
  const { pkt, buf, src } = s;
  subtypeZero(s, h, 'Transform payload');
  addLength(s, h);
  let rec: TransformRecord | null = null;
  guarded(s, h, 'Transform payload', () => {
    const c = new Cursor(buf, h.offset + 4, h.end);
    const p = c.pos;
    // All four fixed bytes or none of the fields.
    c.ensure(4);
    const v: Values = {}, nodes: Record<string, Node> = {};
    readItems(TRANSFORM_FIXED, { pkt, parent: h.node, src, c, v, nodes });
    const no = v.no as number, id = v.id as number;
    const name = prop ? transformName(prop.protoId, id) : undefined;
    if (name) nodes.id!.append = ` (${name})`;
    else if (prop && (prop.protoId === 1 || prop.protoId === 2)) pkt.addExpert(nodes.id!, KX_EXPERT.xfId, p + 1, 1, `Transform id ${id} is not an ${prop.protoId === 1 ? 'authentication' : 'encryption'} algorithm of docs/protocol.md §B.2`);
    if (v.reserved) pkt.addExpert(nodes.reserved!, KX_EXPERT.xfReserved, p + 3, 1, 'Transform payload: Reserved byte is not zero');
    h.node.text = `Transform payload: #${no}${name ? ', ' + name : `, id ${id}`}`;
    rec = { no, id, attrs: new Map(), node: h.node };
    // Attributes: AttrType(2) AttrLen(2) Value(AttrLen).
    while (c.pos < c.end) {
      const at = c.pos;
      if (c.remaining < 4) {
        const n = addItem(pkt, h.node, KX.plData, c, src).node;
        pkt.addExpert(n, KX_EXPERT.attrLength, at, c.end - at, `${c.end - at} byte(s) left: too short for an attribute header (4 bytes)`);
        break;
      }
      // The subtree's label and extent come first: peeked, then read as its children.
      const type = c.peekU16(), len = c.peekU16(at + 2);
      const an = pkt.addText(h.node, `Attribute: ${valueName(KX.xfAttrType, type) ?? `type ${type}`}`, at, 4 + Math.min(len, c.remaining - 4), src);
      addItem(pkt, an, KX.xfAttrType, c, src);
      const ln = addItem(pkt, an, KX.xfAttrLen, c, src).node;
      if (len > c.remaining) {
        const rest = c.bytes(c.remaining);
        pkt.add(an, KX.xfAttrValue, hex(rest), at + 4, rest.length, src);
        pkt.addExpert(ln, KX_EXPERT.attrLength, at + 2, 2, `Attribute length ${len} runs past the transform (${rest.length} bytes remain)`);
        break;
      }
      const value = c.bytes(len);
      const known = ATTR_LENGTHS[type];
      // E.12: decimal for attributes 1-5, hex bytes for others.
      if (known !== undefined && len >= 1 && len <= 6) {
        let v = 0;
        for (const b of value) v = v * 256 + b;
        const vn = pkt.add(an, KX.xfAttrValue, String(v), at + 4, len, src);
        const t = attrValueText(type, v);
        if (t) vn.append = ` (${t})`;
        an.text += ` = ${v}${t ? ` (${t})` : ''}`;
        if (len !== known) pkt.addExpert(ln, KX_EXPERT.attrLength, at + 2, 2, `${valueName(KX.xfAttrType, type)}: length ${len}, expected ${known} (docs/protocol.md §B.3)`);
        else {
          rec.attrs.set(type, v);
          const bad = type === 1 ? (v === 0 || v % 8 !== 0 ? `a key length of ${v} bits is not a whole number of bytes` : '')
            : type >= 3 && type <= 5 && !(v >= 1 && v <= 3) ? `value ${v} is not defined (1-3)` : '';
          if (bad) pkt.addExpert(vn, KX_EXPERT.attrValue, at + 4, len, `${valueName(KX.xfAttrType, type)}: ${bad}`);
        }
      } else {
        pkt.add(an, KX.xfAttrValue, hex(value), at + 4, len, src);
        if (known !== undefined) pkt.addExpert(ln, KX_EXPERT.attrLength, at + 2, 2, `${valueName(KX.xfAttrType, type)}: length ${len}, expected ${known} (docs/protocol.md §B.3)`);
      }
    }
  });
  return rec;
}


/** Key-exchange payload by sub-type (B.3 table, Figs. 21-23; E.6, E.7). */
function dissectKe(s: Scope, h: PayloadHeader, prop: ProposalRecord | null): KeRecord | null {
  const { pkt, buf, src } = s;
  const st = h.subtype;
  const sn = addSubtype(s, h, KX.keSubtype);
  addLength(s, h);
  h.node.text = `Key-exchange payload: ${valueName(KX.keSubtype, st) ?? `sub-type ${st}`}`;
  const rec: KeRecord = { subtype: st, node: h.node, at: { offset: h.offset, length: h.end - h.offset, src } };
  guarded(s, h, 'Key-exchange payload', () => {
    const c = payloadBody(s, h);
    const checkCv = (group: DhGroup, cv: Uint8Array, cvNode: Node, at: number) => {
      if (cv.length !== group.size) { rec.problem = pkt.addExpert(cvNode, KX_EXPERT.cvLength, at, cv.length, `CV is ${cv.length} bytes; the prime is ${group.size} bytes and every CV is left-padded to it (docs/protocol.md §E.7)`); return; }
      const problem = publicValueProblem(group, bytesToBigInt(cv));
      if (problem) { rec.problem = pkt.addExpert(cvNode, KX_EXPERT.cvRange, at, cv.length, problem); return; }
      rec.cv = cv.slice(); rec.group = group;
    };
    switch (st) {
      case 1: case 2: case 3: {
        const p = c.pos;
        rec.xfno = addItem(pkt, h.node, KX.keXfNo, c, src).value as number;
        const r = addItem(pkt, h.node, KX.keReserved, c, src);
        if (r.value) pkt.addExpert(r.node, KX_EXPERT.keReserved, p + 1, 1, 'Key-exchange payload: Reserved byte is not zero');
        const body = addItem(pkt, h.node, st === 3 ? KX.keKey : KX.keCv, c, src);
        const b = body.value as Uint8Array;
        if (st === 3) { if (b.length) rec.key = b.slice(); }
        else checkCv(OAKLEY_GROUPS[st as 1 | 2], b, body.node, p + 2);
        if (prop && !prop.transforms.some(t => t.no === rec.xfno)) pkt.addExpert(h.node, KX_EXPERT.keXfNo, p, 1, `TransformNo ${rec.xfno} is not among the proposal's transforms`);
        break;
      }
      case 4: {
        /** A length-prefixed value: Length(2) then that many bytes. */
        const counted = (lenField: typeof KX.kePLen, field: typeof KX.keP) => {
          const at = c.pos, len = addItem(pkt, h.node, lenField, c, src), value = addItem(pkt, h.node, field, c, src, len.value as number);
          return { at, length: len.value as number, lengthNode: len.node, bytes: value.value as Uint8Array, node: value.node };
        };
        const P = counted(KX.kePLen, KX.keP).bytes, plen = P.length;
        const G = counted(KX.keGLen, KX.keG).bytes;
        const cvItem = counted(KX.keCvLen, KX.keCv);
        const { at: p, length: cvlen, lengthNode: cln, bytes: cv, node: cvn } = cvItem;
        if (c.remaining) pkt.addExpert(h.node, KX_EXPERT.plLength, c.pos, c.remaining, `${c.remaining} byte(s) after the CV are not part of the payload`);
        const group: DhGroup = { p: bytesToBigInt(P), g: bytesToBigInt(G), size: plen };
        // A prime test costs |P|³: a packet must not be able to stall the analyzer with a huge P
        // or with many of them (docs/limits.md). Verdicts are cached by P.
        let problem: string | null;
        if (plen === 0) problem = 'P is empty';
        else if (plen * 8 > MAX_DH_GROUP_BITS) problem = `P has ${plen * 8} bits; groups over ${MAX_DH_GROUP_BITS} bits (MAX_DH_GROUP_BITS) are neither checked nor used`;
        else {
          const tests = pkt.primeTests;
          if (knownPrimality(group.p) === undefined && tests >= MAX_PRIME_TESTS_PER_PACKET) problem = `P not checked: more than ${MAX_PRIME_TESTS_PER_PACKET} new group(s) in one packet (MAX_PRIME_TESTS_PER_PACKET); the group is not used`;
          else {
            if (knownPrimality(group.p) === undefined) pkt.primeTests = tests + 1;
            problem = groupProblem(group);
          }
        }
        if (problem) { rec.problem = pkt.addExpert(h.node, KX_EXPERT.badGroup, h.offset + 4, h.end - h.offset - 4, `User-defined group: ${problem}`); break; }
        if (cvlen !== plen) { rec.problem = pkt.addExpert(cln, KX_EXPERT.cvLength, p, 2, `CV length ${cvlen} differs from P length ${plen} (docs/protocol.md §E.7)`); break; }
        checkCv(group, cv, cvn, p + 2);
        break;
      }
      case 5: case 6: {
        const spi = addItem(pkt, h.node, KX.keSpi, c, src).value as number;
        rec.spi = spi;
        const what = st === 5 ? 'KDC key (KE sub-type 5)' : 'KDC seed (KE sub-type 6)';
        const d = decryptPart(pkt, h.node, {
          spi, buf, offset: c.pos, length: c.remaining, src,
          // E.6: AEAD associated data = Type, SubType, Length, SPI.
          aad: buf.slice(h.offset, h.offset + 8), what, headerOffset: h.offset,
        });
        if (d) { pkt.addGenerated(h.node, KX.keKey, d.plain, 0, d.plain.length, d.src); rec.key = d.plain; }
        break;
      }
      default:
        pkt.addExpert(sn, KX_EXPERT.keSubtype, h.offset + 1, 1, `Unknown key-exchange sub-type ${st}`);
        if (c.remaining) addItem(pkt, h.node, KX.plData, c, src);
    }
  });
  return rec;
}

/** Proposal payload: ProposalNo ProtocolNo ProtocolId NumTransforms Lifetime SPI, then transforms, then KE payloads. */
function dissectProposal(s: Scope, h: PayloadHeader): ProposalRecord | null {
  const { pkt, buf, src, prefs } = s;
  subtypeZero(s, h, 'Proposal payload');
  addLength(s, h);
  const p = h.offset + 4;
  if (h.end - p < 12) {
    if (h.end > p) addItem(pkt, h.node, KX.plData, payloadBody(s, h), src);
    pkt.addExpert(h.node, KX_EXPERT.plLength, h.offset + 2, 2, `Proposal payload: Length ${h.length} is shorter than its 12 fixed bytes`);
    return null;
  }
  const v: Values = {}, nodes: Record<string, Node> = {};
  readItems(PROPOSAL_FIXED, { pkt, parent: h.node, src, c: new Cursor(buf, p, h.end), v, nodes });
  const rec: ProposalRecord = {
    no: v.no as number, protoNo: v.protoNo as number, protoId: v.protoId as number, lifetime: v.lifetime as number, spi: v.spi as number,
    transforms: [], ke: [], node: h.node, at: { offset: h.offset, length: h.end - h.offset, src },
  };
  const ntrans = v.numTransforms as number, ntn = nodes.numTransforms!;
  h.node.text = `Proposal payload: #${rec.no}, protocol ${rec.protoNo} (${valueName(KX.propProtoId, rec.protoId)?.toLowerCase() ?? `id ${rec.protoId}`}), SPI ${spiHex(rec.spi)}`;
  let keSeen: Node | null = null;
  forEachPayload(s, h.node, p + 12, h.end, 'proposal', ph => {
    if (ph.type === kxType(prefs, 'transform')) {
      // E.2: KE payloads follow the transforms.
      if (keSeen) pkt.addExpert(ph.node, KX_EXPERT.keFirst, ph.offset, 1, 'Transform payload after a key-exchange payload: KE payloads follow the transforms (docs/protocol.md §E.2)');
      const t = dissectTransform(s, ph, rec);
      if (t) {
        const last = rec.transforms.at(-1);
        if (last && t.no <= last.no) pkt.addExpert(t.node, KX_EXPERT.xfOrder, ph.offset + 4, 1, `TransformNo ${t.no} does not increase (previous ${last.no}; RFC 2408 §4.2)`);
        rec.transforms.push(t);
      }
    } else if (ph.type === kxType(prefs, 'ke')) {
      keSeen ??= ph.node;
      const k = dissectKe(s, ph, rec);
      if (k) rec.ke.push(k);
    } else unexpected(s, ph, 'a proposal', 'Transform or Key-exchange payloads');
  });
  if (rec.transforms.length !== ntrans) {
    pkt.addExpert(ntn, KX_EXPERT.ntrans, p + 3, 1, `NumTransforms is ${ntrans}, but ${rec.transforms.length} transform payload(s) follow`);
  }
  h.node.text += `, ${rec.transforms.length} transform${rec.transforms.length === 1 ? '' : 's'}`;
  return rec;
}

/** Checks the AND/OR numbering of proposals (B.3, RFC 2408 §4.2). */
function checkProposalOrder(s: Scope, props: readonly ProposalRecord[]): void {
  const closed = new Set<number>();
  let prev: ProposalRecord | undefined;
  for (const p of props) {
    const at = p.at.offset + 4;
    if (prev && p.no !== prev.no) {
      closed.add(prev.no);
      if (p.no < prev.no && !closed.has(p.no)) s.pkt.addExpert(p.node, KX_EXPERT.propOrder, at, 1, `ProposalNo ${p.no} after ${prev.no}: alternatives come in increasing order`);
    }
    if (closed.has(p.no)) s.pkt.addExpert(p.node, KX_EXPERT.propOrder, at, 1, `ProposalNo ${p.no} appears again after other proposals: the parts of a combined proposal are adjacent`);
    if (prev && p.no === prev.no && p.protoNo <= prev.protoNo) s.pkt.addExpert(p.node, KX_EXPERT.propOrder, at + 1, 1, `ProtocolNo ${p.protoNo} does not increase within combined proposal ${p.no}`);
    prev = p;
  }
}

/** SA payload: the top-level extension; its Length covers all its proposals. */
function dissectSaPayload(x: ExtensionContext): void {
  const { pkt, node, buf, src, ext, msg } = x;
  const s: Scope = { pkt, buf, src, prefs: pkt.session.prefs };
  const sn = pkt.add(node, KX.sapSubtype, ext.subtype, ext.offset + 1, 1, src);
  const subName = valueName(KX.sapSubtype, ext.subtype);
  if (!subName) pkt.addExpert(sn, KX_EXPERT.sapSubtype, ext.offset + 1, 1, `Unknown SA payload sub-type ${ext.subtype}`);
  const rec: SaPayloadRecord = { subtype: ext.subtype, proposals: [], node };
  messageKx(pkt, msg).sa.push(rec);
  forEachPayload(s, node, ext.offset + ext.hdrLen, ext.end, 'SA payload', ph => {
    if (ph.type === kxType(s.prefs, 'proposal')) { const p = dissectProposal(s, ph); if (p) rec.proposals.push(p); }
    else unexpected(s, ph, 'an SA payload', 'Proposal payloads');
  });
  if (rec.proposals.length === 0) pkt.addExpert(node, KX_EXPERT.sapEmpty, ext.offset, ext.hdrLen, 'SA payload holds no proposal');
  checkProposalOrder(s, rec.proposals);
  node.append = `: ${subName ?? `sub-type ${ext.subtype}`}, ${rec.proposals.length} proposal${rec.proposals.length === 1 ? '' : 's'}`;
}

/** A nested payload type found at the top level: shown, with its header, as out of place. */
function strayPayload(kind: 'proposal' | 'transform' | 'ke') {
  return (x: ExtensionContext): void => {
    const { pkt, node, buf, src, ext } = x;
    const s: Scope = { pkt, buf, src, prefs: pkt.session.prefs };
    pkt.addExpert(node, KX_EXPERT.plUnexpected, ext.offset, 1, `${PAYLOAD_NAMES[kind]} outside an SA payload (it belongs inside one, docs/protocol.md §B.3)`);
    const h: PayloadHeader = { type: ext.type, subtype: ext.subtype, length: ext.length, offset: ext.offset, end: ext.end, overrun: false, node, header: new Cursor(buf, ext.offset + 1, ext.offset + 4) };
    if (kind === 'proposal') dissectProposal(s, h);
    else if (kind === 'transform') dissectTransform(s, h, null);
    else dissectKe(s, h, null);
  };
}

export const saPayloadHandler: ExtensionHandler = { name: 'SA payload', layout: 'long', dissect: dissectSaPayload };
export const strayHandlers: Record<'proposal' | 'transform' | 'ke', ExtensionHandler> = {
  proposal: { name: 'Proposal payload', layout: 'long', dissect: strayPayload('proposal') },
  transform: { name: 'Transform payload', layout: 'long', dissect: strayPayload('transform') },
  ke: { name: 'Key-exchange payload', layout: 'long', dissect: strayPayload('ke') },
};

