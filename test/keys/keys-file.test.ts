// The keys file (docs/protocol.md §C): what loads, and one clear line for each way a file can be wrong —
// naming the entry and the problem, never a key byte.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KeysFileError, loadKeysFile, parseKeysFile } from '../../dissector/keys/index.js';
import { VECTORS } from '../helpers.js';

const KEY16 = '00112233445566778899aabbccddeeff';
const KEY32 = 'a1'.repeat(32);
const SECRETS = [KEY16, KEY32, 'c38a5fcd4928aa92', 'deadbeefcafe0001deadbeefcafe0002'];

function parse(o: unknown): ReturnType<typeof parseKeysFile> {
  return parseKeysFile(typeof o === 'string' ? o : JSON.stringify(o), 'k.json');
}

/** The error a keys file gives, checked to be a KeysFileError on one line without key material. */
function errorOf(o: unknown): string {
  try { parse(o); } catch (e) {
    expect(e).toBeInstanceOf(KeysFileError);
    const m = (e as Error).message;
    expect(m).not.toContain('\n');
    for (const s of SECRETS) {
      expect(m.toLowerCase()).not.toContain(s.slice(0, 8));
    }
    return m;
  }
  throw new Error('expected a KeysFileError');
}

describe('keys file: valid files', () => {
  it('reads SAs with every SPI notation, algorithm and optional member', () => {
    const k = parse({
      sas: [
        { spi: '0x1001', key: KEY16, auth: 'hmac-md5', cipher: 'aes-128-cbc', peer: 'mn1@home.example', label: 'KEY0 mn1' },
        { spi: '4098', key: KEY32, auth: 'hmac-sha1', cipher: 'aes-256-gcm' },
        { spi: 4099, key: KEY32.toUpperCase(), auth: 'hmac-sha256', cipher: 'chacha20-poly1305' },
        { spi: '0X3001', key: 'abcd', auth: 'md5-prefix-suffix' },
        { spi: 0xffffffff, key: KEY16, auth: 'hmac-md5', cipher: 'aes-128-gcm' },
        { spi: 256, key: KEY32, auth: 'hmac-md5', cipher: 'aes-256-cbc', peer: 'x' },
      ],
      dh: [{ cv: 'AB12', private: 'c38a5fcd4928aa92' }, { cv: '5ae1f2', private: '02' }],
    });
    expect(k.sas.map(s => s.spi)).toEqual([0x1001, 4098, 4099, 0x3001, 0xffffffff, 256]);
    expect(k.sas.map(s => s.cipher)).toEqual(['aes-128-cbc', 'aes-256-gcm', 'chacha20-poly1305', null, 'aes-128-gcm', 'aes-256-cbc']);
    expect(k.sas.map(s => s.auth)).toEqual(['hmac-md5', 'hmac-sha1', 'hmac-sha256', 'md5-prefix-suffix', 'hmac-md5', 'hmac-md5']);
    expect(Buffer.from(k.sas[0]!.key).toString('hex')).toBe(KEY16);
    expect(Buffer.from(k.sas[2]!.key).toString('hex')).toBe(KEY32);
    expect(k.sas[0]!.label).toBe('KEY0 mn1');
    expect(k.sas[0]!.peer).toBe('mn1@home.example');
    expect(k.sas[1]!.label).toBeUndefined();
    expect(k.sas.every(s => s.source.kind === 'file' && s.validFrom === 0)).toBe(true);
    expect(k.dh).toEqual([{ cv: 'ab12', private: 0xc38a5fcd4928aa92n, index: 0 }, { cv: '5ae1f2', private: 2n, index: 1 }]);
  });

  it('accepts an empty file object, a byte-order mark and absent sections', () => {
    expect(parse({}).sas).toEqual([]);
    expect(parse('\ufeff{"sas": []}').dh).toEqual([]);
    expect(parse({ dh: [{ cv: '01', private: '05' }] }).sas).toEqual([]);
  });

  it('loads the published keys files', () => {
    const dir = VECTORS;
    const k = loadKeysFile(join(dir, 'kx-stateful.keys.json'));
    expect(k.sas.length).toBe(5);
    expect(k.sas.find(s => s.spi === 4099)!.peer).toBe('mn3-jörg@home.example');
    expect(loadKeysFile(join(dir, 'kx-dh.keys.json')).dh.length).toBe(3);
  });
});

