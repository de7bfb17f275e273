// The key module remembers its last decryptions and authenticators (a relayed copy carries the
// same bytes): on every sample capture, with and without its keys, every frame dissects the same
// with that memory as without it.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCaptureSync } from '../../capture/read.js';
import type { Frame } from '../../capture/read.js';
import { dissectFrame, Session } from '../../dissector/index.js';
import { attachKeys, loadKeysFile } from '../../dissector/keys/index.js';
import { rememberRecentDecryptions } from '../../dissector/keys/ciphers.js';
import { rememberRecentAuthenticators } from '../../dissector/keys/mac.js';
import { fieldValueString } from '../../dissector/format.js';
import { ROOT } from '../helpers.js';

const dir = join(ROOT, 'samples', 'captures');
const files = readdirSync(dir).filter(f => f.endsWith('.pcapng')).sort();

function dump(frames: Frame[], keys: string | undefined, remember: boolean): string[] {
  rememberRecentDecryptions(remember); rememberRecentAuthenticators(remember);
  const s = new Session();
  s.retain = false;
  if (keys) attachKeys(s, loadKeysFile(keys));
  return frames.map(f => dissectFrame(f, s).all.map(n => [n.field?.abbrev ?? '', n.field ? fieldValueString(n.field, n.value) : '', n.offset, n.length, n.src, n.text ?? '', n.expert?.text ?? ''].join('|')).join('\n'));
}

describe('remembered decryptions and authenticators change nothing', () => {
  afterAll(() => { rememberRecentDecryptions(true); rememberRecentAuthenticators(true); });
  for (const f of files) {
    it(f, () => {
      const frames: Frame[] = [];
      try { for (const x of readCaptureSync(join(dir, f))) frames.push(x); } catch { /* the frames before the damage */ }
      const keys = join(dir, f.replace(/\.pcapng$/, '.keys.json'));
      for (const k of existsSync(keys) ? [undefined, keys] : [undefined]) expect(dump(frames, k, true)).toEqual(dump(frames, k, false));
    });
  }
});
