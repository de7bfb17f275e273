// `-G`: dumps of the registry, in tshark's formats.
import { allExperts, allFields, FT_NAMES, prefDefaults } from '../dissector/index.js';
import type { FieldDef } from '../dissector/index.js';
import { parentProtocol } from '../dissector/output/view.js';
import { UsageError } from './args.js';

const BASES: Record<string, string> = { dec: 'BASE_DEC', hex: 'BASE_HEX', dec_hex: 'BASE_DEC_HEX', hex_dec: 'BASE_HEX_DEC', oct: 'BASE_OCT', none: 'BASE_NONE' };

/** The display column of `-G fields`: a base for integers, the bit width for booleans. */
function displayColumn(f: FieldDef): string {
  if (f.type === 'bool') return f.bits ? String(f.bits) : 'BASE_NONE';
  if (f.type.startsWith('uint') || f.type === 'int32') return BASES[f.base] ?? '';
  return '';
}

export function glossary(kind: string): string {
  const lines: string[] = [];
  switch (kind) {
    case 'fields':
      // P name abbrev | F name abbrev type parent-protocol display bitmask description
      for (const f of allFields()) {
        if (f.type === 'protocol') { lines.push(`P\t${f.name}\t${f.abbrev}`); continue; }
        lines.push(`F\t${f.name}\t${f.abbrev}\t${FT_NAMES[f.type]}\t${parentProtocol(f.abbrev)}\t${displayColumn(f)}\t0x${f.bitmask.toString(16)}\t${f.description}`);
      }
      // Expert items are fields too (FT_NONE), as Wireshark registers them.
      for (const e of allExperts()) lines.push(`F\t${e.summary}\t${e.abbrev}\tFT_NONE\t${parentProtocol(e.abbrev)}\t\t0x0\t`);
      break;
    case 'protocols':
      for (const f of allFields()) if (f.type === 'protocol') lines.push(`${f.name}\t${f.short}\t${f.abbrev}`);
      break;
    case 'values':
      // V abbrev value name | R abbrev low high name | T abbrev true false
      for (const f of allFields()) {
        if (f.values) for (const [v, name] of Object.entries(f.values)) lines.push(`V\t${f.abbrev}\t${v}\t${name}`);
        if (f.ranges) for (const [lo, hi, name] of f.ranges) lines.push(`R\t${f.abbrev}\t0x${lo.toString(16)}\t0x${hi.toString(16)}\t${name}`);
        if (f.tf) lines.push(`T\t${f.abbrev}\t${f.tf[0]}\t${f.tf[1]}`);
      }
      break;
    case 'prefs':
      for (const [k, v] of Object.entries(prefDefaults)) lines.push(`${k}: ${typeof v === 'boolean' ? (v ? 'TRUE' : 'FALSE') : v}`);
      break;
    case 'expert': case 'experts':
      for (const e of allExperts()) lines.push(`${e.abbrev}\t${e.group}\t${e.severity}\t${e.summary}`);
      break;
    default:
      throw new UsageError(`invalid -G report '${kind}': expected fields, protocols, values, prefs or experts`);
  }
  return lines.join('\n') + '\n';
}
