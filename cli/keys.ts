// --keys: loads the user's KEY0/SPI table into a session; a bad file is a usage error (exit 2).
import { attachKeys, KeysFileError, loadKeysFile } from '../dissector/keys/index.js';
import type { Session } from '../dissector/session.js';
import { UsageError } from './args.js';

export function attachKeysFile(session: Session, path: string): void {
  try {
    const keys = loadKeysFile(path);
    for (const w of keys.warnings ?? []) process.stderr.write(`mipscope: warning: ${w}\n`);
    attachKeys(session, keys);
  } catch (e) {
    if (e instanceof KeysFileError) throw new UsageError(e.message);
    throw e;
  }
}
