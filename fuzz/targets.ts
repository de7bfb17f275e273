// Fuzz targets: every parser of untrusted input, each with its seeds (from samples/ and the
// project's encoders) and the properties its output must keep (docs/fuzzing.md).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { CaptureFileError } from '../capture/frame.js';
import type { Frame } from '../capture/frame.js';
import { parseCaptureBuffer, readCaptureSync } from '../capture/read.js';
import { Checker } from '../conformance/checker.js';
import { allRules } from '../conformance/rules/index.js';
import { encodeAgentAdvertisement, encodeIpv4, encodeLink, fragmentIpv4, udpFrame } from '../dissector/build.js';
import { HOSTILE, REPEATED_AUTH_KEYS, repeatedAuth } from '../bench/hostile.js';

const nestedTunnelFrames = (n: number) => HOSTILE['nested-tunnel']!.frames(n);
import { encodePcap } from '../capture/write.js';
import { FilterError, compileFilter } from '../dissector/filter/index.js';
import { allFields, dissectFrame, Session } from '../dissector/index.js';
import type { Packet } from '../dissector/index.js';
import { attachKeys, KeysFileError, parseKeysFile } from '../dissector/keys/index.js';
import type { KeysFile } from '../dissector/keys/index.js';
import { encodeRegistrationRequest, ext, ntpIdentification } from '../dissector/mip/encode.js';
import type { ExtSpec } from '../dissector/mip/encode.js';
import { packetEk } from '../dissector/output/ek.js';
import { FieldExtractor } from '../dissector/output/fields.js';
import { packetJson } from '../dissector/output/json.js';
import { packetPdml } from '../dissector/output/pdml.js';
import { textPacket } from '../dissector/output/text.js';
import type { Node } from '../dissector/tree.js';
import { mutate } from './mutate.js';
import type { Rng } from './mutate.js';

/** A property that failed, with the input that shows it. */
export class Defect extends Error {
  constructor(readonly target: string, message: string, readonly input: Uint8Array | string) { super(`${target}: ${message}`); }
}

export interface Target {
  name: string;
  /** What it covers, for the report. */
  about: string;
  /** Runs one generated input; throws Defect when a property fails. Returns nothing. */
  one(rng: Rng): void;
}

/** Per-packet time budget: no input may cost more (limits.ts keeps real costs far below). */
export const PACKET_BUDGET_MS = 2_000;

/** The repository: the first folder up from here with a package.json (source or dist/). */
const ROOT = (() => { let d = import.meta.dirname; while (!existsSync(join(d, 'package.json'))) d = dirname(d); return d; })();
const SAMPLES = join(ROOT, 'samples', 'captures');

interface SeedCapture { name: string; frames: Frame[]; keys: KeysFile | null; keysText: string | null; bytes: Uint8Array }

let seedCache: SeedCapture[] | null = null;
/** The sample captures with their keys files (the mutation fuzzer's seeds). */
export function seedCaptures(): SeedCapture[] {
  if (seedCache) return seedCache;
  const out: SeedCapture[] = [];
  for (const f of readdirSync(SAMPLES).filter(n => n.endsWith('.pcapng')).sort()) {
    const keysPath = join(SAMPLES, f.replace(/\.pcapng$/, '.keys.json'));
    let keysText: string | null = null;
    try { keysText = readFileSync(keysPath, 'utf8'); } catch { /* no keys for this one */ }
    const frames: Frame[] = [];
    try { for (const fr of readCaptureSync(join(SAMPLES, f))) frames.push(fr); } catch (e) { if (!(e instanceof CaptureFileError)) throw e; } // a damaged sample: its frames up to the damage
    if (!frames.length) continue;
    out.push({ name: f, frames, keys: keysText ? parseKeysFile(keysText, f) : null, keysText, bytes: readFileSync(join(SAMPLES, f)) });
  }
  // Encoder-built seeds for what the samples lack: fragments, nested Tunnel Data, many authenticators.
  const payload = encodeRegistrationRequest({ lifetime: 60, homeAddr: '10.1.0.10', haAddr: '10.1.0.1', coa: '192.0.2.1', ident: 5n, exts: [ext.nai('frag@home.example'), ext.nai('x'.repeat(200))] });
  const udp = udpFrame({ src: '10.1.0.10', dst: '10.1.0.1', payload }).data.subarray(14 + 20);
  const frags = fragmentIpv4({ src: '10.1.0.10', dst: '10.1.0.1', proto: 17, id: 9, payload: udp }, 96).map(d => ({ ...encodeLink({ kind: 'eth' }, d), tsSec: 1_790_000_000, tsNsec: 0 }));
  const generated = [...frags, ...nestedTunnelFrames(3), ...repeatedAuth(20)];
  out.push({ name: 'generated', frames: generated.map((f, i) => ({ no: i + 1, tsSec: f.tsSec, tsNsec: f.tsNsec, linktype: f.linktype, caplen: f.data.length, len: f.data.length, data: f.data, ifIndex: 0 })), keys: parseKeysFile(REPEATED_AUTH_KEYS, 'generated'), keysText: REPEATED_AUTH_KEYS, bytes: encodePcap(frags) });
  return (seedCache = out);
}

