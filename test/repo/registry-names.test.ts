// The registry is the only source of names: the conformance rules refer to fields and expert
// items by their registry entries (and read the dissector's typed records), never by an abbrev
// string. String literals are read from TypeScript's syntax tree, so comments and prose don't count.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { expertByAbbrev, fieldByAbbrev } from '../../dissector/index.js';
import { ROOT } from '../helpers.js';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(e => {
    const p = join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** The string literals of a TypeScript source that name a registered field or expert item. */
function abbrevLiterals(file: string): string[] {
  const found: string[] = [];
  const visit = (n: ts.Node): void => {
    if ((ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) && (fieldByAbbrev(n.text) || expertByAbbrev(n.text))) found.push(n.text);
    ts.forEachChild(n, visit);
  };
  visit(ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true));
  return found;
}

describe('registry names', () => {
  it('the conformance rules and checker name no field or expert item by its abbrev', () => {
    const offenders = sources(join(ROOT, 'conformance')).flatMap(f => abbrevLiterals(f).map(a => `${relative(ROOT, f)}: '${a}'`));
    expect(offenders).toEqual([]);
  });
  it('the scan finds an abbrev where one is written', () => {
    // The rule fixtures name experts by abbrev on purpose: the scan must see them.
    expect(abbrevLiterals(join(ROOT, 'test/kx/malformed.test.ts'))).toContain('mip.kx.xf.reserved.nonzero');
  });
});
