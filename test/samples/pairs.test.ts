// One set of request↔reply pairs on every sample: what the second pass of `-2` shows
// (mip.response_to) is what the checker's rules read in one streaming pass, and the rules about
// missing replies and requests report exactly the transactions and replies `-2` leaves unpaired.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaptureSync } from '../../capture/read.js';
import type { Frame } from '../../capture/frame.js';
import { Checker } from '../../conformance/checker.js';
import { allRules } from '../../conformance/rules/index.js';
import type { Rule } from '../../conformance/rule.js';
import { dissectFrame, Session } from '../../dissector/index.js';
import { attachKeys, loadKeysFile } from '../../dissector/keys/index.js';
import type { Manifest } from '../../samples/generate.js';
import { ROOT, values } from '../helpers.js';

const SAMPLES = join(ROOT, 'samples');
const manifest = JSON.parse(readFileSync(join(SAMPLES, 'manifest.json'), 'utf8')) as Manifest;

function frames(capture: string): Frame[] {
  const out: Frame[] = [];
  try { for (const f of readCaptureSync(join(SAMPLES, capture))) out.push(f); } catch { /* the sample cut short on purpose */ }
  return out;
}

let total = 0;

describe('the pairs -2 shows are the pairs the checker uses', () => {
  for (const e of manifest.captures) {
    it(e.capture, () => {
      const fs = frames(e.capture);
      const keys = loadKeysFile(join(SAMPLES, e.keys));
      // -2: a first pass, then the frames again.
      const two = new Session();
      attachKeys(two, keys);
      for (const f of fs) dissectFrame(f, two);
      const shown = new Set<string>(), unpairedReplies: number[] = [];
      for (const f of fs) {
        const p = dissectFrame(f, two);
        const to = values(p, 'mip.response_to');
        for (const r of to) shown.add(`${r}>${f.no}`);
        if (values(p, 'mip.type').includes('3') && !to.length) unpairedReplies.push(f.no);
      }
      const unanswered = two.transactions.all().filter(t => t.kind === 'registration' && !t.replies.length).map(t => t.id);
      // check: one streaming pass, the rules reading the session's transactions.
      const used = new Set<string>();
      const probe: Rule = {
        id: 'PROBE', title: 'pairs', severity: 'note', reference: '-', description: '-',
        create: () => ({ message(m) { if (m.answered) used.add(`${m.answered.frame}>${m.frame}`); } }),
      };
      const one = new Session();
      one.retain = false;
      attachKeys(one, keys);
      const checker = new Checker([probe, ...allRules.filter(r => r.id === 'MIP-NO-REPLY' || r.id === 'MIP-NO-REQUEST')], true);
      for (const f of fs) checker.add(dissectFrame(f, one));
      checker.finish();
      expect([...used].sort()).toEqual([...shown].sort());
      expect(checker.findings.filter(f => f.rule === 'MIP-NO-REPLY').map(f => f.frame)).toEqual(unanswered);
      expect(checker.findings.filter(f => f.rule === 'MIP-NO-REQUEST').map(f => f.frame)).toEqual(unpairedReplies);
      total += used.size;
    }, 60_000);
  }
  it('reports the figure', () => {
    console.log(`samples: ${total} request↔reply pairs, the same in -2 and in the checker`);
    expect(total).toBeGreaterThan(1000);
  });
});
