// The keys file the user hands in to decrypt and verify (docs/protocol.md §C). A malformed file is one
// clear line naming the entry and the problem; key material is never echoed.
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAX_DH_PRIVATE_BITS } from '../limits.js';
import { AUTH_ALGS } from './mac.js';
import type { AuthAlg } from './mac.js';
import { CIPHER_KEY_SIZES, CIPHER_NAMES } from './ciphers.js';
import type { CipherName } from './ciphers.js';
import type { SecurityAssociation } from './table.js';
import { spiHex, hexToBytes } from '../format.js';

export class KeysFileError extends Error {}

/** A Diffie-Hellman private exponent for the side whose public value (CV) starts with `cv`. */
export interface DhEntry {
  /** Lower-case hex digits: the whole CV or a prefix of it. */
  cv: string;
  private: bigint;
  /** Position in the file's `dh` array, for messages. */
  index: number;
}

export interface KeysFile {
  /** The name used in messages (the path as given). */
  name: string;
  sas: SecurityAssociation[];
  dh: DhEntry[];
  /** One-line warnings for the user (a file readable by others), as ssh gives for private keys. */
  warnings?: string[];
}

const SA_MEMBERS = ['spi', 'key', 'auth', 'cipher', 'peer', 'label'];
const DH_MEMBERS = ['cv', 'private'];
const HEX = /^[0-9a-fA-F]+$/;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isObject(v: Json | undefined): v is { [k: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Line and column of a character offset, 1-based. */
function lineColumn(text: string, pos: number): string {
  let line = 1, col = 1;
  for (let i = 0; i < pos && i < text.length; i++) {
    if (text[i] === '\n') { line++; col = 1; } else col++;
  }
  return `line ${line}, column ${col}`;
}

/** Parses an SPI: a JSON number, or a string of decimal digits or 0x hex (docs/protocol.md §C). */
export function parseSpi(v: Json | undefined): number | string {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && /^0[xX][0-9a-fA-F]{1,8}$/.test(v.trim())) n = parseInt(v.trim().slice(2), 16);
  else if (typeof v === 'string' && /^\d{1,10}$/.test(v.trim())) n = parseInt(v.trim(), 10);
  else return "'spi' must be a number, or a string of decimal digits or 0x hex";
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) return "'spi' must be an integer from 256 to 4294967295";
  if (n < 256) return `'spi' ${n} is reserved (SPIs 0-255 are reserved, RFC 5944 §3.5)`;
  return n;
}

const hexBytes = hexToBytes;

/** Checks a hex member; returns the problem (never the value) or null. */
function hexProblem(name: string, v: Json | undefined, even: boolean): string | null {
  if (v === undefined) return `'${name}' is missing`;
  if (typeof v !== 'string') return `'${name}' must be a string of hex digits`;
  if (v.length === 0) return `'${name}' is empty`;
  if (!HEX.test(v)) return `'${name}' is not hex`;
  if (even && v.length % 2 !== 0) return `'${name}' has an odd number of hex digits`;
  return null;
}

/**
 * Text from the file that is not a known name, as an error may show it: a key pasted in the
 * wrong place must not reach the terminal or a log. At most a short prefix, with control and
 * non-ASCII characters escaped; nothing of a run of hex digits (it may be a key).
 */
