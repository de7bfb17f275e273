// -z expert[,error|warn|note|chat]: the expert items of the capture by severity, each
// distinct (protocol, summary, group) counted in the order first seen (ui/cli/tap-expert.c).
import { EXPERT_FIELDS, GROUP_CODES } from '../../dissector/index.js';
import type { Packet, Severity } from '../../dissector/index.js';
import { MALFORMED } from '../../dissector/packet.js';
import { MAX_ROWS } from './accumulate.js';
import type { ExpertRow, Statistic, StatTable } from './types.js';

export const SEVERITIES: readonly Severity[] = ['error', 'warn', 'note', 'chat'];

/** Protocols' short names as tshark's expert table prints them, by the items' abbrev prefix. */
const SHORT_NAMES: Record<string, string> = {
  mip: 'Mobile IP', ip: 'IPv4', ipv6: 'IPv6', icmp: 'ICMP', udp: 'UDP', frame: 'Frame', arp: 'ARP',
  eth: 'Ethernet', minenc: 'MINENC', null: 'Null', link: 'Frame',
};

export class Experts implements Statistic {
  readonly fields: readonly string[] = [];
  private readonly rows: ExpertRow[] = [];
  private readonly index = new Map<string, ExpertRow>();
  constructor(private readonly least: Severity = 'chat') {}
  add(pkt: Packet): void {
    for (const n of pkt.experts) {
      const def = n.expert;
      if (!def || SEVERITIES.indexOf(def.severity) > SEVERITIES.indexOf(this.least)) continue;
      // A malformed packet: tshark's summary, the protocol it happened in (the message names it).
      const malformed = def === MALFORMED;
      const proto = malformed ? (n.text ?? '').split(': ')[1]?.split(' ')[0] ?? '' : def.abbrev.split('.')[0]!;
      const summary = malformed ? def.summary : n.text ?? def.summary;
      const row = { severity: def.severity, group: (EXPERT_FIELDS.group.values as Record<number, string>)[GROUP_CODES[def.group]] ?? def.group, protocol: SHORT_NAMES[proto] ?? proto.toUpperCase(), summary };
      const key = `${row.severity}\u0000${row.protocol}\u0000${row.summary}\u0000${row.group}`;
      const seen = this.index.get(key);
      if (seen) { seen.frequency++; continue; }
      if (this.rows.length >= MAX_ROWS) continue;
      const r = { ...row, frequency: 1 };
      this.rows.push(r);
      this.index.set(key, r);
    }
  }
  table(): StatTable {
    return { kind: 'expert', title: 'Expert Information', rows: this.rows };
  }
}
