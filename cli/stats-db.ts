// `mipscope stats --db PATH -z mip,reg`: the -z mip,* statistics over a database of indexed
// captures. SQL aggregates (store/reports.ts) become the same plain rows as the accumulators
// build over a file, printed by the same renderers (cli/stats).
import { LEARN_METHODS } from '../dissector/keys/index.js';
import { StoreError } from '../store/backend.js';
import type { Backend, QueryResult } from '../store/backend.js';
import { openStore } from '../store/open.js';
import { REPORT_NAMES, runReport } from '../store/reports.js';
import type { ReportName } from '../store/reports.js';
import { parseArgs, UsageError } from './args.js';
import { replyCodeName } from './stats/accumulate.js';
import { jsonTables, textTable } from './stats/index.js';
import { MIP_TITLES } from './stats/types.js';
import type { BindingRow, KeyRow, RegistrationRow, StatTable } from './stats/types.js';
import { parseIpv4 } from '../dissector/format.js';

export const STATS_USAGE = `Usage: mipscope stats [--db PATH | --clickhouse URL,... [--cluster NAME] [--database DB]] -z STAT [-z STAT ...] [-T text|json]
  -z ${REPORT_NAMES.join(', ')}   the same tables as 'mipscope -r FILE -q -z STAT', over every indexed capture
`;

/** A query's rows as objects; 64-bit counts as numbers. */
function objects(r: QueryResult): Array<Record<string, unknown>> {
  return r.rows.map(row => Object.fromEntries(r.columns.map((c, i) => [c, typeof row[i] === 'bigint' ? Number(row[i]) : row[i]])));
}
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const time = (v: unknown) => (v instanceof Date ? v.getTime() : typeof v === 'string' ? Date.parse(v) : Number(v));

async function registrations(store: Backend): Promise<RegistrationRow[]> {
  const q = await runReport(store, 'mip,reg');
  const rows = new Map<string, RegistrationRow & { first: number }>();
  for (const n of objects(q.nodes)) {
    const node = String(n.node);
    rows.set(node, {
      mobileNode: node, requests: Number(n.requests), replies: Number(n.replies), accepted: Number(n.accepted), denied: Number(n.denied),
      codes: {}, meanReplyTime: num(n.mean_response), maxReplyTime: num(n.max_response), hops: [], keysLearned: 0, first: time(n.first_time),
      ...(Number(n.by_nai) > 0 ? { nai: node } : {}),
    });
  }
  for (const c of objects(q.codes)) { const r = rows.get(String(c.node)); if (r) r.codes[String(c.code ?? -1)] = Number(c.replies); }
  for (const h of objects(q.hops)) {
    const r = rows.get(String(h.node));
    if (r) for (const hop of [h.source, h.destination]) if (typeof hop === 'string' && !r.hops.includes(hop) && r.hops.length < 16) r.hops.push(hop);
  }
  for (const h of objects(q.homes)) { const r = rows.get(String(h.node)); if (r && r.homeAddress === undefined) r.homeAddress = String(h.home_address); }
  const learnedIn = new Map(objects(q.learned).map(k => [`${k.capture}/${k.frame}`, Number(k.learned)]));
  const credit = (node: unknown, capture: unknown, frame: unknown) => {
    const n = frame === null ? undefined : learnedIn.get(`${capture}/${frame}`);
    const r = rows.get(String(node));
    if (n && r) r.keysLearned += n;
  };
  for (const f of objects(q.frames)) { credit(f.node, f.capture, f.request_frame); credit(f.node, f.reply_capture, f.reply_frame); }
  for (const k of objects(q.keyReplies)) credit(k.node, k.capture, k.frame);
  // As over a file: in the order the mobile nodes were first seen.
  return [...rows.values()].sort((a, b) => a.first - b.first).map(({ first: _first, ...r }) => r);
}

/**
 * A timestamp as a back end prints it ("2026-12-03 10:00:00.123456", UTC; a Date) to microseconds
 * since the epoch: Date.parse keeps milliseconds only.
 */
export function timestampMicros(v: unknown): number {
  if (v instanceof Date) return v.getTime() * 1000;
  if (typeof v === 'number' || typeof v === 'bigint') return Number(v);
  const m = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?/.exec(String(v));
  if (!m) return NaN;
  return Date.parse(`${m[1]}T${m[2]}Z`) * 1000 + Number((m[3] ?? '').padEnd(6, '0').slice(0, 6));
}

