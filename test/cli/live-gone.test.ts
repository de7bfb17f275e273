// An interface that goes away mid-capture (a tap device deleted): `cap` aborts the process it
// runs in, so the capture runs in a child process; the command must still write every frame
// received to -w, close the file readably, say so in one line and exit with code 2.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT } from '../helpers.js';

const hasCap = spawnSync(process.execPath, ['-e', "require('cap')"], { cwd: ROOT }).status === 0;
const hasTshark = spawnSync('tshark', ['-v']).status === 0;
const whyNot = process.getuid?.() !== 0 ? 'needs root to create a tap device and capture on it'
  : !existsSync('/dev/net/tun') ? 'needs /dev/net/tun to create a tap device'
  : spawnSync('ip', ['-V']).status !== 0 ? "needs the 'ip' command (iproute2)"
  : spawnSync('perl', ['-v']).status !== 0 ? 'needs perl to write frames into the tap device'
  : !hasCap ? "needs the 'cap' module and libpcap"
  : !hasTshark ? 'needs tshark to read the file back'
  : null;

/**
 * Attaches to the tap device, writes `n` Ethernet frames into it (they arrive as received on
 * the device: EtherType 0x88b5, the frame's number in the first 4 bytes of the payload) and
 * detaches.
 */
const INJECT = `
my ($name, $n) = @ARGV;
open(my $fh, '+<', '/dev/net/tun') or die "open: $!";
ioctl($fh, 0x400454ca, pack('a16 s', $name, 0x0002 | 0x1000)) or die "TUNSETIFF: $!";
for my $i (1 .. $n) {
  my $frame = pack('H12 H12 n N a60', 'ffffffffffff', '020000000001', 0x88b5, $i, 'mipscope' x 7);
  syswrite($fh, $frame) == length($frame) or die "write: $!";
}
close($fh);
`;

const ip = (...args: string[]) => {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
};

describe.skipIf(whyNot !== null)(`an interface that goes away mid-capture${whyNot ? ` (skipped: ${whyNot})` : ''}`, () => {
  it('writes every frame received to -w, closes a readable file, says so in one line, exits 2', async () => {
    const dev = `mstap${process.pid % 100000}`;
    const dir = mkdtempSync(join(tmpdir(), 'mipscope-gone-'));
    const file = join(dir, 'gone.pcapng');
    const inject = join(dir, 'inject.pl');
    writeFileSync(inject, INJECT);
    const N = 300;
    spawnSync('ip', ['tuntap', 'del', 'dev', dev, 'mode', 'tap']);
    ip('tuntap', 'add', 'dev', dev, 'mode', 'tap');
    try {
      ip('link', 'set', dev, 'up');
      const proc = spawn(process.execPath, [CLI, '-i', dev, '-f', 'ether proto 0x88b5', '-w', file], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      proc.stderr.setEncoding('utf8');
      const exited = new Promise<number | null>(resolve => proc.on('close', code => resolve(code)));
      await new Promise<void>((resolve, reject) => {
        proc.stderr.on('data', (d: string) => { err += d; if (err.includes('Capturing on ')) resolve(); });
        void exited.then(code => reject(new Error(`exited (${code}) before capturing: ${err}`)));
      });
      const sent = spawnSync('perl', [inject, dev, String(N)], { encoding: 'utf8' });
      expect(sent.stderr).toBe('');
      expect(sent.status).toBe(0);
      // Give the frames time to be captured, then take the interface away.
      await new Promise(r => setTimeout(r, 500));
      ip('tuntap', 'del', 'dev', dev, 'mode', 'tap');
      const code = await Promise.race([exited, new Promise(r => setTimeout(() => r('still running'), 15_000))]);
      if (code === 'still running') proc.kill('SIGKILL');
      expect(code).toBe(2);
      expect(err).toBe(`Capturing on '${dev}'\n${N} packets captured\nmipscope: capture on ${dev} stopped: the interface went away\n`);
      const read = spawnSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.number', '-e', 'eth.type', '-e', 'data.data'], { encoding: 'utf8' });
      expect(read.stderr.replace(/^Running as user.*\n/m, '')).toBe('');
      expect(read.status).toBe(0);
      const lines = read.stdout.trim().split('\n');
      expect(lines).toHaveLength(N);
      lines.forEach((line, k) => {
        const [no, type, data] = line.split('\t');
        expect(no).toBe(String(k + 1));
        expect(type).toBe('0x88b5');
        expect(data!.slice(0, 8)).toBe((k + 1).toString(16).padStart(8, '0'));
      });
    } finally {
      spawnSync('ip', ['tuntap', 'del', 'dev', dev, 'mode', 'tap']);
    }
  }, 30_000);
});
