// The one interface every back end writes through (DuckDB, Parquet, ClickHouse).
import type { Row, TableRows } from './schema.js';
import type { Rebinding } from './datapath.js';

/** The rows of one capture, written so that a failure or a kill leaves none of them behind. */
export interface CaptureWriter {
  /** A folder where the analysis may stage the rows as CSV files itself (store/stage.ts) instead of handing them to append. */
  readonly stage?: string;
  append(rows: TableRows): Promise<void>;
  /** Writes the capture's own row last: a capture is in the store when, and only when, this returns. */
  commit(capture: Row): Promise<void>;
  /** Drops what was appended (after a damaged file). */
  abort(): Promise<void>;
}

/** A Registration Request still without a reply, as the linker sees it. */
export interface OpenRequest {
  capture: bigint; frame: number; time: number; source: string | null; destination: string | null; identification: bigint | null;
  homeAddress: string | null; homeAgent: string | null; careOfAddress: string | null;
  /** The capture's first time, which orders captures. */
  captureTime: number;
}

/** A Registration Reply that no request row points to yet. */
export interface LooseReply {
  capture: bigint; frame: number; time: number; source: string | null; destination: string | null; identification: bigint | null; code: number | null;
  homeAddress: string | null; homeAgent: string | null;
  captureTime: number;
}

export interface Link { capture: bigint; requestFrame: number; replyCapture: bigint; replyFrame: number; code: number | null; seconds: number }

export interface QueryResult { columns: string[]; rows: unknown[][] }

export interface Backend {
  readonly label: string;
  /** Tables spread over the shards of a cluster (ClickHouse Distributed): subqueries need GLOBAL. */
  readonly distributed?: boolean;
  /** True when the capture with this id is in the store (fully). */
  has(id: bigint): Promise<boolean>;
  begin(id: bigint): Promise<CaptureWriter>;
  /** Open requests and loose replies with a time in [from, to] (µs). */
  openRequests(from: number, to: number): Promise<OpenRequest[]>;
  looseReplies(from: number, to: number): Promise<LooseReply[]>;
  link(links: readonly Link[]): Promise<void>;
  /** First and last frame time (µs) over these captures, when any is in the store. */
  timeSpan(ids: readonly bigint[]): Promise<{ first: number; last: number } | null>;
  /** Every capture with frames, ordered by first time (then id); `logged`: its data-path events are stored (store/datapath.ts). */
  captureSpans(): Promise<Array<{ capture: bigint; first: number; last: number; logged: boolean }>>;
  /** Per capture whose bindings were followed across files: the capture it continued then (0n: none). */
  bindingSeeds(): Promise<Map<bigint, bigint>>;
  /** The parts of a capture's data-path events or carried state, in order (none: not stored). */
  dataPath(capture: bigint, kind: 'events' | 'state'): Promise<string[]>;
  /** Writes bindings followed across files: replaced rows and the new states (what a kill leaves is redone next time). */
  rebind(r: Rebinding): Promise<void>;
  query(sql: string): Promise<QueryResult>;
  close(): Promise<void>;
}

/** An error for people from a back end (a server that is down, a database that cannot be opened). */
export class StoreError extends Error {}