/** -z mip,bindings: per home address (in address order), each binding in registration order; times from the first capture's first frame. */
async function bindings(store: Backend): Promise<BindingRow[]> {
  const q = await runReport(store, 'mip,bindings');
  const caps = objects(q.captures);
  const order = new Map(caps.map((c, i) => [String(c.capture), i]));
  const first = caps.length ? timestampMicros(caps[0]!.first_time) : 0;
  const rel = (v: unknown) => (timestampMicros(v) - first) / 1e6;
  const rows = objects(q.bindings).map(b => ({
    sort: [parseIpv4(String(b.home_address)) ?? 0, order.get(String(b.capture)) ?? caps.length, Number(b.frame)],
    row: {
      homeAddress: String(b.home_address), careOfAddress: String(b.care_of_address), homeAgent: String(b.home_agent),
      frame: Number(b.frame), lifetime: Number(b.lifetime), start: rel(b.time), end: rel(b.ended ?? b.expires),
      encapsulation: String(b.encapsulation) as BindingRow['encapsulation'], reverseTunnelling: Number(b.reverse_tunnelling) === 1,
      toMnPackets: Number(b.to_mn_packets), toMnBytes: Number(b.to_mn_bytes), fromMnPackets: Number(b.from_mn_packets), fromMnBytes: Number(b.from_mn_bytes),
    } satisfies BindingRow,
  }));
  rows.sort((a, b) => a.sort[0]! - b.sort[0]! || a.sort[1]! - b.sort[1]! || a.sort[2]! - b.sort[2]!);
  return rows.map(r => r.row);
}

/** `kind` is "LABEL: how it was learned" (or only how): split back into the label and the method. */
function learned(kind: string): { label?: string; source: string } {
  for (const m of Object.values(LEARN_METHODS)) {
    if (kind === m) return { source: m };
    if (kind.endsWith(`: ${m}`)) return { label: kind.slice(0, -m.length - 2), source: m };
  }
  return { source: kind };
}

async function table(store: Backend, z: ReportName): Promise<StatTable> {
  switch (z) {
    case 'mip,reg': return { kind: z, title: MIP_TITLES[z], rows: await registrations(store) };
    case 'mip,codes': {
      const rows = objects((await runReport(store, z)).codes).map(c => ({ code: Number(c.code), name: replyCodeName(Number(c.code)), count: Number(c.replies) }));
      return { kind: z, title: MIP_TITLES[z], rows };
    }
    case 'mip,bindings': return { kind: z, title: MIP_TITLES[z], rows: await bindings(store) };
    case 'mip,keys': {
      // Only learned SAs are indexed: the keys file's SAs, their algorithms and the key bytes never are.
      const rows: KeyRow[] = objects((await runReport(store, z)).learned).map(k => {
        const { label, source } = learned(String(k.kind));
        return { spi: Number(k.spi), source, learnedIn: Number(k.frame), ...(label !== undefined ? { label } : {}) };
      });
      return { kind: z, title: MIP_TITLES[z], rows };
    }
  }
}

export async function runStats(argv: readonly string[]): Promise<number> {
  const o = parseArgs(argv, { subcommand: 'stats' });
  if (o.help) { process.stdout.write(STATS_USAGE); return 0; }
  if (o.outputFormat !== 'text' && o.outputFormat !== 'json') throw new UsageError(`invalid -T value '${o.outputFormat}': expected text or json`);
  if (o.displayFilter !== undefined) throw new UsageError(`mipscope stats takes no display filter ('${o.displayFilter}')`);
  if (!o.statistics.length) throw new UsageError(`mipscope stats needs -z STAT (${REPORT_NAMES.join(', ')})`);
  for (const z of o.statistics) {
    if (z === 'mip,keys,show') throw new UsageError('-z mip,keys,show: key bytes are never indexed');
    if (!(REPORT_NAMES as string[]).includes(z)) throw new UsageError(`invalid -z argument '${z}': expected one of ${REPORT_NAMES.join(', ')}`);
  }
  try {
    const store = await openStore({ ...o.store, readOnly: true });
    try {
      const tables: StatTable[] = [];
      for (const z of o.statistics) tables.push(await table(store, z as ReportName));
      process.stdout.write(o.outputFormat === 'json' ? jsonTables(tables) : tables.map(textTable).join(''));
    } finally { await store.close(); }
  } catch (e) { if (e instanceof StoreError) throw new UsageError(e.message); throw e; }
  return 0;
}
