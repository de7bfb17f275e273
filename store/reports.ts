// The -z mip,* statistics over a database: one portable SQL query each (DuckDB, and ClickHouse
// from 18.16 on: no FILTER clauses, no window functions), rows in the order the report prints.
import type { Backend, QueryResult } from './backend.js';

export interface Report { name: string; title: string; sql: string }

export const REPORTS: readonly Report[] = [
  {
    name: 'mip,reg', title: 'Mobile IP registrations per home agent',
    sql: `SELECT home_agent,
        count(*) AS requests,
        count(reply_frame) AS answered,
        sum(CASE WHEN code < 2 THEN 1 ELSE 0 END) AS accepted,
        sum(CASE WHEN code >= 64 THEN 1 ELSE 0 END) AS denied,
        count(*) - count(reply_frame) AS unanswered,
        min(response_time) AS min_response,
        avg(response_time) AS avg_response,
        max(response_time) AS max_response
      FROM registrations GROUP BY home_agent ORDER BY home_agent`,
  },
  {
    name: 'mip,codes', title: 'Mobile IP reply codes',
    sql: `SELECT code, count(*) AS replies FROM packets WHERE type = 3 GROUP BY code ORDER BY code`,
  },
  {
    name: 'mip,keys', title: 'Keys learned',
    sql: `SELECT kind, count(*) AS learned, count(DISTINCT spi) AS spis, count(DISTINCT capture) AS captures FROM keys_learned GROUP BY kind ORDER BY kind`,
  },
];

export function report(name: string): Report | undefined { return REPORTS.find(r => r.name === name); }

export async function runReport(store: Backend, name: string): Promise<QueryResult> {
  const r = report(name);
  if (!r) throw new Error(`no report ${name}`);
  return store.query(r.sql);
}
