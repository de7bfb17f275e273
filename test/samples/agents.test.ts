// The agents behave as WO 01/26322 and docs/protocol.md §B.5 say: what each one ends up holding, and what it
// put on the wire, after in-process runs of the flows.
import { describe, expect, it } from 'vitest';
import { OAKLEY_1, OAKLEY_2, isPrime, modPow } from '../../samples/agents/crypto.js';
import { EXT, WireError, findExt, ipString, parseGp, parseMessage, parseSaPayload } from '../../samples/agents/wire.js';
import type { Message } from '../../samples/agents/wire.js';
import { FAULTY_FLOWS, aaa, counterProposal, denials, dh, multi, negotiation, seed, stateful } from '../../samples/sim/flows.js';
import { runSimulation } from '../../samples/sim/world.js';
import type { SimResult } from '../../samples/sim/world.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const messages = (r: SimResult, from?: string, to?: string): Array<{ m: Message; i: number }> =>
  r.sent.flatMap((s, i) => (s.proto === 'udp' && (!from || s.from === from) && (!to || s.to === to) ? [{ m: parseMessage(s.payload), i }] : []));

describe('stateful flow (WO 01/26322 Figs. 2, 4a-d; B.5)', () => {
  const r = runSimulation(stateful);
  const w = r.world;

  it('hides the identity: header Home Address 0.0.0.0, GP-IP/NAI/L2 encrypted, sent from 0.0.0.0 (E.11)', () => {
    const reqs = r.sent.map((s, i) => ({ s, i })).filter(x => x.s.from.startsWith('mn') && x.s.proto === 'udp');
    expect(reqs.length).toBeGreaterThan(10);
    for (const { s } of reqs) {
      const m = parseMessage(s.payload);
      expect(s.srcIp).toBe('0.0.0.0');
      expect(m.homeAddr).toBe(0);
      const gps = m.exts.filter(e => e.type >= EXT.gpNai && e.type <= EXT.gpL2).map(parseGp);
      expect(gps.map(g => g.ext.type).sort()).toEqual([200, 201, 202]);
      expect(gps.every(g => g.encrypted)).toBe(true);
    }
  });

  it('the FA answers at 255.255.255.255, to the MN\'s MAC, with only the MN\'s part and MN-FA under KEY3', () => {
    const replies = messages(r, 'fa1').filter(x => x.m.type === 3);
    expect(replies.length).toBeGreaterThan(10);
    for (const { m, i } of replies) {
      const s = r.sent[i]!;
      expect(s.dstIp).toBe('255.255.255.255');
      const frame = r.frames[i]!.data;
      const mn = w.mobileNodes.find(x => x.name === s.to)!;
      expect(Array.from(frame.subarray(0, 6)).map(b => b.toString(16).padStart(2, '0')).join(':')).toBe(mn.mac);
      // Stripped: nothing between MN-HA and MN-FA, nothing after MN-FA, no plaintext key.
      const types = m.exts.map(e => e.type);
      expect(types.slice(-2)).toEqual([32, 33]);
      expect(m.exts.filter(e => e.type === EXT.gpSa).map(parseGp).every(g => g.encrypted)).toBe(true);
    }
  });

  it('the HA\'s first reply carries KEY3, KEY1 for the MN (E = 1) then KEY2, KEY3 for the FA (E = 0), FA-HA last', () => {
    const first = messages(r, 'ha1', 'fa1').find(x => x.m.exts.some(e => e.type === EXT.gpSa))!.m;
    const layout = first.exts.map(e => e.type === EXT.gpSa ? `sa${parseGp(e).content}${parseGp(e).encrypted ? 'e' : 'c'}` : String(e.type));
    expect(layout).toEqual(['sa0e', 'sa2e', '32', 'sa1c', 'sa0c', '34']);
  });

  it('every party ends up with the same keys the KDC issued; keys are distinct', () => {
    const kdc = w.kdc!;
    for (const mn of w.mobileNodes.filter(m => m.state === 'registered')) {
      const s = mn.session!;
      const issued = kdc.issued.filter(k => k.nai === mn.cfg.nai);
      const key1 = issued.filter(k => k.role === 'KEY1').at(-1)!.sa, key3 = issued.filter(k => k.role === 'KEY3').at(-1)!.sa;
      expect(s.auth.spi).toBe(key1.spi);
      expect(hex(s.auth.key)).toBe(hex(key1.key));
      expect(hex(s.key3!.key)).toBe(hex(key3.key));
      const visitor = w.foreignAgents[0]!.visitors.get(key3.spi)!;
      expect(hex(visitor.key3.key)).toBe(hex(key3.key));
      const binding = w.homeAgents[0]!.bindings.get(mn.cfg.nai)!;
      expect(hex(binding.key1!.key)).toBe(hex(key1.key));
      expect(hex(binding.key2!.key)).toBe(hex(visitor.key2!.key));
    }
    const keys = kdc.issued.map(k => hex(k.sa.key));
    expect(new Set(keys).size).toBe(keys.length);
    // Re-keying: more than one KEY1 per node over the run (fresh registrations under KEY0).
    expect(kdc.issued.filter(k => k.role === 'KEY1' && k.nai === 'mn2@home.example').length).toBeGreaterThan(1);
  });

  it('renews under KEY1 (MN-HA), KEY3 (MN-FA) and KEY2 (FA-HA), and deregisters with lifetime 0', () => {
    const spiOf = (m: Message, t: number) => { const e = findExt(m, t); return e ? ((e.data[0]! << 24) | (e.data[1]! << 16) | (e.data[2]! << 8) | e.data[3]!) >>> 0 : undefined; };
    const relayed = messages(r, 'fa1', 'ha1').map(x => x.m);
    const renewals = relayed.filter(m => spiOf(m, 32)! >= 0x10001);
    expect(renewals.length).toBeGreaterThan(4);
    for (const m of renewals) expect(spiOf(m, 34)).toBeGreaterThanOrEqual(0x10001);
    expect(messages(r, 'mn1').filter(x => x.m.exts.some(e => e.type === 33)).length).toBeGreaterThan(0);
    const dereg = messages(r, 'mn1').map(x => x.m).filter(m => m.lifetime === 0);
    expect(dereg.length).toBe(1);
    expect(w.mobileNodes[0]!.state).toBe('done');
    expect(w.homeAgents[0]!.bindings.has('mn1@home.example')).toBe(false);
  });

  it('asks the KDC with types 8/9 under the HA-KDC SA, which the KDC replaces now and then (GP-SA content 3)', () => {
    const spi = (m: Message) => ((findExt(m, 32)!.data[0]! << 24) | (findExt(m, 32)!.data[1]! << 16) | (findExt(m, 32)!.data[2]! << 8) | findExt(m, 32)!.data[3]!) >>> 0;
    const req = messages(r, 'ha1', 'kdc').map(x => x.m), rep = messages(r, 'kdc', 'ha1').map(x => x.m);
    expect(req.length).toBeGreaterThan(3);
    expect(rep.length).toBe(req.length);
    for (const [k, q] of req.entries()) {
      const a = rep.find(m => m.ident === q.ident)!;
      // The reply answers under the SA the request used; every key in it is encrypted under that SA.
      expect(spi(a)).toBe(spi(q));
      for (const m of [q, a]) expect(m.exts.filter(e => e.type >= EXT.gpNai && e.type <= EXT.gpSa).map(parseGp).filter(g => g.encrypted).every(g => g.spi === spi(q)), `exchange ${k}`).toBe(true);
    }
    const spis = [...new Set(req.map(spi))];
    expect(spis[0]).toBe(0x4001);
    expect(spis.length).toBeGreaterThan(1);
    // Each new SPI follows a reply that carried it (the last rotation may have no request after it).
    const rotations = rep.filter(m => m.exts.some(e => e.type === EXT.gpSa && parseGp(e).content === 3)).length;
    expect(rotations).toBeGreaterThanOrEqual(spis.length - 1);
    expect(rotations).toBeLessThanOrEqual(spis.length);
  });
});

