// -z: parses the statistics asked for, feeds them the packets, prints their tables after the
// packets (text, or JSON with -T json). Accumulators and renderers are separate (types.ts).
import type { Packet, Severity } from '../../dissector/index.js';
import { UsageError } from '../args.js';
import { Bindings, Conversations, Endpoints, Keys, Registrations, ReplyCodes } from './accumulate.js';
import { jsonTables, textTable } from './text.js';
import { PacketLengths, PortTypes } from './tree.js';
import { Experts, SEVERITIES } from './expert.js';
import { IoStat, parseIoStat } from './iostat.js';
import type { Statistic, StatTable } from './types.js';

export type { Statistic, StatTable } from './types.js';
export { jsonTables, textTable } from './text.js';

export const STATISTICS_HELP = `     io,stat,INTERVAL[,FILTER|COUNT(FIELD)FILTER|SUM|MIN|MAX|AVG(FIELD)FILTER…]
     conv,eth
     conv,ip
     conv,udp
     endpoints,eth
     endpoints,ip
     endpoints,udp
     expert[,error|,warn|,note|,chat]
     plen,tree
     ptype,tree
     mip,bindings   bindings per mobile node: period, care-of address, home agent, datagrams tunnelled each way
     mip,codes      reply codes with their names and counts
     mip,keys[,show] the SA table at the end (keys file and learned; key bytes with ",show")
     mip,reg        registrations per mobile node
`;

/** The -z arguments as accumulators; `-z help` is handled by the caller (it prints and exits). */
export function parseStatistics(specs: readonly string[]): Statistic[] {
  const stats = specs.map(spec => {
    const parts = spec.split(',');
    const [what, arg] = parts;
    if ((what === 'conv' || what === 'endpoints') && (arg === 'eth' || arg === 'ip' || arg === 'udp') && parts.length === 2) {
      return what === 'conv' ? new Conversations(arg) : new Endpoints(arg);
    }
    if (what === 'expert' && parts.length <= 2 && (arg === undefined || (SEVERITIES as readonly string[]).includes(arg))) return new Experts(arg as Severity | undefined);
    const io = parseIoStat(spec);
    if (io) return io;
    if (spec === 'plen,tree') return new PacketLengths();
    if (spec === 'ptype,tree') return new PortTypes();
    if (what === 'mip' && parts.length === 2 && arg === 'codes') return new ReplyCodes();
    if (what === 'mip' && parts.length === 2 && arg === 'bindings') return new Bindings();
    if (what === 'mip' && parts.length === 2 && arg === 'reg') return new Registrations();
    if (what === 'mip' && arg === 'keys' && (parts.length === 2 || (parts.length === 3 && parts[2] === 'show'))) return new Keys(parts[2] === 'show');
    throw new UsageError(`invalid -z argument '${spec}' (see 'mipscope -z help')`);
  });
  // The io,stat calculations see the fields any io,stat filter names (tshark primes them all).
  const io = stats.filter((s): s is IoStat => s instanceof IoStat);
  const named = io.flatMap(s => s.filterFields());
  for (const s of io) s.prime(named);
  return stats;
}

/** What the statistics print at the end: tshark's tables one after the other, or one JSON array (in -z order). */
export function statisticsOutput(stats: readonly Statistic[], json: boolean): string {
  const tables: StatTable[] = stats.map(s => s.table());
  // As tshark, the text tables come last-asked first (its tap listeners are kept newest first).
  return json ? jsonTables(tables) : tables.reverse().map(textTable).join('');
}

/** Feeds every statistic a displayed packet. */
export function feed(stats: readonly Statistic[], pkt: Packet): void {
  for (const s of stats) s.add(pkt);
}
