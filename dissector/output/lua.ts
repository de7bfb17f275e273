// `mipscope export wireshark-lua`: a Wireshark (≥ 3.6) Lua dissector generated from the registry
// (DESIGN.md principle 1), so that Wireshark and mipscope show the same fields under the same
// names and value names. Wireshark's own mip dissector has no table per extension type (its only
// sub-table, mip.nvse_ext, is keyed by vendor), so the plugin replaces it on the Mobile IP UDP
// port and dissects the standard part too, under Wireshark's mip.* names. Field declarations,
// value tables, preferences, extension layouts and type numbers are generated here; the
// dissection steps are in lua-dissector.ts, and every field or expert item they name must exist
// in the registry.
import { allFields, fieldByAbbrev, expertByAbbrev } from '../fields.js';
import type { ExpertDef, FieldDef } from '../fields.js';
import { MALFORMED } from '../packet.js';
import { defaultPrefs } from '../prefs.js';
import { EXTENSION_TYPES, MESSAGE_TYPES } from '../mip/fields.js';
import { extensionTable } from '../mip/extensions.js';
import { messageTable } from '../mip/messages.js';
import { ATTR_NAMES, AUTH_ALG_NAMES, CIPHER_ALG_NAMES, GP_CONTENT_NAMES, KE_SUBTYPES, KX_TYPE_PREFS, MODE_NAMES, REPLAY_NAMES, SAP_SUBTYPES } from '../kx/fields.js';
import { GP_NAMES } from '../kx/gp.js';
import { ATTR_LENGTHS } from '../kx/negotiation.js';
import { AUTH_ALG_IDS, AUTH_KEY_SIZES } from '../keys/mac.js';
import { CIPHER_IDS, CIPHER_KEY_SIZES } from '../keys/ciphers.js';
import { PRF_NAMES } from '../keys/derive.js';
import { OAKLEY_GROUPS } from '../keys/dh.js';
import { LUA_DISSECTOR } from './lua-dissector.js';
import { MAX_AUTHENTICATORS_PER_MESSAGE } from '../limits.js';

/** The Lua protocol's name: Wireshark's preferences are `mipscope.<name>` (a module named "mip" exists). */
export const LUA_PROTO = 'mipscope';

/** Expert items whose registry name Wireshark already owns (Lua may not register it again). */
const RENAMED_EXPERTS: Record<string, ExpertDef> = { 'mipscope.malformed': MALFORMED };

/** Message types the Lua dissector has a body for; the generator checks it against messageTable. */
const LUA_MESSAGE_TYPES = [1, 3, 4, 7, 8, 9, 15];

/** The plugin reads at most this much of a keys file. */
const MAX_KEYS_FILE_BYTES = 16 * 1024 * 1024;

/** MD5's sine table (RFC 1321 §3.4), for the plugin's authenticator checks. */
const MD5_K = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32));

/** Vendors whose CVSE/NVSE bodies are decoded (standard-extensions.ts). */
const VENDORS = { VENDOR_3GPP2: 5535, VENDOR_VERIZON: 12951 };

const FTYPES: Record<FieldDef['type'], string> = {
  none: 'NONE', protocol: 'PROTOCOL', bool: 'BOOLEAN', uint8: 'UINT8', uint16: 'UINT16', uint24: 'UINT24', uint32: 'UINT32',
  uint64: 'UINT64', int32: 'INT32', ipv4: 'IPv4', ipv6: 'IPv6', ether: 'ETHER', bytes: 'BYTES', string: 'STRING',
  abstime: 'ABSOLUTE_TIME', reltime: 'RELATIVE_TIME', framenum: 'FRAMENUM', double: 'DOUBLE',
};
const BASES: Record<FieldDef['base'], string> = { dec: 'DEC', hex: 'HEX', dec_hex: 'DEC_HEX', hex_dec: 'HEX_DEC', none: 'NONE', oct: 'OCT' };
const SEVERITIES: Record<ExpertDef['severity'], string> = { chat: 'CHAT', note: 'NOTE', warn: 'WARN', error: 'ERROR' };
const GROUPS: Record<ExpertDef['group'], string> = {
  malformed: 'MALFORMED', protocol: 'PROTOCOL', sequence: 'SEQUENCE', security: 'SECURITY', undecoded: 'UNDECODED',
  decryption: 'DECRYPTION', checksum: 'CHECKSUM', reassemble: 'REASSEMBLE', comment: 'COMMENTS_GROUP',
};

