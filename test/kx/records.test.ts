// The typed records the KX dissectors leave per message (dissector/kx/records.ts), which the
// conformance rules read instead of the tree: they hold what the tree shows.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaptureSync } from '../../capture/read.js';
import { dissectFrame, Session } from '../../dissector/index.js';
import { attachKeys, parseKeysFile } from '../../dissector/keys/index.js';
import { packetKx } from '../../dissector/kx/index.js';
import type { Packet } from '../../dissector/index.js';
import { ROOT, values } from '../helpers.js';

function packets(name: string): Packet[] {
  const session = new Session();
  const keys = join(ROOT, `samples/captures/${name}.keys.json`);
  attachKeys(session, parseKeysFile(readFileSync(keys, 'utf8'), keys));
  return [...readCaptureSync(join(ROOT, `samples/captures/${name}.pcapng`))].map(f => dissectFrame(f, session));
}

const hex = (n: number) => '0x' + n.toString(16).padStart(8, '0');

describe('KX records', () => {
  const stateful = packets('kx-stateful');
  const negotiation = packets('kx-negotiation');
  const all = [...stateful, ...negotiation];

  it('authenticator verdicts: one per authentication extension, as mip.auth.spi and mip.auth.status show', () => {
    let n = 0;
    for (const p of all) {
      const auth = packetKx(p).flatMap(m => m.auth);
      expect(auth.map(a => hex(a.spi))).toEqual(values(p, 'mip.auth.spi'));
      expect(auth.map(a => a.status)).toEqual(values(p, 'mip.auth.status'));
      n += auth.length;
    }
    expect(n).toBeGreaterThan(100);
  });

  it('learned keys: the SAs shown under mip.kx.learned.spi', () => {
    let n = 0;
    for (const p of all) {
      const learned = packetKx(p).flatMap(m => m.learned);
      expect(learned.map(sa => hex(sa.spi))).toEqual(values(p, 'mip.kx.learned.spi'));
      n += learned.length;
    }
    expect(n).toBeGreaterThan(10);
  });

  it('GP records: decrypted identities and their place among the extensions', () => {
    const gp = stateful.flatMap(p => packetKx(p).flatMap(m => m.gp));
    const nais = gp.filter(g => g.kind === 'gp_nai' && g.nai !== undefined).map(g => g.nai);
    expect(nais.length).toBeGreaterThan(0);
    expect(new Set(nais)).toEqual(new Set(stateful.flatMap(p => values(p, 'mip.kx.nai'))));
    for (const p of stateful) for (const g of packetKx(p).flatMap(k => k.gp)) expect(p.mip.some(m => m.exts[g.index]?.node === g.node)).toBe(true);
    expect(gp.filter(g => g.kind === 'gp_l2' && g.eth).length).toBeGreaterThan(0);
  });

  it('key exchanges: the keys of KE payloads as mip.kx.ke.key shows them', () => {
    let n = 0;
    for (const p of negotiation) {
      const keys = packetKx(p).flatMap(m => m.sa.flatMap(s => s.proposals.flatMap(q => q.ke.flatMap(k => (k.key ? [Buffer.from(k.key).toString('hex')] : [])))));
      expect(keys).toEqual(values(p, 'mip.kx.ke.key'));
      n += keys.length;
    }
    expect(n).toBeGreaterThan(0);
  });
});
