// Rules of the key-exchange system (WO 01/26322 Figs. 2, 4a–d, 5–11, 16–29; docs/protocol.md §B, E).
import type { ExpertDef } from '../../dissector/fields.js';
import { KX_EXPERT } from '../../dissector/kx/fields.js';
import type { GpRecord, KeRecord, ProposalRecord } from '../../dissector/kx/records.js';
import { kxState } from '../../dissector/keys/state.js';
import { hex, ipv4String } from '../../dissector/format.js';
import { MIP } from '../../dissector/mip/fields.js';
import type { MessageView, Rule } from '../rule.js';
import { mnHaIndex } from '../../dissector/mip/tracking.js';
import { MAX_KEYS_FOLLOWED } from '../../dissector/limits.js';
import type { Transaction } from '../../dissector/mip/transactions.js';

const REQUEST = 1, REPLY = 3;

const isIdentity = (g: GpRecord) => (g.kind === 'gp_nai' || g.kind === 'gp_ip') ? g.content === 0 : g.kind === 'gp_l2';
const accepted = (m: MessageView) => m.msg.code === 0 || m.msg.code === 1;

/**
 * What several rules read of the same message, made once per message (the rules see one message
 * at a time) and shared read-only; a message without SA payloads or GP extensions has none.
 */
const NONE: never[] = Object.freeze([]) as never[];
let memoOf: MessageView | null = null;
let memo: { proposals?: ProposalRecord[]; ke?: KeRecord[]; keys?: Uint8Array[]; dh?: KeRecord[] } = {};
const memoFor = (m: MessageView) => { if (memoOf !== m) { memoOf = m; memo = {}; } return memo; };
/** The proposals of the message's SA payloads, as offered or answered. */
const proposals = (m: MessageView): ProposalRecord[] => !m.kx.sa.length ? NONE : (memoFor(m).proposals ??= m.kx.sa.flatMap(sa => sa.proposals));
/** The key-exchange payloads of the message's proposals. */
const keyExchanges = (m: MessageView): KeRecord[] => !m.kx.sa.length ? NONE : (memoFor(m).ke ??= proposals(m).flatMap(p => p.ke));
/** Every key the message hands out: SA-INFO keys of GP-SA extensions, then key-exchange keys. */
const carriedKeys = (m: MessageView): Uint8Array[] => !m.kx.gp.length && !m.kx.sa.length ? NONE : (memoFor(m).keys ??= [
  ...m.kx.gp.flatMap(g => (g.saInfo ? [g.saInfo.key] : [])),
  ...keyExchanges(m).flatMap(k => (k.key ? [k.key] : [])),
]);
/** The Diffie-Hellman key exchanges (sub-types 1 and 2: Oakley groups; 4: a user-defined group). */
const dhExchanges = (m: MessageView): KeRecord[] => !m.kx.sa.length ? NONE : (memoFor(m).dh ??= keyExchanges(m).filter(k => k.subtype === 1 || k.subtype === 2 || k.subtype === 4));
/** The expert items of the negotiation's structure the dissector reports (docs/protocol.md §B.3, §E.2). */
const STRUCTURE_EXPERTS: ReadonlySet<ExpertDef> = new Set([
  KX_EXPERT.propOrder, KX_EXPERT.ntrans, KX_EXPERT.xfOrder, KX_EXPERT.plLength, KX_EXPERT.keFirst, KX_EXPERT.sapEmpty, KX_EXPERT.plUnexpected,
]);

/** The identity values of a GP extension, as text: NAI, IMSI or MIN, IPv4 or IPv6 home address, and (when `withEthernet`) the Ethernet address in hex. */
function identityValues(g: GpRecord, withEthernet: boolean): string[] {
  const out: string[] = [];
  if (g.nai !== undefined) out.push(g.nai);
  if (g.l2Text !== undefined) out.push(g.l2Text);
  if (g.ip !== undefined) out.push(ipv4String(g.ip));
  if (g.ip6 !== undefined) out.push(g.ip6);
  if (withEthernet && g.eth) out.push(hex(g.eth));
  return out;
}

