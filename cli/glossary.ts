// `-G`: dumps of the registry, in tshark's formats.
import { allExperts, allFields, FT_NAMES, prefDefaults } from '../dissector/index.js';
import { UsageError } from './args.js';

const BASES: Record<string, string> = { dec: 'BASE_DEC', hex: 'BASE_HEX', dec_hex: 'BASE_DEC_HEX', hex_dec: 'BASE_HEX_DEC', oct: 'BASE_OCT', none: 'BASE_NONE' };

export function glossary(kind: string): string {
  const lines: string[] = [];
  switch (kind) {
    case 'fields':
      for (const f of allFields()) {
        if (f.type === 'protocol') { lines.push(`P\t${f.name}\t${f.abbrev}`); continue; }
        const base = f.type === 'bool' ? (f.bits ? String(f.bits) : 'BASE_NONE') : f.type.startsWith('uint') || f.type === 'int32' ? BASES[f.base] : '';
        lines.push(`F\t${f.name}\t${f.abbrev}\t${FT_NAMES[f.type]}\t${f.proto}\t${base}\t0x${f.bitmask.toString(16)}\t${f.description}`);
      }
      break;
    case 'protocols':
      for (const f of allFields()) if (f.type === 'protocol') lines.push(`${f.name}\t${f.name}\t${f.abbrev}`);
      break;
    case 'prefs':
      for (const [k, v] of Object.entries(prefDefaults)) lines.push(`${k}: ${typeof v === 'boolean' ? (v ? 'TRUE' : 'FALSE') : v}`);
      break;
    case 'expert': case 'experts':
      for (const e of allExperts()) lines.push(`${e.abbrev}\t${e.group}\t${e.severity}\t${e.summary}`);
      break;
    default:
      throw new UsageError(`invalid -G report '${kind}': expected fields, protocols, prefs or experts`);
  }
  return lines.join('\n') + '\n';
}
