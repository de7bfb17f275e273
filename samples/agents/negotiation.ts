// Security-association negotiation (WO 01/26322 Figs. 16-28, docs/protocol.md §B.3, E.3): the initiator offers
// proposals (same ProposalNo = AND, increasing numbers = OR, transforms = OR in preference
// order); the responder picks one proposal and one transform per proposal payload, or denies
// with 129 and a counter-proposal; the initiator accepts a counter-proposal with a new request.
import type { AttrSpec, KeSpec, ProposalSpec, TransformSpec } from '../../dissector/kx/encode.js';
import type { DhGroup } from './crypto.js';
import { OAKLEY_1, OAKLEY_2, toBig, validPublicValue } from './crypto.js';
import type { KePayload, Proposal, Transform } from './wire.js';
import { attr } from './wire.js';

export const ATTR = { keyLength: 1, lifetime: 2, mode: 3, prf: 4, replay: 5 } as const;
export const MODE = { stateless: 1, stateful: 2, semiStateful: 3 } as const;
export const PROTO = { auth: 1, encryption: 2 } as const;
/** SA payload sub-types (B.3). */
export const SAP = { mnHa: 1, mnFa: 2, faHa: 3, mnSmm: 4 } as const;

/** A proposal payload as an initiator offers it; `dh` asks for a Diffie-Hellman KE payload. */
export interface Offer {
  no: number;
  protoNo?: number;
  protoId: number;
  lifetime: number;
  spi: number;
  transforms: TransformSpec[];
  dh?: DhGroup;
}

export interface ResponderPolicy {
  /** Acceptable authentication transform ids (B.2). */
  auth: readonly number[];
  /** Acceptable cipher transform ids. */
  cipher: readonly number[];
  /** Acceptable key-generation modes (attribute 3). */
  modes: readonly number[];
  /** Acceptable Diffie-Hellman KE sub-types (1, 2, 4). */
  dh: readonly number[];
  /** Transforms to counter-propose (E.3) when nothing offered is acceptable, per protocol id. */
  counter?: Readonly<Record<number, readonly TransformSpec[]>>;
}

export interface Pick { proposal: Proposal; transform: Transform; dhOffer?: KePayload; group?: DhGroup }
export type Choice = { ok: true; no: number; picks: Pick[] } | { ok: false; reason: string; counterable: boolean };

/** Proposal payloads grouped into combined proposals (adjacent, same number: Fig. 26). */
export function combined(ps: readonly Proposal[]): Proposal[][] {
  const out: Proposal[][] = [];
  for (const p of ps) {
    const last = out[out.length - 1];
    if (last && last[0]!.no === p.no) last.push(p); else out.push([p]);
  }
  return out;
}

/** The key-generation mode of a transform: attribute 3, else stateless when a DH value is offered, else stateful. */
export function modeOf(p: Proposal, t: Transform): number {
  return attr(t, ATTR.mode) ?? (p.ke.some(k => k.subtype === 1 || k.subtype === 2 || k.subtype === 4) ? MODE.stateless : MODE.stateful);
}

export function groupOfKe(ke: KePayload): DhGroup | undefined {
  if (ke.subtype === 1) return OAKLEY_1;
  if (ke.subtype === 2) return OAKLEY_2;
  if (ke.subtype === 4 && ke.p && ke.g) return { subtype: 4, p: toBig(ke.p), g: toBig(ke.g), size: ke.p.length, name: 'user-defined' };
  return undefined;
}

/** The DH offer that belongs to a transform: by TransformNo (sub-types 1, 2), or the proposal's sub-type-4 payload. */
function dhOfferFor(p: Proposal, t: Transform): KePayload | undefined {
  return p.ke.find(k => (k.subtype === 1 || k.subtype === 2) && k.xfno === t.no) ?? p.ke.find(k => k.subtype === 4);
}

/**
 * The responder's choice (Fig. 28): the first combined proposal in which every payload has an
 * acceptable transform, taking transforms in the initiator's order. A Diffie-Hellman offer
 * with a value out of range makes its transform unacceptable and is not worth a counter-proposal.
 */
