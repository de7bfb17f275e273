// A fresh clone stands on its own: the data the tests read is committed inside the repository,
// and no file of the repository reads or cites a path beside it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REFERENCE, ROOT, VECTORS } from '../helpers.js';

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' });
const tracked = git(ROOT, 'ls-files').split('\n').filter(Boolean);

describe('a fresh clone', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mipscope-clone-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('holds every file the tests read as data, and they load from there', () => {
    const clone = join(dir, 'repo');
    git(dir, 'clone', '-q', '--depth', '1', `file://${ROOT}`, clone);
    for (const base of [VECTORS, REFERENCE]) {
      const rel = relative(ROOT, base);
      expect(rel.startsWith('..')).toBe(false);
      const here = readdirSync(base).sort();
      expect(here.length).toBeGreaterThan(1);
      // Committed, not just present in this checkout: the clone has the same files, byte for byte.
      expect(readdirSync(join(clone, rel)).sort()).toEqual(here);
      for (const f of here) expect(readFileSync(join(clone, rel, f)).equals(readFileSync(join(base, f)))).toBe(true);
    }
    const index = JSON.parse(readFileSync(join(clone, relative(ROOT, VECTORS), 'INDEX.json'), 'utf8')) as { file: string; keys: string }[];
    expect(index.length).toBe(4);
    for (const c of index) {
      expect(existsSync(join(clone, relative(ROOT, VECTORS), c.file))).toBe(true);
      expect(existsSync(join(clone, relative(ROOT, VECTORS), c.keys))).toBe(true);
    }
  });
});

describe('no file points outside the repository', () => {
  // Built from parts so that this file does not match itself.
  const outside = new RegExp([String.raw`\.\./shared`, 'WIRE' + String.raw`\.md`, String.raw`shared/(spec|reference|seed)`, String.raw`join\(ROOT, '\.\.'`].join('|'));
  const text = tracked.filter(f => /\.(ts|js|json|md|txt)$/.test(f) && existsSync(join(ROOT, f)));

  it('neither code, tests, docs nor rule references', () => {
    const hits = text.filter(f => outside.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(hits).toEqual([]);
  });

  it('every docs/protocol.md section a rule or message cites exists', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'protocol.md'), 'utf8');
    const sections = new Set<string>();
    for (const m of doc.matchAll(/^#{2,3} ([A-E](?:\.\d+)?)\.? /gm)) sections.add(m[1]!);
    const e = /^## E\.[^\n]*\n([\s\S]*)$/m.exec(doc)![1]!;
    for (const m of e.matchAll(/^(\d+)\. /gm)) sections.add(`E.${m[1]}`);
    const cited = new Set<string>();
    for (const f of text) {
      for (const m of readFileSync(join(ROOT, f), 'utf8').matchAll(/docs\/protocol\.md §([A-E](?:\.\d+)?)((?:, §?[A-E](?:\.\d+)?)*)/g)) {
        cited.add(m[1]!);
        for (const more of m[2]!.matchAll(/([A-E](?:\.\d+)?)/g)) cited.add(more[1]!);
      }
    }
    expect(cited.size).toBeGreaterThan(10);
    expect([...cited].filter(s => !sections.has(s))).toEqual([]);
  });
});