export const kxRules: Rule[] = [
  {
    id: 'KX-IDENTITY-PRIVACY', title: 'The mobile node\'s identity never travels in clear', severity: 'error', reference: 'docs/protocol.md §B.5, §E.11; WO 01/26322 Figs. 4a, 5, 8–10, claims 1–3',
    description: 'When GP extensions hide the mobile node\'s identity, no hop carries its NAI, home address or L2 address in clear (no NAI extension 131, no E = 0 identity GP extension, header Home Address 0.0.0.0), and with keys no clear value equals a hidden one.',
    fields: [MIP.nai],
    create: ctx => {
      // Values hidden anywhere in the capture (not requests: what must never show in clear).
      const secrets = new Set<string>();
      const flowOf = (m: MessageView) => m.tx ? ctx.noteOn(m.tx, () => ({ hidden: false })) : { hidden: false };
      return {
        message(m) {
          if (m.type !== REQUEST && m.type !== REPLY) return;
          const g = m.kx.gp;
          const hides = g.some(x => isIdentity(x) && x.encrypted);
          const note = flowOf(m);
          if (hides && m.type === REQUEST) {
            for (const x of g) if (isIdentity(x) && x.encrypted && x.readable) for (const v of identityValues(x, true)) secrets.add(v);
            note.hidden = true;
          }
          const flow = hides || note.hidden;
          if (!flow && secrets.size === 0) return;
          if (flow) {
            ctx.checked();
            if (m.msg.homeAddr !== 0) ctx.report(m.frame, `header Home Address ${ipv4String(m.msg.homeAddr ?? 0)} is in clear while the identity is hidden`, m.mobileNode);
            if (m.fields(MIP.nai).length) ctx.report(m.frame, `NAI extension carries '${m.value(MIP.nai)}' in clear while the identity is hidden`, m.mobileNode);
            for (const x of g) if (isIdentity(x) && !x.encrypted) ctx.report(m.frame, `${x.kind.toUpperCase().replace('_', '-')} content ${x.content} sent with E = 0 (identity in clear)`, m.mobileNode);
          }
          // With keys: a hidden value showing up in clear anywhere.
          if (secrets.size) {
            const clear = [...m.fields(MIP.nai).map(n => String(n.value)), ...(m.msg.homeAddr ? [ipv4String(m.msg.homeAddr)] : [])];
            for (const x of g) if (!x.encrypted && isIdentity(x)) clear.push(...identityValues(x, false));
            for (const v of clear) if (secrets.has(v) && !flow) ctx.report(m.frame, `hidden identity value '${v}' appears in clear`, m.mobileNode);
          }
        },
      };
    },
  },
  {
    id: 'KX-REPLY-KEYS', title: 'The home agent\'s reply carries KEY1, KEY2 and KEY3', severity: 'error', reference: 'docs/protocol.md §B.5; WO 01/26322 Figs. 2, 4c, 6, 11',
    description: 'An accepting reply from the home agent that distributes keys (carries GP-SA extensions) in a registration whose identity is hidden carries KEY3 and KEY1 encrypted under the SPI of the mobile node\'s MN-HA authentication (KEY0) before that extension, and, when a foreign agent relays the registration, KEY2 and KEY3 with E = 0 after it (a co-located care-of address gets KEY1 and KEY3 for the mobile node only). Re-registrations, which carry no GP-SA, are not concerned.',
    create: ctx => {
      const flow = (m: MessageView) => ctx.noteOn(m.tx!, () => ({ hidden: false }));
      return {
        message(m) {
          if (!m.tx || m.tx.kind !== 'registration') return;
          const g = m.kx.gp;
          if (m.type === REQUEST) {
            if (g.some(x => isIdentity(x) && x.encrypted)) flow(m).hidden = true;
            return;
          }
          // The home agent's reply (the first hop back) in a registration whose identity is hidden.
          if (m.type !== REPLY || !accepted(m) || m.hop?.from !== 'HA' || !flow(m).hidden) return;
          const sa = g.filter(x => x.kind === 'gp_sa' && x.content <= 2);
          if (!sa.length) return;
          ctx.checked();
          const auth = mnHaIndex(m.msg);
          const spi0 = m.tx.spi ?? -1;
          const before = sa.filter(x => auth < 0 || x.index < auth), after = sa.filter(x => auth >= 0 && x.index > auth);
          const need = (list: GpRecord[], content: number, e: boolean, what: string) => {
            const x = list.find(y => y.content === content && y.encrypted === e);
            if (!x) { ctx.report(m.frame, `reply lacks ${what}`, m.mobileNode); return; }
            if (e && x.spi !== spi0) ctx.report(m.frame, `${what} is encrypted under SPI 0x${x.spi.toString(16)}, not the mobile node's KEY0 SPI 0x${spi0.toString(16)}`, m.mobileNode);
          };
          need(before, 0, true, 'KEY3 (GP-SA content 0, E = 1) for the mobile node before the MN-HA authentication');
          need(before, 2, true, 'KEY1 (GP-SA content 2, E = 1) for the mobile node before the MN-HA authentication');
          // KEY2 and KEY3 in clear are for a foreign agent: only when one relays the registration
          // (a co-located care-of address, D flag, has none; docs/protocol.md §B.5).
          if (!m.tx.requests.some(h => h.from === 'FA' || h.to === 'FA')) return;
          need(after, 1, false, 'KEY2 (GP-SA content 1, E = 0) for the foreign agent after the MN-HA authentication');
          need(after, 0, false, 'KEY3 (GP-SA content 0, E = 0) for the foreign agent after the MN-HA authentication');
        },
      };
    },
  },
  {
    id: 'KX-FA-STRIPS', title: 'The foreign agent strips the plaintext keys', severity: 'error', reference: 'docs/protocol.md §B.5, §E.10; WO 01/26322 Fig. 4d',
    description: 'The reply the foreign agent relays to the mobile node carries nothing after the MN-HA authentication but its MN-FA authentication, and no GP-SA with E = 0.',
    create: ctx => ({
        message(m) {
          // The reply the foreign agent sends on to the mobile node.
          if (m.type !== REPLY || m.hop?.from !== 'FA' || m.hop.to !== 'MN') return;
          const g = m.kx.gp;
          if (!g.length) return;
          ctx.checked();
          for (const x of g) if (x.kind === 'gp_sa' && !x.encrypted) ctx.report(m.frame, `the foreign agent relays GP-SA content ${x.content} with E = 0 (a plaintext key) to the mobile node`, m.mobileNode);
          const auth = mnHaIndex(m.msg);
          if (auth >= 0) for (const e of m.msg.exts.slice(auth + 1)) if (e.type !== 33) ctx.report(m.frame, `extension type ${e.type} follows the MN-HA authentication in the reply to the mobile node`, m.mobileNode);
        },
    }),
  },
  {
    id: 'KX-KEY3-MATCH', title: 'The foreign agent\'s KEY3 is the mobile node\'s KEY3', severity: 'error', reference: 'docs/protocol.md §B.5; WO 01/26322 Figs. 4c–d, 6', needsKeys: true,
    description: 'In the home agent\'s reply, the plaintext KEY3 for the foreign agent equals the KEY3 encrypted for the mobile node (same key, same NewSPI).',
    create: ctx => ({
      message(m) {
        if (m.type !== REPLY) return;
        const k3 = m.kx.gp.filter(x => x.kind === 'gp_sa' && x.content === 0);
        const enc = k3.find(x => x.encrypted), clear = k3.find(x => !x.encrypted);
        if (!enc || !clear) return;
        if (!enc.readable) { ctx.notCheckedNoKey(); return; }
        ctx.checked();
        const a = enc.saInfo, b = clear.saInfo;
        if (!a || !b || hex(a.key) !== hex(b.key) || a.newSpi !== b.newSpi) ctx.report(m.frame, `KEY3 for the foreign agent (SPI 0x${Number(b?.newSpi).toString(16)}) differs from the mobile node's KEY3 (SPI 0x${Number(a?.newSpi).toString(16)})`, m.mobileNode);
      },
    }),
  },
  {
    id: 'KX-KEY-UNIQUE', title: 'Keys are unique across mobile nodes and sessions', severity: 'error', reference: 'docs/protocol.md §B.4; WO 01/26322 Figs. 2, 29 (per-session keys)',
    description: 'A key is bound to one mobile node and handed out once: it never shows up for a second mobile node, and no later key distribution (a KDC Key Reply, a home agent\'s reply, a key-exchange payload) for another registration hands it out again. Relayed copies within one registration are the same distribution.',
    create: ctx => {
      // Keys by their hex, oldest first: past MAX_KEYS_FOLLOWED the one seen first is forgotten
      // (docs/limits.md). Per key: its mobile node, and its first distribution by the KDC and by a home agent.
      interface Seen { who: string | null; whoFrame: number; kdc: { reg: number; frame: number } | undefined; ha: { reg: number; frame: number } | undefined }
      const seen = new Map<string, Seen>();
      return {
        message(m) {
          const keys = carriedKeys(m);
          if (!keys.length) return;
          const known = m.mobileNode !== 'unknown mobile node' ? m.mobileNode : null;
          // Where a key is handed out: the KDC's Key Reply, the home agent's reply, a KE payload.
          const kind = m.type === 9 ? 'kdc' : m.type === REPLY && m.hop?.from === 'HA' ? 'ha' : null;
          // The registration it belongs to (a Key Reply belongs to the registration that asked for it).
          const reg = m.tx ? m.tx.parent ?? m.tx.id : -m.frame;
          for (const key of keys) {
            const k = hex(key);
            if (!k) continue;
            ctx.checked();
            let e = seen.get(k);
            if (!e) {
              if (seen.size >= MAX_KEYS_FOLLOWED) seen.delete(seen.keys().next().value!);
              e = { who: known, whoFrame: m.frame, kdc: undefined, ha: undefined };
              seen.set(k, e);
            }
            if (known && e.who && e.who !== known) ctx.report(m.frame, `key ${k.slice(0, 8)}… of ${e.who} (frame ${e.whoFrame}) is handed to another mobile node`, m.mobileNode);
            if (known && !e.who) { e.who = known; e.whoFrame = m.frame; }
            if (!kind) continue;
            const prev = e[kind];
            if (!prev) e[kind] = { reg, frame: m.frame };
            else if (prev.reg !== reg && prev.frame !== m.frame) ctx.report(m.frame, `key ${k.slice(0, 8)}… was already handed out in frame ${prev.frame} for another registration`, m.mobileNode);
          }
        },
      };
    },
  },
  {
    id: 'KX-KEY0-HIDDEN', title: 'KEY0 itself never travels', severity: 'error', reference: 'docs/protocol.md §B.5; WO 01/26322 Figs. 2, 5 (KEY0 pre-shared)', needsKeys: true,
    description: 'No message carries a keys-file key (KEY0 or another pre-shared key) in clear or as a distributed key.',
    create: ctx => {
      let preshared: PresharedKeys | null = null;
      return {
        message(m) {
          preshared ??= new PresharedKeys(presharedKeys(m));
          if (!preshared.keys.length) { ctx.notCheckedNoKey(); return; }
          ctx.checked();
          const ks = preshared, carried = carriedKeys(m);
          const distributed = carried.length ? new Set(carried.map(hex)) : null;
          // Which keys (of 8 bytes or more) the message's bytes hold, in one pass over them.
          const inClear = ks.foundIn(m.msg.buf, m.msg.start, m.msg.end);
          if (!distributed && !inClear) return;
          for (let i = 0; i < ks.keys.length; i++) {
            const h = ks.hex[i]!;
            if (distributed?.has(h)) ctx.report(m.frame, `a pre-shared key (${h.slice(0, 8)}…) is distributed in the message`, m.mobileNode);
            else if (inClear?.has(i)) ctx.report(m.frame, `a pre-shared key (${h.slice(0, 8)}…) appears in clear in the message`, m.mobileNode);
          }
        },
      };
    },
  },
  {
    id: 'KX-NEG-PROPOSALS', title: 'Proposals and transforms are numbered and counted truly', severity: 'error', reference: 'docs/protocol.md §B.3, §E.2; RFC 2408 §4.2; WO 01/26322 Figs. 17–20, 26–28',
    description: 'Proposal numbers increase, proposals sharing a number are adjacent, NumTransforms and every Length match the bytes, transform numbers increase within a proposal, key-exchange payloads follow the transforms.',
    create: ctx => ({
      message(m) {
        if (!m.kx.sa.length) return;
        ctx.checked();
        for (const e of m.pkt.experts) if (STRUCTURE_EXPERTS.has(e.expert!)) ctx.report(m.frame, e.text ?? e.expert!.summary, m.mobileNode);
      },
    }),
  },
  {
    id: 'KX-NEG-RESPONSE', title: 'The responder chooses among the offered transforms', severity: 'error', reference: 'docs/protocol.md §B.3, §E.3; WO 01/26322 Figs. 26–28',
    description: 'An accepting reply answers with one proposal number and one transform per proposal payload, each with the ProposalNo, TransformNo, TransformId and SPI offered in the request.',
    create: ctx => {
      const offers = (m: MessageView) => ctx.noteOn(m.tx!, () => ({ offered: [] as ProposalRecord[] }));
      return {
        message(m) {
          if (!m.tx) return;
          const ps = proposals(m);
          if (m.type === REQUEST) { if (ps.length && !offers(m).offered.length) offers(m).offered = ps; return; }
          if (m.type !== REPLY || !accepted(m) || !ps.length) return;
          const offered = offers(m).offered;
          if (!offered.length) return;
          ctx.checked();
          if (new Set(ps.map(p => p.no)).size > 1) ctx.report(m.frame, `the reply holds proposals ${[...new Set(ps.map(p => p.no))].join(', ')}: it must choose one`, m.mobileNode);
          for (const p of ps) {
            if (p.transforms.length !== 1) ctx.report(m.frame, `proposal ${p.no} of the reply holds ${p.transforms.length} transforms, not one`, m.mobileNode);
            const o = offered.filter(x => x.no === p.no);
            if (!o.length) { ctx.report(m.frame, `proposal ${p.no} was never offered`, m.mobileNode); continue; }
            if (!o.some(x => x.spi === p.spi)) ctx.report(m.frame, `proposal ${p.no} changes the offered SPI to 0x${p.spi.toString(16)}`, m.mobileNode);
            for (const t of p.transforms) if (!o.some(x => x.transforms.some(y => y.no === t.no && y.id === t.id))) ctx.report(m.frame, `transform ${t.no} (id ${t.id}) of proposal ${p.no} was never offered`, m.mobileNode);
          }
        },
      };
    },
  },
  {
    id: 'KX-NEG-CONVERGE', title: 'A negotiation ends in agreement', severity: 'warning', reference: 'docs/protocol.md §E.3; WO 01/26322 Figs. 26–28',
    description: 'A request that offers proposals is answered, within the capture, by an accepting reply, or by a code-129 counter-proposal after which the same mobile node offers again (until one is accepted).',
    create: ctx => {
      // A negotiation lives in its transaction's notes; a counter-proposal hands it on to the
      // mobile node's next request (a new transaction), found by who answers it.
      interface Negotiation { frame: number; who: string; decided: boolean }
      const countered = new Map<string, { frame: number; who: string }>();
      const peer = (m: MessageView, reply: boolean) => `${m.msg.homeAddr}|${m.msg.haAddr}|${reply ? m.ipDst : m.ipSrc}`;
      const slot = (tx: Transaction) => ctx.noteOn(tx, () => ({ n: null as Negotiation | null }));
      const negotiation = (tx: Transaction) => slot(tx).n;
      return {
        message(m) {
          if (!m.tx || m.tx.kind !== 'registration') return;
          if (m.type === REQUEST && proposals(m).length && !negotiation(m.tx)) {
            const prior = countered.get(peer(m, false));
            if (prior) countered.delete(peer(m, false));
            const n: Negotiation = { ...(prior ?? { frame: m.frame, who: m.mobileNode }), decided: false };
            slot(m.tx).n = n;
          } else if (m.type === REPLY) {
            const o = negotiation(m.tx);
            if (!o || o.decided) return;
            o.decided = true;
            if (accepted(m)) ctx.checked();
            else if (m.msg.code === 129 && proposals(m).length) countered.set(peer(m, true), o);
            else { ctx.checked(); ctx.report(o.frame, `negotiation denied with code ${m.msg.code} in frame ${m.frame} and not resumed`, o.who); }
          }
        },
        transaction(tx) {
          const o = negotiation(tx);
          if (o && !o.decided) { ctx.checked(); ctx.report(o.frame, 'negotiation started here never reaches an accepting reply', o.who); }
        },
        end() {
          for (const o of countered.values()) { ctx.checked(); ctx.report(o.frame, 'negotiation started here never reaches an accepting reply', o.who); }
        },
      };
    },
  },
  {
    id: 'KX-DH-GROUP', title: 'Diffie-Hellman values are sane', severity: 'error', reference: 'docs/protocol.md §B.3, §E.7; RFC 2409 §6; WO 01/26322 Figs. 22, 29',
    description: 'Sub-types 1 and 2 use the Oakley primes; 1 < CV < P − 1; CV is as long as P; a user-defined P is prime and 1 < G < P.',
    create: ctx => ({
      message(m) {
        // The dissector's verdict on the group and the public value (negotiation.ts): one check,
        // within its size and per-packet limits.
        for (const ke of dhExchanges(m)) { ctx.checked(); if (ke.problem) ctx.report(m.frame, ke.problem.text ?? ke.problem.expert!.summary, m.mobileNode); }
      },
    }),
  },
  {
    id: 'KX-DH-WEAK', title: 'No 768-bit Diffie-Hellman group', severity: 'warning', reference: 'RFC 2409 §6.1; docs/protocol.md §B.3; WO 01/26322 Fig. 29',
    description: 'Oakley group 1 (768-bit MODP) is too weak for today\'s use.',
    create: ctx => ({
      message(m) {
        for (const ke of dhExchanges(m)) { ctx.checked(); if (ke.subtype === 1) ctx.report(m.frame, 'Diffie-Hellman with the 768-bit Oakley group 1', m.mobileNode); }
      },
    }),
  },
  {
    id: 'KX-SA-EXPIRED', title: 'No security association is used after its lifetime', severity: 'error', reference: 'docs/protocol.md §B.1, §B.3; WO 01/26322 Figs. 11, 19 (Lifetime)',
    description: 'An authentication extension or encrypted extension under an SPI whose SA-INFO or proposal lifetime has run out.',
    create: ctx => {
      const expiry = new Map<number, { until: number; frame: number }>();
      return {
        message(m) {
          for (const { spi } of m.kx.auth) {
            const e = expiry.get(spi);
            if (!e) continue;
            ctx.checked();
            if (m.time > e.until) ctx.report(m.frame, `SPI 0x${spi.toString(16)} used ${(m.time - e.until).toFixed(0)} s after its lifetime ran out (SA from frame ${e.frame})`, m.mobileNode);
          }
          // Lifetimes learned here apply afterwards.
          for (const { saInfo } of m.kx.gp) if (saInfo && saInfo.lifetime !== 0xffffffff) expiry.set(saInfo.newSpi, { until: m.time + saInfo.lifetime, frame: m.frame });
          if (m.type === REPLY && accepted(m)) for (const p of proposals(m)) {
            if (p.lifetime !== 0xffffffff && p.lifetime !== 0) expiry.set(p.spi, { until: m.time + p.lifetime, frame: m.frame });
          }
        },
      };
    },
  },
  {
    id: 'KX-LEARNED-KEY-FAILS', title: 'Keys learned from the traffic verify afterwards', severity: 'error', reference: 'docs/protocol.md §C, §E.9', needsKeys: true,
    description: 'An authenticator under an SPI whose key was learned from the capture (distributed, negotiated, derived) fails to verify.',
    create: ctx => {
      const learned = new Map<number, number>();
      return {
        message(m) {
          for (const { spi, status } of m.kx.auth) {
            if (!learned.has(spi)) continue;
            if (status === 'unverified') { ctx.notCheckedNoKey(); continue; }
            ctx.checked();
            if (status === 'bad') ctx.report(m.frame, `authenticator under SPI 0x${spi.toString(16)}, learned in frame ${learned.get(spi)}, does not verify`, m.mobileNode);
          }
          for (const { spi } of m.kx.learned) if (!learned.has(spi)) learned.set(spi, m.frame);
        },
      };
    },
  },
];