describe('keys file: each error is one line naming the entry and the problem', () => {
  const sa = (o: Record<string, unknown>) => ({ sas: [{ spi: '0x1001', key: KEY16, auth: 'hmac-md5' }, { spi: '0x1002', key: KEY16, auth: 'hmac-md5' }, { spi: '0x1003', key: KEY16, auth: 'hmac-md5', ...o }] });
  const cases: Array<[string, unknown, string]> = [
    ['key not hex', sa({ key: KEY16.slice(0, 30) + 'zz' }), "keys file k.json: sas[2]: 'key' is not hex"],
    ['key odd length', sa({ key: KEY16 + 'a' }), "keys file k.json: sas[2]: 'key' has an odd number of hex digits"],
    ['key empty', sa({ key: '' }), "keys file k.json: sas[2]: 'key' is empty"],
    ['key missing', { sas: [{ spi: 300, auth: 'hmac-md5' }] }, "keys file k.json: sas[0]: 'key' is missing"],
    ['key a number', { sas: [{ spi: 300, key: 1234, auth: 'hmac-md5' }] }, "keys file k.json: sas[0]: 'key' must be a string of hex digits"],
    ['key size for the cipher', sa({ cipher: 'aes-256-cbc' }), "keys file k.json: sas[2]: 'key' is 16 bytes, but aes-256-cbc needs 32"],
    ['unknown auth', sa({ auth: KEY16 }), "keys file k.json: sas[2]: 'auth' must be one of hmac-md5, md5-prefix-suffix, hmac-sha1, hmac-sha256"],
    ['auth missing', { sas: [{ spi: 300, key: KEY16 }] }, "keys file k.json: sas[0]: 'auth' is missing (one of hmac-md5, md5-prefix-suffix, hmac-sha1, hmac-sha256)"],
    ['unknown cipher', sa({ cipher: 'aes-192-cbc' }), "keys file k.json: sas[2]: 'cipher' must be one of aes-128-cbc, aes-256-cbc, aes-128-gcm, aes-256-gcm, chacha20-poly1305, or absent"],
    ['spi missing', { sas: [{ key: KEY16, auth: 'hmac-md5' }] }, "keys file k.json: sas[0]: 'spi' is missing"],
    ['spi bad string', sa({ spi: '0x1g' }), "keys file k.json: sas[2]: 'spi' must be a number, or a string of decimal digits or 0x hex"],
    ['spi negative', sa({ spi: -5 }), "keys file k.json: sas[2]: 'spi' must be an integer from 256 to 4294967295"],
    ['spi too large', sa({ spi: 2 ** 32 }), "keys file k.json: sas[2]: 'spi' must be an integer from 256 to 4294967295"],
    ['spi fraction', sa({ spi: 300.5 }), "keys file k.json: sas[2]: 'spi' must be an integer from 256 to 4294967295"],
    ['spi reserved', sa({ spi: '0x00ff' }), "keys file k.json: sas[2]: 'spi' 255 is reserved (SPIs 0-255 are reserved, RFC 5944 §3.5)"],
    ['duplicate spi', sa({ spi: 4097 }), "keys file k.json: sas[2]: SPI 0x00001001 is already given in sas[0]"],
    ['unknown member', sa({ ciper: 'aes-128-cbc' }), "keys file k.json: sas[2]: unknown member 'ciper' (expected 'spi', 'key', 'auth', 'cipher', 'peer', 'label')"],
    ['label not a string', sa({ label: 5 }), "keys file k.json: sas[2]: 'label' must be a string"],
    ['entry not an object', { sas: [KEY16] }, 'keys file k.json: sas[0]: expected an object with spi, key and auth'],
    ['sas not an array', { sas: { spi: 1 } }, "keys file k.json: 'sas' must be an array"],
    ['dh not an array', { dh: 'x' }, "keys file k.json: 'dh' must be an array"],
    ['unknown top-level member', { sas: [], keys: [] }, "keys file k.json: unknown member 'keys' (expected 'sas', 'dh')"],
    ['root not an object', [1, 2], 'keys file k.json: expected a JSON object with "sas" and "dh" arrays'],
    ['dh cv not hex', { dh: [{ cv: 'xyz', private: '05' }] }, "keys file k.json: dh[0]: 'cv' is not hex"],
    ['dh private not hex', { dh: [{ cv: '0abc', private: SECRETS[2] + 'q' }] }, "keys file k.json: dh[0]: 'private' is not hex"],
    ['dh private missing', { dh: [{ cv: '0abc' }] }, "keys file k.json: dh[0]: 'private' is missing"],
    ['dh private too small', { dh: [{ cv: '0abc', private: '1' }] }, "keys file k.json: dh[0]: 'private' must be at least 2"],
    ['dh ambiguous prefix', { dh: [{ cv: '5ae1f2', private: '05' }, { cv: '5ae1', private: '07' }] }, "keys file k.json: dh[1]: 'cv' is ambiguous: it and dh[0]'s cv could name the same public value"],
    ['dh unknown member', { dh: [{ cv: '0abc', private: '05', secret: 'x' }] }, "keys file k.json: dh[0]: unknown member 'secret' (expected 'cv', 'private')"],
  ];
  for (const [name, input, message] of cases) it(name, () => { expect(errorOf(input)).toBe(message); });

  it('reports a JSON syntax error by position only, never quoting the file', () => {
    const text = `{\n  "sas": [\n    { "spi": "0x1001", "key": "${KEY16}", "auth": "hmac-md5" ,, }\n  ]\n}`;
    const m = errorOf(text);
    expect(m).toMatch(/^keys file k\.json: not valid JSON( \(line 3, column \d+\))?$/);
    expect(errorOf(`{"sas": [{"key": "${KEY32}"`)).toMatch(/^keys file k\.json: not valid JSON/);
  });

  it('names a missing file, a directory and an unreadable path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mipscope-keys-'));
    expect(() => loadKeysFile(join(dir, 'nope.json'))).toThrow(new KeysFileError(`keys file ${join(dir, 'nope.json')}: no such file`));
    expect(() => loadKeysFile(dir)).toThrow(new KeysFileError(`keys file ${dir}: is a directory`));
    const p = join(dir, 'k.json');
    writeFileSync(p, JSON.stringify({ sas: [{ spi: 300, key: 'zz' + KEY16, auth: 'hmac-md5' }] }));
    expect(() => loadKeysFile(p)).toThrow(new KeysFileError(`keys file ${p}: sas[0]: 'key' is not hex`));
  });
});
