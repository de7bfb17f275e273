// State is explicit and indexed by frame (DESIGN.md principle 6): after the forward pass,
// dissecting any frame again — in any order, as the TUI does — gives the same tree: the same
// decryptions, verdicts and learned keys (a key learned later never shows up earlier). Only the
// forward references ("[Response in #N]", "[Next hop in #N]") appear, as the first pass cannot know them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaptureSync } from '../../capture/read.js';
import type { Frame } from '../../capture/frame.js';
import { dissectFrame, Session } from '../../dissector/index.js';
import { attachKeys, frameKeyResults, loadKeysFile, parseKeysFile } from '../../dissector/keys/index.js';
import { prng, toFrames, VECTORS } from '../helpers.js';
import { aaaFlow, dhFlow, negotiationFlow, seedFlow, statefulFlow } from './flows.js';
import { treeLines } from './helpers.js';

const FORWARD = new Set(['mip.response_in', 'mip.hop.next']);

function check(frames: Frame[], attach: (s: Session) => void, seed: number): number {
  const session = new Session();
  attach(session);
  const firstPass = frames.map(f => treeLines(dissectFrame(f, session), FORWARD));
  const records = frames.map(f => frameKeyResults(session, f.no));
  const counts = records.map(r => [r.auth.length, r.decryptions.length, r.learned.length]);
  const secondPass = frames.map(f => treeLines(dissectFrame(f, session)));
  const r = prng(seed);
  const order = frames.map((_, i) => i).sort(() => r() - 0.5);
  for (const i of order) {
    const pkt = dissectFrame(frames[i]!, session);
    expect(treeLines(pkt, FORWARD), `frame ${i + 1} against the first pass`).toEqual(firstPass[i]);
    expect(treeLines(pkt), `frame ${i + 1} against the second pass`).toEqual(secondPass[i]);
  }
  // The per-frame records were written once, in the forward pass.
  expect(frames.map(f => { const x = frameKeyResults(session, f.no); return [x.auth.length, x.decryptions.length, x.learned.length]; })).toEqual(counts);
  return order.length;
}

describe('re-dissecting a frame after the forward pass gives the same tree', () => {
  const flows = [
    ['stateful', statefulFlow()], ['AAA', aaaFlow()], ['negotiation', negotiationFlow()],
    ['Diffie-Hellman', dhFlow([{ group: 1, xi: 0x99n, xr: 0x77n, spi: 0x7101, transformId: 1, known: 'responder' }], [16], ['hmac-md5'])],
    ['seed', seedFlow(1, [{ type: 3, value: 3 }], 16, undefined, 'hmac-md5')],
  ] as const;
  flows.forEach(([name, flow], k) => {
    it(`flow: ${name}`, () => {
      expect(check(toFrames(flow.frames), s => attachKeys(s, parseKeysFile(flow.keys, 'k.json')), 11 + k)).toBe(flow.frames.length);
    });
  });
  for (const name of ['kx-stateful', 'kx-negotiation', 'kx-dh', 'kx-seed']) {
    it(`published vector ${name}`, () => {
      const frames = [...readCaptureSync(join(VECTORS, `${name}.pcap`))];
      expect(check(frames, s => attachKeys(s, loadKeysFile(join(VECTORS, `${name}.keys.json`))), name.length)).toBe(frames.length);
    });
  }
  it('the forward references do appear on the second pass', () => {
    const flow = statefulFlow();
    const session = new Session();
    attachKeys(session, parseKeysFile(flow.keys, 'k.json'));
    const frames = toFrames(flow.frames);
    const first = frames.map(f => treeLines(dissectFrame(f, session)).join('\n'));
    const again = treeLines(dissectFrame(frames[0]!, session)).join('\n');
    expect(first[0]).not.toContain('[Response In:');
    expect(again).toContain(`[Response In: ${flow.at.faRep}]`);
    expect(again).toContain(`[Next hop in: ${flow.at.faReq}]`);
    void readFileSync;
  });
});
