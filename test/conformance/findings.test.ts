// The checker keeps its findings compactly (conformance/findings.ts) and the report writers write
// text, json and markdown in pieces: the findings read back and every report are those of the
// findings kept as objects, sorted by frame then rule, on every sample capture with its keys.
import { readdirSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaptureFileError, readCaptureSync } from '../../capture/read.js';
import { dissectFrame, Session } from '../../dissector/index.js';
import { attachKeys, parseKeysFile } from '../../dissector/keys/index.js';
import { Checker } from '../../conformance/checker.js';
import { FindingList, MESSAGES_INTERNED } from '../../conformance/findings.js';
import { allRules } from '../../conformance/rules/index.js';
import { REPORT_FORMATS, renderReport, reportChunks, reportPieces } from '../../conformance/report/index.js';
import type { Finding } from '../../conformance/rule.js';

const dir = join(__dirname, '..', '..', 'samples', 'captures');
const captures = readdirSync(dir).filter(f => f.endsWith('.pcapng')).sort();

describe('compact findings and reports written in pieces', () => {
  it.each(captures)('%s', name => {
    const session = new Session();
    const keysPath = join(dir, name.replace(/\.pcapng$/, '.keys.json'));
    const haveKeys = existsSync(keysPath);
    if (haveKeys) attachKeys(session, parseKeysFile(readFileSync(keysPath, 'utf8'), keysPath));
    const checker = new Checker(allRules, haveKeys);
    const heard: Finding[] = [];
    checker.onFinding = f => heard.push(f);
    // A damaged capture (fault-truncated) is checked up to the damage, as mipscope check does.
    try { for (const f of readCaptureSync(join(dir, name))) checker.add(dissectFrame(f, session)); } catch (e) { if (!(e instanceof CaptureFileError)) throw e; }
    const summary = checker.finish();
    const expected = [...heard].sort((a, b) => a.frame - b.frame || a.rule.localeCompare(b.rule));
    expect([...checker.findingList]).toEqual(expected);
    expect(summary.errors + summary.warnings + summary.notes).toBe(expected.length);
    const input = { file: name, summary };
    for (const format of REPORT_FORMATS) {
      expect([...reportChunks(format, { ...input, findings: checker.findingList })].join(''))
        .toBe(renderReport(format, { ...input, findings: expected }));
      expect([...reportPieces(format, { ...input, findings: checker.findingList })].join(''))
        .toBe(renderReport(format, { ...input, findings: expected }));
    }
    // The JSON written a finding at a time is what one JSON.stringify of the whole report gives.
    expect([...reportChunks('json', { ...input, findings: checker.findingList })].join('')).toBe(JSON.stringify({
      findings: expected.map(f => ({ frame: f.frame, rule: f.rule, severity: f.severity, message: f.message, reference: f.reference, ...(f.node ? { node: f.node } : {}) })),
      summary: { file: name, complete: true, ...summary },
    }, null, 2) + '\n');
  });

  it('keeps messages with any character, nodes, and report order for equal frames', () => {
    const rules = allRules.slice(0, 3);
    const list = new FindingList(rules);
    const msgs = ['plain', 'NAI \'mn€@home\' in clear', 'lone \ud800 surrogate', '', 'emoji 😀 | pipe'];
    msgs.forEach((m, i) => list.push(2 - (i % 3), 7 - i, m, i % 2 ? `node${i % 3}` : undefined));
    list.push(0, 3, 'second of frame 3', 'node1');
    list.sort();
    const got = [...list];
    expect(got.map(f => f.message).sort()).toEqual([...msgs, 'second of frame 3'].sort());
    expect(got.map(f => f.frame)).toEqual([...got.map(f => f.frame)].sort((a, b) => a - b));
    const three = got.filter(f => f.frame === 3);
    expect(three.map(f => f.rule)).toEqual([...three.map(f => f.rule)].sort((a, b) => a.localeCompare(b)));
    expect(got.find(f => f.message.includes('surrogate'))!.message).toBe('lone \ud800 surrogate');
    expect(got.filter(f => f.node === 'node1').length).toBe(2);
    expect(list.severityCount(rules[0]!.severity)).toBe(got.filter(f => f.severity === rules[0]!.severity).length);
  });

  it('reads back every message across many megabyte chunks, one longer than a chunk too', () => {
    const list = new FindingList(allRules.slice(0, 2));
    const msgs = Array.from({ length: 40_000 }, (_, i) => `message ${i} ` + 'é€x'.repeat(i % 50));
    msgs.splice(20_000, 0, 'long '.repeat(300_000));
    msgs.forEach((m, i) => list.push(i % 2, i, m, undefined));
    list.sort();
    expect([...list].map(f => f.message)).toEqual(msgs);
  });

  it('sorts by frame then rule, stably, past 65,535 frames and past the messages kept once', () => {
    const rules = allRules.slice(0, 5);
    const list = new FindingList(rules);
    const objects: Array<{ frame: number; rule: number; message: string; node: string | undefined; i: number }> = [];
    let seed = 7;
    const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) >>> 0; return (seed >>> 8) % n; };
    // Repeated texts, then more distinct ones than are interned (the rest pooled), in no order.
    const n = MESSAGES_INTERNED + 30_000;
    for (let i = 0; i < n; i++) {
      const frame = 1 + rnd(200_000), rule = rnd(rules.length);
      const message = i % 3 === 0 ? `repeated ${i % 17}` : `distinct ${i} ${'é'.repeat(i % 5)}`;
      const node = i % 4 ? `mn${i % 9}` : undefined;
      objects.push({ frame, rule, message, node, i });
      list.push(rule, frame, message, node);
    }
    list.sort();
    const idOrder = (a: number, b: number) => rules[a]!.id.localeCompare(rules[b]!.id);
    objects.sort((a, b) => a.frame - b.frame || idOrder(a.rule, b.rule) || a.i - b.i);
    const got = [...list];
    expect(got.length).toBe(n);
    got.forEach((f, k) => {
      const o = objects[k]!;
      expect([f.frame, f.rule, f.message, f.node]).toEqual([o.frame, rules[o.rule]!.id, o.message, o.node]);
    });
    expect([...list.atLeast('error')]).toEqual(got.filter(f => f.severity === 'error'));
    expect(list.atLeast('error').length).toBe(got.filter(f => f.severity === 'error').length);
  });
});
