// The SQL behind the -z mip,* statistics over a database: portable queries (DuckDB, and
// ClickHouse from 18.16 on: no FILTER clauses, no window functions), each returning a few
// aggregated rows that the CLI turns into the same plain rows as the statistics over a file.
import type { Backend, QueryResult } from './backend.js';

/** Rows a statistics table keeps at most, over a file and over a database alike (cli/stats/accumulate.ts). */
export const MAX_ROWS = 100_000;

/** The mobile node of a registration, as -z mip,reg over a file keys it: its NAI, else its home address. */
const NODE = `CASE WHEN nai IS NOT NULL THEN nai WHEN home_address IS NOT NULL AND home_address <> '0.0.0.0' THEN home_address ELSE 'unknown mobile node' END`;

export const REPORT_QUERIES = {
  'mip,reg': {
    /** Per mobile node: requests, replies, accepted, denied, mean and max request → reply time, first seen. */
    nodes: `SELECT ${NODE} AS node, max(CASE WHEN nai IS NOT NULL THEN 1 ELSE 0 END) AS by_nai, min(time) AS first_time, count(*) AS requests, count(reply_frame) AS replies,
        sum(CASE WHEN reply_frame IS NOT NULL AND code < 2 THEN 1 ELSE 0 END) AS accepted,
        sum(CASE WHEN reply_frame IS NOT NULL AND code >= 2 THEN 1 ELSE 0 END) AS denied,
        avg(response_time) AS mean_response, max(response_time) AS max_response
      FROM registrations GROUP BY ${NODE}`,
    codes: `SELECT ${NODE} AS node, code, count(*) AS replies FROM registrations WHERE reply_frame IS NOT NULL GROUP BY ${NODE}, code ORDER BY code`,
    /** The hops: each request's (source, destination), first seen first. */
    hops: `SELECT ${NODE} AS node, source, destination, min(time) AS first_time FROM registrations GROUP BY ${NODE}, source, destination ORDER BY first_time`,
    /** Home addresses (other than 0.0.0.0) the node's requests and replies carried, first seen first (precomputed per capture). */
    homes: `SELECT node, home_address, min(time) AS first_time FROM home_addresses GROUP BY node, home_address ORDER BY first_time`,
    // Keys learned in the node's requests, in the replies that answer them, and in Key Replies naming
    // it: matched by frame in the caller (no JOIN: over a cluster each table is sharded by its own key);
    // only the registrations whose request or reply taught a key leave the database.
    learned: `SELECT capture, frame, count(*) AS learned FROM keys_learned GROUP BY capture, frame`,
    frames: `SELECT ${NODE} AS node, capture, request_frame, reply_capture, reply_frame FROM registrations
      WHERE (capture, request_frame) IN (SELECT capture, frame FROM keys_learned)
         OR (ifNull(reply_capture, 0), ifNull(reply_frame, 0)) IN (SELECT capture, frame FROM keys_learned)`,
    keyReplies: `SELECT ${NODE} AS node, capture, frame FROM packets WHERE type = 9`,
  },
  'mip,codes': {
    codes: `SELECT code, count(*) AS replies FROM packets WHERE type = 3 AND code IS NOT NULL GROUP BY code ORDER BY code`,
  },
  'mip,keys': {
    /** Learned SAs in capture order (the keys file's SAs are not in the database). */
    learned: `SELECT spi, kind, frame FROM keys_learned ORDER BY time, capture, frame, spi`,
  },
  'mip,bindings': {
    /** The bindings registered first (as many as a file's table keeps), ordered by home address in the caller (addresses are text). */
    bindings: `SELECT capture, frame, time, home_address, care_of_address, home_agent, lifetime, expires, ended, encapsulation, reverse_tunnelling,
        to_mn_packets, to_mn_bytes, from_mn_packets, from_mn_bytes
      FROM bindings ORDER BY time, capture, frame LIMIT ${MAX_ROWS}`,
    /** Captures in time order: a binding's start and end count from the first capture's first frame. */
    captures: `SELECT capture, first_time FROM captures WHERE first_time IS NOT NULL ORDER BY first_time, capture`,
  },
} as const;

export type ReportName = keyof typeof REPORT_QUERIES;
export const REPORT_NAMES = Object.keys(REPORT_QUERIES) as ReportName[];

/** Runs every query of one report (over a cluster, a subquery's table is read whole by the server asked: GLOBAL IN). */
export async function runReport<N extends ReportName>(store: Backend, name: N): Promise<Record<keyof (typeof REPORT_QUERIES)[N], QueryResult>> {
  const out = {} as Record<string, QueryResult>;
  for (const [k, sql] of Object.entries(REPORT_QUERIES[name])) out[k] = await store.query(store.distributed ? (sql as string).replace(/\bIN \(SELECT\b/g, 'GLOBAL IN (SELECT') : sql as string);
  return out as Record<keyof (typeof REPORT_QUERIES)[N], QueryResult>;
}
