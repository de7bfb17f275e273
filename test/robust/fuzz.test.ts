// A short seeded round of the fuzzer (npm run fuzz runs it for minutes): every target, its
// properties checked on each input. Defects found by longer runs are regression tests below.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { runFuzz } from '../../fuzz/run.js';
import { TARGETS } from '../../fuzz/targets.js';
import { encodeRegistrationRequest, ext } from '../../dissector/mip/encode.js';
import { udpFrame } from '../../dissector/build.js';
import { dissectAll } from '../helpers.js';

describe('fuzzing (short seeded round)', () => {
  it('every target keeps its properties over a seeded round', () => {
    const r = runFuzz({ seed: 20261203, perTarget: 25 });
    expect(r.defects.map(d => `${d.message.split('\n')[0]} (seed ${d.inputSeed})`)).toEqual([]);
    for (const t of TARGETS) expect(r.inputs[t.name]).toBe(25);
  });

  it('property: a request cut anywhere inside its Mobile IP message carries a malformed expert item, and the next one is whole', () => {
    fc.assert(fc.property(
      fc.array(fc.string({ minLength: 1, maxLength: 30 }), { maxLength: 6 }),
      fc.nat(),
      (nais, cutAt) => {
        const req = encodeRegistrationRequest({ lifetime: 60, homeAddr: '10.0.0.5', haAddr: '10.0.0.1', coa: '192.0.2.1', ident: 1n, exts: nais.map(n => ext.nai(n)) });
        const f = { ...udpFrame({ src: '192.0.2.1', dst: '10.0.0.1', payload: req }), tsSec: 1, tsNsec: 0 };
        const cut = 43 + (cutAt % (f.data.length - 43));
        const [bad, good] = dissectAll([{ ...f, data: f.data.slice(0, cut) }, f]);
        return bad!.experts.some(e => e.expert?.group === 'malformed') && !good!.experts.some(e => e.expert?.group === 'malformed');
      },
    ), { seed: 7, numRuns: 200 });
  });
});
