// Differential test of the Wireshark Lua plugin: tshark with the generated plugin and mipscope read
// the same captures, and every field the plugin declares (Wireshark's mip.* and the mip.kx.*
// fields that need no decryption) must have the same values on every frame. On the clean samples
// tshark must report no Lua error, no malformed packet and no expert item at all.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaptureFileError, readCaptureSync } from '../../capture/read.js';
import type { Frame } from '../../capture/frame.js';
import type { FrameLike } from '../../capture/write.js';
import { dissectFrame, parsePrefs, Session } from '../../dissector/index.js';
import type { Packet } from '../../dissector/index.js';
import { KX } from '../../dissector/kx/index.js';
import { extractedValue } from '../../dissector/output/view.js';
import { luaExperts, luaFields, luaNames } from '../../dissector/output/lua.js';
import { LUA_DISSECTOR } from '../../dissector/output/lua-dissector.js';
import { standardFrames } from '../../samples/standard.js';
import { randomFrames } from '../fixtures/random-mip.js';
import { ROOT, runCli, runTshark, toFrames, writePcapng } from '../helpers.js';

const AGG = '\x1f';
/** Every field the plugin declares, except its protocol item. */
const FIELDS = luaFields().filter(f => f.type !== 'protocol').map(f => f.abbrev);
const COL = new Map(FIELDS.map((f, i) => [f, i]));
const ENC_DATA = COL.get('mip.kx.enc.data')!;

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
  const shown: string[][][] = [], all: string[][][] = [];
  for (const f of frames) {
    const pkt: Packet = dissectFrame(f, session);
    const s: string[][] = FIELDS.map(() => []), a: string[][] = FIELDS.map(() => []);
    for (const n of pkt.all) {
      if (!n.field || n.expert) continue;
      const v = extractedValue(n);
      const col = COL.get(n.field.abbrev);
      if (col !== undefined) a[col]!.push(v);
      if (pkt.sources[n.src]!.name.startsWith('Decrypted')) continue;
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
    expect(luaNames(LUA_DISSECTOR).fields.length).toBe(FIELDS.length + 1);
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
    });
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
  // Other KX type numbers: an SA payload on 150 and GP-NAI on 112 (what was the SA payload's).
  const negotiation = join(ROOT, 'samples', 'captures', 'kx-negotiation.pcapng');
  check('kx-negotiation.pcapng with other KX type numbers (-o mip.kx.type.*)', () => compare(negotiation, readFrames(negotiation), ['mip.kx.type.sa:150', 'mip.kx.type.gp_nai:112']), false);

  it('reports the agreement figure', () => {
    expect(totals.values).toBeGreaterThan(10_000);
    expect(totals.kxValues).toBeGreaterThan(10_000);
    console.log(`Lua plugin agreement: ${totals.equal}/${totals.values} field values on ${totals.frames} frames (mip.kx.*: ${totals.kxEqual}/${totals.kxValues})`);
  });
});
