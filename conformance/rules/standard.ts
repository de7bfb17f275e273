// Rules of standard Mobile IPv4: RFC 5944 and its companions (RFC 2794, 3012, 3115, 3543, 4721).
import type { MessageView, Rule } from '../rule.js';
import type { Packet } from '../../dissector/packet.js';
import type { Transaction } from '../../dissector/mip/transactions.js';
import { ipv4String, spiHex } from '../../dissector/format.js';
import { MIP_EXPERT } from '../../dissector/mip/extensions.js';
import { mnHaIndex } from '../../dissector/mip/tracking.js';
import { RESERVED_FLAGS } from '../../dissector/mip/messages.js';
import { ntpToTime } from '../../dissector/mip/layout.js';
import { bitValue } from '../../dissector/tree.js';
import { ICMP, ICMP_EXPERT } from '../../dissector/icmp.js';

const REQUEST = 1, REPLY = 3, REVOCATION = 7, REVOCATION_ACK = 15;
const MN_FA = 33, FA_HA = 34, GEN_AUTH = 36, NAI = 131, CHALLENGE = 132;

function isFaCode(code: number): boolean { return (code >= 64 && code <= 127) || code === 194; }
function isHaCode(code: number): boolean { return code >= 128 && code <= 193; }
function accepted(code: number): boolean { return code === 0 || code === 1; }

/** Agent advertisement fields are only ever made by the ICMP dissector, which names its layer first. */
const isIcmp = (pkt: Packet) => pkt.layers.includes(ICMP.icmp.abbrev);

/** The position of the first extension of a type, or -1. */
const indexOf = (m: MessageView, t: number) => m.extTypes.indexOf(t);

