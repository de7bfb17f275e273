// The renderers' caches and shortcuts write what their plain forms write: every sample capture
// (with and without its keys), the standard corpus and packets carrying terminal escapes,
// rendered twice (the second time from the caches) by -V, -T json and -T ek and compared with the reference
// renderer, node by node and packet by packet.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaptureFileError, readCaptureSync } from '../../capture/read.js';
import { parseArgs } from '../../cli/args.js';
import { prepare } from '../../cli/prepare.js';
import { udpFrame } from '../../dissector/build.js';
import { escapedNodeText, nodeText } from '../../dissector/format.js';
import { dissectFrame, walk } from '../../dissector/index.js';
import type { Packet } from '../../dissector/index.js';
import { encodeRegistrationRequest, ext } from '../../dissector/mip/encode.js';
import { referenceTreeText, treeText } from '../../dissector/output/text.js';
import { packetJson, referencePacketJson } from '../../dissector/output/json.js';
import { packetEk, referencePacketEk } from '../../dissector/output/ek.js';
import { standardFrames } from '../../samples/standard.js';
import { ROOT, writePcapng } from '../helpers.js';

const CAPTURES = join(ROOT, 'samples', 'captures');
const EVIL = 'a\x1b[31m\x07\r\n\t\x1b]0;title\x07\x7f\u009b2J\u202eb\\c → é';

function escapesCapture(): string {
  const req = encodeRegistrationRequest({ lifetime: 60, homeAddr: '10.0.0.5', haAddr: '10.0.0.1', coa: '192.0.2.1', ident: 1n, exts: [ext.nai(EVIL), ext.messageString(1, EVIL)] });
  return writePcapng([{ ...udpFrame({ src: '192.0.2.1', dst: '10.0.0.1', payload: req }), tsSec: 1, tsNsec: 0 }]);
}

/** Every capture to compare on: [name, file, keys file or undefined]. */
function cases(): Array<[string, string, string | undefined]> {
  const out: Array<[string, string, string | undefined]> = [];
  for (const f of readdirSync(CAPTURES).filter(n => n.endsWith('.pcapng')).sort()) {
    const file = join(CAPTURES, f);
    const keys = file.replace(/\.pcapng$/, '.keys.json');
    out.push([f, file, undefined]);
    if (existsSync(keys)) out.push([`${f} with keys`, file, keys]);
  }
  out.push(['demo', join(ROOT, 'samples', 'demo.pcapng'), undefined]);
  out.push(['standard corpus', writePcapng(standardFrames()), undefined]);
  out.push(['terminal escapes', escapesCapture(), undefined]);
  return out;
}

/** The packets of a capture as the main command dissects them (one pass). */
function packets(file: string, keys: string | undefined): Packet[] {
  const { session } = prepare(parseArgs(['-r', file, ...(keys ? ['--keys', keys] : [])]));
  const out: Packet[] = [];
  try {
    for (const f of readCaptureSync(file, {})) out.push(dissectFrame(f, session));
  } catch (e) {
    if (!(e instanceof CaptureFileError)) throw e; // a capture cut short: what was read counts
  }
  return out;
}

describe('fast renderers against their reference forms', () => {
  const all = cases();
  it('covers every sample capture, with and without keys', () => {
    expect(all.length).toBeGreaterThan(50);
  });

  it.each(all)('%s', (_name, file, keys) => {
    const pkts = packets(file, keys);
    expect(pkts.length).toBeGreaterThan(0);
    // The first difference of each kind, as [what, packet, fast, reference]; none expected.
    const differences: Array<[string, number, string, string]> = [];
    const same = (what: string, no: number, fast: string, reference: string) => {
      if (fast !== reference && !differences.some(d => d[0] === what)) differences.push([what, no, fast, reference]);
    };
    for (let round = 0; round < 2; round++) {
      for (const pkt of pkts) {
        walk(pkt.tree, n => same('label', pkt.no, nodeText(n), escapedNodeText(n)));
        same('-V', pkt.no, treeText(pkt), referenceTreeText(pkt));
        same('-x -V', pkt.no, treeText(pkt, { dataHex: false }), referenceTreeText(pkt, { dataHex: false }));
        same('-T json', pkt.no, packetJson(pkt), referencePacketJson(pkt));
        same('-T ek', pkt.no, packetEk(pkt), referencePacketEk(pkt));
      }
    }
    expect(differences).toEqual([]);
  });
});
