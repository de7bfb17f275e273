// The one table schema of every back end (DuckDB, Parquet, ClickHouse): names, columns and
// meaning are the same everywhere; each back end maps the logical types to its own.
// Times are microseconds since the epoch in rows (exact in a double), timestamps in the tables.

export type ColumnType = 'u64' | 'u32' | 'u16' | 'u8' | 'f64' | 'text' | 'time' | 'u32[]';

export interface Column { name: string; type: ColumnType; nullable?: boolean; description: string }

export interface Table {
  name: TableName;
  columns: readonly Column[];
  /** The sort key: what the reports filter and group by (ClickHouse ORDER BY). */
  orderBy: readonly string[];
  /** The time column that partitions the table (by day in Parquet, by month in ClickHouse). */
  time: string;
  /** The column a cluster shards the table by: the home agent brings a request and its reply together. */
  shardBy: string;
  /** Not one of the documented tables: the store's own bookkeeping (not written to Parquet). */
  internal?: boolean;
}

export type TableName = 'captures' | 'packets' | 'extensions' | 'findings' | 'registrations' | 'keys_learned' | 'bindings' | 'home_addresses' | 'data_path';

/** One row: values in the table's column order; null for SQL NULL; u64 as bigint. */
export type Row = Array<string | number | bigint | number[] | null>;

const capture: Column = { name: 'capture', type: 'u64', description: 'capture id: the first 8 bytes of the content hash' };
const frame: Column = { name: 'frame', type: 'u32', description: 'frame number in the capture, from 1' };
const time: Column = { name: 'time', type: 'time', description: 'capture time of the frame' };
/** The registration's addresses (mip.homeaddr, mip.haaddr, mip.coa), in packets and registrations alike. */
const addresses: Column[] = [
  { name: 'home_address', type: 'text', nullable: true, description: 'home address (mip.homeaddr)' },
  { name: 'home_agent', type: 'text', nullable: true, description: 'home agent (mip.haaddr)' },
  { name: 'care_of_address', type: 'text', nullable: true, description: 'care-of address (mip.coa)' },
];