/** A frame that must dissect the same after any hostile one (it is untouched by session state). */
function goodFrame(no: number): Frame {
  const adv = encodeAgentAdvertisement({ routers: [{ addr: '192.0.2.1', pref: 0 }], seq: 7, regLifetime: 1800, flags: 0x9100, coas: ['192.0.2.1'] });
  const { linktype, data } = encodeLink({ kind: 'eth' }, encodeIpv4({ src: '192.0.2.1', dst: '224.0.0.1', proto: 1, ttl: 1, payload: adv }));
  return { no, tsSec: 1_790_000_000, tsNsec: 0, linktype, caplen: data.length, len: data.length, data, ifIndex: 0 };
}

/** The tree below the frame layer, without generated nodes: what must not depend on earlier packets. */
function stableTree(p: Packet): string {
  const rec = (nodes: readonly Node[]): string => nodes.filter(n => !n.generated).map(n => `${n.field?.abbrev ?? n.text}=${String(n.value instanceof Uint8Array ? Buffer.from(n.value).toString('hex') : typeof n.value === 'object' ? JSON.stringify(n.value) : n.value)}@${n.offset}+${n.length}(${n.children ? rec(n.children) : ''})`).join(',');
  return rec(p.tree.filter(n => n.field?.abbrev !== 'frame'));
}
let cleanGood: string | null = null;
function cleanGoodTree(): string { return (cleanGood ??= stableTree(dissectFrame(goodFrame(1), new Session()))); }

const UNSAFE_IN_TEXT = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e]/;

/** The properties of one dissected packet, and every renderer over it. */
function checkPacket(target: string, pkt: Packet, input: Uint8Array, ms: number, expectMalformed: boolean): void {
  if (ms > PACKET_BUDGET_MS) throw new Defect(target, `a packet took ${ms.toFixed(0)} ms (budget ${PACKET_BUDGET_MS} ms)`, input);
  const bug = pkt.experts.find(e => e.expert?.abbrev === '_ws.dissector_bug');
  if (bug) throw new Defect(target, `exception inside a dissector: ${bug.text}`, input);
  if (expectMalformed && !pkt.experts.some(e => e.expert?.group === 'malformed')) throw new Defect(target, 'a truncated packet carries no malformed expert item', input);
  const text = textPacket(pkt, { summary: true, details: true, hex: true });
  if (UNSAFE_IN_TEXT.test(text)) throw new Defect(target, 'a control character reaches the text output', input);
  JSON.parse(packetJson(pkt));
  for (const line of packetEk(pkt).split('\n')) if (line) JSON.parse(line);
  packetPdml(pkt);
  fieldsExtractor().line(pkt);
}

let extractor: FieldExtractor | null = null;
function fieldsExtractor(): FieldExtractor {
  return (extractor ??= new FieldExtractor(allFields().filter(f => f.type !== 'protocol').map(f => f.abbrev), { header: false, separator: '\t', occurrence: 'a', aggregator: ',', quote: 'n' }));
}

/** Dissects frames in one session with the checker, the good frame after each. */
function dissectHostile(target: string, frames: Array<{ frame: Frame; truncated: boolean }>, keys: KeysFile | null): void {
  const session = new Session();
  if (keys) attachKeys(session, keys);
  const checker = new Checker(allRules, keys !== null);
  let no = 1;
  for (const { frame, truncated } of frames) {
    const f = { ...frame, no: no++ };
    const t0 = performance.now();
    let pkt: Packet;
    try { pkt = dissectFrame(f, session); } catch (e) { throw new Defect(target, `dissectFrame threw: ${(e as Error).stack}`, f.data); }
    const ms = performance.now() - t0;
    try { checker.add(pkt); } catch (e) { throw new Defect(target, `the conformance checker threw: ${(e as Error).stack}`, f.data); }
    checkPacket(target, pkt, f.data, ms, truncated);
    const good = dissectFrame(goodFrame(no++), session);
    if (stableTree(good) !== cleanGoodTree()) throw new Defect(target, 'the next good packet dissects differently from a clean run', f.data);
  }
  try { checker.finish(); } catch (e) { throw new Defect(target, `the conformance checker threw at the end: ${(e as Error).stack}`, frames[0]?.frame.data ?? new Uint8Array()); }
}