export function choose(ps: readonly Proposal[], policy: ResponderPolicy, primeOk: (g: DhGroup) => boolean = () => true): Choice {
  let badDh = false;
  for (const group of combined(ps)) {
    const picks: Pick[] = [];
    for (const p of group) {
      const ids = p.protoId === PROTO.auth ? policy.auth : p.protoId === PROTO.encryption ? policy.cipher : [];
      let found: Pick | undefined;
      for (const t of p.transforms) {
        if (!ids.includes(t.id) || !policy.modes.includes(modeOf(p, t))) continue;
        if (modeOf(p, t) === MODE.stateless) {
          const offer = dhOfferFor(p, t);
          const g = offer && groupOfKe(offer);
          if (!offer || !g || !policy.dh.includes(offer.subtype)) continue;
          if (!offer.cv || !validPublicValue(g, offer.cv) || !primeOk(g)) { badDh = true; continue; }
          found = { proposal: p, transform: t, dhOffer: offer, group: g };
        } else found = { proposal: p, transform: t };
        break;
      }
      if (!found) { picks.length = 0; break; }
      picks.push(found);
    }
    if (picks.length) return { ok: true, no: group[0]!.no, picks };
  }
  return badDh ? { ok: false, reason: 'a Diffie-Hellman value is out of range (docs/protocol.md §B.3)', counterable: false }
    : { ok: false, reason: 'no offered transform is acceptable', counterable: true };
}

function attrsOf(t: Transform): AttrSpec[] { return t.attrs.map(a => ({ type: a.type, value: a.value })); }

/** The responder's answer for one pick: the offered numbers and SPI kept, one transform (E.3). */
export function answer(pick: Pick, ke: KeSpec[] = []): ProposalSpec {
  const p = pick.proposal, t = pick.transform;
  return { no: p.no, protoNo: p.protoNo, protoId: p.protoId, lifetime: p.lifetime, spi: p.spi, transforms: [{ no: t.no, id: t.id, numKeys: t.numKeys, attrs: attrsOf(t) }], ke };
}

/** A counter-proposal (E.3): one payload per offered protocol, the policy's transforms, the offer's SPI and lifetime. */
export function counterProposal(ps: readonly Proposal[], policy: ResponderPolicy): ProposalSpec[] {
  const first = combined(ps)[0] ?? [];
  const out: ProposalSpec[] = [];
  for (const p of first) {
    const xfs = policy.counter?.[p.protoId];
    if (!xfs?.length) continue;
    out.push({ no: p.no, protoNo: p.protoNo, protoId: p.protoId, lifetime: p.lifetime, spi: p.spi, transforms: xfs.map(t => ({ ...t })) });
  }
  return out;
}

/** What is wrong with a responder's choice, or null (E.3: one proposal, one transform each, all offered). */
export function checkAnswer(offered: readonly ProposalSpec[], resp: readonly Proposal[]): string | null {
  if (!resp.length) return 'no proposal in the answer';
  if (new Set(resp.map(p => p.no)).size !== 1) return 'the answer mixes proposal numbers';
  for (const p of resp) {
    if (p.transforms.length !== 1) return `proposal ${p.no} answers with ${p.transforms.length} transforms`;
    const o = offered.find(x => x.no === p.no && x.spi === p.spi && x.protoId === p.protoId && (x.protoNo ?? 1) === p.protoNo);
    if (!o) return `proposal ${p.no} (SPI 0x${p.spi.toString(16)}) was not offered`;
    const t = p.transforms[0]!;
    if (!o.transforms.some(x => x.no === t.no && x.id === t.id)) return `transform #${t.no} id ${t.id} was not offered in proposal ${p.no}`;
  }
  return null;
}

/** The initiator's acceptance of a counter-proposal: one transform per payload from what it accepts, or null. */
export function acceptCounter(counter: readonly Proposal[], accept: { auth: readonly number[]; cipher: readonly number[] }): ProposalSpec[] | null {
  for (const group of combined(counter)) {
    const out: ProposalSpec[] = [];
    for (const p of group) {
      const ids = p.protoId === PROTO.auth ? accept.auth : accept.cipher;
      // The initiator's own preference decides among what the responder can do.
      const t = [...p.transforms].sort((a, b) => rank(ids, a.id) - rank(ids, b.id))[0];
      if (!t || !ids.includes(t.id)) { out.length = 0; break; }
      out.push({ no: p.no, protoNo: p.protoNo, protoId: p.protoId, lifetime: p.lifetime, spi: p.spi, transforms: [{ no: t.no, id: t.id, numKeys: t.numKeys, attrs: attrsOf(t) }] });
    }
    if (out.length) return out;
  }
  return null;
}
const rank = (ids: readonly number[], id: number) => { const i = ids.indexOf(id); return i < 0 ? 1e9 : i; };

/** Offer → encoder spec, with the KE payloads the caller computed. */
export function offerSpec(o: Offer, ke: KeSpec[] = []): ProposalSpec {
  return { no: o.no, protoNo: o.protoNo ?? 1, protoId: o.protoId, lifetime: o.lifetime, spi: o.spi, transforms: o.transforms, ke };
}

export function transformAttr(t: TransformSpec, type: number): number | undefined {
  const a = t.attrs?.find(x => x.type === type);
  return typeof a?.value === 'number' ? a.value : undefined;
}
