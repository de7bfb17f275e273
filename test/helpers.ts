// Shared test helpers: dissect frames built by the encoders, run the CLI and tshark.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Frame } from '../capture/frame.js';
import type { FrameLike } from '../capture/write.js';
import { encodePcapng } from '../capture/write.js';
import { dissectFrame, Session, fieldValueString } from '../dissector/index.js';
import type { Packet, Prefs } from '../dissector/index.js';
import { defaultPrefs } from '../dissector/prefs.js';

export const ROOT = join(import.meta.dirname, '..');
/** The published worked examples of the KX wire format and Wireshark's field lists, kept in the repository. */
export const VECTORS = join(ROOT, 'test', 'data', 'vectors');
export const REFERENCE = join(ROOT, 'test', 'data', 'reference');
export const CLI = join(ROOT, 'dist', 'cli', 'main.js');

export function toFrames(list: readonly FrameLike[]): Frame[] {
  return list.map((f, i) => ({ no: i + 1, tsSec: f.tsSec, tsNsec: f.tsNsec, linktype: f.linktype, caplen: f.data.length, len: f.len ?? f.data.length, data: f.data, ifIndex: f.ifIndex ?? 0 }));
}

export function frame(linktype: number, data: Uint8Array, no = 1): Frame {
  return { no, tsSec: 1_790_000_000, tsNsec: 0, linktype, caplen: data.length, len: data.length, data, ifIndex: 0 };
}

export function dissectAll(list: readonly FrameLike[], prefs: Prefs = defaultPrefs): Packet[] {
  const s = new Session(prefs);
  return toFrames(list).map(f => dissectFrame(f, s));
}

/** All values of a field in a packet, as -T fields prints them. */
export function values(pkt: Packet, abbrev: string): string[] {
  return pkt.all.filter(n => n.field?.abbrev === abbrev).map(n => fieldValueString(n.field!, n.value));
}
export function value(pkt: Packet, abbrev: string): string | undefined { return values(pkt, abbrev)[0]; }

export function tmpFile(name: string, data: Uint8Array | string): string {
  const dir = mkdtempSync(join(tmpdir(), 'mipscope-test-'));
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
}

export function writePcapng(list: readonly FrameLike[]): string {
  return tmpFile('capture.pcapng', encodePcapng(list));
}

export function runCli(args: string[], input?: Uint8Array): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8', maxBuffer: 1 << 28 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function runTshark(args: string[]): string {
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`tshark failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** Abbrevs of Wireshark's standard Mobile IP and ICMP mobility fields (the reference lists). */
export function referenceFields(): string[] {
  return ['tshark-mip-fields.txt', 'tshark-icmp-mip-fields.txt']
    .flatMap(f => readFileSync(join(REFERENCE, f), 'utf8').split('\n'))
    .filter(l => l.startsWith('F\t'))
    .map(l => l.split('\t')[2]!)
    .filter(n => n !== 'mip.data_not_dissected');
}
