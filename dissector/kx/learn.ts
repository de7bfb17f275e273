// Keys learned from the traffic (docs/protocol.md §C, E.9): SA-INFO of GP-SA extensions, KE sub-types 3
// and 5, semi-stateful derivation from a KE sub-type 6 seed (B.4, E.5) and Diffie-Hellman
// (B.4, E.4) with an exponent from the keys file. A key learned from frame N joins the SA table
// valid from frame N + 1. The table is changed in the forward pass only; what a frame taught is
// kept per frame, so dissecting it again shows the same tree.
import { hex } from '../format.js';
import { AUTH_ALG_IDS } from '../keys/mac.js';
import { CIPHER_IDS } from '../keys/ciphers.js';
import { bytesToBigInt, dhPublicShared, dhSaKey, dhSharedSecret } from '../keys/dh.js';
import { equalBytes } from '../keys/mac.js';
import type { DhGroup } from '../keys/dh.js';
import { deriveFromSeed, negotiatedKeyLength, transformAlgorithm, ATTR, DEFAULT_PRF } from '../keys/derive.js';
import { kxState } from '../keys/state.js';
import type { KxState, RequestInputs } from '../keys/state.js';
import { LEARN_METHODS, sameKeying } from '../keys/table.js';
import type { LearnMethod, SecurityAssociation } from '../keys/table.js';
import type { MipMessage } from '../mip/extensions.js';
import { hopKey } from '../mip/transactions.js';
import type { Packet } from '../packet.js';
import type { Node } from '../tree.js';
import { GP_CONTENT_NAMES, KX, KX_EXPERT } from './fields.js';
import { valueName } from '../fields.js';
import { spiHex } from './decrypt.js';
import { peekMessageKx } from './records.js';
import type { KeRecord, Located, MessageKx, ProposalRecord, TransformRecord } from './records.js';

/** A key learned from a record (its node, and where it lies: the fast path keeps no node). */
interface Candidate { sa: SecurityAssociation; from: Located }

/** The derivation inputs a request offers to its reply. */
function requestInputs(no: number, msg: MipMessage, mk: MessageKx): RequestInputs {
  const r: RequestInputs = { frame: no, offers: new Map() };
  const nai = mk.gp.find(g => g.kind === 'gp_nai' && g.content === 0 && g.nai !== undefined)?.nai;
  if (nai !== undefined) r.naiInitiator = nai;
  // E.5: the home address is the GP-IP content 0 (decrypted); a request showing it in clear will do.
  const ip = mk.gp.find(g => g.kind === 'gp_ip' && g.content === 0 && g.ip !== undefined)?.ip ?? (msg.homeAddr ? msg.homeAddr : undefined);
  if (ip !== undefined) r.homeAddress = ip;
  for (const sap of mk.sa) for (const p of sap.proposals) for (const ke of p.ke) {
    if (!ke.cv || !ke.group) continue;
    const list = r.offers.get(p.spi) ?? [];
    list.push({ subtype: ke.subtype, group: ke.group, cv: ke.cv });
    r.offers.set(p.spi, list);
  }
  return r;
}

class Learner {
  readonly cands: Candidate[] = [];
  constructor(readonly pkt: Packet, readonly msg: MipMessage, readonly st: KxState) {}

  private note(r: Located, message: string): void {
    this.pkt.addExpert(r.node, KX_EXPERT.notLearned, r.at.offset, r.at.length, message, r.at.src);
  }
  private bad(r: Located, message: string): void {
    this.pkt.addExpert(r.node, KX_EXPERT.badTransform, r.at.offset, r.at.length, message, r.at.src);
  }

  add(from: Located, spi: number, key: Uint8Array, alg: { auth: SecurityAssociation['auth']; cipher: SecurityAssociation['cipher'] }, method: LearnMethod, label: string, lifetime?: number): void {
    const no = this.pkt.no;
    const sa: SecurityAssociation = { spi, key, auth: alg.auth, cipher: alg.cipher, label, source: { kind: 'learned', frame: no, method }, validFrom: no + 1 };
    if (lifetime !== undefined) sa.lifetime = lifetime;
    this.cands.push({ sa, from });
  }

