// `-V`: the packet details tree as indented text, as tshark prints it.
import { nodeLabel } from '../format.js';
import type { Packet } from '../packet.js';
import type { Node } from '../tree.js';

export function treeText(pkt: Packet): string {
  const lines: string[] = [];
  const rec = (nodes: readonly Node[], depth: number) => {
    for (const n of nodes) {
      if (n.hidden) continue;
      lines.push('    '.repeat(depth) + nodeLabel(n));
      if (n.children) rec(n.children, depth + 1);
    }
  };
  rec(pkt.tree, 0);
  return lines.join('\n') + '\n';
}
