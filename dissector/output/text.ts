// `-V`: the packet details tree as indented text, as tshark prints it (proto_tree_print):
// four spaces per level, generated items in brackets, hidden items left out.
import { nodeLabel } from '../format.js';
import type { Packet } from '../packet.js';
import type { Node } from '../tree.js';
import { hexDumpBuffer, packetHexDump } from './hexdump.js';
import { summaryLine } from './summary.js';
import type { Stamp, TimeFormat } from './summary.js';
import { nodeBytes, viewChildren } from './view.js';

export interface TreeTextOptions {
  /**
   * Dump the bytes of undissected data ("Data" protocol) inside the tree, as tshark does
   * unless the whole packet is dumped with -x. Default true.
   */
  dataHex?: boolean;
}

const INDENT: string[] = Array.from({ length: 64 }, (_, i) => '    '.repeat(i));

// Labels of plain fields repeat from packet to packet ("Version: 4", "Home Agent: 10.1.0.1"):
// they are cached per field and value, a bounded number per field.
const LABEL_CACHE_LIMIT = 512;
const labelCache: Array<Map<unknown, string> | undefined> = [];

/** The -V label of a node, from the cache when the node is a plain field with a simple value. */
export function cachedLabel(n: Node): string {
  const f = n.field;
  const v = n.value;
  if (!f || f.id < 0 || n.text !== null || n.append !== null || n.expert || n.children || (typeof v !== 'number' && typeof v !== 'boolean' && typeof v !== 'string')) return nodeLabel(n);
  let m = labelCache[f.id];
  if (!m) m = labelCache[f.id] = new Map();
  const key = n.generated ? (typeof v === 'string' ? '\u0000' + v : -1 - (v as number) * 2 - 0.5) : v; // generated labels apart
  let s = m.get(key);
  if (s === undefined) {
    s = nodeLabel(n);
    if (m.size < LABEL_CACHE_LIMIT) m.set(key, s);
  }
  return s;
}

/** The tree of a packet, one line per visible node, each line ending with a newline. */
export function treeText(pkt: Packet, opts: TreeTextOptions = {}): string {
  const dataHex = opts.dataHex ?? true;
  const rec = (nodes: readonly Node[], depth: number): string => {
    const indent = INDENT[depth] ?? '    '.repeat(depth);
    let s = '';
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i]!;
      if (n.hidden) continue;
      s += indent + cachedLabel(n) + '\n';
      if (dataHex && n.field?.abbrev === 'data' && n.field.type === 'protocol') {
        const bytes = nodeBytes(pkt, n);
        if (bytes.length) s += '\n' + hexDumpBuffer(bytes);
      }
      const children = viewChildren(n);
      if (children) s += rec(children, depth + 1);
    }
    return s;
  };
  return rec(pkt.tree, 0);
}

export interface TextPacketOptions {
  /** The summary line (tshark prints it unless -V or -x is given, or with -P). */
  summary: boolean;
  /** -V: the details tree. */
  details: boolean;
  /** -x: the hex dump of every data source. */
  hex: boolean;
  /** Summary line time format and decimals. */
  timeFormat?: TimeFormat;
  timeDigits?: number;
  /** -t dd: the time of the previous displayed packet. */
  shownBefore?: Stamp;
}

/** One packet in tshark's text output (print_packet): summary, details, hex, in that order. */
export function textPacket(pkt: Packet, o: TextPacketOptions): string {
  let s = '';
  if (o.summary) s += summaryLine(pkt, o.timeFormat ?? 'r', o.timeDigits ?? 6, o.shownBefore) + '\n';
  if (o.details) s += treeText(pkt, { dataHex: !o.hex }) + (o.hex ? '' : '\n');
  if (o.hex) s += (o.summary || o.details ? '\n' : '') + packetHexDump(pkt) + '\n';
  return s;
}
