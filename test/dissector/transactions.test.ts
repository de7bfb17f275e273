// The session's registration transactions (dissector/mip/transactions.ts): one capture per case
// of the RFC's rule, built with the encoders, each with the capture that breaks a rule and the
// one that keeps it; and the pairs `-2` shows are the pairs the checker uses.
import { describe, expect, it } from 'vitest';
import type { FrameLike } from '../../capture/write.js';
import { udpFrame } from '../../dissector/build.js';
import { dissectFrame, Session } from '../../dissector/index.js';
import type { Packet } from '../../dissector/index.js';
import { encodeRegistrationReply, encodeRegistrationRequest, ext, ntpIdentification } from '../../dissector/mip/encode.js';
import type { RegistrationReplySpec, RegistrationRequestSpec } from '../../dissector/mip/encode.js';
import { MAX_AGE, MAX_OPEN, TransactionTable } from '../../dissector/mip/transactions.js';
import type { Hop, MessageFacts, Transaction } from '../../dissector/mip/transactions.js';
import { Checker } from '../../conformance/checker.js';
import { allRules } from '../../conformance/rules/index.js';
import type { Rule } from '../../conformance/rule.js';
import { runCli, toFrames, values, writePcapng } from '../helpers.js';
import { aaaFlow } from '../kx/flows.js';

const KEY = new Uint8Array(16).fill(9);
const T0 = 1_790_000_000;
const MN = '10.1.0.5', MN2 = '10.1.0.6', HA = '10.1.0.1', FA = '192.0.2.1', COA1 = '198.51.100.7', COA2 = '203.0.113.9';
const BCAST = '255.255.255.255';
const ID = ntpIdentification(T0 * 1000, 0x1234);

class Cap {
  readonly frames: FrameLike[] = [];
  private t = 0;
  send(src: string, dst: string, payload: Uint8Array, dt = 0.02): number {
    this.t += dt;
    this.frames.push({ ...udpFrame({ src, dst, payload }), tsSec: T0 + Math.floor(this.t), tsNsec: Math.round((this.t % 1) * 1e9) });
    return this.frames.length;
  }
}
const req = (o: Partial<RegistrationRequestSpec> = {}) => encodeRegistrationRequest({ lifetime: 600, homeAddr: MN, haAddr: HA, coa: FA, ident: ID, exts: [ext.nai('mn@home.example'), ext.mnHa(0x1000, KEY)], ...o });
const rep = (o: Partial<RegistrationReplySpec> = {}) => encodeRegistrationReply({ code: 0, lifetime: 600, homeAddr: MN, haAddr: HA, ident: ID, exts: [ext.mnHa(0x1000, KEY)], ...o });
/** The FA's copy of a request: the mobile node's bytes and its FA-HA authentication. */
const relayed = (o: Partial<RegistrationRequestSpec> = {}) => req({ exts: [ext.nai('mn@home.example'), ext.mnHa(0x1000, KEY), ext.faHa(0x3000, KEY)], ...o });

function twoPass(frames: readonly FrameLike[]): { packets: Packet[]; session: Session } {
  const session = new Session();
  const fs = toFrames(frames);
  for (const f of fs) dissectFrame(f, session);
  return { packets: fs.map(f => dissectFrame(f, session)), session };
}

/** Per frame: the generated links, as -2 shows them. */
function links(frames: readonly FrameLike[]): Array<Record<string, string>> {
  return twoPass(frames).packets.map(p => {
    const out: Record<string, string> = {};
    for (const f of ['mip.response_in', 'mip.response_to', 'mip.transaction', 'mip.hop', 'mip.hop.role', 'mip.retransmission_of', 'mip.replay_of']) {
      const v = values(p, f);
      if (v.length) out[f.replace(/^mip\./, '')] = v.join(',');
    }
    return out;
  });
}

/** What the checker finds, rule by rule (frames), in one streaming pass as `mipscope check` runs. */
function check(frames: readonly FrameLike[], rules: readonly Rule[] = allRules): Record<string, number[]> {
  const session = new Session();
  session.retain = false;
  const c = new Checker(rules, false);
  for (const f of toFrames(frames)) c.add(dissectFrame(f, session));
  c.finish();
  const out: Record<string, number[]> = {};
  for (const f of c.findings) (out[f.rule] ??= []).push(f.frame);
  return out;
}
const ruleIds = (frames: readonly FrameLike[]) => Object.keys(check(frames)).sort();

