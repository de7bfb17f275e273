// The security-association table: SPI → key, algorithms and where the key came from. Keys from
// the user's keys file apply everywhere; keys learned from the traffic apply from the frame after
// the one that taught them (docs/protocol.md §E.9), so each SPI keeps its versions ordered by first frame.
import type { AuthAlg } from './mac.js';
import type { CipherName } from './ciphers.js';
import { spiHex } from '../format.js';

/** How a key was learned from the traffic. */
export type LearnMethod =
  | 'sa-info'      // SA-INFO of a GP-SA extension (docs/protocol.md §B.1)
  | 'ke-secret'    // KE sub-type 3: a key sent over an already-secured path
  | 'ke-kdc'       // KE sub-type 5: a KDC-generated key
  | 'seed'         // semi-stateful derivation from a KE sub-type 6 seed (B.4, E.5)
  | 'dh';          // Diffie-Hellman, stateless mode (B.4)

export const LEARN_METHODS: Readonly<Record<LearnMethod, string>> = {
  'sa-info': 'SA-INFO of a GP-SA extension',
  'ke-secret': 'secret key (KE sub-type 3)',
  'ke-kdc': 'KDC-generated key (KE sub-type 5)',
  seed: 'semi-stateful derivation from a KDC seed (KE sub-type 6)',
  dh: 'Diffie-Hellman exchange',
};

export type SaSource = { kind: 'file' } | { kind: 'learned'; frame: number; method: LearnMethod };

export interface SecurityAssociation {
  spi: number;
  key: Uint8Array;
  /** The authentication algorithm; null when the SA only encrypts. */
  auth: AuthAlg | null;
  /** The cipher; null when the SA only authenticates. */
  cipher: CipherName | null;
  peer?: string;
  label?: string;
  /** Seconds; 0xFFFFFFFF = infinite (from SA-INFO or the proposal), absent when unknown. */
  lifetime?: number;
  source: SaSource;
  /** First frame the SA applies to: 0 for the keys file, N + 1 for a key learned in frame N. */
  validFrom: number;
}

export function sameKeying(a: SecurityAssociation, b: Pick<SecurityAssociation, 'key' | 'auth' | 'cipher'>): boolean {
  if (a.auth !== b.auth || a.cipher !== b.cipher || a.key.length !== b.key.length) return false;
  for (let i = 0; i < a.key.length; i++) if (a.key[i] !== b.key[i]) return false;
  return true;
}

/** A short description of an SA for labels and expert items (never its key). */
export function describeSa(sa: SecurityAssociation): string {
  const algs = [sa.auth, sa.cipher].filter(Boolean).join(', ') || 'no algorithm';
  const from = sa.source.kind === 'file' ? 'keys file' : `learned in frame ${sa.source.frame}`;
  return `SPI ${spiHex(sa.spi)}${sa.label ? ` "${sa.label}"` : ''} (${algs}; ${from})`;
}

export class SaTable {
  private readonly bySpi = new Map<number, SecurityAssociation[]>();

  /**
   * Adds an SA. Returns 'added', or 'same' when the SPI already holds the same key and algorithms
   * from an earlier frame (a key repeated in a later message is not a new key).
   */
  add(sa: SecurityAssociation): 'added' | 'same' {
    const list = this.bySpi.get(sa.spi) ?? [];
    const current = this.latestBefore(list, sa.validFrom);
    if (current && sameKeying(current, sa)) return 'same';
    list.push(sa);
    list.sort((a, b) => a.validFrom - b.validFrom);
    this.bySpi.set(sa.spi, list);
    return 'added';
  }

  private latestBefore(list: readonly SecurityAssociation[], frame: number): SecurityAssociation | undefined {
    let best: SecurityAssociation | undefined;
    for (const sa of list) if (sa.validFrom <= frame) best = sa;
    return best;
  }

  /** The SA in force for `spi` at frame `frame`. */
  lookup(spi: number, frame: number): SecurityAssociation | undefined {
    const list = this.bySpi.get(spi);
    return list ? this.latestBefore(list, frame) : undefined;
  }

  /** The version of `spi` in force before `sa` (for "replaces" notes). */
  previous(sa: SecurityAssociation): SecurityAssociation | undefined {
    const list = this.bySpi.get(sa.spi) ?? [];
    const i = list.indexOf(sa);
    return i > 0 ? list[i - 1] : undefined;
  }

  /** Every SA, by SPI then first frame. */
  all(): SecurityAssociation[] {
    return [...this.bySpi.keys()].sort((a, b) => a - b).flatMap(k => this.bySpi.get(k)!);
  }

  /** The SAs learned from the traffic, in the order of the frames that taught them. */
  learned(): SecurityAssociation[] {
    return this.all().filter(s => s.source.kind === 'learned').sort((a, b) => a.validFrom - b.validFrom || a.spi - b.spi);
  }

  get size(): number { let n = 0; for (const l of this.bySpi.values()) n += l.length; return n; }
}
