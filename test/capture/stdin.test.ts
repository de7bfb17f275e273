/**
 * readCapture('-') and readCaptureSync('-') really reading a child process's standard input.
 * The child runs capture/ transpiled to JavaScript (plain Node 20 cannot load .ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodePcap, encodePcapng } from '../../capture/write.js';
import { makeFrames, readBufferSync, tmpDir } from './helpers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let childScript = '';

const CHILD = `
import { createHash } from 'node:crypto';
import { readCapture, readCaptureSync } from './capture/read.js';
import { CaptureFileError } from './capture/frame.js';
const [mode, summary] = process.argv.slice(2);
const out = [];
const hash = createHash('sha256');
let count = 0;
try {
  const frames = mode === 'sync' ? readCaptureSync('-') : readCapture('-');
  for await (const f of frames) {
    count++;
    if (summary) { hash.update(f.data); hash.update(String(f.tsSec) + '.' + f.tsNsec + ':' + f.len + ';'); continue; }
    out.push(JSON.stringify({ no: f.no, tsSec: f.tsSec, tsNsec: f.tsNsec, linktype: f.linktype, caplen: f.caplen,
      len: f.len, ifIndex: f.ifIndex, data: Buffer.from(f.data).toString('hex') }));
  }
} catch (err) {
  if (!(err instanceof CaptureFileError)) throw err;
  out.push('ERR ' + err.message);
  process.exitCode = 2;
}
if (summary) out.push(count + ' ' + hash.digest('hex'));
process.stdout.write(out.join('\\n') + '\\n');
`;

beforeAll(() => {
  // Transpile capture/*.ts next to a node_modules link so 'pcap-parser' resolves.
  const dir = fs.mkdtempSync(path.join(tmpDir(), 'child-'));
  fs.mkdirSync(path.join(dir, 'capture'));
  for (const name of fs.readdirSync(path.join(root, 'capture'))) {
    if (!name.endsWith('.ts') || name.endsWith('.d.ts')) continue;
    const source = fs.readFileSync(path.join(root, 'capture', name), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      fileName: name,
    });
    fs.writeFileSync(path.join(dir, 'capture', name.replace(/\.ts$/, '.js')), outputText);
  }
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}');
  childScript = path.join(dir, 'child.js');
  fs.writeFileSync(childScript, CHILD);
});

function expectedLines(bytes: Uint8Array): string[] {
  const r = readBufferSync(bytes, 'standard input');
  const lines = r.frames.map((f) => JSON.stringify(f));
  if (r.error) lines.push('ERR ' + r.error);
  return lines;
}

function runChild(mode: 'async' | 'sync', bytes: Uint8Array, summary = false) {
  const r = spawnSync(process.execPath, [childScript, mode, ...(summary ? ['summary'] : [])], {
    input: bytes, encoding: 'utf8', maxBuffer: 64 << 20,
  });
  if (r.stderr) throw new Error(r.stderr);
  return { lines: r.stdout.trimEnd().split('\n'), status: r.status };
}

describe('reading standard input in a child process', () => {
  const pcap = encodePcap(makeFrames(40));
  const pcapng = encodePcapng(makeFrames(40, { linktype: (k) => (k % 2 ? 1 : 101) }));

  for (const mode of ['async', 'sync'] as const) {
    it(`${mode}: classic pcap (pcap-parser engine for async)`, () => {
      const r = runChild(mode, pcap);
      expect(r.status).toBe(0);
      expect(r.lines).toEqual(expectedLines(pcap));
    });

    it(`${mode}: pcapng and nanosecond pcap`, () => {
      for (const bytes of [pcapng, encodePcap(makeFrames(5), { nanosecond: true, byteOrder: 'be' })]) {
        const r = runChild(mode, bytes);
        expect(r.status).toBe(0);
        expect(r.lines).toEqual(expectedLines(bytes));
      }
    });

    it(`${mode}: truncated input yields the complete frames, then the error`, () => {
      for (const bytes of [pcap.subarray(0, pcap.length - 10), pcapng.subarray(0, pcapng.length - 10)]) {
        const r = runChild(mode, bytes);
        expect(r.status).toBe(2);
        expect(r.lines).toHaveLength(40);
        expect(r.lines).toEqual(expectedLines(bytes));
        expect(r.lines.at(-1)).toMatch(/^ERR capture file 'standard input' is cut short in the middle of packet 40 /);
      }
    });

    it(`${mode}: empty input and garbage`, () => {
      expect(runChild(mode, new Uint8Array(0)).lines).toEqual(["ERR capture file 'standard input' is empty"]);
      expect(runChild(mode, Buffer.from('hello world')).lines).toEqual([
        "ERR 'standard input' is not a pcap or pcapng capture file (magic 0x68656c6c)",
      ]);
    });
  }

  it('async: a large pcap through pcap-parser with back-pressure, fed slowly in pieces', async () => {
    const frames = makeFrames(30000, { size: (k) => 60 + (k % 200) });
    const bytes = encodePcap(frames);
    const hash = createHash('sha256');
    for (const f of readBufferSync(bytes).frames) {
      hash.update(Buffer.from(f.data, 'hex'));
      hash.update(`${f.tsSec}.${f.tsNsec}:${f.len};`);
    }
    const child = spawn(process.execPath, [childScript, 'async', 'summary'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    for (let at = 0; at < bytes.length; at += 100_003) {
      const piece = bytes.subarray(at, at + 100_003);
      if (!child.stdin.write(piece)) await new Promise((r) => child.stdin.once('drain', r));
      if (at % 5 === 0) await new Promise((r) => setTimeout(r, 2));
    }
    child.stdin.end();
    expect(await closed).toBe(0);
    expect(stderr).toBe('');
    expect(stdout.trim()).toBe(`30000 ${hash.digest('hex')}`);
  }, 60_000);
});