describe('registration transactions, case by case', () => {
  it('an FA relay: MN → FA → HA and back, four hops of one transaction', () => {
    const c = new Cap();
    c.send(MN, FA, req()); c.send(FA, HA, relayed()); c.send(HA, FA, rep()); c.send(FA, MN, rep());
    expect(links(c.frames)).toEqual([
      { response_in: '4', transaction: '1', hop: '1', 'hop.role': 'MN→FA' },
      { response_in: '3', transaction: '1', hop: '2', 'hop.role': 'FA→HA' },
      { response_to: '2', transaction: '1', hop: '3', 'hop.role': 'HA→FA' },
      { response_to: '1', transaction: '1', hop: '4', 'hop.role': 'FA→MN' },
    ]);
    expect(ruleIds(c.frames)).toEqual([]);
    // Break: the FA changes the lifetime, which the MN-HA authenticator covers.
    const b = new Cap();
    b.send(MN, FA, req()); b.send(FA, HA, relayed({ lifetime: 300 })); b.send(HA, FA, rep({ lifetime: 300 })); b.send(FA, MN, rep({ lifetime: 300 }));
    expect(check(b.frames)).toEqual({ 'MIP-RELAY-INTEGRITY': [2] });
  });

  it('the AAA chain: FA → AAAF → AAAH → HA, each reply answering its own hop', () => {
    const flow = aaaFlow();
    const l = links(flow.frames);
    const roles = ['mnReq', 'faReq', 'aaafReq', 'aaahReq', 'haRep', 'aaahRep', 'aaafRep', 'faRep'].map(r => l[flow.at[r]! - 1]!['hop.role']);
    expect(roles).toEqual(['MN→FA', 'FA→AAA', 'AAA→AAA', 'AAA→HA', 'HA→AAA', 'AAA→AAA', 'AAA→FA', 'FA→MN']);
    expect(check(flow.frames)['MIP-RELAY-INTEGRITY']).toBeUndefined();
    expect(check(flow.frames)['MIP-NO-REPLY']).toEqual([flow.at.mnReq2]); // the flow ends on a renewal
    // Break: the home AAA server's copy to the HA changes a protected byte (the lifetime).
    const frames = flow.frames.map(f => ({ ...f, data: Uint8Array.from(f.data) }));
    const hop4 = frames[flow.at.aaahReq! - 1]!.data;
    hop4[42 + 3] = hop4[42 + 3]! ^ 1; // after Ethernet, IPv4 and UDP: the lifetime's low byte
    expect(check(frames)['MIP-RELAY-INTEGRITY']).toEqual([flow.at.aaahReq]);
  });

  it('co-located: the MN registers from its care-of address straight with the HA', () => {
    const c = new Cap();
    c.send(COA1, HA, req({ coa: COA1 })); c.send(HA, COA1, rep());
    expect(links(c.frames)).toEqual([
      { response_in: '2', transaction: '1', hop: '1', 'hop.role': 'MN→HA' },
      { response_to: '1', transaction: '1', hop: '2', 'hop.role': 'HA→MN' },
    ]);
    expect(ruleIds(c.frames)).toEqual([]);
    // Break: the HA answers another address: the request stays unanswered, the reply answers nothing.
    const b = new Cap();
    b.send(COA1, HA, req({ coa: COA1 })); b.send(HA, COA2, rep());
    expect(check(b.frames)).toEqual({ 'MIP-NO-REPLY': [1], 'MIP-NO-REQUEST': [2] });
  });

  it('a retransmission: the same bytes on the same hop are one transaction, not a replay', () => {
    const c = new Cap();
    c.send(MN, FA, req()); c.send(MN, FA, req(), 1); c.send(FA, HA, relayed()); c.send(HA, FA, rep()); c.send(FA, MN, rep());
    const l = links(c.frames);
    // The reply answers the latest copy (the FA relayed after both).
    expect(l[1]).toEqual({ response_in: '5', transaction: '1', hop: '1', 'hop.role': 'MN→FA', retransmission_of: '1' });
    expect(l[0]).toEqual({ transaction: '1', hop: '1', 'hop.role': 'MN→FA' });
    expect(ruleIds(c.frames)).toEqual([]);
    // Break: other bytes with the same Identification on the same hop: a replay (RFC 5944 §5.7).
    const b = new Cap();
    b.send(MN, FA, req()); b.send(MN, FA, req({ lifetime: 599 }), 1); b.send(FA, HA, relayed({ lifetime: 599 })); b.send(HA, FA, rep({ lifetime: 599 })); b.send(FA, MN, rep({ lifetime: 599 }));
    expect(links(b.frames)[1]).toMatchObject({ transaction: '2', replay_of: '1' });
    expect(check(b.frames)).toEqual({ 'MIP-NO-REPLY': [1], 'MIP-REPLAY': [2] });
  });

  it('a replay from a second care-of address reusing an Identification: MIP-REPLAY, no relay error', () => {
    const c = new Cap();
    c.send(COA1, HA, req({ coa: COA1 })); c.send(HA, COA1, rep());
    c.send(COA2, HA, req({ coa: COA2 }), 5); c.send(HA, COA2, rep({ code: 133, ident: ntpIdentification((T0 + 5) * 1000, 0x1234) }));
    const l = links(c.frames);
    expect(l[2]).toEqual({ response_in: '4', transaction: '3', hop: '1', 'hop.role': 'MN→HA', replay_of: '1' });
    expect(l[3]).toEqual({ response_to: '3', transaction: '3', hop: '2', 'hop.role': 'HA→MN' });
    expect(check(c.frames)).toEqual({ 'MIP-REPLAY': [3] });
    // Keep: the move to the second care-of address with a new Identification.
    const k = new Cap();
    k.send(COA1, HA, req({ coa: COA1 })); k.send(HA, COA1, rep());
    const id2 = ntpIdentification((T0 + 5) * 1000, 0x1235);
    k.send(COA2, HA, req({ coa: COA2, ident: id2 }), 5); k.send(HA, COA2, rep({ ident: id2 }));
    expect(ruleIds(k.frames)).toEqual([]);
  });

  it('replies that change the high 32 bits: paired either way; a finding with code 0, not with 133', () => {
    const later = ntpIdentification((T0 + 40) * 1000, 0x1234);
    for (const [code, found] of [[0, { 'MIP-REPLY-IDENT': [2] }], [133, {}]] as const) {
      const c = new Cap();
      c.send(COA1, HA, req({ coa: COA1 })); c.send(HA, COA1, rep({ code, ident: later }));
      expect(links(c.frames)[1]!.response_to, `code ${code}`).toBe('1');
      expect(check(c.frames), `code ${code}`).toEqual(found);
    }
    // The low 32 bits differ: no pair, and the pending request on the reverse path is named.
    const c = new Cap();
    c.send(COA1, HA, req({ coa: COA1 })); c.send(HA, COA1, rep({ ident: ID + 1n }));
    expect(links(c.frames)[1]).toEqual({});
    expect(check(c.frames)).toEqual({ 'MIP-NO-REPLY': [1], 'MIP-NO-REQUEST': [2], 'MIP-REPLY-IDENT': [2] });
  });

  it('a request sent to a broadcast address is answered from the agent\'s unicast address (RFC 5944 §3.8.3.1)', () => {
    const c = new Cap();
    c.send(COA1, BCAST, req({ coa: COA1, haAddr: BCAST })); c.send(HA, COA1, rep({ haAddr: BCAST }));
    expect(links(c.frames)[1]).toMatchObject({ response_to: '1', transaction: '1', hop: '2' });
    expect(ruleIds(c.frames)).toEqual([]);
    // Break: the answer goes elsewhere.
    const b = new Cap();
    b.send(COA1, BCAST, req({ coa: COA1, haAddr: BCAST })); b.send(HA, COA2, rep({ haAddr: BCAST }));
    expect(check(b.frames)).toEqual({ 'MIP-NO-REPLY': [1], 'MIP-NO-REQUEST': [2] });
  });

  it('two mobile nodes using the same Identification at the same time are two transactions', () => {
    const r2 = (o: Partial<RegistrationRequestSpec> = {}) => req({ homeAddr: MN2, exts: [ext.nai('mn2@home.example'), ext.mnHa(0x1001, KEY)], ...o });
    const c = new Cap();
    c.send(MN, FA, req()); c.send(MN2, FA, r2());
    c.send(FA, HA, relayed()); c.send(FA, HA, r2({ exts: [ext.nai('mn2@home.example'), ext.mnHa(0x1001, KEY), ext.faHa(0x3000, KEY)] }));
    c.send(HA, FA, rep({ homeAddr: MN2, exts: [ext.mnHa(0x1001, KEY)] })); c.send(HA, FA, rep());
    c.send(FA, MN2, rep({ homeAddr: MN2, exts: [ext.mnHa(0x1001, KEY)] })); c.send(FA, MN, rep());
    const l = links(c.frames);
    expect(l.map(x => x.transaction)).toEqual(['1', '2', '1', '2', '2', '1', '2', '1']);
    expect(l.map(x => x.response_to ?? x.response_in)).toEqual(['8', '7', '6', '5', '4', '3', '2', '1']);
    expect(ruleIds(c.frames)).toEqual([]);
    // Break: only the first node is answered.
    expect(check(c.frames.slice(0, 4).concat([c.frames[5]!, c.frames[7]!]))).toEqual({ 'MIP-NO-REPLY': [2] });
  });
});

