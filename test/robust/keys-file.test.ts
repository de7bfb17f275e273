// Keys files cost bounded time, never leak key bytes into errors, and a file readable by others
// gets a one-line warning (as ssh gives for private keys).
import { chmodSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { manyDhKeys } from '../../bench/hostile.js';
import { KeysFileError, loadKeysFile, parseKeysFile } from '../../dissector/keys/index.js';
import { MAX_DH_PRIVATE_BITS } from '../../dissector/limits.js';
import { runCli, tmpFile } from '../helpers.js';

const errorOf = (text: string): string => {
  try { parseKeysFile(text, 'k.json'); } catch (e) { expect(e).toBeInstanceOf(KeysFileError); return (e as Error).message; }
  throw new Error('no error');
};

describe('keys file limits and secrets', () => {
  it('50,000 dh entries load (the pairwise check took 12.5 s for 20,000, so minutes for these)', () => {
    const t0 = performance.now();
    expect(parseKeysFile(manyDhKeys(50_000), 'k.json').dh.length).toBe(50_000);
    expect(performance.now() - t0).toBeLessThan(30_000); // generous: a loaded machine
  });

  it('ambiguous CV prefixes are still found, naming the later entry and the first it clashes with', () => {
    const dh = [{ cv: 'aa01', private: '05' }, { cv: 'bb', private: '05' }, { cv: 'bb12', private: '05' }, { cv: 'aa', private: '05' }];
    expect(errorOf(JSON.stringify({ dh }))).toBe("keys file k.json: dh[2]: 'cv' is ambiguous: it and dh[1]'s cv could name the same public value");
    expect(errorOf(JSON.stringify({ dh: [{ cv: 'abc', private: '05' }, { cv: 'ABC', private: '07' }] }))).toBe("keys file k.json: dh[1]: 'cv' is ambiguous: it and dh[0]'s cv could name the same public value");
  });

  it(`a private exponent over ${MAX_DH_PRIVATE_BITS} bits is refused by name, without its digits`, () => {
    const m = errorOf(manyDhKeys(1, 100_000));
    expect(m).toBe(`keys file k.json: dh[0]: 'private' has 400000 bits; at most ${MAX_DH_PRIVATE_BITS} (MAX_DH_PRIVATE_BITS)`);
    expect(m).not.toContain('7777');
  });

  it('a key pasted as a member name is not echoed; other unknown names only as a short escaped prefix', () => {
    const key = '00112233445566778899aabbccddeeff';
    const m = errorOf(JSON.stringify({ sas: [{ spi: '0x1001', key, auth: 'hmac-md5', [key]: 1 }] }));
    expect(m).toBe("keys file k.json: sas[0]: unknown member a name of 32 hex digits (not shown) (expected 'spi', 'key', 'auth', 'cipher', 'peer', 'label')");
    const long = errorOf(JSON.stringify({ sas: [], ['\x1b[31mAAAAsecretsecret']: 1 }));
    expect(long).toBe("keys file k.json: unknown member '\\x1b[31mA…' (21 characters) (expected 'sas', 'dh')");
    expect(long).not.toContain('\x1b');
    expect(long).not.toContain('secret');
  });

  it('a keys file readable by others gets one warning line; mode 600 none', () => {
    const p = tmpFile('keys.json', JSON.stringify({ sas: [{ spi: '0x1001', key: '00'.repeat(16), auth: 'hmac-md5' }] }));
    chmodSync(p, 0o644);
    expect(loadKeysFile(p).warnings).toEqual([`keys file ${p} is readable by others (permissions 0644): it holds keys; chmod 600 ${p}`]);
    const r = runCli(['-r', 'samples/demo.pcapng', '--keys', p, '-c', '1']);
    expect(r.code).toBe(0);
    expect(r.stderr.trim().split('\n')).toEqual([`mipscope: warning: keys file ${p} is readable by others (permissions 0644): it holds keys; chmod 600 ${p}`]);
    chmodSync(p, 0o600);
    expect(loadKeysFile(p).warnings).toBeUndefined();
    expect(runCli(['-r', 'samples/demo.pcapng', '--keys', p, '-c', '1']).stderr).toBe('');
  });

  it("the shipped samples' keys files (public by design, 0644 in a clone) get no warning", () => {
    expect(loadKeysFile('samples/captures/kx-stateful.keys.json').warnings).toBeUndefined();
  });
});
