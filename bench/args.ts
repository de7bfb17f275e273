// The bench scripts' flags: --name VALUE options and bare switches, checked strictly. --help
// prints the usage; an unknown flag or a value that is not a positive whole number where one
// is wanted is one line on stderr and exit code 2, before any capture is built or run.
import { parseArgs } from 'node:util';

export interface BenchArgs { value(name: string, dflt: string): string; count(name: string, dflt: number): number; has(name: string): boolean }

export function benchArgs(usage: string, values: string[], switches: string[]): BenchArgs {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const v of values) options[v] = { type: 'string' };
  for (const s of switches) options[s] = { type: 'boolean' };
  let parsed: Record<string, string | boolean | undefined>;
  try {
    parsed = parseArgs({ args: process.argv.slice(2), options, strict: true, allowPositionals: false }).values as Record<string, string | boolean | undefined>;
  } catch (e) {
    process.stderr.write(`bench: ${(e as Error).message.split('\n')[0]} (--help for the usage)\n`);
    process.exit(2);
  }
  if (parsed.help) { process.stdout.write(`${usage}\n`); process.exit(0); }
  return {
    value: (name, dflt) => (parsed[name] as string | undefined) ?? dflt,
    count: (name, dflt) => {
      const raw = parsed[name] as string | undefined;
      if (raw === undefined) return dflt;
      if (!/^[1-9][0-9]*$/.test(raw)) { process.stderr.write(`bench: --${name} wants a positive whole number, not '${raw}'\n`); process.exit(2); }
      return parseInt(raw, 10);
    },
    has: name => parsed[name] === true,
  };
}
