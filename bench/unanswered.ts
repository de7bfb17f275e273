// A capture of registration requests that never get a reply (issue: "500,000 requests that never
// get a reply"): each from its own mobile node, with a fresh Identification, a GP-NAI (so the key
// module looks at it too) and an MN-HA authentication, a millisecond apart. It measures what the
// session keeps per open transaction, and that the bound holds (dissector/mip/transactions.ts
// MAX_OPEN, MAX_AGE). Peak RSS: /usr/bin/time -v node dist/cli/main.js -r FILE -T fields -e frame.number
// (and `check -r FILE`); the figures are in docs/limits.md.
// Usage: node dist/bench/unanswered.js <out.pcap> [count, default 500000]
import { fileURLToPath } from 'node:url';
import { writeCaptureFile } from '../capture/write.js';
import type { FrameLike } from '../capture/write.js';
import { udpFrame } from '../dissector/build.js';
import { encodeRegistrationRequest, ext, ntpIdentification } from '../dissector/mip/encode.js';
import { gp } from '../dissector/kx/encode.js';

const T0 = 1_790_000_000;
const KEY = new Uint8Array(16).fill(0x5a);

export function unansweredRequests(count: number): FrameLike[] {
  const out: FrameLike[] = [];
  for (let i = 0; i < count; i++) {
    const mn = `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
    const req = encodeRegistrationRequest({
      flags: 0x02, lifetime: 1800, homeAddr: mn, haAddr: '10.255.0.1', coa: '192.0.2.1', ident: ntpIdentification(T0 * 1000 + i, i),
      exts: [gp.nai(0, `mn${i}@home.example`), ext.mnHa(0x1000 + (i & 0xfff), KEY)],
    });
    out.push({ ...udpFrame({ src: mn, dst: '192.0.2.1', payload: req }), tsSec: T0 + Math.floor(i / 1000), tsNsec: (i % 1000) * 1_000_000 });
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [out, n] = process.argv.slice(2);
  if (!out) { process.stderr.write('usage: node dist/bench/unanswered.js <out.pcap> [count]\n'); process.exit(2); }
  writeCaptureFile(out, unansweredRequests(n ? parseInt(n, 10) : 500_000), out.endsWith('.pcapng') ? 'pcapng' : 'pcap');
}
