// Live capture from the command line, as root on lo, as a tshark user meets it: -D, -i, -f,
// -c, -a, -s, -p, -l, -w, -F, the output formats, SIGINT/SIGTERM, the summary on stderr, and
// one clear line with exit code 2 for each error, through the `mipscope` command itself.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NEEDS_CAP } from '../../capture/live.js';
import { CLI, failingCapHook, ROOT } from '../helpers.js';
import { registrations, subnet } from '../fixtures/loopback.js';

const LIVE_CLI = join(ROOT, 'dist', 'cli', 'main.js');

const filterFor = (net: string) => `udp port 434 and net ${net}.0/24`;

const spi = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

/** The -T fields lines `count` registrations give with -e mip.type -e mip.auth.spi -e mip.nai. */
function expectedFields(count: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) lines.push(`1\t${spi(0x1000 + i)}\tmn${i}@example.org`, `3\t${spi(0x2000 + i)}\t`);
  return lines;
}

interface Live {
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves once the command says "Capturing on …". */
  started: Promise<void>;
  exited: Promise<number | null>;
}

const running: ChildProcess[] = [];
afterEach(() => {
  for (const p of running.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});

function live(args: string[], env?: NodeJS.ProcessEnv, cli = LIVE_CLI): Live {
  const proc = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
  running.push(proc);
  let out = '';
  let err = '';
  proc.stdout!.setEncoding('utf8').on('data', d => { out += d; });
  const exited = new Promise<number | null>(resolve => proc.on('close', code => resolve(code)));
  const started = new Promise<void>((resolve, reject) => {
    proc.stderr!.setEncoding('utf8').on('data', d => { err += d; if (err.includes('Capturing on ')) resolve(); });
    void exited.then(code => reject(new Error(`exited (${code}) before capturing: ${err}`)));
  });
  started.catch(() => undefined);
  return { proc, stdout: () => out, stderr: () => err, started, exited };
}

async function until(what: string, test: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 20));
  }
}

