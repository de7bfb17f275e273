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
