// With retain off (every streaming pass) an answered open transaction is packed into flat
// records and rebuilt when a later message may join it. Packing must not be visible: one pass
// with retain off dissects every frame exactly as one pass with retain on (nothing packed).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaptureSync } from '../../capture/read.js';
import type { FrameLike } from '../../capture/write.js';
import { udpFrame } from '../../dissector/build.js';
import { dissectFrame, Session } from '../../dissector/index.js';
import type { Packet } from '../../dissector/index.js';
import { attachKeys, loadKeysFile } from '../../dissector/keys/index.js';
import { fieldValueString } from '../../dissector/format.js';
import { encodeRegistrationReply, encodeRegistrationRequest, ext, ntpIdentification } from '../../dissector/mip/encode.js';
import type { RegistrationReplySpec, RegistrationRequestSpec } from '../../dissector/mip/encode.js';
import type { Frame } from '../../capture/read.js';
import { MAX_AGE, MAX_OPEN, TransactionTable } from '../../dissector/mip/transactions.js';
import type { Hop, MessageFacts, Transaction } from '../../dissector/mip/transactions.js';
import { ROOT, toFrames } from '../helpers.js';

const KEY = new Uint8Array(16).fill(9);
const T0 = 1_790_000_000;
const MN = '10.1.0.5', HA = '10.1.0.1', FA = '192.0.2.1', COA2 = '203.0.113.9';
const ID = ntpIdentification(T0 * 1000, 0x1234);
const req = (o: Partial<RegistrationRequestSpec> = {}) => encodeRegistrationRequest({ lifetime: 600, homeAddr: MN, haAddr: HA, coa: FA, ident: ID, exts: [ext.nai('mn@home.example'), ext.mnHa(0x1000, KEY)], ...o });
const rep = (o: Partial<RegistrationReplySpec> = {}) => encodeRegistrationReply({ code: 0, lifetime: 600, homeAddr: MN, haAddr: HA, ident: ID, exts: [ext.mnHa(0x1000, KEY)], ...o });
const relayed = (o: Partial<RegistrationRequestSpec> = {}) => req({ exts: [ext.nai('mn@home.example'), ext.mnHa(0x1000, KEY), ext.faHa(0x3000, KEY)], ...o });

function capture(steps: Array<[string, string, Uint8Array]>): Frame[] {
  let t = 0;
  const frames: FrameLike[] = steps.map(([src, dst, payload]) => { t += 0.25; return { ...udpFrame({ src, dst, payload }), tsSec: T0 + Math.floor(t), tsNsec: Math.round((t % 1) * 1e9) }; });
  return toFrames(frames);
}

/** Every node of a packet as a line: field, value, offset, length, source, text, expert. */
function dump(p: Packet): string {
  return p.all.map(n => [n.field?.abbrev ?? '', n.field ? fieldValueString(n.field, n.value) : '', n.offset, n.length, n.src, n.text ?? '', n.expert?.text ?? ''].join('|')).join('\n');
}

function onePass(frames: Iterable<Frame>, retain: boolean, keys?: string): string[] {
  const s = new Session();
  s.retain = retain;
  if (keys) attachKeys(s, loadKeysFile(keys));
  const out: string[] = [];
  for (const f of frames) out.push(dump(dissectFrame(f, s)));
  return out;
}

const denied = rep({ code: 130 });
const CASES: Record<string, Array<[string, string, Uint8Array]>> = {
  'accepted, then the reply again (a retransmitted reply after packing)': [[MN, HA, req()], [HA, MN, rep()], [HA, MN, rep()]],
  'accepted, then the same request again (a replay after packing)': [[MN, HA, req()], [HA, MN, rep()], [MN, HA, req()], [HA, MN, rep()]],
  'accepted, then the Identification reused from a second care-of address': [[MN, HA, req()], [HA, MN, rep()], [COA2, HA, req({ coa: COA2 })], [HA, COA2, rep()]],
  'denied, then the request retransmitted (the packed transaction rebuilt and joined)': [[MN, HA, req()], [HA, MN, denied], [MN, HA, req()], [HA, MN, denied]],
  'an FA relay answered, then late copies on each hop': [[MN, FA, req()], [FA, HA, relayed()], [HA, FA, rep()], [FA, MN, rep()], [FA, HA, relayed()], [HA, FA, rep()], [FA, MN, rep()], [MN, FA, req()]],
  'a reply with no request after an answered one (near hints)': [[MN, HA, req()], [HA, MN, rep()], [HA, MN, rep({ ident: ntpIdentification(T0 * 1000 + 5, 0x99) })]],
};

