// Shared helpers of the KX tests: dissect a flow with a keys file, read values and verdicts.
import type { FrameLike } from '../../capture/write.js';
import { dissectFrame, Session, walk, nodeLabel } from '../../dissector/index.js';
import type { Node, Packet } from '../../dissector/index.js';
import { attachKeys, parseKeysFile } from '../../dissector/keys/index.js';
import { toFrames, values } from '../helpers.js';

export { values };

export function dissectWithKeys(frames: readonly FrameLike[], keys?: string): { packets: Packet[]; session: Session } {
  const session = new Session();
  if (keys !== undefined) attachKeys(session, parseKeysFile(keys, 'test.keys.json'));
  const packets = toFrames(frames).map(f => dissectFrame(f, session));
  return { packets, session };
}

/** The mip.auth.status values of a packet, in wire order. */
export function verdicts(pkt: Packet): string[] { return values(pkt, 'mip.auth.status'); }

/** Abbrevs of the expert items of a packet. */
export function experts(pkt: Packet): string[] { return pkt.experts.map(e => e.expert!.abbrev); }

export function expertTexts(pkt: Packet, abbrev: string): string[] {
  return pkt.experts.filter(e => e.expert!.abbrev === abbrev).map(e => e.text!);
}

export const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
export const spi = (n: number) => '0x' + n.toString(16).padStart(8, '0');

/** The whole tree of a packet as lines (label, bytes, data source) plus its data sources. */
export function treeLines(pkt: Packet, skip: ReadonlySet<string> = new Set()): string[] {
  const lines: string[] = [];
  walk(pkt.tree, (n: Node, depth: number) => {
    if (n.field && skip.has(n.field.abbrev)) return;
    lines.push(`${'  '.repeat(depth)}${nodeLabel(n)} @${n.src}:${n.offset}+${n.length}${n.hidden ? ' hidden' : ''}`);
  });
  for (const s of pkt.sources) lines.push(`source ${s.name}: ${hex(s.data)}`);
  lines.push(`info ${pkt.info}`);
  return lines;
}
