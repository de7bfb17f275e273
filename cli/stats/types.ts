// Statistics (-z) as accumulators that turn packets into plain rows, and renderers that lay the
// rows out (tshark's text tables, JSON). Rows carry no packet objects, so that another source —
// a database of indexed captures — can build the same rows and use the same renderers.

/** One conversation between two endpoints (A is the source of its first packet). */
export interface ConversationRow {
  a: string; b: string;
  /** B → A */ framesBA: number; bytesBA: number;
  /** A → B */ framesAB: number; bytesAB: number;
  /** Seconds from the capture's first packet. */
  start: number; duration: number;
}

export interface EndpointRow {
  address: string; port?: number;
  packets: number; bytes: number; txPackets: number; txBytes: number; rxPackets: number; rxBytes: number;
}

export interface ReplyCodeRow { code: number; name: string; count: number }

export interface RegistrationRow {
  /** The mobile node: its NAI (decrypted where the keys allow) or its home address. */
  mobileNode: string; nai?: string; homeAddress?: string;
  requests: number; replies: number; accepted: number; denied: number;
  /** Reply code → count. */
  codes: Record<string, number>;
  /** Request → reply times in seconds. */
  meanReplyTime: number | null; maxReplyTime: number | null;
  /** The hops the requests took (MN, FA, HA addresses in order). */
  hops: string[];
  keysLearned: number;
}

/** One binding of a mobile node (-z mip,bindings): registered, in force until it ended or ran out. */
export interface BindingRow {
  homeAddress: string; careOfAddress: string; homeAgent: string;
  /** The accepting Registration Reply, and the lifetime it granted (seconds). */
  frame: number; lifetime: number;
  /** Seconds from the capture's first packet: registered at, ended at (replaced, deregistered, or its lifetime ran out). */
  start: number; end: number;
  /** What the registration asked for: the tunnel (IP in IP, minimal encapsulation, GRE) and reverse tunnelling (T). */
  encapsulation: 'ipip' | 'minenc' | 'gre'; reverseTunnelling: boolean;
  /** Datagrams tunnelled home agent → care-of address and back (reverse tunnel), bytes of the inner datagrams. */
  toMnPackets: number; toMnBytes: number; fromMnPackets: number; fromMnBytes: number;
}

export interface KeyRow { spi: number; label?: string; source: string; learnedIn?: number; auth?: string; cipher?: string; key?: string }

/** One node of a stats_tree table (-z plen,tree, ptype,tree), in print order. */
export interface TreeRow {
  item: string; depth: number; count: number;
  /** Whether the node keeps the average/min/max of a value (blank columns otherwise). */
  averaged: boolean;
  average?: number; min?: number; max?: number;
  /** Packets per millisecond over the tree's elapsed time; null for none elapsed. */
  rate: number | null;
  /** Of the parent's count (100 for the top node); null when the parent counted nothing. */
  percent: number | null;
  /** Most packets in one 100 ms window, per millisecond, and where (seconds) that window starts. */
  burstRate: number; burstStart: number | null;
}

/** The titles of the mipscope tables (the same over a file and over a database). */
export const MIP_TITLES = { 'mip,codes': 'Mobile IP Reply Codes', 'mip,reg': 'Mobile IP Registrations', 'mip,keys': 'Mobile IP Security Associations', 'mip,bindings': 'Mobile IP Bindings' } as const;

/** One distinct expert item (severity, protocol, summary, group) and how often it came. */
export interface ExpertRow { severity: 'error' | 'warn' | 'note' | 'chat'; group: string; protocol: string; summary: string; frequency: number }

/** The calculation of an io,stat column (FRAMES BYTES: a plain filter, or none). */
export type IoStatCalc = 'FRAMES' | 'BYTES' | 'COUNT' | 'SUM' | 'MIN' | 'MAX' | 'AVG';

export interface IoStatColumn {
  /** The column as given (a filter, or CALC(field)filter); null for all frames. */
  spec: string | null;
  calc: IoStatCalc | 'FRAMES BYTES';
  field?: string;
  /** How its values print: integers (signed or not), floating point, times (seconds, µs precision). */
  valueType: 'uint' | 'int' | 'double' | 'reltime';
  /** The most frames, and the largest value, of any interval while counting (they set the widths). */
  maxFrames: number; maxValue: number;
}

/** One interval that had frames (its number, seconds from the first frame) and a cell per column. */
export interface IoStatRow { interval: number; start: number; end: number; cells: Array<{ frames: number; value: number }> }

/** A finished table: its kind selects the layout. */
export type StatTable =
  | { kind: 'conv'; proto: 'eth' | 'ip' | 'udp'; title: string; filter?: string; rows: ConversationRow[] }
  | { kind: 'endpoints'; proto: 'eth' | 'ip' | 'udp'; title: string; filter?: string; rows: EndpointRow[] }
  | { kind: 'plen,tree' | 'ptype,tree'; title: string; rows: TreeRow[] }
  | { kind: 'expert'; title: string; rows: ExpertRow[] }
  | { kind: 'mip,codes'; title: string; rows: ReplyCodeRow[] }
  | { kind: 'mip,reg'; title: string; rows: RegistrationRow[] }
  | { kind: 'mip,keys'; title: string; rows: KeyRow[] }
  | { kind: 'mip,bindings'; title: string; rows: BindingRow[] }
  | {
    kind: 'io,stat'; title: string;
    /** Seconds; `whole` when the interval is the capture (0, or longer than the capture). */
    interval: number; whole: boolean;
    /** Decimals of the interval column; the duration (last frame from the first) as measured and as rounded to them. */
    precision: number; duration: number; durationRounded: number;
    /** How many intervals the table has; `rows` holds those that had frames (the others are zeros). */
    intervals: number;
    columns: IoStatColumn[]; rows: IoStatRow[];
    /** Frames left uncounted once a column held its most intervals. */
    dropped?: number;
  };

import type { Packet } from '../../dissector/index.js';

export interface Statistic {
  /** Field names the accumulator reads (kept on the fast path). */
  readonly fields: readonly string[];
  add(pkt: Packet): void;
  table(): StatTable;
}