describe('bounds', () => {
  const facts = (i: number, sec: number): MessageFacts => ({
    frame: i + 1, time: { sec, nsec: 0 }, type: 1, start: 42, srcIndex: 0, src: i + 1, dst: 7, srcPort: 434, dstPort: 434,
    low: i, ident: BigInt(i), homeAddr: i + 1, haAddr: 9, coa: 7, spi: 0x1000, bytes: Uint8Array.of(1, i & 255), covered: 0, discardable: false,
  });

  it('open transactions are evicted past MAX_OPEN, unanswered ones counted and passed to onClose', () => {
    const t = new TransactionTable();
    t.retain = false;
    let closed = 0;
    t.onClose(() => closed++);
    for (let i = 0; i < MAX_OPEN + 50; i++) t.add(facts(i, T0));
    expect(t.openTransactions().length).toBe(MAX_OPEN);
    expect(t.evictions.count).toBe(50);
    expect(closed).toBe(50);
    expect(t.evictedIn(MAX_OPEN + 50)).toEqual({ age: 0, count: 1 });
    // With retain off nothing is kept for closed transactions.
    expect(t.get(1)).toBeUndefined();
    expect(t.all().length).toBe(MAX_OPEN);
  });

  it(`a request older than MAX_AGE (${MAX_AGE} s) is forgotten with an expert item, and still reported as unanswered`, () => {
    const c = new Cap();
    c.send(MN, FA, req()); c.send(MN2, FA, req({ homeAddr: MN2, ident: ntpIdentification((T0 + MAX_AGE + 1) * 1000, 5) }), MAX_AGE + 1);
    c.send(FA, MN, rep(), 1); // too late: no longer matched
    const { packets } = twoPass(c.frames);
    expect(packets[1]!.experts.map(e => e.expert!.abbrev)).toContain('mip.transaction.evicted');
    expect(values(packets[2]!, 'mip.response_to')).toEqual([]);
    expect(check(c.frames)).toEqual({ 'MIP-NO-REPLY': [1, 2], 'MIP-NO-REQUEST': [3] });
  });
});

