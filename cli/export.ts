// `mipscope export wireshark-lua` (also `-G lua`): writes the Wireshark Lua plugin generated from
// the registry, to standard output or to -o FILE.
import { writeFileSync } from 'node:fs';
import { wiresharkLua } from '../dissector/output/lua.js';
import { UsageError } from './args.js';

export const EXPORT_USAGE = `Usage: mipscope export wireshark-lua [-o FILE]
  Writes a Lua dissector for Wireshark and tshark 3.6 or later: Mobile IPv4 with the KX
  extensions, negotiation payloads and messages 8/9, under mipscope's field names.
  -o FILE    write to FILE instead of standard output
Install it in ~/.local/lib/wireshark/plugins/, or load it for one run:
  tshark -X lua_script:mipscope.lua -r capture.pcapng
`;

export function luaPlugin(version: string): string { return wiresharkLua({ version }); }

export function runExport(argv: readonly string[], version: string): number {
  let what: string | undefined, output: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-h' || a === '--help') { process.stdout.write(EXPORT_USAGE); return 0; }
    if (a === '-o') { output = argv[++i]; if (output === undefined) throw new UsageError('export: -o needs a file name'); continue; }
    if (a.startsWith('-')) throw new UsageError(`export: unknown option '${a}' (see 'mipscope export -h')`);
    if (what !== undefined) throw new UsageError(`export: one format only, got '${what}' and '${a}'`);
    what = a;
  }
  if (what !== 'wireshark-lua') throw new UsageError(what === undefined ? "export: say what to export: 'mipscope export wireshark-lua'" : `export: unknown format '${what}': expected wireshark-lua`);
  const text = luaPlugin(version);
  if (output === undefined) { process.stdout.write(text); return 0; }
  try { writeFileSync(output, text); } catch (e) { throw new UsageError(`export: cannot write ${output}: ${(e as Error).message}`); }
  return 0;
}