  /** The transform a key belongs to: the one named by TransformNo, or the proposal's only one. */
  transformFor(p: ProposalRecord, ke: KeRecord): TransformRecord | null {
    if (ke.xfno !== undefined) {
      const t = p.transforms.find(x => x.no === ke.xfno);
      if (!t) this.note(ke, `No key learned: TransformNo ${ke.xfno} is not in proposal SPI ${spiHex(p.spi)}`);
      return t ?? null;
    }
    if (p.transforms.length === 1) return p.transforms[0]!;
    this.note(ke, `No key learned: proposal SPI ${spiHex(p.spi)} holds ${p.transforms.length} transforms, so the key's algorithm is ambiguous`);
    return null;
  }

  algorithmOf(p: ProposalRecord, t: TransformRecord, r: Located): ReturnType<typeof transformAlgorithm> {
    const alg = transformAlgorithm(p.protoId, t.id);
    if (!alg) this.bad(r, `No key learned: transform id ${t.id} with ProtocolId ${p.protoId} names no algorithm of docs/protocol.md §B.2`);
    return alg;
  }

  keyLength(p: ProposalRecord, t: TransformRecord, r: Located): number | null {
    const n = negotiatedKeyLength(p.protoId, t.id, t.attrs.get(ATTR.keyLength));
    if (n === null) this.bad(r, `No key learned: transform #${t.no} gives no key length`);
    return n;
  }

  label(sapSubtype: number): string {
    return `negotiated ${valueName(KX.sapSubtype, sapSubtype) ?? 'SA'}`;
  }

  gpSa(mk: MessageKx): void {
    for (const g of mk.gp) {
      const i = g.saInfo;
      if (!i) continue;
      const auth = AUTH_ALG_IDS[i.authAlg] ?? null, cipher = CIPHER_IDS[i.cipherAlg] ?? null;
      if (!auth && !cipher) continue;
      this.add(g, i.newSpi, i.key, { auth, cipher }, 'sa-info', GP_CONTENT_NAMES.gp_sa[g.content] ?? `GP-SA content ${g.content}`, i.lifetime);
    }
  }

  negotiation(mk: MessageKx, request: RequestInputs | undefined): void {
    const { msg } = this;
    // A denial's SA payload is a counter-proposal, not an agreed SA (docs/protocol.md §E.3).
    if (msg.type === 3 && msg.code !== undefined && msg.code > 1) return;
    for (const sap of mk.sa) for (const p of sap.proposals) for (const ke of p.ke) {
      const lifetimeOf = (t: TransformRecord) => t.attrs.get(ATTR.lifetime) ?? p.lifetime;
      switch (ke.subtype) {
        case 3: case 5: {
          if (!ke.key) break;
          const t = this.transformFor(p, ke); if (!t) break;
          const alg = this.algorithmOf(p, t, ke); if (!alg) break;
          const want = negotiatedKeyLength(p.protoId, t.id, t.attrs.get(ATTR.keyLength));
          if (want !== null && want !== ke.key.length) this.bad(ke, `The key is ${ke.key.length} bytes; transform #${t.no} calls for ${want} (docs/protocol.md §E.4)`);
          this.add(ke, p.spi, ke.key, alg, ke.subtype === 3 ? 'ke-secret' : 'ke-kdc', this.label(sap.subtype), lifetimeOf(t));
          break;
        }
        case 6: {
          if (!ke.key || msg.type !== 3) break;
          const t = this.transformFor(p, ke); if (!t) break;
          const alg = this.algorithmOf(p, t, ke); if (!alg) break;
          const keyLen = this.keyLength(p, t, ke); if (keyLen === null) break;
          const mk2 = peekMessageKx(msg);
          const naiR = mk2?.gp.find(g => g.kind === 'gp_nai' && g.content === 2 && g.nai !== undefined)?.nai;
          const missing: string[] = [];
          if (!request) missing.push('the request (not seen)');
          else {
            if (request.naiInitiator === undefined) missing.push("the request's GP-NAI content 0");
            if (request.homeAddress === undefined) missing.push("the mobile node's home address (GP-IP content 0)");
          }
          if (naiR === undefined) missing.push("this reply's GP-NAI content 2");
          if (msg.haAddr === undefined) missing.push('the Home Agent field');
          if (missing.length) { this.note(ke, `No key derived from the seed: missing ${missing.join(', ')} (docs/protocol.md §E.5)`); break; }
          const prfId = t.attrs.get(ATTR.prf) ?? DEFAULT_PRF;
          try {
            const key = deriveFromSeed(ke.key, { naiInitiator: request!.naiInitiator!, naiResponder: naiR!, ipResponder: msg.haAddr!, ipInitiator: request!.homeAddress! }, keyLen, prfId);
            this.add(ke, p.spi, key, alg, 'seed', this.label(sap.subtype), lifetimeOf(t));
          } catch (e) {
            this.bad(ke, `No key derived from the seed: ${(e as Error).message} (a malformed transform, docs/protocol.md §E.5)`);
          }
          break;
        }
        case 1: case 2: case 4: {
          if (!ke.cv || !ke.group || msg.type !== 3) break;
          this.diffieHellman(sap.subtype, p, ke, request);
          break;
        }
      }
    }
  }

