// Differential test of the Wireshark Lua plugin: tshark with the generated plugin and mipscope read
// the same captures, and every field the plugin declares (Wireshark's mip.* and the mip.kx.*
// fields that need no decryption) must have the same values on every frame. On the clean samples
// tshark must report no Lua error, no malformed packet and no expert item at all.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaptureFileError, readCaptureSync } from '../../capture/read.js';
import type { Frame } from '../../capture/frame.js';
import type { FrameLike } from '../../capture/write.js';
import { allFields, dissectFrame, fieldByAbbrev, parsePrefs, Session } from '../../dissector/index.js';
import type { Packet } from '../../dissector/index.js';
import { KX } from '../../dissector/kx/index.js';
import { extractedValue } from '../../dissector/output/view.js';
import { luaExperts, luaFields, luaNames } from '../../dissector/output/lua.js';
import { LUA_DISSECTOR } from '../../dissector/output/lua-dissector.js';
import { standardFrames } from '../../samples/standard.js';
import { randomFrames } from '../fixtures/random-mip.js';
import { prng, ROOT, runCli, runTshark, toFrames, writePcapng } from '../helpers.js';

const AGG = '\x1f';
/** Each comparison runs tshark and mipscope over thousands of frames: slow on a loaded machine. */
const SLOW = 300_000;
/** Authenticator verdicts: computed, not read off the wire; compared with keys files below. */
const VERDICTS = ['mip.auth.status', 'mip.auth.alg', 'mip.auth.expected'];
/** Every field the plugin declares, except its protocol item and the verdicts. */
const FIELDS = luaFields().filter(f => f.type !== 'protocol' && !VERDICTS.includes(f.abbrev)).map(f => f.abbrev);
const COL = new Map(FIELDS.map((f, i) => [f, i]));
const ENC_DATA = COL.get('mip.kx.enc.data')!;
/** String values that held a NUL byte (compared up to it). */
let nulStrings = 0;

const plugin = (() => {
  const file = join(mkdtempSync(join(tmpdir(), 'mipscope-lua-')), 'mipscope.lua');
  const r = runCli(['export', 'wireshark-lua', '-o', file]);
  if (r.code !== 0) throw new Error(`export failed: ${r.stderr}`);
  return file;
})();

/**
 * mipscope's values of the plugin's fields, frame by frame, without anything read from decrypted
 * data (`all` keeps them too, to check against mipscope's own -T fields). Where mipscope knew the
 * cipher it shows the encrypted bytes as IV, ciphertext and tag; the plugin shows them whole as
 * mip.kx.enc.data, so the parts are joined back.
 */
function mipscopeValues(frames: readonly Frame[], prefs: readonly string[]): { shown: string[][][]; all: string[][][] } {
  const session = new Session(parsePrefs(prefs));
  // The fast path, as -T fields: only the compared fields (and the parts of encrypted data) are kept.
  const want = new Uint8Array(allFields().length);
  for (const f of [...FIELDS, 'mip.kx.enc.iv', 'mip.kx.enc.ciphertext', 'mip.kx.enc.tag']) want[fieldByAbbrev(f)!.id] = 1;
  const shown: string[][][] = [], all: string[][][] = [];
  for (const f of frames) {
    const pkt: Packet = dissectFrame(f, session, want);
    const s: string[][] = FIELDS.map(() => []), a: string[][] = FIELDS.map(() => []);
    for (const n of pkt.all) {
      if (!n.field || n.expert) continue;
      const v = extractedValue(n);
      const col = COL.get(n.field.abbrev);
      if (col !== undefined) a[col]!.push(v);
      if (pkt.sources[n.src]!.name.startsWith('Decrypted')) continue;
      // Wireshark's strings end at a NUL byte (FT_STRING is a C string); mipscope's keep the rest.
      if (col !== undefined && n.field.type === 'string' && v.includes('\0')) { nulStrings++; s[col]!.push(v.slice(0, v.indexOf('\0'))); continue; }
      if (n.field === KX.encIv) s[ENC_DATA]!.push(v);
      else if (n.field === KX.encCiphertext || n.field === KX.encTag) s[ENC_DATA]!.push(s[ENC_DATA]!.pop()! + v);
      else if (col !== undefined) s[col]!.push(v);
    }
    shown.push(s); all.push(a);
  }
  return { shown, all };
}

/** One frame's comparison: values compared and equal, the differing fields, tshark's expert items. */
interface FrameResult { values: number; equal: number; kxValues: number; kxEqual: number; diffs: string[]; experts: string[] }

