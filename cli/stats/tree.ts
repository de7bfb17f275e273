// tshark's stats_tree statistics (-z plen,tree and -z ptype,tree): counters in a tree of nodes,
// each with its count, the average/min/max of a value where the tree keeps one, and the burst
// rate (most packets in a 100 ms window, counted in 5 ms buckets, as epan/stats_tree.c).
import type { Packet } from '../../dissector/index.js';
import { field } from './accumulate.js';
import type { Statistic, StatTable, TreeRow } from './types.js';

/** tshark's defaults: statistics.st_burst_windowlen (ms) and statistics.st_burst_resolution (ms). */
const BURST_WINDOW_MS = 100, BURST_RESOLUTION_MS = 5;
/** Children a pivot node keeps at most (untrusted traffic must not grow a tree without bound). */
const MAX_CHILDREN = 1000;

interface Bucket { no: number; count: number; start: number }

class Node {
  count = 0;
  total = 0; min = Infinity; max = -Infinity;
  readonly children: Node[] = [];
  private buckets: Bucket[] = [{ no: 0, count: 0, start: 0 }];
  private burst = 0;
  maxBurst = 0; burstStart: number | null = null;
  constructor(readonly name: string, readonly averaged: boolean, readonly range?: [number, number]) {}
  /** One packet at `now` ms from the first, as update_burst_calc (packets arrive in order). */
  tick(now: number, value?: number): void {
    this.count++;
    if (value !== undefined) { this.total += value; this.min = Math.min(this.min, value); this.max = Math.max(this.max, value); }
    const no = Math.floor(now / BURST_RESOLUTION_MS), tail = this.buckets[this.buckets.length - 1]!;
    if (no > tail.no) {
      this.buckets.push({ no, count: 1, start: now });
      this.burst++;
      const win = BURST_WINDOW_MS / BURST_RESOLUTION_MS;
      while (no >= this.buckets[0]!.no + win) this.burst -= this.buckets.shift()!.count;
    } else {
      // Same bucket as the last (or, for a timestamp going back, the nearest earlier one).
      const b = [...this.buckets].reverse().find(x => x.no <= no) ?? this.buckets[0]!;
      b.count++;
      if (b.start > now) b.start = now;
      this.burst++;
    }
    if (this.burst > this.maxBurst) { this.maxBurst = this.burst; this.burstStart = this.buckets[0]!.start; }
  }
}

abstract class StatsTree implements Statistic {
  abstract readonly fields: readonly string[];
  protected abstract readonly root: Node;
  private first: { sec: number; nsec: number } | null = null;
  private last = 0;
  constructor(readonly kind: 'plen,tree' | 'ptype,tree', readonly title: string, private readonly sortChildren: boolean) {}
  /** Milliseconds since the first packet of the capture (frame.time_relative). */
  protected now(pkt: Packet): number {
    this.first ??= pkt.session.firstTs ?? { sec: pkt.frame.tsSec, nsec: pkt.frame.tsNsec };
    return (pkt.frame.tsSec - this.first.sec) * 1000 + (pkt.frame.tsNsec - this.first.nsec) / 1e6;
  }
  private start: number | null = null;
  /** The tap saw a packet: the tree's elapsed time runs from the first packet it saw. */
  protected seen(now: number): void { this.start ??= now; this.last = now - this.start; }
  abstract add(pkt: Packet): void;
  table(): StatTable {
    const rows: TreeRow[] = [];
    const elapsed = this.last;
    const visit = (n: Node, depth: number, parent: Node | null) => {
      rows.push({
        item: n.name, depth, count: n.count,
        ...(n.averaged && n.count ? { average: n.total / n.count, min: n.min, max: n.max } : {}),
        averaged: n.averaged,
        rate: elapsed > 0 ? Math.fround(Math.fround(n.count) / Math.fround(elapsed)) : null,
        percent: parent === null ? 100 : parent.count > 0 ? Math.fround(Math.fround(n.count * 100) / parent.count) : null,
        burstRate: n.maxBurst / BURST_WINDOW_MS, burstStart: n.burstStart === null ? null : n.burstStart / 1000,
      });
      // As tshark's defaults: range nodes in their order, others by count, most first.
      const kids = this.sortChildren
        ? [...n.children].sort((a, b) => b.count - a.count || (a.name.toLowerCase() < b.name.toLowerCase() ? 1 : -1))
        : n.children;
      for (const c of kids) visit(c, depth + 1, n);
    };
    visit(this.root, 0, null);
    return { kind: this.kind, title: this.title, rows };
  }
}

/** -z plen,tree: frame lengths in tshark's ranges. */
export class PacketLengths extends StatsTree {
  readonly fields: readonly string[] = [];
  protected readonly root = new Node('Packet Lengths', true);
  constructor() {
    super('plen,tree', 'Packet Lengths', false);
    const bounds = [0, 20, 40, 80, 160, 320, 640, 1280, 2560, 5120];
    bounds.forEach((lo, i) => {
      const hi = bounds[i + 1];
      this.root.children.push(new Node(hi === undefined ? `${lo} and greater` : `${lo}-${hi - 1}`, true, [lo, hi === undefined ? Infinity : hi - 1]));
    });
  }
  add(pkt: Packet): void {
    const now = this.now(pkt), len = pkt.frame.len;
    this.seen(now);
    this.root.tick(now, len);
    this.root.children.find(c => len >= c.range![0] && len <= c.range![1])?.tick(now, len);
  }
}

/**
 * -z ptype,tree: for every IPv4 header (tshark's "ip" tap), the port type of the packet — the
 * transport its last port-carrying layer set (UDP here), NONE without one.
 */
export class PortTypes extends StatsTree {
  readonly fields = ['ip.version', 'udp.srcport'];
  private readonly ip = field('ip.version');
  private readonly udp = field('udp.srcport');
  protected readonly root = new Node('IP Protocol Types', false);
  constructor() { super('ptype,tree', 'IPv4 Statistics/IP Protocol Types', true); }
  add(pkt: Packet): void {
    const headers = pkt.all.filter(n => n.field === this.ip).length;
    if (!headers) return;
    const now = this.now(pkt);
    this.seen(now);
    const ptype = pkt.all.some(n => n.field === this.udp) ? 'UDP' : 'NONE';
    let child = this.root.children.find(c => c.name === ptype);
    if (!child && this.root.children.length < MAX_CHILDREN) this.root.children.push(child = new Node(ptype, false));
    for (let i = 0; i < headers; i++) { this.root.tick(now); child?.tick(now); }
  }
}
