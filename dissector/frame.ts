// The frame layer and the entry point of dissection.
import type { Frame } from '../capture/frame.js';
import { EXPERT_FIELDS, registerExperts, registerFields } from './fields.js';
import { linkTypes } from './dispatch.js';
import type { Dissector } from './dispatch.js';
import { MAX_NESTING_DEPTH } from './limits.js';
import { DETACHED, MALFORMED, Packet } from './packet.js';
import type { Node } from './tree.js';
import type { Session } from './session.js';
import { timeDiff } from './tree.js';

export const F = registerFields({
  frame: { abbrev: 'frame', name: 'Frame', type: 'protocol' },
  interfaceId: { abbrev: 'frame.interface_id', name: 'Interface id', type: 'uint32' },
  encap: { abbrev: 'frame.encap_type', name: 'Encapsulation type', type: 'int32' },
  time: { abbrev: 'frame.time', name: 'Arrival Time', type: 'abstime' },
  timeEpoch: { abbrev: 'frame.time_epoch', name: 'Epoch Time', type: 'reltime' },
  timeDelta: { abbrev: 'frame.time_delta', name: 'Time delta from previous captured frame', type: 'reltime' },
  timeRelative: { abbrev: 'frame.time_relative', name: 'Time since reference or first frame', type: 'reltime' },
  number: { abbrev: 'frame.number', name: 'Frame Number', type: 'uint32' },
  len: { abbrev: 'frame.len', name: 'Frame Length', type: 'uint32' },
  capLen: { abbrev: 'frame.cap_len', name: 'Capture Length', type: 'uint32' },
  protocols: { abbrev: 'frame.protocols', name: 'Protocols in frame', type: 'string' },
});

const E = registerExperts({
  unknownLink: { abbrev: 'frame.encap.unknown', summary: 'Link-layer type not supported', group: 'undecoded', severity: 'warn' },
  tooDeep: { abbrev: '_ws.malformed.nesting_too_deep', summary: 'Too many nested layers: the rest is shown as data', group: 'malformed', severity: 'error' },
  truncated: { abbrev: 'frame.truncated', summary: 'Packet is shorter on disk than on the wire (snapshot length)', group: 'malformed', severity: 'note' },
});

export const DATA = registerFields({
  data: { abbrev: 'data', name: 'Data', type: 'protocol' },
  bytes: { abbrev: 'data.data', name: 'Data', type: 'bytes' },
  len: { abbrev: 'data.len', name: 'Length', type: 'uint32' },
});


/** Shows undissected bytes as a "Data" layer. */
export function addData(pkt: Packet, buf: Uint8Array, start: number, end: number, src: number): void {
  if (end <= start) return;
  const d = pkt.add(null, DATA.data, null, start, end - start, src);
  if (d !== DETACHED) d.append = ` (${end - start} byte${end - start === 1 ? '' : 's'})`; // "Data (16 bytes)", as tshark
  pkt.layers.push('data');
  pkt.add(d, DATA.bytes, buf.subarray(start, end), start, end - start, src);
  pkt.addGenerated(d, DATA.len, end - start, start, end - start, src);
  if (!pkt.protocol) pkt.protocol = 'DATA';
}

/**
 * Dissects buf[start, end) with an inner dissector one nesting level deeper (a tunnelled or
 * encapsulated datagram). Every recursive dissection goes through here, so that no input can
 * nest deeper than MAX_NESTING_DEPTH: past it the bytes are shown as data under an expert item
 * naming the limit, and nothing is dropped. Exceptions stay inside the inner layer
 * (Packet.call). Returns false when the inner layer was not dissected completely.
 */
