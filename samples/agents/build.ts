// Small builders the agents share: IVs and nonces from the seeded stream, identifications
// (RFC 5944 §5.7.1), and the identity extensions of a hidden registration (WO 01/26322 Fig. 5, B.5).
import { gp } from '../../dissector/kx/encode.js';
import type { RawExt } from '../../dissector/mip/encode.js';
import { ntpIdentification } from '../../dissector/mip/encode.js';
import type { CipherName, Sa } from './keys.js';
import { encryptingSa } from './keys.js';
import type { Rng } from './rng.js';

export function ivLength(c: CipherName): number { return c.endsWith('-cbc') ? 16 : 12; }

/** Encryption options for a GP extension or KE payload under `sa`, with an IV from `rng`. */
export function sealWith(sa: Sa, rng: Rng): { encrypt: ReturnType<typeof encryptingSa>; iv: Uint8Array } {
  const e = encryptingSa(sa);
  return { encrypt: e, iv: rng.bytes(ivLength(e.cipher)) };
}

/** NTP time of `nowMs` in the high 32 bits, random low 32 bits (RFC 5944 §5.7.1). */
export function identification(nowMs: number, rng: Rng): bigint {
  return ntpIdentification(Math.floor(nowMs), rng.u32());
}

export type L2Address = { kind: 'eth'; mac: string } | { kind: 'imsi'; digits: string } | { kind: 'min'; digits: string };

export function l2Extension(l2: L2Address, o?: Parameters<typeof gp.eth>[1]): RawExt {
  if (l2.kind === 'eth') return gp.eth(l2.mac, o);
  if (l2.kind === 'imsi') return gp.imsi(l2.digits, o);
  return gp.min(l2.digits, o);
}

/** GP-IP, GP-NAI and GP-L2 of the mobile node, each encrypted under `sa` (E = 1) unless `clear` names it. */
export function identityExtensions(id: { homeAddr: string; nai: string; l2: L2Address }, sa: Sa, rng: Rng, clear: ReadonlySet<'ip' | 'nai' | 'l2'> = new Set()): RawExt[] {
  return [
    gp.ip(0, id.homeAddr, clear.has('ip') ? {} : sealWith(sa, rng)),
    gp.nai(0, id.nai, clear.has('nai') ? {} : sealWith(sa, rng)),
    l2Extension(id.l2, clear.has('l2') ? {} : sealWith(sa, rng)),
  ];
}
