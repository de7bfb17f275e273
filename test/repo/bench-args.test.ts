// The bench scripts refuse what they do not know before they build or run anything: a typo
// must not start a half-hour run with the defaults.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';

const run = (script: string, ...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'dist', 'bench', script), ...args], { encoding: 'utf8', timeout: 20_000 });

describe('bench flags', () => {
  for (const script of ['run.js', 'store.js']) {
    it(`${script}: --help prints the usage and runs nothing`, () => {
      const r = run(script, '--help');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^usage: node dist/bench/${script.replace('.', '\\.')} \\[--runs N\\]`));
      expect(r.stderr).toBe('');
    });
    it(`${script}: an unknown flag or a bad count is one line and exit code 2`, () => {
      for (const args of [['--bogus'], ['--runs', 'x'], ['--packets', '0'], ['--runs']]) {
        const r = run(script, ...args);
        expect(r.status, args.join(' ')).toBe(2);
        expect(r.stdout).toBe('');
        expect(r.stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
        expect(r.stderr).toMatch(/^bench: /);
      }
    });
  }
});
