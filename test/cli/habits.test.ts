// tshark's small habits, each against tshark on the same file where tshark has it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, runTshark } from '../helpers.js';

const demo = join(ROOT, 'samples', 'demo.pcapng');
const stateful = join(ROOT, 'samples', 'captures', 'kx-stateful.pcapng');
const statefulKeys = join(ROOT, 'samples', 'captures', 'kx-stateful.keys.json');
const ours = (args: string[]) => { const r = runCli(args); expect(r.stderr).toBe(''); expect(r.code).toBe(0); return r.stdout; };
/** The same output but for the creator tshark and mipscope each write into XML. */
const creatorless = (s: string) => s.replace(/creator="[^"]*"/, 'creator=""');

describe('output formats', () => {
  it('-q prints no packets when reading a file', () => {
    expect(ours(['-r', demo, '-q'])).toBe(runTshark(['-r', demo, '-q']));
    expect(ours(['-r', demo, '-q'])).toBe('');
  });

  it('-T tabs and -T psml lay the summary columns out as tshark', () => {
    // Frames tshark and mipscope summarise alike (tshark's ICMP solicitation Info ends in a space).
    const filter = 'mip.type == 1 || mip.type == 3';
    expect(ours(['-r', demo, '-T', 'tabs', '-Y', filter])).toBe(runTshark(['-r', demo, '-T', 'tabs', '-Y', filter]));
    expect(creatorless(ours(['-r', demo, '-T', 'psml', '-Y', filter]))).toBe(creatorless(runTshark(['-r', demo, '-T', 'psml', '-Y', filter])));
  });

  it('-t dd is the delta from the previous displayed frame, -t d from the previous captured one', () => {
    const filter = 'frame.number > 3 && frame.number != 7 && frame.number != 9 && frame.number != 33 && !icmp';
    for (const t of ['dd', 'd']) expect(ours(['-r', demo, '-t', t, '-Y', filter])).toBe(runTshark(['-r', demo, '-t', t, '-Y', filter]));
    expect(ours(['-r', demo, '-t', 'dd', '-Y', filter])).not.toBe(ours(['-r', demo, '-t', 'd', '-Y', filter]));
  });

  it('-E quote=d quotes values but not the header nor empty fields; -E separator takes one character', () => {
    const base = ['-r', demo, '-T', 'fields', '-e', 'frame.number', '-e', 'mip.code', '-e', 'ip.src', '-E', 'header=y'];
    for (const e of [['-E', 'quote=d'], ['-E', 'quote=s'], ['-E', 'separator=ab'], ['-E', 'separator=/s'], ['-E', 'separator=;', '-E', 'quote=d']]) {
      expect(ours([...base, ...e])).toBe(runTshark([...base, ...e]));
    }
    expect(ours([...base, '-E', 'quote=d']).split('\n')[0]).toBe('frame.number\tmip.code\tip.src');
  });
});

describe('preferences', () => {
  it('-o values are checked for range', () => {
    const r = runCli(['-r', demo, '-o', 'mip.udp.port:99999']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("mipscope: invalid -o value 'mip.udp.port:99999': mip.udp.port is 0 to 65535, not 99999\n");
    expect(runCli(['-r', demo, '-o', 'mip.kx.type.gp_nai:256']).code).toBe(2);
    expect(runCli(['-r', demo, '-q', '-o', 'mip.udp.port:0']).code).toBe(0);
  });

  it('ip.check_checksum is off by default, as in tshark: the checksum status filters agree', () => {
    for (const f of ['ip.checksum.status == 2', 'ip.checksum.status == 1']) {
      const args = ['-r', stateful, '-Y', f, '-T', 'fields', '-e', 'frame.number'];
      expect(ours(args)).toBe(runTshark(args));
    }
    expect(ours(['-r', stateful, '-Y', 'ip.checksum.status == 2', '-T', 'fields', '-e', 'frame.number']).split('\n').length).toBeGreaterThan(80);
    const on = ['-r', stateful, '-o', 'ip.check_checksum:TRUE', '-Y', 'ip.checksum.status == 1', '-T', 'fields', '-e', 'frame.number'];
    expect(ours(on)).toBe(runTshark(on));
  });
});

describe('frames cut by the snapshot length', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mipscope-snap-'));
  const snap = join(dir, 'snap.pcapng');
  execFileSync('editcap', ['-s', '70', demo, snap]);

  it('_ws.short marks them as tshark does, with [Packet size limited during capture] in Info; _ws.malformed does not', () => {
    for (const f of ['_ws.short', '_ws.malformed', '!_ws.short']) {
      const args = ['-r', snap, '-Y', f, '-T', 'fields', '-e', 'frame.number'];
      expect(ours(args)).toBe(runTshark(args));
    }
    const lines = ours(['-r', snap, '-Y', '_ws.short']).trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(20);
    for (const l of lines) expect(l).toMatch(/\[Packet size limited during capture\]$/);
    expect(ours(['-r', snap, '-V', '-c', '5'])).toMatch(/^ +\[Packet size limited during capture: MobileIP truncated\]$/m);
  });

  it('_ws.malformed still marks a packet that is broken, not cut', () => {
    // tshark misreads the KX extensions of this file (frame 9), so only the standard overrun is compared.
    const cut = join(ROOT, 'samples', 'captures', 'fault-length-overrun.pcapng');
    const matched = (f: string) => ours(['-r', cut, '-Y', f, '-T', 'fields', '-e', 'frame.number']).trimEnd().split('\n');
    expect(runTshark(['-r', cut, '-Y', '_ws.malformed', '-T', 'fields', '-e', 'frame.number'])).toMatch(/^4$/m);
    expect(matched('_ws.malformed')).toEqual(['4']);
    expect(matched('_ws.malformed')).toEqual(matched('_ws.expert.group == 0x07000000 && _ws.expert.severity == 0x800000'));
  });
});

describe('the summary line shows what the keys reveal', () => {
  it('the decrypted NAI and home address, marked as decrypted', () => {
    const plain = ours(['-r', stateful, '-c', '4']).split('\n')[3]!;
    // (The keys file may draw a warning about its permissions on stderr.)
    const keyed = runCli(['-r', stateful, '--keys', statefulKeys, '-c', '4']).stdout.split('\n')[3]!;
    expect(plain).not.toContain('decrypted');
    expect(keyed).toMatch(/Reg Request: HoA=0\.0\.0\.0 HA=192\.0\.2\.1 CoA=198\.51\.100\.1 \[decrypted: NAI=mn1@home\.example HoA=192\.0\.2\.101\]$/);
  });
});
