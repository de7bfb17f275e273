// The sample corpus: every capture, what it shows, and for the faulty ones the fault, where it
// is and the conformance rule expected to flag it. generate.ts writes the captures, the keys
// files, manifest.json and README.md from this list, so they cannot drift apart.
import { parseMessage, identSeconds, NTP_UNIX_OFFSET, parseSaPayload, EXT } from '../agents/wire.js';
import { CLEAN_FLOWS, FAULTY_FLOWS } from './flows.js';
import type { Flow, SimResult } from './world.js';

export interface Expectation {
  rule: string;
  severity: 'error' | 'warning' | 'note';
  why: string;
  frames: (r: SimResult) => number[];
}

export interface CatalogEntry {
  flow: Flow;
  kind: 'clean' | 'faulty';
  title: string;
  shows: string;
  /** Faulty captures: what is wrong, the rule that must flag it, and where (frames carrying the fault). */
  fault?: { description: string; rule: string; frames?: (r: SimResult) => number[] };
  /** Findings that are right to make on this capture besides the fault (a 768-bit group, a skewed clock…). */
  expect?: Expectation[];
  /** Capture length limit (packets cut short, as a small snaplen does). */
  snaplen?: number;
  /** Cut the file in the middle of its last packet. */
  cutShort?: boolean;
}

/** The UDP payload (a Mobile IP message) of frame i + 1, or undefined. */
function mip(r: SimResult, i: number): Uint8Array | undefined {
  const s = r.sent[i];
  return s?.proto === 'udp' ? s.payload : undefined;
}

/** Frames with a KE payload of these sub-types (in requests or replies). */
function framesWithKe(subtypes: number[]) {
  return (r: SimResult) => r.sent.flatMap((_, i) => {
    const p = mip(r, i);
    if (!p) return [];
    try {
      const m = parseMessage(p);
      const sap = m.exts.find(e => e.type === EXT.sa);
      return sap && parseSaPayload(sap).some(x => x.ke.some(k => subtypes.includes(k.subtype))) ? [i + 1] : [];
    } catch { return []; }
  });
}

/** Requests whose identification time is off the capture time by more than the 7 s window. */
function skewedRequests(r: SimResult): number[] {
  return r.sent.flatMap((_, i) => {
    const p = mip(r, i);
    if (!p || p[0] !== 1) return [];
    const f = r.frames[i]!;
    const skew = identSeconds(parseMessage(p).ident) - NTP_UNIX_OFFSET - (f.tsSec + f.tsNsec / 1e9);
    return Math.abs(skew) > 7 ? [i + 1] : [];
  });
}

/** Frames the faulty agent marked (the fault, and the relays that carried it on). */
const marked = (r: SimResult) => r.frameFaults.flatMap((f, i) => (f.length ? [i + 1] : []));
/** Marked frames sent by one agent. */
const markedBy = (agent: string) => (r: SimResult) => marked(r).filter(n => r.sent[n - 1]!.from === agent);
/** Frames cut short by the snaplen. */
const cut = (r: SimResult) => r.frames.flatMap((f, i) => (f.len !== undefined && f.len > f.data.length ? [i + 1] : []));
/** Registration requests and replies among the frames cut short. */
const cutRegistrations = (r: SimResult) => cut(r).filter(n => mip(r, n - 1)?.[0] === 1 || mip(r, n - 1)?.[0] === 3);
/** Every frame of the capture. */
const every = (r: SimResult) => r.frames.map((_, i) => i + 1);
const LOW = 0xffffffffn;
/** The first frame of each request whose Identification no reply in the capture answers. */
function unanswered(r: SimResult): number[] {
  const msgs = r.sent.map((_, i) => { const p = mip(r, i); try { return p ? parseMessage(p) : undefined; } catch { return undefined; } });
  const answered = new Set(msgs.filter(m => m?.type === 3).map(m => m!.ident & LOW));
  const seen = new Set<bigint>();
  return msgs.flatMap((m, i) => {
    if (m?.type !== 1 || answered.has(m.ident & LOW) || seen.has(m.ident & LOW)) return [];
    seen.add(m.ident & LOW);
    return [i + 1];
  });
}
/** Replies whose Identification answers no request in the capture. */
function unrequested(r: SimResult): number[] {
  const msgs = r.sent.map((_, i) => { const p = mip(r, i); try { return p ? parseMessage(p) : undefined; } catch { return undefined; } });
  const asked = new Set(msgs.filter(m => m?.type === 1).map(m => m!.ident & LOW));
  return msgs.flatMap((m, i) => (m?.type === 3 && !asked.has(m.ident & LOW) ? [i + 1] : []));
}

const weakGroup: Expectation = { rule: 'KX-DH-WEAK', severity: 'warning', why: 'Oakley group 1 (768 bits) is offered and used on purpose', frames: framesWithKe([1]) };

