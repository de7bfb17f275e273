// What every command does with its options before reading a packet: the preferences (-o), the
// display filter (-Y, compiled once), and a session holding the keys (--keys). A bad one of
// each is a UsageError: one line, exit 2, before anything is read.
import { parsePrefs, PrefError, Session } from '../dissector/index.js';
import type { Prefs } from '../dissector/index.js';
import { compileFilter, FilterError } from '../dissector/filter/index.js';
import type { CompiledFilter } from '../dissector/filter/index.js';
import { UsageError } from './args.js';
import type { Options } from './args.js';
import { attachKeysFile } from './keys.js';

export interface Prepared {
  prefs: Prefs;
  filter: CompiledFilter | null;
  session: Session;
}

export function preferences(o: Options): Prefs {
  try { return parsePrefs(o.prefs); } catch (e) { if (e instanceof PrefError) throw new UsageError(e.message); throw e; }
}

export function displayFilter(o: Options): CompiledFilter | null {
  if (o.displayFilter === undefined) return null;
  try { return compileFilter(o.displayFilter); } catch (e) { if (e instanceof FilterError) throw new UsageError(e.describe(o.displayFilter)); throw e; }
}

export function prepare(o: Options): Prepared {
  const prefs = preferences(o);
  const filter = displayFilter(o);
  const session = new Session(prefs);
  if (o.keys !== undefined) attachKeysFile(session, o.keys);
  return { prefs, filter, session };
}
