// npm run fuzz [-- --minutes N] [--seed S] [--per-target N] [--target NAME]
// Runs every fuzz target (fuzz/targets.ts) for a while; each defect is printed with its seed and
// its input is saved under fuzz/findings/ to become a regression test.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runFuzz } from './run.js';
import { TARGETS } from './targets.js';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : undefined; };
const minutes = Number(opt('minutes') ?? '1');
const seed = Number(opt('seed') ?? Date.now() % 2 ** 31);
const perTarget = opt('per-target') !== undefined ? Number(opt('per-target')) : undefined;
const only = opt('target');
const targets = only ? TARGETS.filter(t => t.name === only) : TARGETS;
if (!targets.length || !Number.isFinite(minutes) || !Number.isFinite(seed)) {
  process.stderr.write(`mipscope fuzz: usage: npm run fuzz -- [--minutes N] [--seed S] [--per-target N] [--target ${TARGETS.map(t => t.name).join('|')}]\n`);
  process.exit(2);
}
const out = join(process.cwd(), 'fuzz', 'findings');
process.stdout.write(`fuzzing ${targets.map(t => t.name).join(', ')} for ${perTarget !== undefined ? `${perTarget} inputs each` : `${minutes} minute(s)`}, seed ${seed}\n`);
const r = runFuzz({
  seed, targets, perTarget, milliseconds: perTarget === undefined ? minutes * 60_000 : undefined, heapGrowthLimit: 256e6,
  onDefect(d, inputSeed) {
    mkdirSync(out, { recursive: true });
    const file = join(out, `${d.target}-${inputSeed}.${typeof d.input === 'string' ? 'txt' : 'bin'}`);
    writeFileSync(file, d.input);
    process.stdout.write(`DEFECT ${d.message.split('\n')[0]} (input seed ${inputSeed}, saved as ${file})\n`);
  },
});
for (const [t, n] of Object.entries(r.inputs)) process.stdout.write(`${t}: ${n} inputs\n`);
process.stdout.write(`heap ${r.heapStartMb.toFixed(0)} MB → ${r.heapEndMb.toFixed(0)} MB; ${r.defects.length} defect(s)\n`);
process.exit(r.defects.length ? 1 : 0);
