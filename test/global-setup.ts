// Tests that spawn the CLI, the samples' agents or a live capture run the compiled `dist/`.
// Before any test runs, compile again if a source is newer than its output (or has none), so
// that `npx vitest run test/x.test.ts` after an edit never tests yesterday's build.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');

function sources(dir: string): string[] {
  if (!existsSync(join(ROOT, dir))) return [];
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap(e => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return sources(rel);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [rel] : [];
  });
}

/** Sources whose compiled file is missing or older than they are. */
export function staleSources(): string[] {
  const config = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')) as { include: string[]; compilerOptions: { outDir: string } };
  // store/ is compiled through the files that import it.
  const dirs = [...new Set([...config.include, 'store'])];
  return dirs.flatMap(sources).filter(f => {
    const out = join(ROOT, config.compilerOptions.outDir, f.replace(/\.ts$/, '.js'));
    return !existsSync(out) || statSync(out).mtimeMs < statSync(join(ROOT, f)).mtimeMs;
  });
}

export default function setup(): void {
  const stale = staleSources();
  if (stale.length === 0) return;
  process.stderr.write(`dist/ is older than ${stale.length} source file(s) (${stale.slice(0, 3).join(', ')}${stale.length > 3 ? ', …' : ''}): compiling with tsc -p tsconfig.json\n`);
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tsc -p tsconfig.json failed, so the tests would run a stale dist/:\n${r.stdout}${r.stderr}`);
  const still = staleSources();
  if (still.length > 0) throw new Error(`tsc ran but these sources still have no fresh output in dist/: ${still.join(', ')}`);
}
