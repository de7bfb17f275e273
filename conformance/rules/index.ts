// The catalog: every rule, in the order reports list them.
import type { Rule } from '../rule.js';
import { standardRules } from './standard.js';
import { kxRules } from './kx.js';
import { datapathRules } from './datapath.js';

export const allRules: readonly Rule[] = [...standardRules, ...kxRules, ...datapathRules];

export class RuleSelectionError extends Error {}

/** Selects rules by id or id prefix (`MIP-ORDER-*` or `MIP-ORDER`), minus disabled ones. */
export function selectRules(enable: readonly string[], disable: readonly string[]): Rule[] {
  const match = (pattern: string) => {
    const p = pattern.replace(/\*$/, '');
    const hits = allRules.filter(r => r.id === pattern || r.id.startsWith(p));
    if (!hits.length) throw new RuleSelectionError(`no rule matches '${pattern}' (see 'mipscope check --list-rules')`);
    return hits;
  };
  const chosen = enable.length ? new Set(enable.flatMap(match)) : new Set(allRules);
  for (const d of disable) for (const r of match(d)) chosen.delete(r);
  return allRules.filter(r => chosen.has(r));
}

/** The catalog as Markdown (the docs are generated from the rules themselves). */
export function catalogMarkdown(): string {
  const lines = ['# Conformance rules', '', 'Generated from the rules by `mipscope check --list-rules --format markdown`.', '',
    '| id | severity | title | reference | needs keys |', '|---|---|---|---|---|'];
  for (const r of allRules) lines.push(`| ${r.id} | ${r.severity} | ${r.title} | ${r.reference} | ${r.needsKeys ? 'yes' : ''} |`);
  lines.push('');
  for (const r of allRules) lines.push(`## ${r.id}`, '', `**${r.title}** (${r.severity}; ${r.reference})`, '', r.description, '');
  return lines.join('\n');
}

export function catalogText(): string {
  const w = Math.max(...allRules.map(r => r.id.length));
  return allRules.map(r => `${r.id.padEnd(w)}  ${r.severity.padEnd(7)}  ${r.title}  [${r.reference}]${r.needsKeys ? ' (needs keys)' : ''}`).join('\n') + '\n';
}
