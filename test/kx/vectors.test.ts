// The published vectors (spec/vectors): every field value listed in a truth file, formatted as
// `-T fields -E occurrence=a -E aggregator=,` prints it, and every authenticator verdict.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaptureSync } from '../../capture/read.js';
import { dissectFrame, fieldByAbbrev, fieldValueString, Session, walk } from '../../dissector/index.js';
import type { Packet } from '../../dissector/index.js';
import { attachKeys, learnedKeys, loadKeysFile } from '../../dissector/keys/index.js';
import { VECTORS } from '../helpers.js';

const DIR = VECTORS;
const INDEX = JSON.parse(readFileSync(join(DIR, 'INDEX.json'), 'utf8')) as Array<{ case: string; file: string; keys: string; frames: number }>;

interface Truth { frames: Array<{ frame: number; fields: Record<string, string>; auth: Record<string, string> }> }

/** A field's values in a packet as -T fields prints them with occurrence=a, aggregator=','. */
function column(pkt: Packet, abbrev: string): string {
  return pkt.all.filter(n => n.field?.abbrev === abbrev).map(n => fieldValueString(n.field!, n.value)).join(',');
}

/** The verdicts of the authentication extensions in wire order, keyed as the truth files key them. */
function authVerdicts(pkt: Packet): Record<string, string> {
  const out: Record<string, string> = {};
  walk(pkt.tree, n => {
    const status = n.children?.find(c => c.field?.abbrev === 'mip.auth.status');
    if (!status) return;
    const type = n.children!.find(c => c.field?.abbrev === 'mip.ext.type')?.value;
    out[String(type)] = String(status.value);
  });
  return out;
}

export function dissectVector(name: string, withKeys = true): { packets: Packet[]; session: Session } {
  const entry = INDEX.find(e => e.case === name)!;
  const session = new Session();
  if (withKeys) attachKeys(session, loadKeysFile(join(DIR, entry.keys)));
  const packets = [...readCaptureSync(join(DIR, entry.file))].map(f => dissectFrame(f, session));
  return { packets, session };
}

const totals = { fields: 0, fieldsAgree: 0, verdicts: 0, verdictsAgree: 0 };

describe('published vectors', () => {
  for (const entry of INDEX) {
    it(`${entry.case}: every listed field and verdict`, () => {
      const truth = JSON.parse(readFileSync(join(DIR, `${entry.case}.truth.json`), 'utf8')) as Truth;
      const { packets, session } = dissectVector(entry.case);
      expect(packets.length).toBe(entry.frames);
      const diffs: string[] = [];
      let fields = 0, verdicts = 0;
      for (const t of truth.frames) {
        const pkt = packets[t.frame - 1]!;
        for (const [f, want] of Object.entries(t.fields)) {
          expect(fieldByAbbrev(f), `field ${f} is registered`).toBeDefined();
          fields++;
          const got = column(pkt, f);
          if (got !== want) diffs.push(`#${t.frame} ${f}: want ${JSON.stringify(want)} got ${JSON.stringify(got)}`);
        }
        const got = authVerdicts(pkt);
        for (const [type, want] of Object.entries(t.auth)) {
          verdicts++;
          if (got[type] !== want) diffs.push(`#${t.frame} auth ${type}: want ${want} got ${got[type]}`);
        }
        // The verdicts the session keeps per message (the ladder's, on each hop) agree with the tree.
        expect(session.transactions.at(t.frame).flatMap(p => p.hop.auth.map(a => a.status))).toEqual(pkt.all.filter(n => n.field?.abbrev === 'mip.auth.status').map(n => n.value));
        // No decryption failure in a clean capture.
        expect(pkt.experts.filter(e => e.expert!.abbrev === 'mip.kx.decrypt.failed' || e.expert!.abbrev === 'mip.auth.bad').map(e => e.text)).toEqual([]);
      }
      totals.fields += fields; totals.verdicts += verdicts;
      totals.fieldsAgree += fields - diffs.filter(d => !d.includes(' auth ')).length;
      totals.verdictsAgree += verdicts - diffs.filter(d => d.includes(' auth ')).length;
      expect(diffs).toEqual([]);
      expect(learnedKeys(session).length).toBeGreaterThan(0);
    });
  }
  it('reports the agreement figures', () => {
    console.log(`vector agreement: fields ${totals.fieldsAgree}/${totals.fields}, verdicts ${totals.verdictsAgree}/${totals.verdicts}`);
    expect(totals.fields).toBeGreaterThan(1000);
    expect(totals.fieldsAgree).toBe(totals.fields);
    expect(totals.verdictsAgree).toBe(totals.verdicts);
  });
});
