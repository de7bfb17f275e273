// The registry: every field and expert item is declared once here (DESIGN.md principle 1).
// One entry drives tree labels, display-filter names and literal types, -e columns,
// JSON/ek keys, the TUI status bar and `-G fields`.

export type FieldType =
  | 'none' | 'protocol' | 'bool'
  | 'uint8' | 'uint16' | 'uint24' | 'uint32' | 'uint64' | 'int32'
  | 'ipv4' | 'ipv6' | 'ether' | 'bytes' | 'string'
  | 'abstime' | 'reltime' | 'framenum' | 'double';

export type Base = 'dec' | 'hex' | 'dec_hex' | 'hex_dec' | 'none' | 'oct';

/** Wireshark's FT_* names, for `-G fields`. */
export const FT_NAMES: Record<FieldType, string> = {
  none: 'FT_NONE', protocol: 'FT_PROTOCOL', bool: 'FT_BOOLEAN',
  uint8: 'FT_UINT8', uint16: 'FT_UINT16', uint24: 'FT_UINT24', uint32: 'FT_UINT32', uint64: 'FT_UINT64',
  int32: 'FT_INT32', ipv4: 'FT_IPv4', ipv6: 'FT_IPv6', ether: 'FT_ETHER', bytes: 'FT_BYTES',
  string: 'FT_STRING', abstime: 'FT_ABSOLUTE_TIME', reltime: 'FT_RELATIVE_TIME',
  framenum: 'FT_FRAMENUM', double: 'FT_DOUBLE',
};

export interface FieldSpec {
  abbrev: string;
  name: string;
  type: FieldType;
  base?: Base;
  /** For bit fields: the mask within the containing integer. */
  bitmask?: number;
  /** For bit fields and booleans: width of the containing integer in bits. */
  bits?: number;
  /** Value names, like Wireshark's value_string. */
  values?: Readonly<Record<number, string>>;
  /** Ranges of value names, like Wireshark's range_string: [low, high, name]. */
  ranges?: ReadonlyArray<readonly [number, number, string]>;
  /** Strings for a boolean's true and false, like Wireshark's true_false_string. */
  tf?: readonly [string, string];
  description?: string;
  /** A protocol's short name (Wireshark's proto_register_protocol second argument); the name when absent. */
  short?: string;
}

export interface FieldDef extends Required<Omit<FieldSpec, 'values' | 'ranges' | 'tf'>> {
  id: number;
  /** The protocol the field belongs to: the abbrev's first component. */
  proto: string;
  values: Readonly<Record<number, string>> | null;
  ranges: ReadonlyArray<readonly [number, number, string]> | null;
  tf: readonly [string, string] | null;
  /** Number of bits to shift a masked value right. */
  shift: number;
}

export type Severity = 'chat' | 'note' | 'warn' | 'error';
export type ExpertGroup = 'malformed' | 'protocol' | 'sequence' | 'security' | 'undecoded' | 'decryption' | 'checksum' | 'reassemble' | 'comment';

export interface ExpertSpec {
  abbrev: string;
  summary: string;
  group: ExpertGroup;
  severity: Severity;
}
export interface ExpertDef extends ExpertSpec {
  id: number;
  /**
   * The expert item's own entry (FT_NONE, labelled with its summary), as Wireshark registers one
   * field per expert item. Its id is negative (-1 - the expert's id): no table indexed by field
   * id (wanted fields, label memos) covers it.
   */
  field: FieldDef;
}

const fieldsByAbbrev = new Map<string, FieldDef>();
const fieldList: FieldDef[] = [];
const expertsByAbbrev = new Map<string, ExpertDef>();
const expertList: ExpertDef[] = [];

function trailingZeros(mask: number): number {
  if (mask === 0) return 0;
  let n = 0;
  while (((mask >>> n) & 1) === 0) n++;
  return n;
}

export function registerField(spec: FieldSpec): FieldDef {
  if (fieldsByAbbrev.has(spec.abbrev)) throw new Error(`field ${spec.abbrev} registered twice`);
  const bitmask = spec.bitmask ?? 0;
  const def: FieldDef = {
    id: fieldList.length,
    abbrev: spec.abbrev,
    name: spec.name,
    type: spec.type,
    base: spec.base ?? (spec.type.startsWith('uint') || spec.type === 'int32' || spec.type === 'framenum' ? 'dec' : 'none'),
    bitmask,
    bits: spec.bits ?? 0,
    values: spec.values ?? null,
    ranges: spec.ranges ?? null,
    tf: spec.tf ?? null,
    description: spec.description ?? '',
    short: spec.short ?? spec.name,
    proto: spec.abbrev.split('.')[0]!,
    shift: trailingZeros(bitmask),
  };
  fieldsByAbbrev.set(def.abbrev, def);
  fieldList.push(def);
  return def;
}