describe('closed transactions kept compactly (-2, the TUI)', () => {
  /** A hop or transaction as plain values (own fields and getters alike). */
  const plainHop = (h: Hop) => ({
    frame: h.frame, time: h.time, direction: h.direction, src: h.src, dst: h.dst, srcPort: h.srcPort, dstPort: h.dstPort, hop: h.hop, from: h.from, to: h.to,
    ident: h.ident, code: h.code, lifetime: h.lifetime, relays: h.relays, next: h.next, retransmissionOf: h.retransmissionOf, answers: h.answers,
    responseIn: h.responseIn, responseTime: h.responseTime, identChanged: h.identChanged, protectedChanged: h.protectedChanged, discardable: h.discardable,
    auth: [...h.auth], keys: [...h.keys],
  });
  const plainTx = (t: Transaction) => ({
    id: t.id, kind: t.kind, low: t.low, ident: t.ident, homeAddr: t.homeAddr, haAddr: t.haAddr, coa: t.coa, spi: t.spi, code: t.code, accepted: t.accepted,
    replayOf: t.replayOf, parent: t.parent, children: [...t.children], dropped: t.dropped, closed: t.closed,
    requests: t.requests.map(plainHop), replies: t.replies.map(plainHop),
  });

  it('a transaction read back after it closed is the one that closed, hop by hop and frame by frame', () => {
    const t = new TransactionTable();
    const atClose = new Map<number, ReturnType<typeof plainTx>>();
    t.onClose(tx => atClose.set(tx.id, plainTx(tx)));
    const placed: Array<{ frame: number; tx: number | undefined; hop: ReturnType<typeof plainHop> }> = [];
    let frame = 0;
    const msg = (i: number, type: number, src: number, dst: number, sec: number, extra: Partial<MessageFacts> = {}): MessageFacts => ({
      frame: ++frame, time: { sec, nsec: (i * 7919) % 1e9 }, type, start: 42, srcIndex: 0, src, dst, srcPort: 434, dstPort: 434,
      low: i, ident: (BigInt(T0 + i) << 32n) | BigInt(i), homeAddr: 0x0a000000 + i, haAddr: 9, coa: 7, spi: 0x1000 + i, bytes: Uint8Array.of(type, i & 255, i >> 8), covered: 2, discardable: i % 5 === 0, ...extra,
    });
    // MAX_OPEN + 300 registrations: a request, its relay, a retransmission for some, a reply back
    // each way (some denied, some unanswered), so that the oldest close by count while others go on.
    for (let i = 0; i < MAX_OPEN + 300; i++) {
      const sec = T0 + i / 1000, mn = 0x0b000000 + i;
      const q1 = t.add(msg(i, 1, mn, 7, sec));
      if (q1) t.noteAuth(frame, 42, 0, { type: 32, spi: 0x1000 + i, status: i % 3 ? 'good' : 'bad' });
      t.add(msg(i, 1, 7, 9, sec));
      if (i % 4 === 1) t.add(msg(i, 1, 7, 9, sec + 0.001));
      if (i % 7 === 3) continue;
      t.add(msg(i, 3, 9, 7, sec + 0.002, { code: i % 6 ? 0 : 130, lifetime: 600 }));
      const r = t.add(msg(i, 3, 7, mn, sec + 0.003, { code: i % 6 ? 0 : 130, lifetime: 600 }));
      if (i % 11 === 0) t.noteKey(r, { spi: 0x2000 + i, label: 'KEY3' });
    }
    // A reply that answers nothing, placed in the same way.
    t.add(msg(99_999_999, 3, 9, 7, T0 + 100, { low: 424242 }));
    for (let f = 1; f <= frame; f++) for (const p of t.at(f)) placed.push({ frame: f, tx: p.tx?.id, hop: plainHop(p.hop) });
    expect(atClose.size).toBeGreaterThan(250);
    // Every closed transaction, got by id, is what it was as it closed.
    for (const [id, was] of atClose) expect(plainTx(t.get(id)!), `transaction ${id}`).toEqual(was);
    // All of them, in the order they began; closed ones, then the open ones.
    const all = t.all();
    expect(all.length).toBe(MAX_OPEN + 300);
    expect(all.map(x => x.id)).toEqual([...all.map(x => x.id)].sort((a, b) => a - b));
    expect(all.filter(x => x.closed).length).toBe(atClose.size);
    // Reading every frame again gives the same placements as the first reading after the pass.
    const again: typeof placed = [];
    for (let f = 1; f <= frame; f++) for (const p of t.at(f)) again.push({ frame: f, tx: p.tx?.id, hop: plainHop(p.hop) });
    expect(again).toEqual(placed);
    // The links the later frames made on closed hops, the verdicts and keys, are there.
    const closedHop = placed.find(p => p.tx === 1 && p.hop.direction === 'request')!;
    expect(closedHop.hop).toMatchObject({ responseIn: expect.any(Number), next: expect.any(Number), auth: [{ type: 32, spi: 0x1000, status: 'bad' }] });
    expect(placed.find(p => p.tx === 1 && p.hop.to === 'MN')!.hop).toMatchObject({ keys: [{ spi: 0x2000, label: 'KEY3' }], responseTime: expect.anything() });
    // The closes are found again by the frame that caused them, as the expert item and a later pass read them.
    const closedAt = new Set<number>();
    for (let f = 1; f <= frame; f++) for (const tx of t.closedIn(f)) { expect(atClose.has(tx.id)).toBe(true); closedAt.add(tx.id); }
    expect(closedAt.size).toBe(atClose.size);
    expect([...Array(frame).keys()].reduce((n, f) => n + (t.evictedIn(f + 1)?.count ?? 0), 0)).toBe(t.evictions.count);
  });

  it('-2 and check -2 over a capture whose transactions age out give what one pass gives', () => {
    const c = new Cap();
    // Three registrations, each after the previous one's age limit; the second is never answered.
    for (let k = 0; k < 3; k++) {
      const id = ntpIdentification((T0 + k * (MAX_AGE + 10)) * 1000, k);
      c.send(MN, FA, req({ ident: id }), k ? MAX_AGE + 10 : 0.02); c.send(FA, HA, relayed({ ident: id }));
      if (k !== 1) { c.send(HA, FA, rep({ ident: id })); c.send(FA, MN, rep({ ident: id })); }
    }
    const file = writePcapng(c.frames);
    const one = runCli(['check', '-r', file]), two = runCli(['check', '-2', '-r', file]);
    expect(one.stdout).toContain('MIP-NO-REPLY');
    expect(two.stdout).toBe(one.stdout);
    expect(links(c.frames)).toEqual([
      { response_in: '4', transaction: '1', hop: '1', 'hop.role': 'MN→FA' },
      { response_in: '3', transaction: '1', hop: '2', 'hop.role': 'FA→HA' },
      { response_to: '2', transaction: '1', hop: '3', 'hop.role': 'HA→FA' },
      { response_to: '1', transaction: '1', hop: '4', 'hop.role': 'FA→MN' },
      { transaction: '5', hop: '1', 'hop.role': 'MN→FA' },
      { transaction: '5', hop: '2', 'hop.role': 'FA→HA' },
      { response_in: '10', transaction: '7', hop: '1', 'hop.role': 'MN→FA' },
      { response_in: '9', transaction: '7', hop: '2', 'hop.role': 'FA→HA' },
      { response_to: '8', transaction: '7', hop: '3', 'hop.role': 'HA→FA' },
      { response_to: '7', transaction: '7', hop: '4', 'hop.role': 'FA→MN' },
    ]);
  }, 30_000);
});