describe('packed transactions are invisible', () => {
  for (const [name, steps] of Object.entries(CASES)) {
    it(name, () => {
      const frames = capture(steps);
      expect(onePass(frames, false)).toEqual(onePass(frames, true));
    });
  }

  const dir = join(ROOT, 'samples', 'captures');
  const files = readdirSync(dir).filter(f => /\.pcap(ng)?$/.test(f)).sort();
  it('finds the sample captures', () => expect(files.length).toBeGreaterThan(20));
  /** The frames of a sample up to where the file is damaged (fault-truncated ends mid-record). */
  const framesOf = (path: string): Frame[] => {
    const out: Frame[] = [];
    try { for (const f of readCaptureSync(path)) out.push(f); } catch { /* the frames before the damage */ }
    return out;
  };
  for (const f of files) {
    it(`${f}, without and with its keys`, () => {
      const path = join(dir, f), keys = path.replace(/\.pcap(ng)?$/, '.keys.json');
      const frames = framesOf(path);
      expect(frames.length).toBeGreaterThan(0);
      expect(onePass(frames, false)).toEqual(onePass(frames, true));
      if (existsSync(keys)) expect(onePass(frames, false, keys)).toEqual(onePass(frames, true, keys));
    });
  }
});

describe('the packed store gives back what it was given', () => {
  // Plain copies of what the table hands out (string keys only: the table's own state stays out).
  const plainHop = (h: Hop) => JSON.parse(JSON.stringify({ ...h, auth: [...h.auth], keys: [...h.keys] }, (_k, v) => typeof v === 'bigint' ? `${v}n` : v));
  const plainTx = (t: Transaction | undefined) => t && { ...JSON.parse(JSON.stringify({ ...t, requests: [], replies: [] }, (_k, v) => typeof v === 'bigint' ? `${v}n` : v)), requests: t.requests.map(plainHop), replies: t.replies.map(plainHop) };

  /**
   * A seeded random mix of what the table meets: requests and their relays, replies each way
   * (accepting, denying, resynchronising the Identification), exact retransmissions of either,
   * replays, key requests while a registration waits at the HA, revocations, 0–4 authenticator
   * verdicts and some keys per message, SPIs absent or not, and long silences that age
   * transactions out; ports and lengths beyond what a record holds; more than MAX_OPEN
   * transactions, so that packed ones close by count.
   */
  function run(retain: boolean, steps: number, seed: number) {
    const t = new TransactionTable();
    t.retain = retain;
    const out: unknown[] = [];
    t.onClose(tx => out.push(['closed', plainTx(tx)]));
    let x = seed >>> 0;
    const rnd = (n: number) => { x = (Math.imul(x, 1103515245) + 12345) >>> 0; return (x >>> 8) % n; };
    const HA = 0x0a000001, FA = 0xc0000201, KDC = 0x0a0000fe, STATUS = ['good', 'bad', 'unverified'] as const;
    const sent: MessageFacts[] = [];
    let frame = 0, sec = T0;
    const place = (m: Omit<MessageFacts, 'frame' | 'time'>) => {
      if (rnd(500) === 0) sec += MAX_AGE + rnd(3);
      else sec += rnd(3) / 1000;
      const f: MessageFacts = { ...m, frame: ++frame, time: { sec: Math.floor(sec), nsec: Math.round((sec % 1) * 1e9) } };
      const p = t.add(f);
      sent.push(f);
      if (sent.length > 64) sent.shift();
      if (p) {
        for (let k = rnd(8) < 5 ? rnd(3) : rnd(5); k > 0; k--) t.noteAuth(f.frame, f.start, f.srcIndex, { type: [32, 33, 34, 36][rnd(4)]!, spi: rnd(4) ? 0x100 + rnd(50) : 0xffffffff, status: STATUS[rnd(3)]! });
        if (rnd(10) === 0) t.noteKey(p, { spi: 0x2000 + rnd(9), label: rnd(2) ? 'KEY3' : '' });
        out.push(['placed', f.frame, p.tx?.id, p.near, plainHop(p.hop), plainTx(p.tx)]);
      }
      // By id: an open one (with retain on a closed one is read back from its row, and compared as it closed).
      if (rnd(200) === 0) { const id = 1 + rnd(frame), tx = t.get(id); out.push(['get', id, plainTx(tx && !tx.closed ? tx : undefined)]); }
    };
    for (let i = 0; i < steps; i++) {
      const mn = 0x0b000000 + rnd(MAX_OPEN * 2), low = rnd(MAX_OPEN * 3), hi = BigInt(rnd(3));
      // Ports as UDP gives them, and now and then one a record cannot hold (the transaction stays objects).
      const port = () => [434, 434, rnd(65536), 70_000][rnd(40) ? rnd(2) : 2 + rnd(2)]!;
      const base = { start: 42, srcIndex: 0, srcPort: port(), dstPort: port(), low, ident: (hi << 32n) | BigInt(low), homeAddr: mn, haAddr: HA, coa: FA, spi: rnd(5) ? 0x100 + rnd(50) : undefined, covered: rnd(2) * 3, discardable: rnd(9) === 0 };
      // Short messages, and now and then one too long for a shared slab, or for a record's 16-bit length.
      const long = rnd(100) === 0 ? (rnd(2) ? 9000 : 70_000) : 0;
      const bytes = long ? new Uint8Array(long).fill(rnd(2)) : Uint8Array.of(low & 255, rnd(2), rnd(2), 7);
      const r = rnd(100);
      if (r < 25) place({ ...base, type: 1, src: mn, dst: FA, bytes });
      else if (r < 30 && sent.length) { const m = sent[sent.length - 1 - rnd(sent.length)]!; place({ ...m }); } // the same bytes again
      else if (r < 42 && sent.length) { const m = sent[sent.length - 1 - rnd(sent.length)]!; if (m.type === 1) place({ ...m, src: m.dst, dst: HA, bytes: rnd(4) ? m.bytes : Uint8Array.of(...m.bytes, 1) }); }
      else if (r < 75 && sent.length) {
        const m = sent[sent.length - 1 - rnd(sent.length)]!;
        const type = m.type === 1 ? 3 : m.type === 8 ? 9 : m.type === 7 ? 15 : 0;
        if (type) {
          const ident = rnd(6) ? m.ident : m.ident + (1n << 32n);
          place({ ...m, type, src: m.dst, dst: m.src, ident, low: Number(ident & 0xffffffffn), code: [0, 0, 1, 130, 133][rnd(5)]!, lifetime: 600, bytes: long ? bytes : Uint8Array.of(type, rnd(3)) });
        }
      } else if (r < 85) place({ ...base, type: 8, src: HA, dst: KDC, bytes });
      else if (r < 90) place({ ...base, type: 7, src: rnd(2) ? HA : FA, dst: rnd(2) ? FA : HA, ident: BigInt(low), bytes });
      else place({ ...base, type: 1, src: FA, dst: HA, bytes, low: rnd(50), ident: BigInt(rnd(50)) }); // many on a few Identifications
      if (rnd(3000) === 0) out.push(['open', t.openTransactions().map(plainTx)]);
    }
    out.push(['open', t.openTransactions().map(plainTx)], ['evictions', { ...t.evictions }]);
    return out;
  }

  it('one pass with retain off (packed) places, closes and hands out every transaction as with retain on (nothing packed)', () => {
    const off = run(false, MAX_OPEN * 2, 7), on = run(true, MAX_OPEN * 2, 7);
    expect(off.length).toBe(on.length);
    for (let i = 0; i < off.length; i++) expect(off[i], `event ${i}`).toEqual(on[i]);
    expect(off.filter(e => (e as unknown[])[0] === 'closed').length).toBeGreaterThan(1000);
  }, 120_000);
});
