// The committed corpus is exactly what the generator makes: regenerating gives the same bytes,
// and the manifest, the README and the files on disk agree with each other.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCorpus } from '../../samples/generate.js';
import type { Manifest } from '../../samples/generate.js';
import { CATALOG } from '../../samples/sim/catalog.js';
import { runSimulation } from '../../samples/sim/world.js';
import { stateful } from '../../samples/sim/flows.js';
import { ROOT } from '../helpers.js';

const SAMPLES = join(ROOT, 'samples');
const manifest = JSON.parse(readFileSync(join(SAMPLES, 'manifest.json'), 'utf8')) as Manifest;

describe('sample corpus', () => {
  it('regenerates byte for byte', () => {
    const t = performance.now();
    const { files } = buildCorpus();
    const ms = performance.now() - t;
    const different = files.filter(f => !Buffer.from(f.bytes).equals(readFileSync(join(SAMPLES, f.path)))).map(f => f.path);
    expect(different).toEqual([]);
    // Nothing stale: every file in captures/ is one the generator makes.
    const made = new Set(files.map(f => f.path));
    expect(readdirSync(join(SAMPLES, 'captures')).map(f => `captures/${f}`).filter(f => !made.has(f))).toEqual([]);
    const bytes = files.filter(f => f.path.startsWith('captures/')).reduce((n, f) => n + f.bytes.length, 0);
    const packets = manifest.captures.reduce((n, e) => n + e.packets, 0);
    console.log(`corpus: ${manifest.captures.length} captures, ${packets} packets, ${(bytes / 1e6).toFixed(2)} MB of captures and keys files, generated in ${(ms / 1000).toFixed(1)} s`);
    // Commit-friendly: a few MB at most.
    expect(bytes).toBeLessThan(5e6);
  });

  it('runs the same flow twice to the same frames (seeded streams, virtual clock)', () => {
    const a = runSimulation(stateful), b = runSimulation(stateful);
    expect(a.frames.length).toBeGreaterThan(50);
    expect(b.frames.map(f => Buffer.from(f.data).toString('hex') + f.tsSec + '.' + f.tsNsec)).toEqual(a.frames.map(f => Buffer.from(f.data).toString('hex') + f.tsSec + '.' + f.tsNsec));
    // Another seed: other keys, IVs and identifications, same shape.
    const c = runSimulation(stateful, { seed: 'another seed' });
    expect(c.frames[3]!.data).not.toEqual(a.frames[3]!.data);
  });

  it('lists every capture with its keys file, what it shows and, for faults, the frames and rule', () => {
    expect(manifest.captures.map(e => e.capture)).toEqual(CATALOG.map(e => `captures/${e.flow.name}.pcapng`));
    for (const e of manifest.captures) {
      expect(statSync(join(SAMPLES, e.capture)).size).toBeGreaterThan(0);
      const keys = JSON.parse(readFileSync(join(SAMPLES, e.keys), 'utf8')) as { sas: unknown[] };
      expect(keys.sas.length).toBeGreaterThan(0);
      expect(e.title.length + e.shows.length).toBeGreaterThan(40);
      if (e.kind === 'faulty') {
        expect(e.fault, e.capture).toBeTruthy();
        expect(e.rule, e.capture).toMatch(/^(MIP|KX)-[A-Z0-9-]+$/);
        expect(e.frames!.length, e.capture).toBeGreaterThan(0);
        expect(Math.max(...e.frames!), e.capture).toBeLessThanOrEqual(e.packets);
      } else expect(e.fault).toBeUndefined();
    }
    const kinds = manifest.captures.map(e => e.kind);
    expect(kinds.filter(k => k === 'clean').length).toBeGreaterThanOrEqual(9);
    expect(kinds.filter(k => k === 'faulty').length).toBeGreaterThanOrEqual(14);
    // The busy capture: a few thousand packets.
    const busy = manifest.captures.find(e => e.capture.includes('busy'))!;
    expect(busy.packets).toBeGreaterThan(2000);
  });

  it('covers the faults the project asked for, each with its rule', () => {
    const byRule = new Map(manifest.captures.filter(e => e.kind === 'faulty').map(e => [e.capture.replace(/^captures\/fault-|\.pcapng$/g, ''), e.rule]));
    expect(Object.fromEntries(byRule)).toMatchObject({
      'bad-auth': 'MIP-AUTH-VALID', 'identity-clear': 'KX-IDENTITY-PRIVACY', 'transform-not-offered': 'KX-NEG-RESPONSE',
      'dh-out-of-range': 'KX-DH-GROUP', 'key-reused': 'KX-KEY-UNIQUE', 'reserved-bits': 'MIP-RESERVED-BITS',
      'length-overrun': 'MIP-WELL-FORMED', truncated: 'MIP-WELL-FORMED', 'fa-no-strip': 'KX-FA-STRIPS',
      'key3-mismatch': 'KX-KEY3-MATCH', 'key0-travels': 'KX-KEY0-HIDDEN', 'sa-expired': 'KX-SA-EXPIRED',
      'proposal-order': 'KX-NEG-PROPOSALS', 'lifetime-granted': 'MIP-LIFETIME',
    });
  });

  it('has a README generated from the manifest', () => {
    const readme = readFileSync(join(SAMPLES, 'README.md'), 'utf8');
    for (const e of manifest.captures) {
      const row = readme.split('\n').find(l => l.startsWith(`| \`${e.capture}\``));
      expect(row, e.capture).toBeDefined();
      expect(row).toContain(`\`${e.keys}\``);
      if (e.rule) expect(row).toContain(`\`${e.rule}\``);
    }
  });
});