/** Offsets of the Mobile IP message in a frame of a seed (for truncations that must be flagged). */
function mipStart(f: Frame): number | null {
  const p = dissectFrame(f, new Session());
  const mip = p.all.find(n => n.field?.abbrev === 'mip');
  return mip && mip.src === 0 ? mip.offset : null;
}

const framesTarget: Target = {
  name: 'frames',
  about: 'whole frames from samples/, mutated: link layers, IPv4 (and reassembly), UDP, ICMP, Mobile IP, KX payloads, decryption with the keys, every renderer, the conformance checker',
  one(rng) {
    const seeds = seedCaptures();
    const s = seeds[rng.int(seeds.length)]!;
    const base = s.frames.slice(0, 1 + rng.int(Math.min(8, s.frames.length)));
    const frames = base.map(frame => {
      if (rng.int(4) === 0) return { frame, truncated: false }; // some stay clean: state flows on
      const data = mutate(rng, frame.data, seeds[rng.int(seeds.length)]!.frames[0]!.data);
      const linktype = rng.int(30) === 0 ? [0, 1, 101, 113, 228, 276, rng.int(300)][rng.int(7)]! : frame.linktype;
      return { frame: { ...frame, data, caplen: data.length, len: Math.max(frame.len, data.length), linktype }, truncated: false };
    });
    // A truncation inside the Mobile IP message of a clean frame must be flagged as malformed.
    const f = base[rng.int(base.length)]!;
    const at = mipStart(f);
    if (at !== null && f.data.length > at + 1) {
      const cut = at + 1 + rng.int(f.data.length - at - 1);
      const data = f.data.slice(0, cut);
      frames.push({ frame: { ...f, data, caplen: cut, len: cut }, truncated: true });
    }
    dissectHostile('frames', frames, s.keys);
  },
};

const ascii = (r: Rng, n: number) => Array.from({ length: n }, () => String.fromCharCode(32 + r.int(95))).join('');

const messagesTarget: Target = {
  name: 'messages',
  about: 'Registration Requests built by the encoders with random extension lists (types 0-255, random lengths and contents, auth extensions), whole and truncated',
  one(rng) {
    const exts: ExtSpec[] = [];
    for (let i = rng.int(12); i > 0; i--) {
      switch (rng.int(5)) {
        case 0: exts.push(ext.nai(ascii(rng, rng.int(40)))); break;
        case 1: exts.push(ext.mnHa(256 + rng.int(1 << 20), new Uint8Array(16).fill(rng.int(256)))); break;
        case 2: exts.push(ext.raw(rng.int(256), rng.bytes(rng.int(64)))); break;
        case 3: exts.push(ext.raw(112 + rng.int(4), rng.bytes(rng.int(200)), { layout: 'long', subtype: rng.int(8) })); break;
        default: exts.push(ext.raw(rng.int(256), rng.bytes(rng.int(16)), { length: rng.int(256) }));
      }
    }
    const req = encodeRegistrationRequest({ lifetime: rng.int(65536), homeAddr: '10.1.0.10', haAddr: '10.1.0.1', coa: '192.0.2.1', ident: ntpIdentification(1_790_000_000_000, rng.int(1000)), exts });
    const frame = udpFrameOf(req);
    const cut = 43 + rng.int(Math.max(1, frame.data.length - 43));
    const truncated = { ...frame, data: frame.data.slice(0, cut), caplen: cut, len: cut };
    dissectHostile('messages', [{ frame, truncated: false }, { frame: truncated, truncated: cut < frame.data.length }], null);
  },
};

function udpFrameOf(payload: Uint8Array): Frame {
  const { linktype, data } = udpFrame({ src: '10.1.0.10', dst: '10.1.0.1', payload });
  return { no: 1, tsSec: 1_790_000_000, tsNsec: 0, linktype, caplen: data.length, len: data.length, data, ifIndex: 0 };
}

const readersTarget: Target = {
  name: 'capture-readers',
  about: 'pcap and pcapng files from samples/, mutated: frames or one CaptureFileError, nothing else',
  one(rng) {
    const seeds = seedCaptures();
    const s = seeds[rng.int(seeds.length)]!;
    const head = s.bytes.subarray(0, Math.min(s.bytes.length, 4096));
    const bytes = rng.int(3) === 0 ? pcapOf(s.frames.slice(0, 6), rng) : mutate(rng, head, seeds[rng.int(seeds.length)]!.bytes.subarray(0, 512));
    const t0 = performance.now();
    try {
      let n = 0;
      for (const f of parseCaptureBuffer(bytes, 'fuzz')) {
        if (!(f.data instanceof Uint8Array) || f.caplen !== f.data.length) throw new Defect('capture-readers', 'a frame whose caplen is not its data length', bytes);
        if (++n > 100_000) throw new Defect('capture-readers', 'more frames than bytes allow', bytes);
      }
    } catch (e) {
      if (!(e instanceof CaptureFileError) && !(e instanceof Defect)) throw new Defect('capture-readers', `the reader threw ${(e as Error).stack}`, bytes);
      if (e instanceof Defect) throw e;
      if ((e as Error).message.includes('\n')) throw new Defect('capture-readers', 'an error of more than one line', bytes);
    }
    if (performance.now() - t0 > PACKET_BUDGET_MS) throw new Defect('capture-readers', 'a file took longer than the budget', bytes);
  },
};