/** A Lua string literal. */
export function luaString(s: string): string {
  let out = '"';
  for (const ch of Buffer.from(s, 'utf8')) {
    if (ch === 0x22) out += '\\"';
    else if (ch === 0x5c) out += '\\\\';
    else if (ch < 0x20 || ch >= 0x7f) out += '\\' + ch.toString().padStart(3, '0');
    else out += String.fromCharCode(ch);
  }
  return out + '"';
}

function luaTable(t: Readonly<Record<string | number, string | number>>): string {
  const items = Object.entries(t).map(([k, v]) => `[${/^\d+$/.test(k) ? k : luaString(k)}] = ${typeof v === 'number' ? v : luaString(v)}`);
  return `{ ${items.join(', ')} }`;
}

/** The names the Lua code uses: F["abbrev"] fields and E["abbrev"] expert items, in order of first use. */
export function luaNames(code: string): { fields: string[]; experts: string[] } {
  const uniq = (re: RegExp) => [...new Set([...code.matchAll(re)].map(m => m[1]!))];
  return { fields: uniq(/\bF\["([^"]+)"\]/g), experts: uniq(/\bE\["([^"]+)"\]/g) };
}

function protoField(f: FieldDef, valueTables: Map<string, string>, decls: string[]): string {
  let vs = 'nil';
  if (f.values || f.ranges || f.tf) {
    let body: string;
    if (f.tf) body = `{ ${luaString(f.tf[0])}, ${luaString(f.tf[1])} }`;
    else if (f.ranges && !f.values) body = `{ ${f.ranges.map(([lo, hi, s]) => `{ ${lo}, ${hi}, ${luaString(s)} }`).join(', ')} }`;
    else body = luaTable(f.values!);
    let name = valueTables.get(body);
    if (!name) {
      name = `VS${valueTables.size + 1}`;
      valueTables.set(body, name);
      decls.push(`local ${name} = ${body}`);
    }
    vs = name;
  }
  let base: string;
  if (f.type === 'bool') base = f.bits ? String(f.bits) : 'base.NONE';
  else if (f.type === 'abstime') base = 'base.UTC';
  else if (f.type.startsWith('uint') || f.type === 'int32') base = `base.${BASES[f.base]}`;
  else base = 'nil';
  const mask = f.bitmask ? `0x${f.bitmask.toString(16)}` : 'nil';
  return `ProtoField.new(${luaString(f.name)}, ${luaString(f.abbrev)}, ftypes.${FTYPES[f.type]}, ${vs}, ${base}, ${mask}, ${luaString(f.description)})`;
}

/** The plugin's fields: registry definitions of every name the Lua code uses. */
export function luaFields(code: string = LUA_DISSECTOR): FieldDef[] {
  return luaNames(code).fields.map(a => {
    const f = fieldByAbbrev(a);
    if (!f) throw new Error(`the Lua dissector names field ${a}, which the registry does not have`);
    return f;
  });
}

export function luaExperts(code: string = LUA_DISSECTOR): Array<[string, ExpertDef]> {
  return luaNames(code).experts.map(a => {
    const e = RENAMED_EXPERTS[a] ?? expertByAbbrev(a);
    if (!e) throw new Error(`the Lua dissector names expert item ${a}, which the registry does not have`);
    return [a, e];
  });
}

function checkMessageTypes(): void {
  const ours = new Set(LUA_MESSAGE_TYPES), theirs = new Set(messageTable.keys());
  for (const t of theirs) if (!ours.has(t)) throw new Error(`message type ${t} is dissected by mipscope but not by the Lua dissector`);
  for (const t of ours) if (!theirs.has(t)) throw new Error(`message type ${t} is dissected by the Lua dissector but not by mipscope`);
}

export interface LuaOptions { version: string }