describe('denials and faults: the other agents react', () => {
  it('HA denies 131 on a bad MN-HA authenticator; the MN registers on its next try', () => {
    const r = runSimulation(FAULTY_FLOWS.badAuth);
    expect(r.world.mobileNodes[0]!.codes.slice(0, 2)).toEqual([131, 0]);
  });
  it('FA denies 69 (lifetime too long), HA 133 (identification) with its own time, HA 129 when the KDC refuses', () => {
    const r = runSimulation(denials);
    const [a, b, c] = r.world.mobileNodes;
    expect(a!.codes[0]).toBe(69);
    expect(a!.codes[1]).toBe(0);
    expect(b!.codes.slice(0, 2)).toEqual([133, 0]);
    expect(c!.codes).toEqual([129]);
    expect(messages(r, 'kdc').some(x => x.m.code === 128)).toBe(true);
    // The 133 reply's high 32 bits are the HA's clock, its low bits the request's (RFC 5944 §5.7.1).
    const deny = messages(r, 'ha1').find(x => x.m.code === 133)!;
    expect(Number(deny.m.ident >> 32n) - 2208988800).toBe(Math.floor((r.frames[deny.i]!.tsSec)));
  });
  it('FA denies a poorly formed request with 70', () => {
    const r = runSimulation(FAULTY_FLOWS.lengthOverrun);
    expect(r.world.mobileNodes[0]!.codes.slice(0, 2)).toEqual([70, 0]);
    expect(() => parseMessage(r.sent.find(s => s.faults.length)!.payload)).toThrow(WireError);
  });
  it('the MN rejects an FA whose KEY3 is not its own, and a negotiation answer it never offered', () => {
    const k = runSimulation(FAULTY_FLOWS.key3Mismatch);
    expect(k.world.log.some(l => /MN-FA authentication does not verify/.test(l))).toBe(true);
    expect(k.world.mobileNodes[0]!.state).toBe('registered');
    const t = runSimulation(FAULTY_FLOWS.transformNotOffered);
    expect(t.world.log.some(l => /rejects the HA's choice/.test(l))).toBe(true);
    expect(t.world.mobileNodes[0]!.session!.auth.spi).toBe(t.world.mobileNodes[0]!.cfg.key0.spi);
  });
  it('the HA refuses a Diffie-Hellman value out of range', () => {
    const r = runSimulation(FAULTY_FLOWS.dhOutOfRange);
    expect(r.world.mobileNodes[0]!.codes).toEqual([129]);
  });
});

describe('AAA variant (Figs. 12-15, E.10)', () => {
  const r = runSimulation(aaa);
  it('each hop replaces the FA-HA authentication with its own; the FA-only keys stay until the FA', () => {
    const spi34 = (m: Message) => { const e = findExt(m, 34)!; return ((e.data[2]! << 8) | e.data[3]!); };
    expect(messages(r, 'fa1', 'aaa-visited').map(x => spi34(x.m))[0]).toBe(0x3101);
    expect(messages(r, 'aaa-visited', 'aaa-home').map(x => spi34(x.m))[0]).toBe(0x3102);
    expect(messages(r, 'aaa-home', 'ha1').map(x => spi34(x.m))[0]).toBe(0x3103);
    const back = messages(r, 'aaa-visited', 'fa1').map(x => x.m)[0]!;
    expect(back.exts.filter(e => e.type === EXT.gpSa).map(parseGp).filter(g => !g.encrypted).map(g => g.content)).toEqual([1, 0]);
    expect(spi34(back)).toBe(0x3101);
    // Renewals then go straight to the HA under KEY2.
    expect(messages(r, 'fa1', 'ha1').length).toBeGreaterThan(0);
  });
});

describe('negotiation (Figs. 24-28, E.3) and the three key modes (Fig. 29)', () => {
  it('the HA picks the first acceptable AND proposal, one transform each, and keys arrive from the KDC', () => {
    const r = runSimulation(negotiation);
    const [a, b] = r.world.mobileNodes;
    expect([a!.session!.auth.auth, a!.session!.enc.cipher]).toEqual(['hmac-sha1', 'aes-256-gcm']);
    expect([b!.session!.auth.auth, b!.session!.enc.cipher]).toEqual(['hmac-sha256', 'aes-128-gcm']);
    const ha = r.world.homeAgents[0]!;
    for (const mn of [a!, b!]) for (const sa of [mn.session!.auth, mn.session!.enc]) expect(hex(ha.store.get(sa.spi)!.key)).toBe(hex(sa.key));
    const answer = messages(r, 'ha1', 'mn1').map(x => x.m).find(m => m.exts.some(e => e.type === EXT.sa))!;
    const ps = parseSaPayload(answer.exts.find(e => e.type === EXT.sa)!);
    expect(ps.map(p => [p.no, p.protoId, p.transforms.length, p.transforms[0]!.no, p.ke[0]!.subtype])).toEqual([[1, 1, 1, 2, 5], [1, 2, 1, 1, 5]]);
    // FA-HA negotiation: later relays use the new SA, and the revocation too.
    const spi34 = messages(r, 'fa1', 'ha1').map(x => { const e = findExt(x.m, 34)!; return (e.data[2]! << 8) | e.data[3]!; });
    expect(spi34[0]).toBe(0x3011);
    expect(spi34.slice(1).every(s => s === 0x6301)).toBe(true);
    expect(messages(r, 'fa1', 'ha1').some(x => x.m.type === 15)).toBe(true);
  });
  it('counter-proposals: denial 129, then a request taking the HA\'s alternative', () => {
    const r = runSimulation(counterProposal);
    const [d, e] = r.world.mobileNodes;
    expect(d!.codes.slice(0, 2)).toEqual([129, 0]);
    expect(d!.session!.auth.auth).toBe('hmac-sha256');
    expect(e!.codes.slice(0, 2)).toEqual([129, 0]);
    expect([e!.session!.auth.auth, e!.session!.enc.cipher]).toEqual(['hmac-sha1', 'aes-256-gcm']);
  });
  it('stateless: both sides derive the same key over groups 1, 2 and a user-defined safe prime', () => {
    const r = runSimulation(dh);
    const ha = r.world.homeAgents[0]!;
    const groups = r.world.mobileNodes.map(mn => {
      expect(hex(ha.store.get(mn.session!.auth.spi)!.key)).toBe(hex(mn.session!.auth.key));
      return mn.session!.auth.spi;
    });
    expect(groups).toEqual([0x7101, 0x7201, 0x7301]);
    const keys = r.world.mobileNodes.map(mn => hex(mn.session!.auth.key));
    expect(new Set(keys).size).toBe(3);
    const g = r.world.userGroup();
    expect(isPrime(g.p) && isPrime((g.p - 1n) / 2n)).toBe(true);
    expect(modPow(g.g, (g.p - 1n) / 2n, g.p)).not.toBe(1n);
    expect(g.p.toString(2).length).toBe(1024);
    expect([OAKLEY_1.size, OAKLEY_2.size]).toEqual([96, 128]);
  });
  it('semi-stateful: MN and HA derive the same per-pair key from the KDC seed', () => {
    const r = runSimulation(seed);
    const ha = r.world.homeAgents[0]!;
    const keys = r.world.mobileNodes.map(mn => {
      expect(hex(ha.store.get(mn.session!.auth.spi)!.key)).toBe(hex(mn.session!.auth.key));
      return mn.session!.auth.key.length;
    });
    expect(keys).toEqual([32, 20, 16]);
  });
});

describe('several mobile nodes at once', () => {
  it('every node registers with its own keys', () => {
    const r = runSimulation(multi);
    expect(r.world.mobileNodes.map(m => m.state)).toEqual(Array(6).fill('registered'));
    const all = r.world.mobileNodes.flatMap(m => [m.cfg.key0.key, m.session!.auth.key, m.session!.key3!.key]).map(hex);
    expect(new Set(all).size).toBe(all.length);
    // They registered within the same few milliseconds: requests from different nodes interleave.
    const firsts = r.world.mobileNodes.map(m => r.sent.findIndex(s => s.from === m.name && s.proto === 'udp'));
    const times = firsts.map(i => r.sent[i]!.us);
    expect(Math.max(...times) - Math.min(...times)).toBeLessThan(50_000);
    expect(ipString(parseMessage(r.sent[firsts[0]!]!.payload).haAddr)).toBe('192.0.2.1');
  });
});
