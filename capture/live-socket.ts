/**
 * What `cap` keeps to itself about its pcap handles, asked of the Linux kernel directly:
 *
 * - the counters of the capture socket, PACKET_STATISTICS (packet(7)): packets accepted by
 *   the filter and packets dropped because the ring was full — the numbers pcap_stats()
 *   reports as ps_recv and ps_drop, which is what tshark prints as "N packets dropped";
 * - turning promiscuous mode off: cap always asks libpcap for it, and libpcap turns it on
 *   with a PACKET_MR_PROMISC membership of the socket; dropping that membership
 *   (PACKET_DROP_MEMBERSHIP) turns it off again, as if it had never been asked for;
 * - PACKET_IGNORE_OUTGOING (Linux 4.20) on loopback devices, where the kernel hands every
 *   packet to the socket twice, outgoing and incoming, and libpcap throws the outgoing copy
 *   away: the kernel then stops queuing those copies, which halves the load on the ring and
 *   makes the drop count count only packets that would have been captured.
 *
 * Node has no getsockopt/setsockopt, so a few lines of perl (perl-base is part of every
 * Debian and Ubuntu system) make the call on the socket, which the child inherits as fd 3,
 * 4, …; the socket is shared, so the call acts on our capture. Each handle's socket is found
 * by comparing this process's AF_PACKET sockets (/proc/self/fd against /proc/self/net/packet)
 * before and after opening it. Where any of this is missing, the callers get a reason
 * instead of a number, and say "unknown" — never a made-up 0.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';

const SOL_PACKET = 263;
const PACKET_DROP_MEMBERSHIP = 2;
const PACKET_STATISTICS = 6;
const PACKET_IGNORE_OUTGOING = 23;
const PACKET_MR_PROMISC = 1;

/** The file descriptors of this process that are AF_PACKET sockets, or null if /proc cannot tell. */
export function packetSocketFds(): Set<number> | null {
  if (process.platform !== 'linux') return null;
  let table: string;
  let fds: string[];
  try {
    table = fs.readFileSync('/proc/self/net/packet', 'utf8');
    fds = fs.readdirSync('/proc/self/fd');
  } catch {
    return null;
  }
  // Columns: sk RefCnt Type Proto Iface R Rmem User Inode
  const inodes = new Set(table.trim().split('\n').slice(1).map(line => line.trim().split(/\s+/)[8]));
  const found = new Set<number>();
  for (const fd of fds) {
    let target: string;
    try { target = fs.readlinkSync(`/proc/self/fd/${fd}`); } catch { continue; }
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m && inodes.has(m[1])) found.add(parseInt(fd, 10));
  }
  return found;
}

/** The one packet socket that is in `after` and not in `before`, or null if that is not clear. */
export function newPacketSocket(before: Set<number> | null, after: Set<number> | null): number | null {
  if (!before || !after) return null;
  const added = [...after].filter(fd => !before.has(fd));
  return added.length === 1 ? added[0]! : null;
}

/** The kernel's index of a network interface, or null (pseudo-devices such as 'any' have none). */
export function interfaceIndex(name: string): number | null {
  if (process.platform !== 'linux' || name.includes('/') || name === '.' || name === '..') return null;
  try {
    const n = parseInt(fs.readFileSync(`/sys/class/net/${name}/ifindex`, 'utf8'), 10);
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

export interface SocketStatistics {
  /** Packets that passed the filter, including those then dropped (tp_packets). */
  packets: number;
  /** Packets dropped because the ring was full (tp_drops). */
  drops: number;
}

export type SocketOperation = { op: 'stats'; fd: number } | { op: 'nopromisc'; fd: number; ifindex: number } | { op: 'ignoreoutgoing'; fd: number };

// One line out per operation: "ok [hex]" or "error <reason>". The sockets are fds 3, 4, …
const HELPER = `
my $fd = 3;
for my $cmd (@ARGV) {
  my ($op, $arg) = split /:/, $cmd;
  my $s;
  if (!open($s, '+<&=', $fd++)) { print "error $!\\n"; next; }
  if ($op eq 'stats') {
    my $v = getsockopt($s, ${SOL_PACKET}, ${PACKET_STATISTICS});
    print defined $v ? 'ok ' . unpack('H*', $v) . "\\n" : "error $!\\n";
  } elsif ($op eq 'ignoreoutgoing') {
    my $ok = setsockopt($s, ${SOL_PACKET}, ${PACKET_IGNORE_OUTGOING}, pack('i', 1));
    print $ok ? "ok\\n" : "error $!\\n";
  } else {
    my $ok = setsockopt($s, ${SOL_PACKET}, ${PACKET_DROP_MEMBERSHIP}, pack('iSSa8', $arg, ${PACKET_MR_PROMISC}, 0, ''));
    print $ok ? "ok\\n" : "error $!\\n";
  }
}`;

/** Runs the operations in one child process; each result is the "ok …" payload or a reason. */
function run(ops: SocketOperation[]): ({ ok: true; value: string } | { ok: false; reason: string })[] {
  if (ops.length === 0) return [];
  if (process.platform !== 'linux') return ops.map(() => ({ ok: false, reason: 'only known on Linux' }));
  const args = ops.map(o => (o.op === 'nopromisc' ? `nopromisc:${o.ifindex}` : o.op));
  const r = spawnSync('perl', ['-e', HELPER, ...args], {
    stdio: ['ignore', 'pipe', 'pipe', ...ops.map(o => o.fd)],
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (r.error || r.status !== 0) {
    const code = (r.error as NodeJS.ErrnoException | undefined)?.code;
    const reason = code === 'ENOENT' ? 'perl, which makes the socket calls cap lacks, is not installed: apt-get install perl-base' : `perl failed (${r.error?.message ?? r.stderr.trim()})`;
    return ops.map(() => ({ ok: false, reason }));
  }
  const lines = r.stdout.split('\n');
  return ops.map((_, i) => {
    const line = lines[i] ?? '';
    if (line === 'ok' || line.startsWith('ok ')) return { ok: true, value: line.slice(3) };
    return { ok: false, reason: line.startsWith('error ') ? line.slice(6) : 'no answer from perl' };
  });
}

/**
 * Reads and resets (the kernel zeroes them on every read) the counters of packet sockets.
 * Each result is the counters or the reason they are unknown.
 */
export function readSocketStatistics(fds: readonly number[]): (SocketStatistics | string)[] {
  return run(fds.map(fd => ({ op: 'stats' as const, fd }))).map(r => {
    if (!r.ok) return r.reason;
    const b = Buffer.from(r.value, 'hex');
    if (b.length < 8) return 'the kernel gave no counters';
    const le = os.endianness() === 'LE';
    // struct tpacket_stats { unsigned tp_packets, tp_drops; } (…_v3 adds tp_freeze_q_cnt)
    return { packets: le ? b.readUInt32LE(0) : b.readUInt32BE(0), drops: le ? b.readUInt32LE(4) : b.readUInt32BE(4) };
  });
}

/**
 * Sets socket options in one go: 'nopromisc' drops the promiscuous-mode membership,
 * 'ignoreoutgoing' sets PACKET_IGNORE_OUTGOING. Each result is true or the reason it failed.
 */
export function configureSockets(ops: readonly Exclude<SocketOperation, { op: 'stats' }>[]): (true | string)[] {
  return run([...ops]).map(r => (r.ok ? true : r.reason));
}
