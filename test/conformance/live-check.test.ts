// `mipscope check -i`: the checker over live traffic on lo (as root).
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { encodeRegistrationRequest, ext, ntpIdentification } from '../../dissector/mip/encode.js';
import { CLI } from '../helpers.js';

describe('mipscope check -i', () => {
  it('checks live traffic and exits 1 on an error finding', async () => {
    const net = `127.${20 + Math.floor(Math.random() * 200)}.${1 + Math.floor(Math.random() * 250)}`;
    const child = spawn(process.execPath, [CLI, 'check', '-i', 'lo', '-f', `udp port 434 and host ${net}.3`, '-c', '2', '--format', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', d => { stdout += d; });
    child.stderr.on('data', d => { stderr += d; });
    // The capture is open once it says so on stderr, as tshark ("Capturing on 'Loopback: lo'").
    await new Promise<void>(r => { const t = setInterval(() => { if (stderr.includes('Capturing on')) { clearInterval(t); r(); } }, 50); });
    const sock = dgram.createSocket('udp4');
    await new Promise<void>(r => sock.bind(0, `${net}.1`, () => r()));
    const ident = ntpIdentification(Date.now(), 1);
    const noAuth = encodeRegistrationRequest({ lifetime: 60, homeAddr: `${net}.5`, haAddr: `${net}.3`, coa: `${net}.1`, ident, exts: [ext.nai('mn@home.example')] });
    const ok = encodeRegistrationRequest({ lifetime: 60, homeAddr: `${net}.6`, haAddr: `${net}.3`, coa: `${net}.1`, ident: ident + 1n, exts: [ext.nai('mn2@home.example'), ext.mnHa(0x1000, new Uint8Array(16))] });
    for (const m of [noAuth, ok]) await new Promise<void>((r, j) => sock.send(m, 434, `${net}.3`, e => (e ? j(e) : r())));
    sock.close();
    const code = await new Promise<number>(r => child.on('close', c => r(c ?? -1)));
    expect(stderr).not.toMatch(/error/i);
    expect(code).toBe(1);
    const report = JSON.parse(stdout);
    expect(report.summary.frames).toBe(2);
    expect(report.findings).toContainEqual(expect.objectContaining({ frame: 1, rule: 'MIP-AUTH-PRESENT', severity: 'error' }));
    expect(report.findings.filter((f: { frame: number; rule: string }) => f.frame === 2 && f.rule === 'MIP-AUTH-PRESENT')).toEqual([]);
  }, 30_000);
});
