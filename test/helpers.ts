// Shared test helpers: dissect frames built by the encoders, run the CLI, tshark and one
// conformance rule; a seeded PRNG; a module hook that makes the optional `cap` package fail.
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
import { attachKeys } from '../dissector/keys/index.js';
import type { KeysFile } from '../dissector/keys/index.js';
import { Checker } from '../conformance/checker.js';
import { allRules } from '../conformance/rules/index.js';

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

/** Mulberry32: a small, fast, seeded PRNG, so that failures reproduce. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A module hook (node --import) that makes `import('cap')` fail: as when the package is not
 * installed ('not-found'), or when its native part cannot load libpcap ('dlopen').
 */
export function failingCapHook(how: 'not-found' | 'dlopen'): string {
  const failure = how === 'not-found'
    ? `{ const e = new Error("Cannot find package 'cap'"); e.code = 'ERR_MODULE_NOT_FOUND'; throw e; }`
    : `return { url: 'data:text/javascript,' + encodeURIComponent('throw Object.assign(new Error("libpcap.so.0.8: cannot open shared object file: No such file or directory"), { code: "ERR_DLOPEN_FAILED" })'), shortCircuit: true };`;
  const hooks = 'data:text/javascript,' + encodeURIComponent(`export async function resolve(s, c, n) { if (s === 'cap') ${failure} return n(s, c); }`);
  return 'data:text/javascript,' + encodeURIComponent(`import { register } from 'node:module'; register(${JSON.stringify(hooks)});`);
}

/** One conformance rule over frames dissected in order in one session, as `mipscope check` runs it. */
export function ruleFindings(frames: readonly FrameLike[], ruleId: string, keys?: KeysFile) {
  const rule = allRules.find(r => r.id === ruleId);
  if (!rule) throw new Error(`no rule ${ruleId}`);
  const session = new Session();
  if (keys) attachKeys(session, keys);
  const checker = new Checker([rule], keys !== undefined);
  for (const f of toFrames(frames)) checker.add(dissectFrame(f, session));
  const summary = checker.finish();
  return { list: checker.findings, status: summary.rules[0]!.status };
}