/**
 * The keys-file keys, with their hex, and those of 8 bytes or more indexed by their first four
 * bytes: a message is searched for all of them in one pass over its bytes (a capture's messages
 * times a keys file's keys would otherwise be a byte-by-byte search each).
 */
export class PresharedKeys {
  readonly hex: string[];
  private readonly byPrefix = new Map<number, number[]>();
  /** One bit per first two bytes of a key: most offsets are passed over on it alone. */
  private readonly first2 = new Uint8Array(8192);
  constructor(readonly keys: Uint8Array[]) {
    this.hex = keys.map(hex);
    keys.forEach((k, i) => {
      if (k.length < 8) return;
      const p = word(k, 0), l = this.byPrefix.get(p);
      if (l) l.push(i); else this.byPrefix.set(p, [i]);
      const f = p >>> 16;
      this.first2[f >>> 3]! |= 1 << (f & 7);
    });
  }

  /** The indexes of the keys (8 bytes or more) found in buf[start, end), or null for none. */
  foundIn(buf: Uint8Array, start: number, end: number): Set<number> | null {
    if (!this.byPrefix.size || end - start < 8) return null;
    let found: Set<number> | null = null;
    const first2 = this.first2;
    for (let i = start; i + 8 <= end; i++) {
      const f = (buf[i]! << 8) | buf[i + 1]!;
      if (!(first2[f >>> 3]! & (1 << (f & 7)))) continue;
      const l = this.byPrefix.get(word(buf, i));
      if (l) for (const k of l) if (!found?.has(k) && i + this.keys[k]!.length <= end && startsAt(buf, i, this.keys[k]!)) (found ??= new Set()).add(k);
    }
    return found;
  }
}

const word = (b: Uint8Array, i: number) => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;

function startsAt(hay: Uint8Array, at: number, needle: Uint8Array): boolean {
  for (let j = 0; j < needle.length; j++) if (hay[at + j] !== needle[j]) return false;
  return true;
}

/** The keys-file keys of the session's SA table (pre-shared, never to be sent). */
function presharedKeys(m: MessageView): Uint8Array[] {
  return kxState(m.pkt.session).table.all().filter(sa => sa.source.kind === 'file').map(sa => sa.key);
}
