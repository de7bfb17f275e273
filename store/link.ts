// A ring buffer is one capture to the user: a request whose reply is in another file is linked
// here, after the files are in the store, whether they came in one run or one by one. The rule
// is the session's (dissector/mip/tracking.ts) carried across files: a reply answers the latest
// open request of its exchange (same Identification, or its low half with code 133, RFC 5944
// §5.7.1) sent to the reply's source, else the latest open request of the exchange. Captures are
// ordered by their first time.
import type { Backend, Link, LooseReply, OpenRequest } from './backend.js';

/** A reply further than this from its request is not its answer (RFC 5944 §3.6.3 retransmits in seconds). */
export const LINK_WINDOW_US = 600 * 1e6;

const LOW = 0xffffffffn;

function before(a: { captureTime: number; capture: bigint; frame: number }, b: { captureTime: number; capture: bigint; frame: number }): boolean {
  if (a.capture === b.capture) return a.frame < b.frame;
  return a.captureTime < b.captureTime || (a.captureTime === b.captureTime && a.capture < b.capture);
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
  for (const l of byLow.values()) l.sort(order);
  const used = new Set<OpenRequest>();
  const links: Link[] = [];
  for (const p of [...replies].sort(order)) {
    if (p.identification === null) continue;
    const list = byLow.get(p.identification & LOW);
    if (!list) continue;
    const fits = (q: OpenRequest) => !used.has(q) && q.capture !== p.capture && before(q, p) && p.time - q.time <= LINK_WINDOW_US
      && (q.identification === p.identification || p.code === 133);
    let pick: OpenRequest | undefined;
    for (let i = list.length - 1; i >= 0 && !pick; i--) if (fits(list[i]!) && list[i]!.destination === p.source) pick = list[i];
    for (let i = list.length - 1; i >= 0 && !pick; i--) if (fits(list[i]!)) pick = list[i];
    if (!pick) continue;
    used.add(pick);
    links.push({ capture: pick.capture, requestFrame: pick.frame, replyCapture: p.capture, replyFrame: p.frame, code: p.code, seconds: (p.time - pick.time) / 1e6 });
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