export function shownName(k: string): string {
  if (/^[0-9a-fA-F]{9,}$/.test(k)) return `a name of ${k.length} hex digits (not shown)`;
  const escaped = (t: string) => t.replace(/[^\x20-\x7e]|['\\]/g, c => (c.charCodeAt(0) < 0x100 ? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}` : `\\u{${c.codePointAt(0)!.toString(16)}}`));
  if (k.length <= 8) return `'${escaped(k)}'`;
  return `'${escaped(k.slice(0, 6))}…' (${k.length} characters)`;
}

function unknownMembers(o: { [k: string]: Json }, allowed: readonly string[]): string | null {
  const extra = Object.keys(o).filter(k => !allowed.includes(k));
  if (!extra.length) return null;
  // Member names are shown only as a short, escaped prefix; their values never are.
  const shown = extra.slice(0, 3).map(shownName).join(', ') + (extra.length > 3 ? ` and ${extra.length - 3} more` : '');
  return `unknown member${extra.length > 1 ? 's' : ''} ${shown} (expected ${allowed.map(a => `'${a}'`).join(', ')})`;
}

/** Parses the text of a keys file; `name` is used in messages. Throws KeysFileError. */
export function parseKeysFile(text: string, name: string): KeysFile {
  const fail = (where: string, problem: string): never => { throw new KeysFileError(`keys file ${name}: ${where ? where + ': ' : ''}${problem}`); };
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let root: Json;
  try {
    root = JSON.parse(text) as Json;
  } catch (e) {
    // The parser's own message can quote the file (and so a key): report only the position.
    const m = /position (\d+)/.exec((e as Error).message ?? '');
    fail('', m ? `not valid JSON (${lineColumn(text, Number(m[1]))})` : 'not valid JSON');
  }
  if (!isObject(root!)) return fail('', 'expected a JSON object with "sas" and "dh" arrays');
  const r = root as { [k: string]: Json };
  const extra = unknownMembers(r, ['sas', 'dh']);
  if (extra) fail('', extra);
  const sasJson = r.sas ?? [];
  const dhJson = r.dh ?? [];
  if (!Array.isArray(sasJson)) fail('', "'sas' must be an array");
  if (!Array.isArray(dhJson)) fail('', "'dh' must be an array");

  const sas: SecurityAssociation[] = [];
  const seen = new Map<number, number>();
  (sasJson as Json[]).forEach((e, i) => {
    const where = `sas[${i}]`;
    if (!isObject(e)) return fail(where, 'expected an object with spi, key and auth');
    const bad = unknownMembers(e, SA_MEMBERS);
    if (bad) fail(where, bad);
    const spi = parseSpi(e.spi);
    if (e.spi === undefined) fail(where, "'spi' is missing");
    if (typeof spi === 'string') return fail(where, spi);
    if (seen.has(spi)) fail(where, `SPI ${spiHex(spi)} is already given in sas[${seen.get(spi)}]`);
    seen.set(spi, i);
    const kp = hexProblem('key', e.key, true);
    if (kp) fail(where, kp);
    const key = hexBytes(e.key as string);
    if (e.auth === undefined) fail(where, `'auth' is missing (one of ${AUTH_ALGS.join(', ')})`);
    if (typeof e.auth !== 'string' || !AUTH_ALGS.includes(e.auth as AuthAlg)) fail(where, `'auth' must be one of ${AUTH_ALGS.join(', ')}`);
    let cipher: CipherName | null = null;
    if (e.cipher !== undefined && e.cipher !== null) {
      if (typeof e.cipher !== 'string' || !CIPHER_NAMES.includes(e.cipher as CipherName)) fail(where, `'cipher' must be one of ${CIPHER_NAMES.join(', ')}, or absent`);
      cipher = e.cipher as CipherName;
      // One key serves both algorithms; its length is the cipher's key size (docs/protocol.md §E.8).
      if (key.length !== CIPHER_KEY_SIZES[cipher]) fail(where, `'key' is ${key.length} bytes, but ${cipher} needs ${CIPHER_KEY_SIZES[cipher]}`);
    }
    for (const m of ['peer', 'label'] as const) if (e[m] !== undefined && typeof e[m] !== 'string') fail(where, `'${m}' must be a string`);
    const sa: SecurityAssociation = { spi, key, auth: e.auth as AuthAlg, cipher, source: { kind: 'file' }, validFrom: 0 };
    if (typeof e.peer === 'string') sa.peer = e.peer;
    if (typeof e.label === 'string') sa.label = e.label;
    sas.push(sa);
  });

  const dh: DhEntry[] = [];
  (dhJson as Json[]).forEach((e, i) => {
    const where = `dh[${i}]`;
    if (!isObject(e)) return fail(where, 'expected an object with cv and private');
    const bad = unknownMembers(e, DH_MEMBERS);
    if (bad) fail(where, bad);
    // A CV prefix may end on a half byte; the private exponent is a whole number in hex.
    const cp = hexProblem('cv', e.cv, false);
    if (cp) fail(where, cp);
    const pp = hexProblem('private', e.private, false);
    if (pp) fail(where, pp);
    // A huge exponent would make every Diffie-Hellman frame cost seconds (docs/limits.md).
    const digits = (e.private as string).replace(/^0+/, '').length;
    if (digits * 4 > MAX_DH_PRIVATE_BITS) fail(where, `'private' has ${digits * 4} bits; at most ${MAX_DH_PRIVATE_BITS} (MAX_DH_PRIVATE_BITS)`);
    const priv = BigInt('0x' + (e.private as string));
    if (priv < 2n) fail(where, "'private' must be at least 2");
    const cv = (e.cv as string).toLowerCase();
    dh.push({ cv, private: priv, index: i });
  });
  // Two CVs are ambiguous when one is a prefix of the other. In sorted order a prefix comes
  // right before the strings it starts (or before one that it also starts), so comparing
  // neighbours finds every such pair in O(n log n); the later entry is the one reported.
  const sorted = [...dh].sort((a, b) => (a.cv < b.cv ? -1 : a.cv > b.cv ? 1 : a.index - b.index));
  let clash: [DhEntry, DhEntry] | null = null;
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!, b = sorted[i]!;
    if (!b.cv.startsWith(a.cv)) continue;
    const pair: [DhEntry, DhEntry] = a.index < b.index ? [a, b] : [b, a];
    if (!clash || pair[1].index < clash[1].index || (pair[1].index === clash[1].index && pair[0].index < clash[0].index)) clash = pair;
  }
  if (clash) fail(`dh[${clash[1].index}]`, `'cv' is ambiguous: it and dh[${clash[0].index}]'s cv could name the same public value`);
  return { name, sas, dh };
}

/** The samples/ folder of this installation: its keys files are public by design (no warning). */
function samplesDir(): string | null {
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++, d = dirname(d)) if (existsSync(join(d, 'package.json'))) return join(realpathSync(d), 'samples') + sep;
  return null;
}

function isShippedSample(path: string): boolean {
  const dir = samplesDir();
  return dir !== null && realpathSync(path).startsWith(dir);
}

/** Reads and parses a keys file. Throws KeysFileError (one line, no key bytes). */
export function loadKeysFile(path: string): KeysFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code ?? 'error'})`;
    throw new KeysFileError(`keys file ${path}: ${why}`);
  }
  const keys = parseKeysFile(text, path);
  try {
    const mode = statSync(path).mode;
    if (process.platform !== 'win32' && (mode & 0o077) !== 0 && !isShippedSample(path)) {
      keys.warnings = [`keys file ${path} is readable by others (permissions 0${(mode & 0o777).toString(8)}): it holds keys; chmod 600 ${path}`];
    }
  } catch { /* read above: a stat failure is not worth a warning */ }
  return keys;
}