describe('one set of pairs', () => {
  /** A probe over the checker's MessageView: the pairs every multi-message rule reads. */
  const pairsProbe = (out: Set<string>): Rule => ({
    id: 'PROBE', title: 'pairs', severity: 'note', reference: '-', description: '-',
    create: () => ({ message(m) { if (m.answered) out.add(`${m.answered.frame}>${m.frame}`); } }),
  });

  function compare(frames: readonly FrameLike[]): number {
    const file = writePcapng(frames);
    const r = runCli(['-2', '-r', file, '-T', 'fields', '-e', 'frame.number', '-e', 'mip.response_to']);
    expect(r.code).toBe(0);
    const shown = new Set(r.stdout.trim().split('\n').map(l => l.split('\t')).filter(([, to]) => to).flatMap(([n, to]) => to!.split(',').map(x => `${x}>${n}`)));
    const used = new Set<string>();
    check(frames, [pairsProbe(used)]);
    expect([...used].sort()).toEqual([...shown].sort());
    return used.size;
  }

  it('-2 shows the pairs the checker uses, on the captures above', () => {
    const c = new Cap();
    c.send(MN, FA, req()); c.send(MN, FA, req(), 1); c.send(FA, HA, relayed()); c.send(HA, FA, rep()); c.send(FA, MN, rep());
    c.send(COA1, BCAST, req({ coa: COA1, haAddr: BCAST, ident: ID + 9n })); c.send(HA, COA1, rep({ haAddr: BCAST, ident: ID + 9n }));
    c.send(COA1, HA, req({ coa: COA1, ident: ID + 10n })); c.send(HA, COA1, rep({ code: 133, ident: ID + 10n + (5n << 32n) }));
    expect(compare(c.frames)).toBe(4);
    expect(compare(aaaFlow().frames)).toBe(4);
  }, 30_000);
});
