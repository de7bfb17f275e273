// UDP (RFC 768) with checksum status; dispatch by port.
import { registerExperts, registerFields } from './fields.js';
import { ipProtocols, udpPortPrefs, udpPorts } from './dispatch.js';
import type { Prefs } from './prefs.js';
import type { Dissector } from './dispatch.js';
import { Cursor } from './cursor.js';
import type { Node } from './tree.js';
import { addItem } from './tree.js';
import { addData } from './frame.js';
import { DETACHED } from './packet.js';
import { CHECKSUM_STATUS, onesComplementSum } from './ipv4.js';

export const UDP = registerFields({
  udp: { abbrev: 'udp', name: 'User Datagram Protocol', type: 'protocol', short: 'UDP' },
  srcport: { abbrev: 'udp.srcport', name: 'Source Port', type: 'uint16' },
  dstport: { abbrev: 'udp.dstport', name: 'Destination Port', type: 'uint16' },
  port: { abbrev: 'udp.port', name: 'Source or Destination Port', type: 'uint16' },
  length: { abbrev: 'udp.length', name: 'Length', type: 'uint16' },
  checksum: { abbrev: 'udp.checksum', name: 'Checksum', type: 'uint16', base: 'hex' },
  checksumCalc: { abbrev: 'udp.checksum_calculated', name: 'Calculated Checksum', type: 'uint16', base: 'hex' },
  checksumStatus: { abbrev: 'udp.checksum.status', name: 'Checksum Status', type: 'uint8', base: 'none', values: CHECKSUM_STATUS },
  payload: { abbrev: 'udp.payload', name: 'UDP payload', type: 'bytes' },
});

const E = registerExperts({
  badLength: { abbrev: 'udp.length.bad', summary: 'Bad length value', group: 'malformed', severity: 'error' },
  badChecksum: { abbrev: 'udp.checksum_bad.expert', summary: 'Bad checksum', group: 'checksum', severity: 'error' },
});

/** The dissector for a port pair: preference-set ports first, then fixed ones, lower port first. */
export function portDissector(prefs: Prefs, sp: number, dp: number): Dissector | undefined {
  for (const [pref, d] of udpPortPrefs) if (prefs[pref] === sp || prefs[pref] === dp) return d;
  return udpPorts.get(Math.min(sp, dp)) ?? udpPorts.get(Math.max(sp, dp));
}

const udp: Dissector = (pkt, buf, start, end, src) => {
  const c = new Cursor(buf, start, end);
  const n = pkt.add(null, UDP.udp, null, start, Math.min(8, end - start), src);
  pkt.layers.push('udp');
  pkt.protocol = 'UDP';
  // Both ports are read before either is shown (a header cut inside them shows neither).
  const sp = c.u16(), dp = c.u16();
  pkt.add(n, UDP.srcport, sp, start, 2, src);
  pkt.add(n, UDP.dstport, dp, start + 2, 2, src);
  pkt.addHidden(n, UDP.port, sp, start, 2, src);
  pkt.addHidden(n, UDP.port, dp, start + 2, 2, src);
  const carrier = pkt.ipv4.at(-1);
  pkt.udp.push({ srcPort: sp, dstPort: dp, ip: carrier });
  if (n !== DETACHED) n.append = `, Src Port: ${sp}, Dst Port: ${dp}`;
  const { value: length, node: ln } = addItem(pkt, n, UDP.length, c, src) as { value: number; node: Node };
  const { value: checksum, node: ck } = addItem(pkt, n, UDP.checksum, c, src) as { value: number; node: Node };
  let payloadEnd = end;
  if (length < 8 || start + length > end) {
    // A datagram quoted by an ICMP error is cut short on purpose (RFC 792).
    if (length < 8 || !pkt.inError) pkt.addExpert(ln, E.badLength, start + 4, 2, `Bad length value ${length} ${length < 8 ? '< 8' : `> IP payload length ${end - start}`}`);
  } else payloadEnd = start + length;
  if (checksum === 0) pkt.addGenerated(n, UDP.checksumStatus, 3, start + 6, 2, src);
  else if (pkt.session.prefs['udp.check_checksum'] && payloadEnd === start + length && carrier) {
    const s = carrier.src, d = carrier.dst;
    const pseudo = (s >>> 16) + (s & 0xffff) + (d >>> 16) + (d & 0xffff) + 17 + length;
    const sum = onesComplementSum(buf, start, start + length, pseudo);
    const ok = sum === 0xffff;
    pkt.addGenerated(n, UDP.checksumStatus, ok ? 1 : 0, start + 6, 2, src);
    if (!ok) {
      let calc = ~onesComplementSum(buf, start, start + length, pseudo + 0xffff - checksum) & 0xffff;
      if (calc === 0) calc = 0xffff;
      pkt.addGenerated(n, UDP.checksumCalc, calc, start + 6, 2, src);
      ck.append = ` incorrect, should be 0x${calc.toString(16).padStart(4, '0')}`;
      pkt.addExpert(ck, E.badChecksum, start + 6, 2, 'Bad checksum');
    }
  } else pkt.addGenerated(n, UDP.checksumStatus, 2, start + 6, 2, src);
  pkt.info = `${sp} → ${dp} Len=${length - 8}`;
  const payloadStart = start + 8;
  if (payloadEnd > payloadStart) {
    const pl = addItem(pkt, n, UDP.payload, c, src, payloadEnd - payloadStart).node;
    if (pl !== DETACHED) pl.text = `UDP payload (${payloadEnd - payloadStart} byte${payloadEnd - payloadStart === 1 ? '' : 's'})`;
  }
  const next = portDissector(pkt.session.prefs, sp, dp);
  if (next && payloadEnd > payloadStart) next(pkt, buf, payloadStart, payloadEnd, src);
  else addData(pkt, buf, payloadStart, payloadEnd, src);
};

ipProtocols.set(17, udp);