  private diffieHellman(sapSubtype: number, p: ProposalRecord, ke: KeRecord, request: RequestInputs | undefined): void {
    const offer = request?.offers.get(p.spi)?.find(o => o.subtype === ke.subtype && sameGroup(o.group, ke.group!));
    if (!offer) { this.note(ke, `No Diffie-Hellman key: the request's CV for proposal SPI ${spiHex(p.spi)} was not seen`); return; }
    if (this.st.dh.length === 0) { this.note(ke, 'No Diffie-Hellman key: the keys file gives no private exponent ("dh")'); return; }
    const sides: Array<{ own: Uint8Array; peer: Uint8Array }> = [{ own: offer.cv, peer: ke.cv! }, { own: ke.cv!, peer: offer.cv }];
    const group = ke.group!;
    let found: { priv: bigint; peer: Uint8Array } | null = null;
    const mismatched: number[] = [];
    for (const d of this.st.dh) {
      for (const s of sides) {
        if (!cvMatches(d.cv, s.own)) continue;
        if (equalBytes(dhPublicShared(group, d.private), s.own)) { found = { priv: d.private, peer: s.peer }; break; }
        mismatched.push(d.index);
      }
      if (found) break;
    }
    if (!found) {
      this.note(ke, mismatched.length
        ? `No Diffie-Hellman key: the private exponent of dh[${mismatched[0]}] does not give this exchange's CV`
        : 'No Diffie-Hellman key: the keys file has no private exponent for either CV of this exchange');
      return;
    }
    const t = this.transformFor(p, ke); if (!t) return;
    const alg = this.algorithmOf(p, t, ke); if (!alg) return;
    const keyLen = this.keyLength(p, t, ke); if (keyLen === null) return;
    if (keyLen > 32) { this.bad(ke, `No Diffie-Hellman key: KeyLen ${keyLen} is larger than SHA-256's 32 bytes`); return; }
    const k = dhSharedSecret(group, found.priv, bytesToBigInt(found.peer));
    this.pkt.addGenerated(ke.node, KX.dhSecret, k, ke.at.offset, ke.at.length, ke.at.src);
    this.add(ke, p.spi, dhSaKey(k, p.spi, keyLen), alg, 'dh', this.label(sapSubtype), t.attrs.get(ATTR.lifetime) ?? p.lifetime);
  }
}

function sameGroup(a: DhGroup, b: DhGroup): boolean { return a.p === b.p && a.g === b.g; }