/** Registers a table of fields; returns them keyed by the given names. */
export function registerFields<K extends string>(table: Record<K, FieldSpec>): Record<K, FieldDef> {
  const out = {} as Record<K, FieldDef>;
  for (const key of Object.keys(table) as K[]) out[key] = registerField(table[key]);
  return out;
}

export function registerExpert(spec: ExpertSpec): ExpertDef {
  if (expertsByAbbrev.has(spec.abbrev)) throw new Error(`expert item ${spec.abbrev} registered twice`);
  const id = expertList.length;
  const field: FieldDef = {
    id: -1 - id, abbrev: spec.abbrev, name: spec.summary, type: 'none', base: 'none', bitmask: 0, bits: 0,
    values: null, ranges: null, tf: null, description: '', short: spec.summary, proto: spec.abbrev.split('.')[0]!, shift: 0,
  };
  const def: ExpertDef = { ...spec, id, field };
  expertsByAbbrev.set(def.abbrev, def);
  expertList.push(def);
  return def;
}

export function registerExperts<K extends string>(table: Record<K, ExpertSpec>): Record<K, ExpertDef> {
  const out = {} as Record<K, ExpertDef>;
  for (const key of Object.keys(table) as K[]) out[key] = registerExpert(table[key]);
  return out;
}

export function fieldByAbbrev(abbrev: string): FieldDef | undefined { return fieldsByAbbrev.get(abbrev); }
export function allFields(): readonly FieldDef[] { return fieldList; }

/**
 * A want-set (DESIGN.md principle 7): one byte per registry field, 1 for the fields given (by
 * definition or abbrev; an abbrev the registry does not know is left out).
 */
export function wantSet(fields: Iterable<FieldDef | string>): Uint8Array {
  const want = new Uint8Array(fieldList.length);
  for (const x of fields) {
    const f = typeof x === 'string' ? fieldsByAbbrev.get(x) : x;
    if (f) want[f.id] = 1;
  }
  return want;
}
export function expertByAbbrev(abbrev: string): ExpertDef | undefined { return expertsByAbbrev.get(abbrev); }
export function allExperts(): readonly ExpertDef[] { return expertList; }

/** The value name for an integer, from the field's value table or ranges. */
export function valueName(def: FieldDef, v: number): string | undefined {
  if (def.values) {
    const s = def.values[v];
    if (s !== undefined) return s;
  }
  if (def.ranges) for (const [lo, hi, s] of def.ranges) if (v >= lo && v <= hi) return s;
  return undefined;
}

// Pseudo-fields of expert items, as Wireshark's `_ws.expert.*`.
export const EXPERT_FIELDS = registerFields({
  expert: { abbrev: '_ws.expert', name: 'Expert Info', type: 'none' },
  message: { abbrev: '_ws.expert.message', name: 'Message', type: 'string', description: 'Wireshark expert information' },
  severity: { abbrev: '_ws.expert.severity', name: 'Severity level', type: 'uint32', base: 'none', description: 'Wireshark expert severity level',
    values: { 0x100000: 'Comment', 0x200000: 'Chat', 0x400000: 'Note', 0x600000: 'Warning', 0x800000: 'Error' } },
  group: { abbrev: '_ws.expert.group', name: 'Group', type: 'uint32', base: 'none', description: 'Wireshark expert group',
    values: { 0x01000000: 'Checksum', 0x02000000: 'Sequence', 0x03000000: 'Response', 0x04000000: 'Request',
      0x05000000: 'Undecoded', 0x06000000: 'Reassemble', 0x07000000: 'Malformed', 0x08000000: 'Debug',
      0x09000000: 'Protocol', 0x0a000000: 'Security', 0x0b000000: 'Comment', 0x0c000000: 'Decryption', 0x0d000000: 'Assumption', 0x0e000000: 'Deprecated' } },
  malformed: { abbrev: '_ws.malformed', name: 'Malformed Packet', type: 'none' },
  short: { abbrev: '_ws.short', name: 'Packet size limited during capture', type: 'none' },
});

export const SEVERITY_CODES: Record<Severity, number> = { chat: 0x200000, note: 0x400000, warn: 0x600000, error: 0x800000 };
export const GROUP_CODES: Record<ExpertGroup, number> = {
  checksum: 0x01000000, sequence: 0x02000000, undecoded: 0x05000000, reassemble: 0x06000000,
  malformed: 0x07000000, protocol: 0x09000000, security: 0x0a000000, comment: 0x0b000000, decryption: 0x0c000000,
};