export const TABLES: readonly Table[] = [
  {
    name: 'captures', orderBy: ['capture'], time: 'first_time', shardBy: 'capture',
    columns: [
      capture,
      { name: 'name', type: 'text', description: 'file name' },
      { name: 'path', type: 'text', description: 'path as given to index' },
      { name: 'hash', type: 'text', description: 'SHA-256 of the file content, hex' },
      { name: 'link_type', type: 'u32', description: 'LINKTYPE_* of the first interface' },
      { name: 'frames', type: 'u64', description: 'number of frames' },
      { name: 'first_time', type: 'time', nullable: true, description: 'time of the first frame' },
      { name: 'last_time', type: 'time', nullable: true, description: 'time of the last frame' },
    ],
  },
  {
    name: 'packets', orderBy: ['time', 'capture', 'frame'], time: 'time', shardBy: 'home_agent',
    columns: [
      capture, frame, time,
      { name: 'source', type: 'text', description: 'source address (network layer, else link layer)' },
      { name: 'destination', type: 'text', description: 'destination address' },
      { name: 'protocols', type: 'text', description: 'frame.protocols, e.g. eth:ethertype:ip:udp:mip' },
      { name: 'length', type: 'u32', description: 'frame length on the wire' },
      { name: 'summary', type: 'text', description: 'the Info column of the summary line' },
      { name: 'type', type: 'u8', nullable: true, description: 'Mobile IP message type (mip.type)' },
      { name: 'code', type: 'u8', nullable: true, description: 'reply code (mip.code)' },
      { name: 'flags', type: 'u16', nullable: true, description: 'request flags (mip.flags), revocation flags' },
      { name: 'lifetime', type: 'u16', nullable: true, description: 'mip.life, seconds' },
      ...addresses,
      { name: 'identification', type: 'u64', nullable: true, description: 'mip.ident as a 64-bit number' },
      { name: 'nai', type: 'text', nullable: true, description: 'mobile node NAI, decrypted where keys allow' },
      { name: 'spis', type: 'u32[]', nullable: true, description: 'SPIs of the authentication extensions, in order' },
    ],
  },
  {
    name: 'extensions', orderBy: ['capture', 'frame', 'position'], time: 'time', shardBy: 'capture',
    columns: [
      capture, frame, time,
      { name: 'position', type: 'u16', description: 'position among the message extensions, from 1' },
      { name: 'type', type: 'u8', description: 'extension type (mip.ext.type)' },
      { name: 'name', type: 'text', description: 'extension name' },
      { name: 'length', type: 'u16', description: 'the Length field' },
      { name: 'verdict', type: 'text', nullable: true, description: 'authenticator verdict: good, bad or unverified (mip.auth.status)' },
    ],
  },
  {
    name: 'findings', orderBy: ['rule', 'capture', 'frame'], time: 'time', shardBy: 'capture',
    columns: [
      capture, frame, time,
      { name: 'rule', type: 'text', description: 'conformance rule id' },
      { name: 'severity', type: 'text', description: 'error, warning or note' },
      { name: 'field', type: 'text', nullable: true, description: 'what the finding concerns: the mobile node (NAI, home address) or SPI' },
      { name: 'message', type: 'text', description: 'the finding' },
    ],
  },
  {
    name: 'registrations', orderBy: ['home_agent', 'time'], time: 'time', shardBy: 'home_agent',
    columns: [
      capture,
      { name: 'request_frame', type: 'u32', description: 'frame of the Registration Request' },
      time,
      { name: 'nai', type: 'text', nullable: true, description: 'mobile node NAI' },
      ...addresses,
      { name: 'source', type: 'text', nullable: true, description: 'IP source of the request' },
      { name: 'destination', type: 'text', nullable: true, description: 'IP destination of the request' },
      { name: 'hop', type: 'u8', nullable: true, description: '1 = from the mobile node, 2 = relayed by the FA, …' },
      { name: 'identification', type: 'u64', nullable: true, description: 'mip.ident of the request' },
      { name: 'reply_capture', type: 'u64', nullable: true, description: 'capture of the answering reply; NULL while unanswered' },
      { name: 'reply_frame', type: 'u32', nullable: true, description: 'frame of the answering reply' },
      { name: 'code', type: 'u8', nullable: true, description: 'reply code' },
      { name: 'response_time', type: 'f64', nullable: true, description: 'request → reply time, seconds' },
    ],
  },
  {
    name: 'keys_learned', orderBy: ['capture', 'frame'], time: 'time', shardBy: 'capture',
    columns: [
      capture, frame, time,
      { name: 'spi', type: 'u32', description: 'SPI of the learned SA' },
      { name: 'kind', type: 'text', description: 'which key (MN-HA (KEY1), …) and how it was learned' },
      { name: 'protected_by', type: 'text', nullable: true, description: 'the SA that protected it in transit (SPI, keys-file label or learned frame)' },
    ],
  },
  {
    // The data path (dissector/bindings.ts): what -z mip,bindings lists over a file.
    name: 'bindings', orderBy: ['home_address', 'time'], time: 'time', shardBy: 'home_agent',
    columns: [
      capture,
      { name: 'frame', type: 'u32', description: "frame of the home agent's accepting Registration Reply (mip.binding.frame)" },
      { name: 'request_capture', type: 'u64', description: 'capture of the Registration Request it answers: another than `capture` when the request was in an earlier file of a ring buffer' },
      { name: 'request_frame', type: 'u32', description: 'frame of the Registration Request it answers (mip.binding.request), in request_capture' },
      { name: 'time', type: 'time', description: 'registered at: the time of the accepting reply' },
      { name: 'home_address', type: 'text', description: 'home address (mip.binding.homeaddr)' },
      { name: 'care_of_address', type: 'text', description: 'care-of address (mip.binding.coa)' },
      { name: 'home_agent', type: 'text', description: 'home agent (mip.binding.haaddr)' },
      { name: 'lifetime', type: 'u16', description: 'lifetime granted, seconds' },
      { name: 'expires', type: 'time', description: 'when the granted lifetime runs out' },
      { name: 'ended', type: 'time', nullable: true, description: 'ended earlier: replaced by a new registration or deregistered; NULL when it ran its lifetime' },
      { name: 'encapsulation', type: 'text', description: 'the tunnel the request asked for: ipip, minenc or gre (M and G flags)' },
      { name: 'reverse_tunnelling', type: 'u8', description: '1 when the request set T (RFC 3024), else 0' },
      { name: 'to_mn_packets', type: 'u64', description: 'datagrams tunnelled home agent → care-of address while in force' },
      { name: 'to_mn_bytes', type: 'u64', description: 'bytes of those inner datagrams' },
      { name: 'from_mn_packets', type: 'u64', description: 'datagrams reverse tunnelled care-of address → home agent while in force' },
      { name: 'from_mn_bytes', type: 'u64', description: 'bytes of those inner datagrams' },
    ],
  },
  {
    // A precomputed aggregate of packets, for -z mip,reg's Home address column: one scan of a few
    // rows per mobile node instead of every Registration Request and Reply.
    name: 'home_addresses', orderBy: ['node', 'home_address'], time: 'time', shardBy: 'capture',
    columns: [
      capture,
      { name: 'node', type: 'text', description: "the mobile node as -z mip,reg names it: the message's NAI, else its home address" },
      { name: 'home_address', type: 'text', description: 'a home address other than 0.0.0.0 its Registration Requests and Replies carried (packets.home_address)' },
      { name: 'time', type: 'time', description: 'the first time the capture carried it (the earliest over rows of the same capture and node)' },
    ],
  },
  {
    // The store's bookkeeping for bindings across files (store/datapath.ts): each capture's
    // data-path events as written at its commit, and once bindings were followed across files
    // the binding state at its end and the capture it continued.
    name: 'data_path', internal: true, orderBy: ['capture', 'kind', 'part'], time: 'time', shardBy: 'capture',
    columns: [
      capture,
      { name: 'time', type: 'time', description: 'time of the first frame of the capture' },
      { name: 'kind', type: 'text', description: "events, state (the binding state at its end) or seed (the capture it continues, empty: none)" },
      { name: 'part', type: 'u32', description: 'order of the parts of one kind' },
      { name: 'data', type: 'text', description: 'base64 of the events (u32 words), JSON of the state, or the capture id' },
    ],
  },
];

export function table(name: TableName): Table {
  return TABLES.find(t => t.name === name)!;
}

export function columnIndex(t: Table, name: string): number {
  const i = t.columns.findIndex(c => c.name === name);
  if (i < 0) throw new Error(`no column ${name} in ${t.name}`);
  return i;
}

/** Rows of every table for one capture. */
export type TableRows = Record<TableName, Row[]>;

export function emptyRows(): TableRows {
  return { captures: [], packets: [], extensions: [], findings: [], registrations: [], keys_learned: [], bindings: [], home_addresses: [], data_path: [] };
}
