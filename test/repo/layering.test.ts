// The import layering of the design: capture ← dissector ← conformance ← store ← tui, cli.
// capture uses none of the others; the dissector uses nothing above it; samples build their
// packets with the dissector's encoders; nothing imports cli, and only the `tui` subcommand
// imports the TUI. The imports are read with TypeScript's own pre-processor (static, type-only,
// re-exports and dynamic `import()` alike).
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';

/** Which project folders each folder may import (its own is always allowed). */
const ALLOWED: Record<string, readonly string[]> = {
  capture: [],
  dissector: ['capture'],
  conformance: ['capture', 'dissector'],
  store: ['capture', 'dissector', 'conformance'],
  tui: ['capture', 'dissector', 'conformance', 'store'],
  cli: ['capture', 'dissector', 'conformance', 'store', 'tui'],
  samples: ['capture', 'dissector'],
  // Benchmarks and fuzzing drive the library from outside; they are not imported by it.
  bench: ['capture', 'dissector', 'conformance', 'store', 'tui', 'samples'],
  fuzz: ['capture', 'dissector', 'conformance', 'store', 'bench'],
};
const OUTSIDE = new Set(['bench', 'fuzz']);
/** The only cli file that may import the TUI: the subcommand that starts it. */
const TUI_LAUNCHER = 'cli/tui.ts';
/** What samples may take from the dissector: its encoders and the primitives they sign with. */
const SAMPLE_ENCODERS = /^dissector\/(build|(mip|kx)\/encode|keys\/(ciphers|mac))\.ts$/;
/** Packages that belong to one layer of the library only (benchmarks may measure them directly). */
const PACKAGE_HOME: Record<string, RegExp> = {
  'blessed': /^tui\/view\//,
  '@duckdb/node-api': /^store\//,
  'pcap-parser': /^capture\//,
  'cap': /^capture\//,
};

interface Import { from: string; spec: string; target: string }

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap(e => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return sources(rel);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [rel] : [];
  });
}

/** Every import of a file: `target` is the repository path for a relative one, else the package name. */
function importsOf(from: string, text: string): Import[] {
  return ts.preProcessFile(text, true, true).importedFiles.map(({ fileName: spec }) => {
    if (!spec.startsWith('.')) {
      const parts = spec.split('/');
      return { from, spec, target: spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]! };
    }
    return { from, spec, target: relative(ROOT, resolve(ROOT, dirname(from), spec)).replace(/\.js$/, '.ts') };
  });
}

/** The imports that break the layering, each as "file → import". */
function violations(imports: readonly Import[]): string[] {
  const bad: string[] = [];
  for (const i of imports) {
    const folder = i.from.split('/')[0]!;
    const say = () => bad.push(`${i.from} → ${i.spec}`);
    if (!i.spec.startsWith('.')) {
      const home = PACKAGE_HOME[i.target];
      if (home && !home.test(i.from) && !OUTSIDE.has(folder)) say();
      continue;
    }
    const to = i.target.split('/')[0]!;
    if (to === folder) {
      if (i.from.startsWith('tui/model/') && i.target.startsWith('tui/view/')) say();
      continue;
    }
    if (!(ALLOWED[folder] ?? []).includes(to)) say();
    else if (to === 'tui' && folder === 'cli' && i.from !== TUI_LAUNCHER) say();
    else if (folder === 'samples' && to === 'dissector' && !SAMPLE_ENCODERS.test(i.target)) say();
  }
  return bad;
}

describe('import layering', () => {
  const files = Object.keys(ALLOWED).flatMap(sources);
  const imports = files.flatMap(f => importsOf(f, readFileSync(join(ROOT, f), 'utf8')));

  it('reads every source folder and its imports', () => {
    for (const dir of Object.keys(ALLOWED)) expect(files.some(f => f.startsWith(`${dir}/`)), dir).toBe(true);
    // Multi-line, type-only and dynamic imports are all seen.
    const edges = new Set(imports.map(i => `${i.from.split('/')[0]}→${i.target.split('/')[0]}`));
    for (const e of ['dissector→capture', 'conformance→dissector', 'store→conformance', 'cli→store', 'samples→dissector']) expect(edges.has(e), e).toBe(true);
    expect(imports.some(i => i.from === 'cli/main.ts' && i.target === 'cli/index-cmd.ts')).toBe(true);
  });

  it('goes one way: no file imports above its layer', () => {
    expect(violations(imports)).toEqual([]);
  });

  it('would report each kind of breach', () => {
    const probe = (from: string, spec: string) => violations(importsOf(from, `import { x } from '${spec}';`));
    expect(probe('capture/read.ts', '../dissector/index.js')).toEqual(['capture/read.ts → ../dissector/index.js']);
    expect(probe('dissector/udp.ts', '../conformance/rule.js')).toHaveLength(1);
    expect(probe('dissector/mip/encode.ts', '../../cli/args.js')).toHaveLength(1);
    expect(probe('store/analyze.ts', '../tui/model/app.js')).toHaveLength(1);
    expect(probe('tui/model/app.ts', '../../cli/args.js')).toHaveLength(1);
    expect(probe('tui/model/app.ts', '../view/screen.js')).toHaveLength(1);
    expect(probe('cli/main.ts', '../tui/model/app.js')).toHaveLength(1);
    expect(probe('samples/agents/home-agent.ts', '../../dissector/session.js')).toHaveLength(1);
    expect(probe('conformance/checker.ts', 'blessed')).toHaveLength(1);
    // And lets the allowed ones through.
    expect(probe('cli/tui.ts', '../tui/view/screen.js')).toEqual([]);
    expect(probe('samples/agents/home-agent.ts', '../../dissector/kx/encode.js')).toEqual([]);
    expect(probe('store/analyze.ts', '../conformance/checker.js')).toEqual([]);
  });
});