/** prefs: mipscope's `-o` settings; the plugin's are the same under its protocol name (mipscope.kx.type.*). */
function compare(file: string, frames: readonly Frame[], prefs: readonly string[] = []): FrameResult[] {
  const fieldArgs = ['-T', 'fields', '-E', 'occurrence=a', '-E', `aggregator=${AGG}`, ...FIELDS.flatMap(f => ['-e', f])];
  const r = spawnSync('tshark', ['-X', `lua_script:${plugin}`, '-r', file, ...prefs.flatMap(p => ['-o', p.replace(/^mip\./, 'mipscope.')]), ...fieldArgs, '-e', '_ws.expert.message', '-e', '_ws.malformed'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const stderr = r.stderr.replace(/^Running as user.*\n/m, '');
  expect(r.status, stderr).toBe(0);
  expect(stderr).not.toMatch(/lua/i);
  const ts = r.stdout.split('\n').slice(0, -1);
  // mipscope's own -T fields output, which the in-process values must reproduce.
  const ms = runCli(['-r', file, ...prefs.flatMap(p => ['-o', p]), ...fieldArgs]);
  expect(ms.stderr).toBe('');
  const ml = ms.stdout.split('\n').slice(0, -1);
  const { shown, all } = mipscopeValues(frames, prefs);
  expect(ts.length).toBe(frames.length);
  expect(ml.length).toBe(frames.length);
  return frames.map((_, i) => {
    const t = ts[i]!.split('\t'), m = ml[i]!.split('\t');
    const out: FrameResult = { values: 0, equal: 0, kxValues: 0, kxEqual: 0, diffs: [], experts: [] };
    FIELDS.forEach((f, j) => {
      expect(m[j], `mipscope -T fields, frame ${i + 1}, ${f}`).toBe(all[i]![j]!.join(AGG));
      const want = shown[i]![j]!, got = t[j] ? t[j]!.split(AGG) : [];
      const n = Math.max(want.length, got.length);
      let eq = 0;
      for (let k = 0; k < n; k++) if (want[k] === got[k]) eq++;
      out.values += n;
      out.equal += eq;
      if (f.startsWith('mip.kx.')) { out.kxValues += n; out.kxEqual += eq; }
      if (eq < n) out.diffs.push(`${f}: tshark+plugin=${JSON.stringify(got)} mipscope=${JSON.stringify(want)}`);
    });
    if (t[FIELDS.length]) out.experts.push(...t[FIELDS.length]!.split(AGG));
    if (t[FIELDS.length + 1]) out.experts.push('[Malformed Packet]');
    return out;
  });
}

/**
 * Authenticator verdicts with a keys file: where the plugin gives one (an HMAC-MD5 or keyed-MD5
 * prefix+suffix SA of the file) it must be mipscope's, with the same algorithm and, for a bad
 * authenticator, the same expected value. Returns the verdicts compared and how many were bad.
 */
function compareVerdicts(file: string, keys: string): { compared: number; bad: number; unverified: number; diffs: string[] } {
  const fieldArgs = ['-T', 'fields', '-E', 'occurrence=a', '-E', `aggregator=${AGG}`, ...VERDICTS.flatMap(f => ['-e', f])];
  const ts = runTshark(['-X', `lua_script:${plugin}`, '-o', `mipscope.keys_file:${keys}`, '-r', file, ...fieldArgs]).split('\n').slice(0, -1);
  const ms = runCli(['-r', file, '--keys', keys, ...fieldArgs]);
  expect(ms.code).toBe(0);
  const ml = ms.stdout.split('\n').slice(0, -1);
  expect(ts.length).toBe(ml.length);
  const out = { compared: 0, bad: 0, unverified: 0, diffs: [] as string[] };
  const cols = (line: string) => line.split('\t').map(c => (c ? c.split(AGG) : []));
  ts.forEach((line, i) => {
    const [pStatus, pAlg, pExpected] = cols(line), [mStatus, mAlg, mExpected] = cols(ml[i]!);
    // The verdicts that carry an algorithm (and, when bad, an expected value), by position.
    const verified = (st: string[]) => st.flatMap((v, k) => (v === 'unverified' ? [] : [k]));
    const badOnes = (st: string[]) => st.flatMap((v, k) => (v === 'bad' ? [k] : []));
    const mv = verified(mStatus!), mb = badOnes(mStatus!);
    expect(pStatus!.length, `frame ${i + 1}: one verdict per authenticator`).toBe(mStatus!.length);
    verified(pStatus!).forEach((k, n) => {
      out.compared++;
      if (pStatus![k] === 'bad') out.bad++;
      const alg = mAlg![mv.indexOf(k)];
      if (pStatus![k] !== mStatus![k] || pAlg![n] !== alg) out.diffs.push(`frame ${i + 1} authenticator ${k + 1}: plugin ${pStatus![k]}/${pAlg![n]}, mipscope ${mStatus![k]}/${alg}`);
    });
    out.unverified += pStatus!.filter(v => v === 'unverified').length;
    badOnes(pStatus!).forEach((k, n) => {
      if (pExpected![n] !== mExpected![mb.indexOf(k)]) out.diffs.push(`frame ${i + 1} authenticator ${k + 1}: expected ${pExpected![n]} vs ${mExpected![mb.indexOf(k)]}`);
    });
  });
  return out;
}

/** The frames of a capture up to any damage. */
function readFrames(path: string): Frame[] {
  const out: Frame[] = [];
  try { for (const f of readCaptureSync(path)) out.push(f); } catch (e) { if (!(e instanceof CaptureFileError)) throw e; }
  return out;
}

const MANIFEST = JSON.parse(readFileSync(join(ROOT, 'samples', 'manifest.json'), 'utf8')) as { captures: Array<{ capture: string; kind: string }> };
const SAMPLES = readdirSync(join(ROOT, 'samples', 'captures')).filter(f => f.endsWith('.pcapng')).sort();

describe('the generated Wireshark Lua plugin', () => {
  it('declares only registry fields, and every field of Wireshark\'s own mip dissector', () => {
    const builtin = runTshark(['-G', 'fields']).split('\n').map(l => l.split('\t'))
      .filter(c => c[0] === 'F' && c[4] === 'mip' && c[3] !== 'FT_NONE').map(c => c[2]!);
    expect(builtin.length).toBeGreaterThan(80);
    expect(builtin.filter(f => !COL.has(f))).toEqual([]);
    expect(luaNames(LUA_DISSECTOR).fields.length).toBe(FIELDS.length + 1 + VERDICTS.length);
  });

  it('is what -G lua prints; bad export arguments are one line and exit code 2', () => {
    expect(runCli(['-G', 'lua']).stdout).toBe(readFileSync(plugin, 'utf8'));
    for (const args of [['export'], ['export', 'wireshark-c'], ['export', 'wireshark-lua', '-o'], ['export', 'wireshark-lua', '-o', '/nonexistent/dir/x.lua']]) {
      const r = runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^mipscope: export: [^\n]+\n$/);
    }
  });

  it('rejects a field name the registry does not have', () => {
    expect(luaNames('x:add(F["mip.kx.nope"], r) E["mip.kx.none"]')).toEqual({ fields: ['mip.kx.nope'], experts: ['mip.kx.none'] });
    expect(() => luaFields('x:add(F["mip.type"], r) x:add(F["mip.kx.nope"], r)')).toThrow(/mip\.kx\.nope/);
    expect(() => luaExperts('expert_at(x, E["mip.kx.none"], "")')).toThrow(/mip\.kx\.none/);
    expect(luaFields('x:add(F["mip.type"], r)').map(f => f.type)).toEqual(['uint8']);
  });

  const totals = { values: 0, equal: 0, kxValues: 0, kxEqual: 0, frames: 0 };
  const check = (name: string, results: () => FrameResult[], clean: boolean) => {
    it(`agrees with mipscope on ${name}${clean ? ', with no Lua error, malformed packet or expert item' : ', with no Lua error'}`, () => {
      const r = results();
      for (const f of r) { totals.values += f.values; totals.equal += f.equal; totals.kxValues += f.kxValues; totals.kxEqual += f.kxEqual; totals.frames++; }
      expect(r.flatMap((f, i) => f.diffs.map(d => `frame ${i + 1} ${d}`)).slice(0, 20)).toEqual([]);
      expect(r.flatMap((f, i) => f.experts.filter(e => /Lua Error/i.test(e)).map(e => `frame ${i + 1}: ${e}`))).toEqual([]);
      if (clean) expect(r.flatMap((f, i) => f.experts.map(e => `frame ${i + 1}: ${e}`))).toEqual([]);
      expect(r.reduce((n, f) => n + f.values, 0)).toBeGreaterThan(0);
    }, SLOW);
  };

  // The samples in one capture (one tshark run): each keeps its frames, compared on their own.
  const samples = SAMPLES.map(name => ({ name, frames: readFrames(join(ROOT, 'samples', 'captures', name)) }));
  let merged: FrameResult[] | null = null;
  const mergedResults = () => {
    if (!merged) {
      const list: FrameLike[] = samples.flatMap(s => s.frames.map(f => ({ tsSec: f.tsSec, tsNsec: f.tsNsec, linktype: f.linktype, data: f.data, len: f.len })));
      merged = compare(writePcapng(list), toFrames(list));
    }
    return merged;
  };
  let at = 0;
  for (const s of samples) {
    const start = at;
    at += s.frames.length;
    const clean = MANIFEST.captures.find(c => c.capture === `captures/${s.name}`)?.kind === 'clean';
    check(`sample ${s.name}`, () => mergedResults().slice(start, start + s.frames.length), clean);
  }
  const corpus = (list: FrameLike[]) => () => compare(writePcapng(list), toFrames(list));
  check('the standard corpus', corpus(standardFrames()), false);
  check('randomized messages (seeded)', corpus(randomFrames(1, 400)), false);
  // Damaged KX messages: bytes of the Mobile IP payload changed at random (seeded), so that lengths,
  // counts and types run past their bounds; both tools must still agree and Lua must not fail.
  check('KX messages with random damage (seeded)', () => {
    const rnd = prng(15);
    const list: FrameLike[] = [];
    for (const name of ['kx-negotiation', 'kx-dh', 'kx-seed', 'kx-stateful', 'kx-counter-proposal']) {
      for (const f of readFrames(join(ROOT, 'samples', 'captures', `${name}.pcapng`))) {
        const d = f.data;
        if (f.linktype !== 1 || d[12] !== 0x08 || d[13] !== 0x00 || d[23] !== 17) continue;
        const start = 14 + (d[14]! & 15) * 4 + 8;
        if (start >= d.length) continue;
        for (let copy = 0; copy < 3; copy++) {
          const data = Uint8Array.from(d);
          const n = 1 + Math.floor(rnd() * 3);
          for (let k = 0; k < n; k++) data[start + Math.floor(rnd() * (d.length - start))] = Math.floor(rnd() * 256);
          list.push({ tsSec: f.tsSec, tsNsec: f.tsNsec, linktype: 1, data, len: data.length });
        }
      }
    }
    return compare(writePcapng(list), toFrames(list));
  }, false);
  // Other KX type numbers: an SA payload on 150 and GP-NAI on 112 (what was the SA payload's).
  const negotiation = join(ROOT, 'samples', 'captures', 'kx-negotiation.pcapng');
  check('kx-negotiation.pcapng with other KX type numbers (-o mip.kx.type.*)', () => compare(negotiation, readFrames(negotiation), ['mip.kx.type.sa:150', 'mip.kx.type.gp_nai:112']), false);

  describe('authenticator verdicts with the keys_file preference', () => {
    const verdictTotals = { compared: 0, bad: 0 };
    const run = (name: string, make: () => { file: string; keys: string }, wantBad: boolean) => it(name, () => {
      const { file, keys } = make();
      const r = compareVerdicts(file, keys);
      verdictTotals.compared += r.compared;
      verdictTotals.bad += r.bad;
      expect(r.diffs.slice(0, 20)).toEqual([]);
      expect(r.compared).toBeGreaterThan(0);
      if (wantBad) expect(r.bad).toBeGreaterThan(0);
    }, SLOW);
    const sample = (name: string) => () => ({ file: join(ROOT, 'samples', 'captures', `${name}.pcapng`), keys: join(ROOT, 'samples', 'captures', `${name}.keys.json`) });
    run('HMAC-MD5 good and bad on fault-bad-auth.pcapng, as mipscope', sample('fault-bad-auth'), true);
    run('HMAC-MD5 on kx-multi.pcapng, as mipscope', sample('kx-multi'), false);
    // The standard corpus: MN-HA, MN-FA, FA-HA and generalized authentication under one key, SPI 0x101 keyed MD5 prefix+suffix.
    run('HMAC-MD5 and keyed-MD5 prefix+suffix on the standard corpus, as mipscope', () => {
      const key = '11'.repeat(16);
      const spis = [0x100, 0x101, 0x102, 0x103, 0x104, 0x105, 0x106, 0x107, 0x108, 0x109, 0x10a, 0x110, 0x111, 0x200, 0x300, 0x400];
      const sas = spis.map(spi => ({ spi, key, auth: spi === 0x101 ? 'md5-prefix-suffix' : 'hmac-md5' }));
      const keys = join(mkdtempSync(join(tmpdir(), 'mipscope-lua-keys-')), 'keys.json');
      writeFileSync(keys, JSON.stringify({ sas }), { mode: 0o600 });
      return { file: writePcapng(standardFrames()), keys };
    }, false);
    it('reports the verdicts compared', () => {
      expect(verdictTotals.compared).toBeGreaterThan(60);
      console.log(`Lua plugin authenticator verdicts: ${verdictTotals.compared} equal to mipscope's (${verdictTotals.bad} bad)`);
    });
  });

  it('reports the agreement figure', () => {
    expect(totals.values).toBeGreaterThan(10_000);
    expect(totals.kxValues).toBeGreaterThan(10_000);
    console.log(`Lua plugin agreement: ${totals.equal}/${totals.values} field values on ${totals.frames} frames (mip.kx.*: ${totals.kxEqual}/${totals.kxValues}; ${nulStrings} string value(s) compared up to a NUL byte)`);
  });
});