export const standardRules: Rule[] = [
  {
    id: 'MIP-RESERVED-BITS', title: 'Reserved bits are zero', severity: 'warning', reference: 'RFC 5944 §3.3; RFC 3543 §3.1–3.2',
    description: 'The reserved flag bits of a Registration Request (r, x), Revocation and Revocation Acknowledgement are sent as zero.',
    create: ctx => ({
      message(m) {
        const mask = RESERVED_FLAGS[m.type];
        if (mask === undefined) return;
        const bad = (m.msg.flags ?? 0) & mask;
        ctx.checked();
        if (bad) ctx.report(m.frame, `reserved bits 0x${bad.toString(16)} are set in a ${m.type === REQUEST ? 'Registration Request' : m.type === REVOCATION ? 'Registration Revocation' : 'Revocation Acknowledgement'}`, m.mobileNode);
      },
    }),
  },
  {
    id: 'MIP-AUTH-PRESENT', title: 'Requests and home-agent replies carry an authorization-enabling extension', severity: 'error', reference: 'RFC 5944 §3.3, §3.4, §3.5.1; RFC 3012 §3',
    description: 'Every Registration Request, and every Registration Reply from the home agent, has an MN-HA authentication extension (or MN-AAA generalized authentication).',
    create: ctx => ({
      message(m) {
        if (m.type === REQUEST) {
          ctx.checked();
          if (mnHaIndex(m.msg) < 0) ctx.report(m.frame, 'Registration Request without an MN-HA (or MN-AAA) authentication extension', m.mobileNode);
        } else if (m.type === REPLY && !isFaCode(m.msg.code ?? 0)) {
          ctx.checked();
          if (mnHaIndex(m.msg) < 0) ctx.report(m.frame, `Registration Reply (code ${m.msg.code}) from the home agent without an MN-HA authentication extension`, m.mobileNode);
        }
      },
    }),
  },
  {
    id: 'MIP-ORDER-MNFA-AFTER-MNHA', title: 'MN-FA authentication follows MN-HA authentication', severity: 'error', reference: 'RFC 5944 §3.6.1.3, §3.7.2.2',
    description: 'When both are present, the Mobile-Foreign authentication extension comes after the Mobile-Home authentication extension.',
    create: ctx => ({
      message(m) {
        const fa = indexOf(m, MN_FA), ha = mnHaIndex(m.msg);
        if (fa < 0 || ha < 0) return;
        ctx.checked();
        if (fa < ha) ctx.report(m.frame, `MN-FA authentication (extension ${fa + 1}) precedes MN-HA authentication (extension ${ha + 1})`, m.mobileNode);
      },
    }),
  },
  {
    id: 'MIP-ORDER-FAHA-LAST', title: 'FA-HA authentication is the last extension', severity: 'error', reference: 'RFC 5944 §3.5.4, §3.7.2.2',
    description: 'Nothing follows the Foreign-Home authentication extension: it covers the whole message.',
    create: ctx => ({
      message(m) {
        const i = indexOf(m, FA_HA);
        if (i < 0) return;
        ctx.checked();
        if (i !== m.extTypes.length - 1) ctx.report(m.frame, `extension type ${m.extTypes[i + 1]} follows the FA-HA authentication extension`, m.mobileNode);
      },
    }),
  },
  {
    id: 'MIP-ORDER-NAI-CHALLENGE', title: 'NAI and challenge precede the authentication they serve', severity: 'error', reference: 'RFC 2794 §2; RFC 3012 §3.1, §6; RFC 4721 §3',
    description: 'An NAI extension appears before the MN-HA/MN-AAA authentication extension; an MN-FA challenge appears before the authentication extensions that cover it.',
    create: ctx => ({
      message(m) {
        if (m.type !== REQUEST && m.type !== REPLY) return;
        const nai = indexOf(m, NAI), ha = mnHaIndex(m.msg);
        if (nai >= 0 && ha >= 0) {
          ctx.checked();
          if (nai > ha) ctx.report(m.frame, `NAI extension (${nai + 1}) comes after the MN-HA authentication extension (${ha + 1}) that must cover it`, m.mobileNode);
        }
        // The challenge is covered by the MN-FA (or MN-AAA) authentication that answers it.
        const ch = indexOf(m, CHALLENGE);
        const answer = m.msg.exts.findIndex(e => e.type === MN_FA || e.type === GEN_AUTH);
        if (ch >= 0 && answer >= 0) {
          ctx.checked();
          if (ch > answer) ctx.report(m.frame, `MN-FA challenge extension (${ch + 1}) comes after the authentication extension (${answer + 1}) that must cover it`, m.mobileNode);
        }
      },
    }),
  },
  {
    id: 'MIP-UNKNOWN-NONSKIPPABLE', title: 'No unknown non-skippable extension', severity: 'warning', reference: 'RFC 5944 §1.9',
    description: 'An extension of type 0–127 that the receiver does not know makes it discard the message.',
    create: ctx => ({
      message(m) {
        if (![REQUEST, REPLY, REVOCATION, REVOCATION_ACK].includes(m.type)) return;
        ctx.checked();
        for (const e of m.pkt.experts) if (e.expert === MIP_EXPERT.unknownNonSkippable) ctx.report(m.frame, e.text ?? 'unknown non-skippable extension', m.mobileNode);
      },
    }),
  },
  {
    id: 'MIP-WELL-FORMED', title: 'Lengths and fields are well formed', severity: 'error', reference: 'RFC 5944 §1.9, §3.3, §3.4',
    description: 'No extension length runs past the message or is too short for its fields; no message is cut short.',
    create: ctx => ({
      packet(pkt) {
        if (!pkt.mip.length && !pkt.layers.includes(ICMP.icmp.abbrev)) return;
        ctx.checked();
        for (const e of pkt.experts) if (e.expert!.group === 'malformed') ctx.report(pkt.no, e.text ?? e.expert!.summary);
      },
    }),
  },
  {
    id: 'MIP-SPI-RESERVED', title: 'SPIs 0–255 are not used', severity: 'error', reference: 'RFC 5944 §1.6, §3.5.1',
    description: 'Security Parameter Indexes 0 through 255 are reserved and must not be used in an authentication extension.',
    create: ctx => ({
      message(m) {
        for (const { spi } of m.kx.auth) {
          ctx.checked();
          if (spi <= 255) ctx.report(m.frame, `authentication extension uses reserved SPI ${spi}`, m.mobileNode);
        }
      },
    }),
  },
  {
    id: 'MIP-AUTH-VALID', title: 'Authenticators verify with the known key', severity: 'error', reference: 'RFC 5944 §3.5.1; docs/protocol.md §A', needsKeys: true,
    description: 'Every authentication extension whose SPI is known (from the keys file or learned from the traffic) verifies.',
    create: ctx => ({
      message(m) {
        for (const { status } of m.kx.auth) {
          if (status === 'unverified') { ctx.notCheckedNoKey(); continue; }
          ctx.checked();
          if (status === 'bad') ctx.report(m.frame, 'authenticator does not verify with the known key', m.mobileNode);
        }
      },
    }),
  },
  {
    id: 'MIP-LIFETIME', title: 'Granted lifetime is not longer than requested', severity: 'error', reference: 'RFC 5944 §3.8.3.1, §3.4.1',
    description: 'An accepting reply grants at most the requested lifetime; a deregistration (lifetime 0) is not answered with a non-zero lifetime.',
    create: ctx => ({
      message(m) {
        const req = m.answered;
        if (m.type !== REPLY || !req || !accepted(m.msg.code ?? 0)) return;
        ctx.checked();
        const life = m.msg.lifetime ?? 0, asked = req.lifetime ?? 0;
        if (life > asked) ctx.report(m.frame, `reply grants lifetime ${life} s, more than the ${asked} s requested in frame ${req.frame}`, m.mobileNode);
      },
    }),
  },
  {
    id: 'MIP-LIFETIME-INFINITE', title: 'Infinite lifetime is noticed', severity: 'note', reference: 'RFC 5944 §3.3',
    description: 'A lifetime of 0xFFFF means infinity: worth a look in any deployment.',
    create: ctx => ({
      message(m) {
        if (m.type !== REQUEST && m.type !== REPLY) return;
        ctx.checked();
        if (m.msg.lifetime === 0xffff) ctx.report(m.frame, `${m.type === REQUEST ? 'request' : 'reply'} with infinite lifetime (0xFFFF)`, m.mobileNode);
      },
    }),
  },
  {
    id: 'MIP-REPLY-IDENT', title: 'A reply copies the low 32 bits of the request Identification', severity: 'error', reference: 'RFC 5944 §3.4, §5.7',
    description: 'The low-order 32 bits of a reply\'s Identification equal those of the request it answers (a reply whose low bits differ from the request pending on its reverse path answers nothing); only with code 133 may the high-order bits differ (the home agent\'s time for resynchronisation).',
    create: ctx => ({
      message(m) {
        if (m.type !== REPLY || !m.placement) return;
        const h = m.placement.hop;
        if (m.tx) {
          ctx.checked();
          if (h.identChanged && m.msg.code !== 133) ctx.report(m.frame, `reply (code ${m.msg.code}) changes the high 32 bits of the Identification of frame ${h.answers}; only code 133 may`, m.mobileNode);
        } else if (m.placement.near !== undefined) {
          ctx.checked();
          ctx.report(m.frame, `reply Identification low 32 bits ${spiHex(Number(h.ident & 0xffffffffn))} differ from those of the request pending in frame ${m.placement.near}`, m.mobileNode);
        }
      },
    }),
  },
  {
    id: 'MIP-REPLAY', title: 'No replayed Identification', severity: 'warning', reference: 'RFC 5944 §5.7',
    description: 'A mobile node uses a new Identification in each new Registration Request: the same Identification of the same mobile node (Home Address, Home Agent, MN-HA SPI) from another source, with other bytes, or after an accepting reply, is a replay. Retransmissions (the same bytes on the same hop) and relayed copies are not.',
    create: ctx => ({
      message(m) {
        if (m.type !== REQUEST || !m.tx || !m.hop) return;
        ctx.checked();
        if (m.tx.replayOf !== undefined && m.tx.id === m.frame) ctx.report(m.frame, `Identification 0x${m.tx.ident.toString(16).padStart(16, '0')} was already used in frame ${m.tx.replayOf}`, m.mobileNode);
      },
    }),
  },
  {
    id: 'MIP-TIMESTAMP-WINDOW', title: 'Identification timestamps are within the window', severity: 'warning', reference: 'RFC 5944 §5.7.1',
    description: 'With timestamp replay protection, a request\'s Identification (NTP time) is within the configured window (default 7 s) of the capture time.',
    create: ctx => ({
      message(m) {
        if (m.type !== REQUEST || m.msg.ident === undefined) return;
        const hi = Number(m.msg.ident >> 32n);
        if (hi === 0) return; // nonce-based replay protection
        ctx.checked();
        const ntpSec = ntpToTime(hi, 0).sec;
        const skew = ntpSec - m.time;
        if (Math.abs(skew) > ctx.options.timestampWindow) ctx.report(m.frame, `Identification timestamp is ${skew > 0 ? 'ahead of' : 'behind'} the capture time by ${Math.abs(skew).toFixed(1)} s (window ${ctx.options.timestampWindow} s)`, m.mobileNode);
      },
    }),
  },
  {
    id: 'MIP-FA-CODES', title: 'Denial codes come from the right agent', severity: 'error', reference: 'RFC 5944 §3.4, §3.7.2, §3.8.3',
    description: 'Codes 64–127 and 194 are the foreign agent\'s: a reply carrying one is not sent by the home agent named in it; codes 128–193 are the home agent\'s.',
    create: ctx => ({
      message(m) {
        if (m.type !== REPLY || m.ipSrc === undefined) return;
        const code = m.msg.code ?? 0;
        ctx.checked();
        if (isFaCode(code) && m.ipSrc === m.msg.haAddr) ctx.report(m.frame, `foreign-agent denial code ${code} sent by the home agent ${ipv4String(m.ipSrc)}`, m.mobileNode);
        if (isHaCode(code) && mnHaIndex(m.msg) < 0) ctx.report(m.frame, `home-agent denial code ${code} without the home agent's MN-HA authentication`, m.mobileNode);
      },
    }),
  },
  {
    id: 'MIP-ACCEPTED-UNKNOWN', title: 'No acceptance of a request with an unknown non-skippable extension', severity: 'error', reference: 'RFC 5944 §1.9, §3.8.2',
    description: 'A request carrying an extension of type 0–127 that the analyser does not know should have been discarded, not accepted.',
    create: ctx => ({
      message(m) {
        const req = m.tx?.requests.find(q => q.discardable);
        if (m.type !== REPLY || !req) return;
        ctx.checked();
        if (accepted(m.msg.code ?? 0)) ctx.report(m.frame, `reply accepts the request of frame ${req.frame}, which carries an unknown non-skippable extension`, m.mobileNode);
      },
    }),
  },
  {
    id: 'MIP-NO-REPLY', title: 'Every request is answered', severity: 'warning', reference: 'RFC 5944 §3.6.3',
    description: 'A registration (its request and every relayed copy and retransmission) with no Registration Reply in the capture.',
    create: ctx => {
      const who = (tx: Transaction, label?: string) => ctx.noteOn(tx, () => ({ label }));
      return {
        message(m) { if (m.type === REQUEST && m.tx) who(m.tx, m.mobileNode); },
        transaction(tx) {
          if (tx.kind !== 'registration') return;
          ctx.checked();
          if (!tx.replies.length) ctx.report(tx.id, 'Registration Request has no reply in the capture', who(tx).label);
        },
      };
    },
  },
  {
    id: 'MIP-NO-REQUEST', title: 'Every reply answers a request', severity: 'warning', reference: 'RFC 5944 §3.8.3',
    description: 'A Registration Reply that answers no request in the capture: none sent from where the reply goes, of the same mobile node, with the same low 32 bits of the Identification.',
    create: ctx => ({
      message(m) {
        if (m.type !== REPLY || !m.placement) return;
        ctx.checked();
        if (!m.tx) ctx.report(m.frame, 'Registration Reply with no matching request in the capture', m.mobileNode);
      },
    }),
  },
  {
    id: 'MIP-RELAY-INTEGRITY', title: 'Relays keep the protected bytes', severity: 'error', reference: 'RFC 5944 §3.7.1; docs/protocol.md §B.5; WO 01/26322 Fig. 4b',
    description: 'A relayed copy of a request or reply (sent on by the node the previous copy went to, in the same transaction) keeps every byte up to and including the MN-HA authentication extension unchanged.',
    create: ctx => ({
      message(m) {
        const h = m.hop;
        if (!h || h.relays === undefined || h.retransmissionOf !== undefined || (h.direction === 'reply' && h.relays === h.answers)) return;
        if (mnHaIndex(m.msg) < 0) return;
        ctx.checked();
        if (h.protectedChanged) ctx.report(m.frame, `relayed ${m.type === REQUEST ? 'request' : 'reply'} differs from frame ${h.relays} in bytes the MN-HA authenticator protects`, m.mobileNode);
      },
    }),
  },
  {
    id: 'ADV-FA-COA', title: 'A foreign agent advertises a care-of address', severity: 'error', reference: 'RFC 5944 §2.1.1',
    description: 'An agent advertisement with the F bit set lists at least one care-of address; the R bit implies F.',
    fields: [ICMP.mipFlags, ICMP.mipCoa],
    create: ctx => ({
      packet(pkt) {
        if (!isIcmp(pkt)) return;
        const flags = pkt.all.find(n => n.field === ICMP.mipFlags);
        if (!flags) return;
        ctx.checked();
        const f = flags.value as number;
        const coas = pkt.all.filter(n => n.field === ICMP.mipCoa).length;
        const foreign = bitValue(ICMP.mipF, f), required = bitValue(ICMP.mipR, f), home = bitValue(ICMP.mipH, f);
        if (foreign && coas === 0) ctx.report(pkt.no, 'agent advertisement with F set but no care-of address');
        if (required && !foreign) ctx.report(pkt.no, 'agent advertisement with R set but not F');
        if (!home && !foreign) ctx.report(pkt.no, 'agent advertisement offers neither home (H) nor foreign (F) agent service');
      },
    }),
  },
  {
    id: 'ADV-SEQUENCE', title: 'Advertisement sequence numbers increase', severity: 'warning', reference: 'RFC 5944 §2.1.1, §2.4.1',
    description: 'Each agent\'s advertisement sequence number increases by one (after 0xffff it goes to 256; 0–255 only after a reboot).',
    fields: [ICMP.mipSeq],
    create: ctx => {
      const last = new Map<number, number>();
      return {
        packet(pkt) {
          if (!isIcmp(pkt)) return;
          const seq = pkt.all.find(n => n.field === ICMP.mipSeq);
          const src = pkt.ipv4[0]?.src;
          if (!seq || src === undefined) return;
          const s = seq.value as number;
          const prev = last.get(src);
          last.set(src, s);
          if (prev === undefined) return;
          ctx.checked();
          const expected = prev === 0xffff ? 256 : prev + 1;
          if (s !== expected && s !== prev && !(s < 256)) ctx.report(pkt.no, `agent ${ipv4String(src)} advertised sequence ${s} after ${prev} (expected ${expected})`);
        },
      };
    },
  },
  {
    id: 'ADV-RESERVED', title: 'Advertisement reserved bits are zero', severity: 'warning', reference: 'RFC 5944 §2.1.1',
    description: 'The reserved bits of the mobility agent advertisement extension are sent as zero.',
    fields: [ICMP.mipReserved],
    create: ctx => ({
      packet(pkt) {
        if (!isIcmp(pkt)) return;
        const r = pkt.all.find(n => n.field === ICMP.mipReserved);
        if (!r) return;
        ctx.checked();
        // The dissector's verdict (icmp.mip.reserved.nonzero); the field gives the bits.
        if (pkt.experts.some(e => e.expert === ICMP_EXPERT.reservedSet)) ctx.report(pkt.no, `reserved bits 0x${(r.value as number).toString(16)} set in an agent advertisement`);
      },
    }),
  },
];
