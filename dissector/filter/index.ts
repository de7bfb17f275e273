// Display filters: Wireshark's language over the field registry.
//
//   const f = compileFilter('mip.type == 1 && mip.nai contains "home"');
//   for (const pkt of packets) if (f.match(pkt)) …
//
// The language is Wireshark 4's: fields, protocols and expert items by abbrev (`mip`,
// `mip.kx.gp.decrypted`, `mip.ext.len.overrun`, `_ws.expert.severity`); == != === !== ~= < > <= >=
// and eq ne any_eq all_eq any_ne all_ne lt gt le ge; contains, matches / ~ (PCRE, caseless unless
// (?-i)); in {a, b, lo..hi} and not in; and or xor not && || ^^ !; ( ) for tests, { } for values;
// & + - * / %; slices [i] [i:n] [i-j] [-n:] [,]; layers field#2 field#[1-2]; any/all quantifiers;
// len count upper lower string max min abs. Literals are typed by the registry: integers in any
// base, 'c', value names, True/False, 10.0.0.0/8, aa:bb:cc, 02-00-00-00-00-01, "…" with escapes,
// r"…", "Nov 27, 2026 17:25:53[.123][ UTC]", seconds for relative times. == is "any value",
// != is "no value" (both need the field), as in Wireshark 4. Sets also take space-separated
// elements (Wireshark before 4.0) and xor is accepted (Wireshark 4.2).
//
// A bad filter throws a FilterError carrying the message and where it points (offset, column,
// length); FilterError.describe(text) gives tshark's three-line form with the caret.
// Names resolve against the whole registry, so every protocol registers its fields first.
import '../index.js';
import type { Packet } from '../packet.js';
import { Compiler, Ctx } from './compile.js';
import { FilterError } from './errors.js';
import { parseFilter, tooDeep } from './parser.js';

export { FilterError } from './errors.js';
export { compilePcre, RegexError } from './regex.js';

export interface CompiledFilter {
  /** The filter as given. */
  readonly text: string;
  /** True for an empty filter, which every packet passes. */
  readonly empty: boolean;
  /**
   * Abbrevs of the fields and expert items the filter reads, in first-use order (with the
   * protocols whose layers it counts): a dissector that keeps only these serves the filter.
   */
  readonly fields: readonly string[];
  match(pkt: Packet): boolean;
}

/** Compiles a filter once; match() then reads each packet's nodes in a single pass. */
export function compileFilter(text: string): CompiledFilter {
  try {
    return compileChecked(text);
  } catch (e) {
    // The depth limit keeps recursion far from the stack's end; should some construct still
    // reach it, the user gets the same one-line error, not a stack trace.
    if (e instanceof RangeError && /call stack/.test(e.message)) throw tooDeep(0);
    throw e;
  }
}

function compileChecked(text: string): CompiledFilter {
  const ast = parseFilter(text);
  if (!ast) return { text, empty: true, fields: [], match: () => true };
  const compiler = new Compiler(text);
  const root = compiler.compile(ast);
  const ctx = new Ctx(compiler.slots);
  return {
    text,
    empty: false,
    fields: [...compiler.names],
    match(pkt: Packet): boolean {
      ctx.reset(pkt);
      return root(ctx);
    },
  };
}

/** The error a filter would raise, or null when it compiles (for validating as the user types). */
export function checkFilter(text: string): FilterError | null {
  try {
    compileFilter(text);
    return null;
  } catch (e) {
    if (e instanceof FilterError) return e;
    throw e;
  }
}

/** The packets a filter selects (a filter text or a compiled filter). */
export function filterPackets<P extends Packet>(packets: Iterable<P>, filter: string | CompiledFilter): P[] {
  const f = typeof filter === 'string' ? compileFilter(filter) : filter;
  const out: P[] = [];
  for (const p of packets) if (f.match(p)) out.push(p);
  return out;
}