export function dissectNested(pkt: Packet, protoName: string, parent: Node | null, next: Dissector, buf: Uint8Array, start: number, end: number, src: number): boolean {
  if (pkt.depth >= MAX_NESTING_DEPTH) {
    const n = pkt.addExpert(parent, E.tooDeep, start, end - start, `Too many nested layers (limit ${MAX_NESTING_DEPTH}, MAX_NESTING_DEPTH): ${protoName} shown as data`, src);
    pkt.addHidden(n, EXPERT_FIELDS.malformed, null, start, 0, src);
    addData(pkt, buf, start, end, src);
    return false;
  }
  pkt.depth++;
  try {
    return pkt.call(protoName, parent, () => next(pkt, buf, start, end, src));
  } finally {
    pkt.depth--;
  }
}

/** Dissects one frame into a packet tree. Never throws. */
const CUT_BY_CAPTURE = new Set(['frame.truncated', 'ip.len.past_end']);

export function dissectFrame(frame: Frame, session: Session, want: Uint8Array | null = null): Packet {
  const pkt = new Packet(frame, session, want);
  const data = frame.data;
  const f = pkt.add(null, F.frame, null, 0, data.length);
  pkt.layers.push('frame');
  pkt.add(f, F.interfaceId, frame.ifIndex, 0, 0);
  pkt.add(f, F.encap, frame.linktype, 0, 0);
  const t = session.noteTime(frame.no, frame.tsSec, frame.tsNsec);
  // The fast path computes no time values that nothing reads.
  if (pkt.wants(F.time) || pkt.wants(F.timeEpoch) || pkt.wants(F.timeDelta) || pkt.wants(F.timeRelative)) {
    const ts = { sec: frame.tsSec, nsec: frame.tsNsec };
    pkt.add(f, F.time, ts, 0, 0);
    pkt.add(f, F.timeEpoch, ts, 0, 0);
    pkt.add(f, F.timeDelta, timeDiff(ts, t.prev), 0, 0);
    pkt.add(f, F.timeRelative, timeDiff(ts, t.first), 0, 0);
  }
  pkt.add(f, F.number, frame.no, 0, 0);
  pkt.add(f, F.len, frame.len, 0, 0);
  pkt.add(f, F.capLen, frame.caplen, 0, 0);
  const protocols = pkt.add(f, F.protocols, '', 0, 0);
  // Labels only for a kept tree: the fast path makes none (DESIGN.md principle 7).
  if (f !== DETACHED) f.text = `Frame ${frame.no}: ${frame.len} bytes on wire (${frame.len * 8} bits), ${frame.caplen} bytes captured (${frame.caplen * 8} bits) on interface ${frame.ifIndex}`;
  if (frame.caplen < frame.len) pkt.addExpert(f, E.truncated, 0, 0, `Packet size limited during capture: ${frame.len - frame.caplen} bytes not captured`);

  const link = linkTypes.get(frame.linktype);
  if (link) pkt.call('link', null, () => link(pkt, data, 0, data.length, 0));
  else {
    pkt.addExpert(f, E.unknownLink, 0, 0, `Link-layer type ${frame.linktype} is not supported`);
    addData(pkt, data, 0, data.length, 0);
  }
  // A frame the snapshot length cut, where a dissector found the message running past the bytes
  // captured, is short (the dissectors that check lengths report that as malformed).
  // The items that only say the capture was cut (this frame's, IPv4's total length) do not count.
  const broken = pkt.experts.some(n => n.expert?.group === 'malformed' && n.expert.severity === 'error' && !CUT_BY_CAPTURE.has(n.expert.abbrev));
  if (frame.caplen < frame.len && broken) pkt.markShort(f, pkt.protocol || 'Frame');
  // `_ws.malformed` matches every packet with a malformed error, not only those that raised one.
  else if (broken && !pkt.experts.some(n => n.expert === MALFORMED)) pkt.addHidden(f, EXPERT_FIELDS.malformed, null, 0, 0);
  // As tshark: the protocols below the frame layer ("eth:ethertype:ip:udp:mip").
  if (protocols !== DETACHED) protocols.value = pkt.layers.slice(1).join(':');
  if (!pkt.protocol) pkt.protocol = 'Frame';
  session.finishFrame(frame.no);
  return pkt;
}