/** A keys-file CV matches a public value given whole or as a prefix, with or without its zero padding. */
function cvMatches(prefix: string, cv: Uint8Array): boolean {
  const h = hex(cv);
  return h.startsWith(prefix) || h.replace(/^(00)+/, '').startsWith(prefix);
}

function algText(sa: SecurityAssociation): string {
  return [sa.auth, sa.cipher].filter(Boolean).join(', ');
}

/** Shows a learned SA under the node that taught it. */
function showLearned(pkt: Packet, c: Candidate, st: KxState): void {
  const { sa, from: { node } } = c;
  const { offset: at, length: len, src } = c.from.at;
  const n = pkt.addGenerated(node, KX.learnedSpi, sa.spi, at, len, src);
  pkt.addGenerated(n, KX.learnedKey, sa.key, at, len, src);
  if (sa.auth) pkt.addGenerated(n, KX.learnedAuth, sa.auth, at, len, src);
  if (sa.cipher) pkt.addGenerated(n, KX.learnedCipher, sa.cipher, at, len, src);
  const method = sa.source.kind === 'learned' ? sa.source.method : 'sa-info';
  pkt.addGenerated(n, KX.learnedMethod, LEARN_METHODS[method], at, len, src);
  pkt.addGenerated(n, KX.learnedValidFrom, sa.validFrom, at, len, src);
  pkt.addExpert(n, KX_EXPERT.learned, at, len, `Key learned: SPI ${spiHex(sa.spi)} (${algText(sa)}, ${sa.label ?? ''}) applies from frame ${sa.validFrom}`, src);
  const prev = st.table.previous(sa);
  if (prev) {
    const from = prev.source.kind === 'file' ? 'the keys file' : `frame ${prev.source.frame}`;
    pkt.addExpert(n, KX_EXPERT.rekeyed, at, len, `SPI ${spiHex(sa.spi)} had another key (from ${from}); the new one applies from frame ${sa.validFrom}`, src);
  }
}

/** The last frame that taught a key, per key state (retain off: the only one whose list is kept). */
const lastTaught = new WeakMap<object, number>();

/** The message hook: learns (forward pass) and shows what this message taught. */
export function learnKeys(pkt: Packet, msg: MipMessage): void {
  const mk = peekMessageKx(msg);
  if (!mk || (!mk.gp.length && !mk.sa.length)) return;
  const session = pkt.session, no = pkt.no;
  const st = kxState(session);
  const first = !session.visited(no);
  const table = session.transactions;
  const here = table.placement(no, msg.start, msg.src);
  if (msg.type === 1 && first && here?.tx && !st.requests.has(hopKey(here.hop))) st.requests.set(hopKey(here.hop), requestInputs(no, msg, mk));
  const l = new Learner(pkt, msg, st);
  l.gpSa(mk);
  if (mk.sa.length) {
    const answered = msg.type === 3 ? table.answered(here) : undefined;
    l.negotiation(mk, answered ? st.requests.get(hopKey(answered)) : undefined);
  }
  if (first) {
    for (const c of l.cands) {
      if (st.table.add(c.sa) !== 'added') continue;
      table.noteKey(here, { spi: c.sa.spi, label: c.sa.label ?? '' });
      const list = st.learnedIn.get(no);
      if (list) list.push(c.sa);
      else {
        // A single streaming pass reads a frame's list only while it is dissected: the one before goes.
        if (!session.retain && lastTaught.get(st) !== undefined) st.learnedIn.delete(lastTaught.get(st)!);
        lastTaught.set(st, no);
        st.learnedIn.set(no, [c.sa]);
      }
    }
  }
  const learned = [...(st.learnedIn.get(no) ?? [])];
  for (const c of l.cands) {
    const i = learned.findIndex(s => s.spi === c.sa.spi && sameKeying(s, c.sa));
    if (i < 0) continue;
    // Show the stored SA (the one in the table), so re-dissection finds its previous version.
    showLearned(pkt, { sa: learned[i]!, from: c.from }, st);
    mk.learned.push(learned[i]!);
    learned.splice(i, 1);
  }
}