/** A classic pcap of some frames, mutated (pcap-parser's path differs from pcapng's). */
function pcapOf(frames: Frame[], rng: Rng): Uint8Array {
  const bytes = encodePcap(frames.filter(f => f.linktype === frames[0]?.linktype), { byteOrder: rng.int(2) ? 'le' : 'be', nanosecond: rng.int(2) === 0 });
  return mutate(rng, bytes, bytes.subarray(0, 24));
}

const HEX_RUN = /[0-9a-fA-F]{8,}/g;

const keysTarget: Target = {
  name: 'keys-file',
  about: "the samples' keys files, mutated as text: a KeysFileError of one line that echoes no key bytes, or a table",
  one(rng) {
    const seeds = seedCaptures().filter(s => s.keysText);
    const s = seeds[rng.int(seeds.length)]!;
    const text = Buffer.from(mutate(rng, Buffer.from(s.keysText!), Buffer.from('{"sas":[{"spi":"0x1001","key":"00","auth":"hmac-md5"}],"dh":[{"cv":"ab","private":"05"}]}'))).toString('latin1');
    const secrets = new Set((text.match(HEX_RUN) ?? []).map(h => h.toLowerCase()));
    try {
      parseKeysFile(text, 'k.json');
    } catch (e) {
      if (!(e instanceof KeysFileError)) throw new Defect('keys-file', `threw ${(e as Error).stack}`, text);
      const m = e.message;
      if (m.includes('\n')) throw new Defect('keys-file', 'an error of more than one line', text);
      for (const h of m.toLowerCase().match(HEX_RUN) ?? []) for (const sec of secrets) if (sec.includes(h)) throw new Defect('keys-file', `the error echoes hex from the file: ${m}`, text);
    }
  },
};

/** Words of the filter language, for generated filters. */
function filterArbitrary(): fc.Arbitrary<string> {
  const names = allFields().map(f => f.abbrev);
  const atom = fc.oneof(
    fc.constantFrom(...names), fc.integer({ min: -5, max: 70000 }).map(String), fc.constantFrom('"home"', "'a'", '10.0.0.0/8', '02:00:00:00:00:01', 'aa:bb', 'True', '1.5', 'r"\\d+"'),
    fc.string({ maxLength: 6 }),
  );
  const ops = fc.constantFrom('==', '!=', '===', '!==', '~=', '<', '>', '<=', '>=', 'contains', 'matches', '&', '+', '-', '*', '/', '%', 'in', 'not in', 'and', 'or', 'xor', '&&', '||', '^^', '');
  const wrap = fc.constantFrom('(', ')', '{', '}', '[0]', '[1:2]', '[-1]', '#1', 'len(', 'count(', 'upper(', 'lower(', 'string(', 'max(', 'abs(', ',', '!', 'not ', 'any ', 'all ', '$');
  return fc.array(fc.oneof(atom, ops, wrap), { maxLength: 14 }).map(parts => parts.join(' '));
}

let filterPackets: Packet[] | null = null;
const filtersTarget: Target = {
  name: 'display-filters',
  about: 'display filters generated from the registry, operators, functions and garbage (fast-check): a FilterError or a filter that matches without throwing',
  one(rng) {
    filterPackets ??= (() => { const s = new Session(); return seedCaptures()[0]!.frames.slice(0, 20).map(f => dissectFrame(f, s)); })();
    const [text] = fc.sample(filterArbitrary(), { numRuns: 1, seed: rng.int(2 ** 31) });
    const t0 = performance.now();
    try {
      const f = compileFilter(text!);
      for (const p of filterPackets) f.match(p);
    } catch (e) {
      if (!(e instanceof FilterError)) throw new Defect('display-filters', `threw ${(e as Error).stack}`, text!);
      if (e.message.includes('\n')) throw new Defect('display-filters', 'an error of more than one line', text!);
    }
    if (performance.now() - t0 > PACKET_BUDGET_MS) throw new Defect('display-filters', 'a filter took longer than the budget', text!);
  },
};

export const TARGETS: readonly Target[] = [framesTarget, messagesTarget, readersTarget, keysTarget, filtersTarget];
