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
import { FindingList } from '../../conformance/findings.js';
import { allRules } from '../../conformance/rules/index.js';
import { REPORT_FORMATS, renderReport, reportChunks } from '../../conformance/report/index.js';
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
});