/** The whole plugin as one Lua file. */
export function wiresharkLua(opts: LuaOptions): string {
  checkMessageTypes();
  const fields = luaFields();
  const experts = luaExperts();
  const out: string[] = [];
  out.push(`-- mipscope.lua: Mobile IPv4 and the KX extensions for Wireshark and tshark (3.6 and later).
-- Generated by mipscope ${opts.version} from its field registry ('mipscope export wireshark-lua'):
-- do not edit; regenerate it instead, so that the two never drift.
--
-- Install: copy to your personal Lua plugins folder (Help > About Wireshark > Folders), e.g.
--   ~/.local/lib/wireshark/plugins/mipscope.lua
-- or load it for one run: tshark -X lua_script:mipscope.lua -r capture.pcapng
--
-- Wireshark's own Mobile IP dissector reads the KX negotiation payloads as short TLVs and has no
-- table per extension type, so this plugin replaces it on the Mobile IP UDP port and dissects
-- the standard part too, under Wireshark's mip.* field names. The KX fields are mip.kx.*.
-- Preferences (Edit > Preferences > Protocols > MIPSCOPE, or tshark -o):
${Object.keys(KX_TYPE_PREFS).map(k => `--   ${LUA_PROTO}.kx.type.${k}`).join('\n')}
--   ${LUA_PROTO}.udp.port
-- They are mipscope's -o mip.kx.type.* and mip.udp.port under the plugin's name.
--   ${LUA_PROTO}.keys_file   mipscope's keys file: authenticators (mip.auth.status) are marked
--                           good or bad under its HMAC-MD5 and keyed-MD5 prefix+suffix SAs.
--
-- Not done here: decryption of encrypted INFO and of KDC keys (Lua has no AES: run mipscope with
-- the keys file), authenticators under HMAC-SHA1/SHA256 or under keys learned from the traffic,
-- key learning, request/reply matching, the prime and range checks of Diffie-Hellman values,
-- and mipscope's conformance rules ('mipscope check').
`);
  out.push(`local ${LUA_PROTO} = Proto(${luaString(LUA_PROTO)}, ${luaString('Mobile IP with KX extensions (mipscope)')})`);
  out.push('');
  // Fields and value tables from the registry.
  const decls: string[] = [], valueTables = new Map<string, string>();
  const fieldLines = fields.map(f => `F[${luaString(f.abbrev)}] = ${protoField(f, valueTables, decls)}`);
  out.push('-- Value names (registry value tables)', ...decls, '');
  out.push('local F = {}', ...fieldLines);
  out.push(`${LUA_PROTO}.fields = { ${fields.map(f => `F[${luaString(f.abbrev)}]`).join(', ')} }`, '');
  out.push('local E = {}');
  for (const [name, e] of experts) out.push(`E[${luaString(name)}] = ProtoExpert.new(${luaString(name)}, ${luaString(e.summary)}, expert.group.${GROUPS[e.group]}, expert.severity.${SEVERITIES[e.severity]})`);
  out.push(`${LUA_PROTO}.experts = { ${experts.map(([n]) => `E[${luaString(n)}]`).join(', ')} }`, '');
  // Preferences: the KX type numbers and the UDP port, with mipscope's defaults.
  out.push('-- Preferences (mipscope: -o mip.kx.type.* and -o mip.udp.port)');
  for (const [k, v] of Object.entries(KX_TYPE_PREFS)) {
    const what = k.startsWith('gp_') ? `${GP_NAMES[k as keyof typeof GP_NAMES]} extension` : `${({ sa: 'SA', proposal: 'Proposal', transform: 'Transform', ke: 'Key-exchange' } as Record<string, string>)[k]} payload`;
    out.push(`${LUA_PROTO}.prefs[${luaString(`kx.type.${k}`)}] = Pref.uint(${luaString(`${what} type`)}, ${v}, ${luaString(`Type number of the ${what} (mipscope -o mip.kx.type.${k})`)})`);
  }
  out.push(`${LUA_PROTO}.prefs[${luaString('udp.port')}] = Pref.uint(${luaString('Mobile IP UDP port')}, ${defaultPrefs['mip.udp.port']}, ${luaString('UDP port of Mobile IP (mipscope -o mip.udp.port)')})`);
  out.push(`${LUA_PROTO}.prefs.keys_file = Pref.string(${luaString('Keys file')}, "", ${luaString("mipscope's keys file (JSON): authenticators under its HMAC-MD5 and keyed-MD5 prefix+suffix SAs are marked good or bad")})`);
  out.push(`${LUA_PROTO}.prefs.about = Pref.statictext(${luaString(`Generated by mipscope ${opts.version}. Decryption, authenticator verification and key learning stay in mipscope.`)}, "")`, '');
  // Tables the dissection steps read.
  const layouts: string[] = [];
  for (const [t, h] of [...extensionTable].sort((a, b) => a[0] - b[0])) layouts.push(`[${t}] = { name = ${luaString(h.name)}, layout = ${luaString(h.layout)} }`);
  const authSizes: Record<number, number> = {}, cipherSizes: Record<number, number> = {};
  for (const [id, a] of Object.entries(AUTH_ALG_IDS)) authSizes[Number(id)] = AUTH_KEY_SIZES[a];
  for (const [id, c] of Object.entries(CIPHER_IDS)) cipherSizes[Number(id)] = CIPHER_KEY_SIZES[c];
  const nonZero = (t: Readonly<Record<number, string>>) => Object.fromEntries(Object.entries(t).filter(([k]) => k !== '0'));
  out.push(
    '-- Layout data of the dissectors',
    `local KX_ORDER = { ${Object.keys(KX_TYPE_PREFS).map(luaString).join(', ')} }`,
    `local EXT_LAYOUT = {\n  ${layouts.join(',\n  ')},\n}`,
    `local MESSAGE_TYPES = ${luaTable(MESSAGE_TYPES)}`,
    `local EXTENSION_TYPES = ${luaTable(EXTENSION_TYPES)}`,
    `local GP_NAMES = ${luaTable(GP_NAMES)}`,
    `local GP_CONTENT_NAMES = { ${Object.entries(GP_CONTENT_NAMES).map(([k, v]) => `${k} = ${luaTable(v)}`).join(', ')} }`,
    `local AUTH_ALG_NAMES = ${luaTable(nonZero(AUTH_ALG_NAMES))}`,
    `local CIPHER_ALG_NAMES = ${luaTable(nonZero(CIPHER_ALG_NAMES))}`,
    `local AUTH_KEY_SIZE = ${luaTable(authSizes)}`,
    `local CIPHER_KEY_SIZE = ${luaTable(cipherSizes)}`,
    `local ATTR_NAMES = ${luaTable(ATTR_NAMES)}`,
    `local ATTR_LENGTHS = ${luaTable(ATTR_LENGTHS)}`,
    `local MODE_NAMES = ${luaTable(MODE_NAMES)}`,
    `local PRF_NAMES = ${luaTable(PRF_NAMES)}`,
    `local REPLAY_NAMES = ${luaTable(REPLAY_NAMES)}`,
    `local KE_SUBTYPES = ${luaTable(KE_SUBTYPES)}`,
    `local SAP_SUBTYPES = ${luaTable(SAP_SUBTYPES)}`,
    `local OAKLEY_SIZE = { [1] = ${OAKLEY_GROUPS[1].size}, [2] = ${OAKLEY_GROUPS[2].size} }`,
    ...Object.entries(VENDORS).map(([k, v]) => `local ${k} = ${v}`),
    `local MD5_K = { ${MD5_K.map(k => '0x' + k.toString(16).padStart(8, '0')).join(', ')} }`,
    `local MAX_AUTHENTICATORS_PER_MESSAGE = ${MAX_AUTHENTICATORS_PER_MESSAGE}`,
    `local MAX_KEYS_FILE_BYTES = ${MAX_KEYS_FILE_BYTES}`,
  );
  out.push(LUA_DISSECTOR);
  return out.join('\n');
}

/** Every registry field the plugin does not declare (for documentation and tests). */
export function fieldsNotInLua(): FieldDef[] {
  const ours = new Set(luaFields().map(f => f.abbrev));
  return allFields().filter(f => f.proto === 'mip' && !ours.has(f.abbrev));
}

