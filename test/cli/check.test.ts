// `mipscope check` speaks the main command's language (-r, -i, --keys, -o pref:value, -Y, -2,
// -c), writes its report to --output, never writes a passing report for an input it could not
// read to the end, and never says "passed" for messages it could not examine without keys.
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT } from '../helpers.js';

const CAPTURES = join(ROOT, 'samples', 'captures');
const stateful = join(CAPTURES, 'kx-stateful.pcapng');
const statefulKeys = join(CAPTURES, 'kx-stateful.keys.json');

function check(args: string[], cwd = ROOT) {
  const r = spawnSync(process.execPath, [CLI, 'check', ...args], { cwd, encoding: 'utf8', maxBuffer: 1 << 26 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
type Rule = { id: string; status: string; checked: number; notChecked: number };
const json = (args: string[]) => JSON.parse(check([...args, '--format', 'json']).stdout) as { summary: { frames: number; messages: number; complete: boolean; damage?: string; rules: Rule[] }; findings: { rule: string; frame: number }[] };
const rule = (j: ReturnType<typeof json>, id: string) => j.summary.rules.find(r => r.id === id)!;

describe('an input not read to its end never gives a passing report', () => {
  it('a missing capture: JUnit with an error element naming it, exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mipscope-check-'));
    const r = check(['-r', '/no/such/file', '--format', 'junit', '--output', join(dir, 'r.xml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("mipscope: cannot read capture file '/no/such/file': no such file or directory\n");
    const xml = readFileSync(join(dir, 'r.xml'), 'utf8');
    expect(xml).toMatch(/<testsuites [^>]*errors="1"/);
    expect(xml).toMatch(/<testsuite [^>]*errors="1"/);
    expect(xml).toMatch(/<error message="cannot read capture file &apos;\/no\/such\/file&apos;: no such file or directory" type="incomplete">/);
  });

  it('a capture cut short: JSON "complete": false with the damage, the findings before it, exit 2', () => {
    const r = check(['-r', join(CAPTURES, 'fault-truncated.pcapng'), '--format', 'json']);
    expect(r.code).toBe(2);
    const j = JSON.parse(r.stdout);
    expect(j.summary.complete).toBe(false);
    expect(j.summary.damage).toMatch(/cut short in the middle of packet 28/);
    expect(j.summary.frames).toBe(27);
    const text = check(['-r', join(CAPTURES, 'fault-truncated.pcapng')]).stdout;
    expect(text).toMatch(/^INCOMPLETE: the input was not read to its end \(.*cut short/m);
  });

  it('a complete read says so', () => {
    const j = json(['-r', stateful]);
    expect(j.summary.complete).toBe(true);
    expect(j.summary.damage).toBeUndefined();
  });
});

describe('the main command\'s flags', () => {
  it('-o sets a preference; the report goes to --output only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mipscope-check-'));
    const moved = check(['-r', stateful, '-o', 'mip.udp.port:4340', '--format', 'json'], dir);
    expect(moved.code).toBe(0);
    expect(JSON.parse(moved.stdout).summary.messages).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
    expect(json(['-r', stateful]).summary.messages).toBe(72);
    const bad = check(['-r', stateful, '-o', 'mip.udp.port:99999'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^mipscope: .*mip\.udp\.port.*99999/);
    expect(existsSync(join(dir, 'mip.udp.port:99999'))).toBe(false);
  });

  it('-c checks the first N packets, -Y only the packets the filter keeps', () => {
    expect(json(['-r', stateful, '-c', '10']).summary.frames).toBe(10);
    const requests = json(['-r', stateful, '-Y', 'mip.type == 1']);
    expect(requests.summary.messages).toBeGreaterThan(0);
    expect(requests.summary.messages).toBe(json(['-r', stateful]).summary.messages - json(['-r', stateful, '-Y', 'mip.type != 1']).summary.messages);
    expect(check(['-r', stateful, '-Y', 'mip.type ==']).code).toBe(2);
  });

  it('-2 checks the same messages with the same result', () => {
    const one = json(['-r', stateful, '--keys', statefulKeys]), two = json(['-r', stateful, '--keys', statefulKeys, '-2']);
    expect(two.summary.messages).toBe(one.summary.messages);
    expect(two.findings).toEqual(one.findings);
  });

  it('flags the main command has but check does not use are refused by name', () => {
    const r = check(['-r', stateful, '-V']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("mipscope: option -V is not an option of 'mipscope check' (see 'mipscope check --help')\n");
    expect(check(['-r', stateful, '--frobnicate']).stderr).toBe("mipscope: unknown option --frobnicate (see 'mipscope check --help')\n");
  });
});

describe('rules that need keys', () => {
  it('without keys: "not checked (no key) for N messages" beside what was checked, never passed', () => {
    const j = json(['-r', stateful]);
    const auth = rule(j, 'MIP-AUTH-VALID');
    // KEY2 and KEY3 travel in clear to the foreign agent: their authenticators verify; those under KEY0 cannot.
    expect(auth.checked).toBeGreaterThan(0);
    expect(auth.notChecked).toBeGreaterThan(0);
    expect(auth.status).toBe('partly-checked');
    const text = check(['-r', stateful]).stdout;
    expect(text).toContain(`  MIP-AUTH-VALID: no finding in ${auth.checked} checks; not checked (no key) for ${auth.notChecked} messages\n`);
    const junit = check(['-r', stateful, '--format', 'junit']).stdout;
    expect(junit).toMatch(/name="MIP-AUTH-VALID: [^"]*">\s*<skipped message="no finding in \d+ checks; not checked \(no key\) for \d+ messages"\/>/);
    expect(check(['-r', stateful, '--format', 'markdown']).stdout).toMatch(/\| MIP-AUTH-VALID \| error \| no finding in \d+ checks; not checked \(no key\) for \d+ messages \|/);
  });

  it('with the keys every message is examined and the rule passes', () => {
    const auth = rule(json(['-r', stateful, '--keys', statefulKeys]), 'MIP-AUTH-VALID');
    expect(auth).toMatchObject({ status: 'passed', notChecked: 0 });
  });
});