const [stateful, aaa, negotiation, counterProposal, dh, seed, denials, multi, busy, tunnel] = CLEAN_FLOWS as [Flow, Flow, Flow, Flow, Flow, Flow, Flow, Flow, Flow, Flow];
const F = FAULTY_FLOWS;

export const CATALOG: readonly CatalogEntry[] = [
  { flow: stateful, kind: 'clean', title: 'Stateful key exchange through a foreign agent (WO 01/26322 Fig. 2)',
    shows: 'agent advertisements and solicitations; three mobile nodes (L2 Ethernet, IMSI, MIN; KEY0 under AES-128-CBC, AES-256-GCM, ChaCha20-Poly1305) registering from 0.0.0.0 with home address, NAI and L2 address encrypted under KEY0; the FA relaying with FA-HA authentication; HA↔KDC Key Request/Reply (types 8/9) under the HA-KDC SA, which the KDC replaces now and then (GP-SA content 3); the reply of docs/protocol.md §B.5; the FA taking KEY2/KEY3, stripping and adding MN-FA under KEY3 toward 255.255.255.255; renewals under KEY1/KEY2/KEY3; fresh registrations under KEY0 when KEY1 nears its lifetime; a deregistration' },
  { flow: aaa, kind: 'clean', title: 'The AAA variant (WO 01/26322 Figs. 12-15)',
    shows: 'FA → foreign AAA → home AAA → HA, each relay replacing the previous hop\'s FA-HA authentication with its own (E.10), and the reply back the same way with the FA-only keys kept until the FA; renewals then go FA → HA directly under KEY2; a deregistration' },
  { flow: negotiation, kind: 'clean', title: 'SA negotiation (WO 01/26322 Figs. 16-28)',
    shows: 'SA payloads with AND (same number) and OR (increasing numbers) proposals, several transforms with attributes (key length, lifetime, mode, replay); the HA choosing one transform per proposal payload and the KDC supplying the keys (KE 5, carried under the HA-KDC SA and then under KEY0); renewals authenticated and encrypted under the negotiated SAs; a plain RFC 5944 node behind the FA while FA and HA negotiate a new FA-HA SA (SA sub-type 3, key in KE 3); revocation support and a revocation with its acknowledgement (RFC 3543) under the new SA' },
  { flow: counterProposal, kind: 'clean', title: 'Counter-proposals (docs/protocol.md §E.3)',
    shows: 'denials 129 carrying the HA\'s counter-proposal (one protocol, then an AND of authentication and encryption), the new requests accepting it, the accepting replies with KDC keys, and renewals under the agreed SAs' },
  { flow: dh, kind: 'clean', title: 'Stateless mode: Diffie-Hellman (WO 01/26322 Fig. 29)',
    shows: 'KE sub-type 1 (Oakley group 1), sub-type 2 (Oakley group 2, offered OR group 1) and sub-type 4 (a user-defined 1024-bit safe prime generated from a seeded stream); the keys file holds the MN\'s exponent for one exchange, the HA\'s for another, and the MN\'s named by a CV prefix for the third; renewals authenticated with SHA-256(K ‖ SPI)[:KeyLen]',
    expect: [weakGroup] },
  { flow: seed, kind: 'clean', title: 'Semi-stateful mode: a KDC seed (B.4, E.5)',
    shows: 'the HA asking the KDC for a seed (KE 6 under the HA-KDC SA), handing it to the mobile node under KEY0 with its own NAI in clear, and both deriving PRF(seed, NAI_i ‖ NAI_r ‖ IP_r ‖ IP_i) with HMAC-SHA256, HMAC-SHA1 and the default PRF; renewals under the derived keys' },
  { flow: denials, kind: 'clean', title: 'Denials and recoveries',
    shows: 'the FA denying a too-long lifetime (69) and the node retrying with the FA\'s maximum; the HA denying a request whose identification is 300 s ahead (133) with its own time, the node resynchronising and registering; the KDC refusing a node it does not know (code 128) and the HA denying it (129)',
    expect: [{ rule: 'MIP-TIMESTAMP-WINDOW', severity: 'warning', why: 'the second node\'s clock is 300 s fast until the 133 denial resynchronises it', frames: skewedRequests }] },
  { flow: multi, kind: 'clean', title: 'Several mobile nodes at once',
    shows: 'six mobile nodes hearing the same advertisement and registering within a few milliseconds of each other behind one FA, each with its own KEY0 algorithms and its own KEY1/KEY2/KEY3, interleaved through FA, HA and KDC; a renewal each' },
  { flow: busy, kind: 'clean', title: 'An hour of a busy network',
    shows: 'two FAs (one sharing keys with both HAs, one behind the AAA chain), two HAs, one KDC and 60 mobile nodes: 30 stateful nodes behind the FAs (some moving from one FA to the other and registering afresh), 10 negotiating stateful AND proposals, 10 stateless (groups 1, 2 and user-defined), 10 semi-stateful; renewals, re-keying, deregistrations; one node with a fast clock (133, resynchronised) and one asking too long a lifetime (69)',
    expect: [weakGroup, { rule: 'MIP-TIMESTAMP-WINDOW', severity: 'warning', why: 'one node\'s clock is 60 s fast until a 133 denial resynchronises it', frames: skewedRequests }] },
  { flow: tunnel, kind: 'clean', title: 'The data path: tunnelled traffic after registering (RFC 5944 §4, RFC 2003, RFC 3024)',
    shows: 'two plain RFC 5944 nodes registering through the FA with reverse tunnelling (T); after each accepting reply the HA sends a gratuitous ARP for the home address on the home link, then tunnels (IP in IP) a correspondent node\'s pings to the care-of address; the FA decapsulates and delivers them on its link, and reverse tunnels the echo replies to the HA, which forwards them to the correspondent; renewals, and pings after them (`-z mip,bindings` lists the bindings and what each carried)' },

  { flow: F.badAuth, kind: 'faulty', title: 'Bad authenticator', shows: 'a damaged MN-HA authenticator, the HA denying it (131) and the node registering on its next try',
    fault: { description: 'the MN-HA authenticator of the first request is damaged (one bit); the FA relays it unchanged', rule: 'MIP-AUTH-VALID' } },
  { flow: F.identityClear, kind: 'faulty', title: 'Identity in clear', shows: 'a node that sends its NAI with E = 0 and its home address in the header while the rest of its identity is encrypted',
    fault: { description: 'GP-NAI content 0 sent with E = 0 and the header Home Address not 0.0.0.0 on the MN→FA and FA→HA hops; the replies echo that Home Address', rule: 'KX-IDENTITY-PRIVACY' } },
  { flow: F.reservedBits, kind: 'faulty', title: 'Reserved bits set', shows: 'a request with the reserved x bit set, relayed and accepted',
    fault: { description: 'the reserved x bit (0x01) of the request flags is set', rule: 'MIP-RESERVED-BITS' } },
  { flow: F.lengthOverrun, kind: 'faulty', title: 'Length that overruns', shows: 'a request whose GP-L2 extension claims 40 bytes more than the message holds; the FA answers 70 (poorly formed) and the node retries',
    fault: { description: 'GP-L2 extension Length runs 40 bytes past the end of the message', rule: 'MIP-WELL-FORMED' },
    expect: [{ rule: 'MIP-AUTH-PRESENT', severity: 'error', why: 'past the overrunning length the MN-HA authentication cannot be found', frames: marked }] },
  { flow: F.truncated, kind: 'faulty', title: 'Truncated packets', shows: 'a clean flow captured with a 96-byte snaplen, so every Mobile IP message is cut short, in a file that itself ends in the middle of its last packet (tshark reports it cut short: the one sample tshark does not open cleanly)', snaplen: 96, cutShort: true,
    fault: { description: 'packets cut to 96 bytes by the capture (caplen < len), and the file cut in the middle of the last packet', rule: 'MIP-WELL-FORMED', frames: cut },
    expect: [{ rule: 'MIP-AUTH-PRESENT', severity: 'error', why: 'the cut removes the authentication extensions of every request and reply', frames: cutRegistrations }] },
  { flow: F.noStrip, kind: 'faulty', title: 'FA not stripping the keys', shows: 'an FA relaying the HA\'s reply to the mobile node with the plaintext KEY2/KEY3 GP-SA extensions still in it',
    fault: { description: 'the FA→MN reply still carries GP-SA content 1 (KEY2) and content 0 (KEY3) with E = 0', rule: 'KX-FA-STRIPS' } },
  { flow: F.key3Mismatch, kind: 'faulty', title: 'FA\'s KEY3 differs from the MN\'s', shows: 'an HA giving the FA another KEY3 than the one it encrypts for the node; the node rejects the FA\'s MN-FA authentication and registers again',
    fault: { description: 'in the HA→FA reply, the plaintext KEY3 (for the FA) differs from the KEY3 encrypted under KEY0 (for the MN)', rule: 'KX-KEY3-MATCH' } },
  { flow: F.key0Travels, kind: 'faulty', title: 'KEY0 travelling in a message', shows: 'an HA sending KEY0 itself as KEY1 (encrypted under KEY0)',
    fault: { description: 'GP-SA content 2 (KEY1) carries KEY0\'s key', rule: 'KX-KEY0-HIDDEN' } },
  { flow: F.key1Clear, kind: 'faulty', title: 'The MN\'s KEY1 unencrypted', shows: 'an HA reply whose KEY1 copy for the mobile node is sent with E = 0 (and so reaches the node in clear)',
    fault: { description: 'GP-SA content 2 (KEY1) before the MN-HA authentication is not encrypted under KEY0', rule: 'KX-REPLY-KEYS' },
    expect: [{ rule: 'KX-FA-STRIPS', severity: 'error', why: 'the plaintext KEY1 sits before the MN-HA authentication, so the FA (rightly keeping that part) passes it on to the mobile node', frames: markedBy('fa1') }] },
  { flow: F.saExpired, kind: 'faulty', title: 'An SA used after its lifetime', shows: 'KEY1/KEY2/KEY3 issued with a 60 s lifetime, and node, FA and HA still using them at the renewals 90 s and 180 s later',
    fault: { description: 'renewals authenticated under KEY1 (and KEY2, KEY3) after the 60 s SA lifetime of their SA-INFO', rule: 'KX-SA-EXPIRED' } },
  { flow: F.keyReused, kind: 'faulty', title: 'Key reused for two nodes', shows: 'a KDC handing the second node the KEY3 it gave the first (under another SPI)',
    fault: { description: 'the second node\'s KEY3 equals the first node\'s KEY3', rule: 'KX-KEY-UNIQUE' } },
  { flow: F.lifetimeGranted, kind: 'faulty', title: 'More lifetime than requested', shows: 'an HA granting 1800 s to a request for 120 s',
    fault: { description: 'the accepting reply grants a longer lifetime than the request asked for', rule: 'MIP-LIFETIME' } },
  { flow: F.replyIdent, kind: 'faulty', title: 'Reply identification mismatch', shows: 'an HA reply whose identification low bits match no request; the FA drops it and the node retransmits',
    fault: { description: 'the low 32 bits of the reply\'s Identification differ from the request\'s', rule: 'MIP-REPLY-IDENT' },
    expect: [{ rule: 'MIP-NO-REPLY', severity: 'warning', why: 'the request the bad reply should have answered is left unanswered', frames: unanswered }, { rule: 'MIP-NO-REQUEST', severity: 'warning', why: 'the bad reply answers no request', frames: unrequested }] },
  { flow: F.faHaOrder, kind: 'faulty', title: 'FA-HA authentication not last', shows: 'an HA reply with the FA-HA authentication before the FA-only GP-SA extensions',
    fault: { description: 'GP-SA extensions follow the FA-HA authentication extension', rule: 'MIP-ORDER-FAHA-LAST' } },
  { flow: F.learnedKeyFails, kind: 'faulty', title: 'A learned key that fails', shows: 'a node renewing under a corrupted copy of the KEY1 it learned; the HA denies 131, the node cannot verify that reply and retransmits correctly',
    fault: { description: 'the renewal\'s MN-HA authentication does not verify under the KEY1 learned from the reply', rule: 'KX-LEARNED-KEY-FAILS' },
    expect: [{ rule: 'MIP-AUTH-VALID', severity: 'error', why: 'the failing authenticator is also simply a bad authenticator', frames: marked }] },
  { flow: F.transformNotOffered, kind: 'faulty', title: 'A transform never offered', shows: 'an HA answering with an algorithm the node never proposed; the node refuses the SA and keeps KEY0',
    fault: { description: 'the accepting reply\'s transform has a TransformId not offered in any proposal', rule: 'KX-NEG-RESPONSE' } },
  { flow: F.proposalOrder, kind: 'faulty', title: 'Proposal numbers out of order', shows: 'proposals numbered 2 then 1',
    fault: { description: 'OR proposals not in increasing ProposalNo order', rule: 'KX-NEG-PROPOSALS' } },
  { flow: F.dhOutOfRange, kind: 'faulty', title: 'Diffie-Hellman value out of range', shows: 'a node offering CV = P − 1 in Oakley group 2; the HA denies it (129)',
    fault: { description: 'KE sub-type 2 with CV = P − 1 (not 1 < CV < P − 1)', rule: 'KX-DH-GROUP' },
    expect: [{ rule: 'KX-NEG-CONVERGE', severity: 'warning', why: 'the denied negotiation is not resumed', frames: marked }] },
  { flow: F.noConvergence, kind: 'faulty', title: 'A negotiation that never converges', shows: 'a node re-offering HMAC-MD5 after every counter-proposal of HMAC-SHA256, until it gives up',
    fault: { description: 'the initiator ignores three counter-proposals and the exchange ends without agreement (every frame belongs to it)', rule: 'KX-NEG-CONVERGE', frames: every } },
];

export function faultFrames(e: CatalogEntry, r: SimResult): number[] {
  return (e.fault?.frames ?? marked)(r);
}

