// A ring buffer is one capture to the user: a request whose reply is in another file is linked
// here, after the files are in the store, whether they came in one run or one by one. The rule
// is the session's registration-transaction model (dissector/mip/transactions.ts) carried
// across files: a reply answers a request of the same mobile node (Home Address, Home Agent)
// with the same low 32 bits of the Identification, sent from where the reply goes (a request
// from 0.0.0.0: answered by broadcast or at its care-of address); a request sent to the reply's
// source first, then one sent to a group address, then the latest. Captures are ordered by
// their first time.
import { isGroupAddress as isMipGroupAddress, MAX_AGE } from '../dissector/mip/transactions.js';
import { parseIpv4 } from '../dissector/format.js';
import type { Backend, Link, LooseReply, OpenRequest } from './backend.js';

/** A reply later than this after its request is not its answer: the model closes a transaction after MAX_AGE seconds. */
export const LINK_WINDOW_US = MAX_AGE * 1e6;

const LOW = 0xffffffffn;

function before(a: { captureTime: number; capture: bigint; frame: number }, b: { captureTime: number; capture: bigint; frame: number }): boolean {
  if (a.capture === b.capture) return a.frame < b.frame;
  return a.captureTime < b.captureTime || (a.captureTime === b.captureTime && a.capture < b.capture);
}

/** Limited broadcast, multicast or a directed broadcast (x.x.x.255), as the model tells them. */
function isGroupAddress(a: string | null): boolean {
  const v = a === null ? undefined : parseIpv4(a);
  return v !== undefined && isMipGroupAddress(v);
}

/** Pairs loose replies with open requests of other captures; pure, for tests and every back end. */
export function pairAcross(requests: readonly OpenRequest[], replies: readonly LooseReply[]): Link[] {
  const byLow = new Map<bigint, OpenRequest[]>();
  for (const q of requests) {
    if (q.identification === null) continue;
    const k = q.identification & LOW;
    const l = byLow.get(k);
    if (l) l.push(q); else byLow.set(k, [q]);
  }
  const order = (a: OpenRequest | LooseReply, b: OpenRequest | LooseReply) => (before(a, b) ? -1 : before(b, a) ? 1 : 0);
  const used = new Set<OpenRequest>();
  const links: Link[] = [];
  for (const p of [...replies].sort(order)) {
    if (p.identification === null) continue;
    let best: { q: OpenRequest; score: number } | undefined;
    for (const q of byLow.get(p.identification & LOW) ?? []) {
      if (used.has(q) || q.capture === p.capture || !before(q, p) || p.time - q.time > LINK_WINDOW_US) continue;
      if (q.homeAddress !== p.homeAddress || q.homeAgent !== p.homeAgent) continue;
      const toMe = q.source === p.destination || (q.source === '0.0.0.0' && (isGroupAddress(p.destination) || p.destination === q.careOfAddress));
      if (!toMe) continue;
      const score = q.destination === p.source ? 4 : isGroupAddress(q.destination) ? 2 : 0;
      if (!best || score > best.score || (score === best.score && before(best.q, q))) best = { q, score };
    }
    if (!best) continue;
    used.add(best.q);
    links.push({ capture: best.q.capture, requestFrame: best.q.frame, replyCapture: p.capture, replyFrame: p.frame, code: p.code, seconds: (p.time - best.q.time) / 1e6 });
  }
  return links;
}

/** Links across captures around the time span [first, last] (µs) of the captures just indexed. */
export async function linkAcross(b: Backend, first: number, last: number): Promise<number> {
  const from = first - LINK_WINDOW_US, to = last + LINK_WINDOW_US;
  const links = pairAcross(await b.openRequests(from, to), await b.looseReplies(from, to));
  await b.link(links);
  return links.length;
}