function run(args: string[], opts: { env?: NodeJS.ProcessEnv; prefix?: string[]; node?: string[] } = {}) {
  const r = spawnSync(opts.prefix?.[0] ?? process.execPath, [...(opts.prefix ? [...opts.prefix.slice(1), process.execPath] : []), ...(opts.node ?? []), LIVE_CLI, ...args], { encoding: 'utf8', env: opts.env ?? process.env, timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tshark(args: string[]): string {
  const r = spawnSync('tshark', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tshark failed: ${r.stderr}`);
  return r.stdout;
}

/** Output lines, trailing empty fields kept. */
const lines = (s: string) => (s.endsWith('\n') ? s.slice(0, -1) : s).split('\n');

const tmp = (name: string) => join(mkdtempSync(join(tmpdir(), 'mipscope-live-')), name);

describe('live capture from the command line', () => {
  it('-D lists the interfaces as dumpcap -D does', () => {
    const r = run(['-D']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d+\. lo \(Loopback\)$/m);
    const dumpcap = spawnSync('dumpcap', ['-D'], { encoding: 'utf8' });
    expect(r.stdout).toBe(dumpcap.stdout);
    const verbose = run(['-D', '-V']);
    expect(verbose.stdout).toMatch(/^\d+\. lo \(Loopback\)\n\t127\.0\.0\.1\/8\n/m);
  });

  it('streams the text summary of each packet as it arrives (-l); SIGINT ends with the count', async () => {
    const net = subnet();
    const p = live(['-i', 'lo', '-f', filterFor(net), '-l']);
    await p.started;
    expect(p.stderr()).toBe("Capturing on 'Loopback: lo'\n");
    await registrations(net, 3);
    await until('6 lines', () => p.stdout().split('\n').length > 6);
    // Streamed: the lines are there while the capture is still running.
    expect(p.proc.exitCode).toBe(null);
    p.proc.kill('SIGINT');
    expect(await p.exited).toBe(0);
    const printed = p.stdout().trimEnd().split('\n');
    expect(printed).toHaveLength(6);
    expect(printed[0]).toMatch(new RegExp(`^ +1 0\\.000000000 +${net}\\.2 → ${net}\\.3 +MobileIP \\d+ Reg Request: HoA=10\\.20\\.0\\.5 HA=${net}\\.3 CoA=${net}\\.2$`));
    expect(printed[1]).toMatch(new RegExp(`^ +2 0\\.\\d{9} +${net}\\.3 → ${net}\\.2 +MobileIP \\d+ Reg Reply: HoA=10\\.20\\.0\\.5 HA=${net}\\.3, Code=0$`));
    expect(p.stderr()).toBe("Capturing on 'Loopback: lo'\n6 packets captured\n");
  });

  it('-T fields -c N: every packet sent is decoded, then it stops by itself', async () => {
    const net = subnet();
    const p = live(['-i', 'lo', '-f', filterFor(net), '-c', '20', '-T', 'fields', '-e', 'mip.type', '-e', 'mip.auth.spi', '-e', 'mip.nai']);
    await p.started;
    await registrations(net, 10);
    expect(await p.exited).toBe(0);
    expect(lines(p.stdout())).toEqual(expectedFields(10));
    expect(p.stderr()).toMatch(/\n20 packets captured\n$/);
  });

  it('-Y: the display filter applies to what is captured', async () => {
    const net = subnet();
    const p = live(['-i', 'lo', '-f', filterFor(net), '-c', '6', '-Y', 'mip.type == 3', '-T', 'fields', '-e', 'frame.number', '-e', 'mip.auth.spi']);
    await p.started;
    await registrations(net, 3);
    expect(await p.exited).toBe(0);
    expect(lines(p.stdout())).toEqual([`2\t${spi(0x2000)}`, `4\t${spi(0x2001)}`, `6\t${spi(0x2002)}`]);
    expect(p.stderr()).toMatch(/\n6 packets captured\n$/);
  });

  it('-T json: one document per packet with the Mobile IP layer', async () => {
    const net = subnet();
    const p = live(['-i', 'lo', '-f', filterFor(net), '-c', '4', '-T', 'json']);
    await p.started;
    await registrations(net, 2);
    expect(await p.exited).toBe(0);
    const docs = JSON.parse(p.stdout()) as { _source: { layers: Record<string, Record<string, unknown>> } }[];
    expect(docs).toHaveLength(4);
    expect(docs.map(d => d._source.layers.mip?.['mip.type'])).toEqual(['1', '3', '1', '3']);
    expect(docs[0]!._source.layers.frame?.['frame.interface_id']).toBe('0');
  });

  it('-w FILE: a pcapng file that mipscope and tshark read back, packet for packet', async () => {
    const net = subnet();
    const file = tmp('live.pcapng');
    const p = live(['-i', 'lo', '-f', filterFor(net), '-c', '16', '-w', file]);
    await p.started;
    await registrations(net, 8);
    expect(await p.exited).toBe(0);
    expect(p.stdout()).toBe(''); // as tshark: with -w, packets are written, not printed
    expect(p.stderr()).toBe("Capturing on 'Loopback: lo'\n16 packets captured\n");
    const ours = spawnSync(process.execPath, [CLI, '-r', file, '-T', 'fields', '-e', 'mip.type'], { encoding: 'utf8' });
    expect(ours.status).toBe(0);
    expect(ours.stdout).toBe('1\n3\n'.repeat(8));
    expect(lines(tshark(['-r', file, '-T', 'fields', '-e', 'mip.type', '-e', 'mip.auth.spi', '-e', 'mip.nai']))).toEqual(expectedFields(8));
    expect(tshark(['-r', file, '-T', 'fields', '-e', 'frame.interface_name', '-e', 'frame.protocols', '-c', '1'])).toBe('lo\teth:ethertype:ip:udp:mip\n');
  });

  it('-F pcap writes classic pcap; -s cuts frames and keeps their length', async () => {
    const net = subnet();
    const file = tmp('live.pcap');
    const p = live(['-i', 'lo', '-f', filterFor(net), '-c', '4', '-s', '60', '-w', file, '-F', 'pcap']);
    await p.started;
    await registrations(net, 2);
    expect(await p.exited).toBe(0);
    expect(readFileSync(file).readUInt32LE(0)).toBe(0xa1b2c3d4);
    const rows = lines(tshark(['-r', file, '-T', 'fields', '-e', 'frame.cap_len', '-e', 'frame.len', '-e', 'mip.type'])).map(l => l.split('\t'));
    expect(rows).toHaveLength(4);
    for (const [capLen, len] of rows) {
      expect(capLen).toBe('60');
      expect(Number(len)).toBeGreaterThan(60);
    }
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} while writing: the file is complete and closed, the summary printed, nothing lost`, async () => {
      const net = subnet();
      const file = tmp('stopped.pcapng');
      const p = live(['-i', 'lo', '-f', filterFor(net), '-w', file]);
      await p.started;
      await registrations(net, 30);
      p.proc.kill(signal);
      expect(await p.exited).toBe(0);
      expect(p.stderr()).toBe("Capturing on 'Loopback: lo'\n60 packets captured\n");
      expect(lines(tshark(['-r', file, '-T', 'fields', '-e', 'mip.type', '-e', 'mip.auth.spi', '-e', 'mip.nai']))).toEqual(expectedFields(30));
    });
  }

  it('several -i: one stream, each interface with its own number and link type', async () => {
    const net = subnet();
    const file = tmp('two.pcapng');
    const p = live(['-i', 'lo', '-i', 'any', '-f', filterFor(net), '-c', '8', '-w', file]);
    await p.started;
    expect(p.stderr()).toBe("Capturing on 'Loopback: lo' and 'any'\n");
    await registrations(net, 2);
    expect(await p.exited).toBe(0);
    const rows = lines(tshark(['-r', file, '-T', 'fields', '-e', 'frame.interface_id', '-e', 'frame.interface_name', '-e', 'frame.protocols', '-e', 'mip.type']));
    expect(rows.filter(r => r.startsWith('0\t')).map(r => r.split('\t').slice(1).join(' '))).toEqual(['lo eth:ethertype:ip:udp:mip 1', 'lo eth:ethertype:ip:udp:mip 3', 'lo eth:ethertype:ip:udp:mip 1', 'lo eth:ethertype:ip:udp:mip 3']);
    expect(rows.filter(r => r.startsWith('1\t')).map(r => r.split('\t').slice(1).join(' '))).toEqual(['any sll:ethertype:ip:udp:mip 1', 'any sll:ethertype:ip:udp:mip 3', 'any sll:ethertype:ip:udp:mip 1', 'any sll:ethertype:ip:udp:mip 3']);
  });

  it('-a duration:S stops after S seconds', async () => {
    const t0 = Date.now();
    const r = run(['-i', 'lo', '-f', filterFor(subnet()), '-a', 'duration:1']);
    expect(r.code).toBe(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(r.stderr).toBe("Capturing on 'Loopback: lo'\n0 packets captured\n");
  });

  it('-a filesize:KB stops once the file reaches the size', async () => {
    const net = subnet();
    const file = tmp('small.pcapng');
    const p = live(['-i', 'lo', '-f', filterFor(net), '-a', 'filesize:2', '-w', file]);
    await p.started;
    const sending = registrations(net, 40);
    expect(await p.exited).toBe(0);
    await sending;
    const size = statSync(file).size;
    expect(size).toBeGreaterThanOrEqual(2000);
    const n = Number(/(\d+) packets captured/.exec(p.stderr())![1]);
    const capLens = lines(tshark(['-r', file, '-T', 'fields', '-e', 'frame.cap_len'])).map(Number);
    expect(capLens).toHaveLength(n);
    expect(n).toBeLessThan(80);
    // The last packet is the one that took the file to the limit (a pcapng EPB is 32 bytes + data padded to 4).
    expect(size - (32 + ((capLens[n - 1]! + 3) & ~3))).toBeLessThan(2000);
  });

  it('-p turns promiscuous mode off without a word; where that cannot be done, it says so once', async () => {
    const quiet = run(['-i', 'lo', '-p', '-a', 'duration:0']);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe("Capturing on 'Loopback: lo'\n0 packets captured\n");
    // Without perl the kernel cannot be asked: the note for -p, and drops unknown, not 0.
    const noPerl = run(['-i', 'lo', '-p', '-a', 'duration:0'], { env: { ...process.env, PATH: '/nonexistent' } });
    expect(noPerl.code).toBe(0);
    expect(noPerl.stderr).toBe([
      "mipscope: note: promiscuous mode cannot be turned off with this capture library on 'lo' (perl, which makes the socket calls cap lacks, is not installed: apt-get install perl-base)",
      "Capturing on 'Loopback: lo'",
      '0 packets captured',
      'packets dropped from lo: unknown (perl, which makes the socket calls cap lacks, is not installed: apt-get install perl-base)',
      '',
    ].join('\n'));
  });

  describe('errors: one line naming the fix, exit code 2', () => {
    const oneLine = (r: { code: number | null; stdout: string; stderr: string }, text: string | RegExp) => {
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.endsWith('\n') && r.stderr.indexOf('\n') === r.stderr.length - 1).toBe(true);
      if (typeof text === 'string') expect(r.stderr).toBe(`mipscope: ${text}\n`);
      else expect(r.stderr).toMatch(text);
    };

    it('no permission to capture (run as nobody)', () => {
      oneLine(run(['-i', 'lo'], { prefix: ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups'] }),
        `you don't have permission to capture on 'lo': run mipscope as root, or let node capture with 'setcap cap_net_raw,cap_net_admin=eip ${process.execPath}'`);
    });

    it('an interface that does not exist', () => {
      oneLine(run(['-i', 'nosuch0']), "there is no interface 'nosuch0': 'mipscope -D' lists the interfaces you can capture on");
    });

    it('a capture filter that does not compile', () => {
      oneLine(run(['-i', 'lo', '-f', 'udp port 434 and )']), /^mipscope: invalid capture filter "udp port 434 and \)" for interface 'lo': .*syntax error.*pcap-filter\(7\).*\n$/);
    });

    it('cap or libpcap not installed', () => {
      for (const how of ['not-found', 'dlopen'] as const) {
        oneLine(run(['-i', 'lo'], { node: ['--import', failingCapHook(how)] }), NEEDS_CAP);
        oneLine(run(['-D'], { node: ['--import', failingCapHook(how)] }), NEEDS_CAP);
      }
    });

    it('options that do not fit live capture', () => {
      oneLine(run(['-i', 'lo', '-a', 'filesize:10']), '-a filesize needs -w FILE: it limits the size of the file written');
      oneLine(run(['-i', 'lo', '-2']), '-2 needs a capture file: capture with -w FILE, then read it with -r FILE -2');
      oneLine(run(['-i', 'lo', '-i', 'any', '-w', tmp('x.pcap'), '-F', 'pcap']),
        /^mipscope: cannot write '.*x\.pcap' as pcap: the interfaces have different link types \(lo: 1, any: 113\) and pcap holds only one — write pcapng \(-F pcapng\)\n$/);
    });
  });
});
