// A streaming pass without registration tracking, when the output cannot show what tracking
// makes. Request↔reply matching and bindings (dissector/mip/tracking.ts, dissector/bindings.ts)
// cost a third of a summary or -T fields pass and hold every open transaction in memory, yet
// they add only generated fields and expert items of their own (mip.response_in, mip.hop,
// mip.binding.*, mip.retransmission, …): a summary line, or -e/-Y over other fields, is the
// same without them — as long as no packet reads what they would have left in the session.
//
// What could read it: key learning and decryption (a KX extension or message), the tunnel and
// ARP checks against bindings, the other tracked messages (7, 8, 9, 15). The first packet that
// has any of these ends the tracking-free pass: the capture is read again up to it into a
// fresh session with tracking on (no output), and the pass goes on from there as usual. Every
// packet printed before it had none of them, and so its output is what tracking on gives.
import type { Options } from './args.js';
import type { CompiledFilter } from '../dissector/filter/index.js';
import type { Frame } from '../capture/frame.js';
import type { Packet, Session } from '../dissector/index.js';
import { dissectFrame, expertByAbbrev } from '../dissector/index.js';
import { extensionHandler, extensionTable } from '../dissector/mip/extensions.js';
import { TRACKING_FIELDS } from '../dissector/mip/tracking.js';
import { BINDING_FIELDS } from '../dissector/bindings.js';
import { tunnels } from '../dissector/tunnels.js';
import { isColumnName } from '../dissector/output/summary.js';
import { SimpleFrames } from './simple-frames.js';
import { DirectLines } from './direct-lines.js';
import type { DirectPlan } from './direct-lines.js';
import type { Output } from './output.js';

const MADE_BY_TRACKING = new Set([...TRACKING_FIELDS, ...BINDING_FIELDS]);

/** True when a field name's values are the same with tracking off (columns, fields of the dissectors). */
function independentField(name: string): boolean {
  if (isColumnName(name)) return true;
  // Expert items (and the _ws.expert/_ws.malformed fields over them) include tracking's.
  if (name.startsWith('_ws.') || expertByAbbrev(name)) return false;
  return !MADE_BY_TRACKING.has(name);
}

/**
 * Whether a main-command pass may start without tracking: one streaming pass over a file (it
 * can be read again), printing summaries, -x or -T fields, no -z, no keys, and neither -e nor -Y
 * reading a field that tracking makes.
 */
export function trackingFreeAllowed(o: Options, filter: CompiledFilter | null, want: Uint8Array | null, statistics: number): boolean {
  if (want === null || o.twoPass || o.read === undefined || o.read === '-' || statistics > 0 || o.keys !== undefined) return false;
  if (o.interfaces.length || o.listInterfaces) return false;
  const names = [...(o.outputFormat === 'fields' ? o.fields : []), ...(filter?.fields ?? [])];
  return names.every(independentField);
}

const STANDARD_TYPES = new Set([1, 3]);

/**
 * True when a packet dissected with tracking off is exactly what tracking on gives, for every
 * field but tracking's own: no tunnel or ARP (bindings), only Registration Requests and Replies,
 * no extension that a resolver (KX) handles, and nothing learnt, decrypted or verified with a key.
 */
export function independentOfTracking(pkt: Packet): boolean {
  if (tunnels.has(pkt)) return false;
  const layers = pkt.layers;
  for (let i = 0; i < layers.length; i++) if (layers[i] === 'arp') return false;
  const prefs = pkt.session.prefs;
  for (const m of pkt.mip) {
    if (!STANDARD_TYPES.has(m.type)) return false;
    for (const e of m.exts) if (extensionHandler(e.type, prefs) !== extensionTable.get(e.type)) return false;
  }
  if (pkt.kx) {
    for (const k of pkt.kx) {
      if (k.gp.length || k.sa.length || k.learned.length) return false;
      for (const a of k.auth) if (a.sa !== undefined) return false;
    }
  }
  return true;
}

/**
 * The dissection of one streaming pass, tracking-free while it may be: `dissect` gives every
 * frame's packet as a pass with tracking on would (for what the pass prints). `reread` reads the
 * capture again from its first frame; `fresh` makes a new session (with the keys and preferences).
 */
export class StreamingDissection {
  session: Session;
  /** The frame at which tracking was turned back on (null: never, or it was never off). */
  fellBackAt: number | null = null;

  /** The fast path for the commonest frames (./simple-frames.ts), while tracking-free. */
  private readonly simple: SimpleFrames | null;

  constructor(session: Session, private readonly want: Uint8Array | null, trackingFree: boolean,
    private readonly fresh: () => Session, private readonly reread: () => Iterable<Frame>, simpleFrames = true) {
    this.session = session;
    session.skipTracking = trackingFree;
    const simple = new SimpleFrames(session.prefs);
    this.simple = simpleFrames && trackingFree && want !== null && simple.usable ? simple : null;
  }

  /** Direct lines over this pass's simple frames (./direct-lines.ts), or null when the pass has no fast path. */
  directLines(plan: DirectPlan, digits: (ifIndex: number) => number, filter: CompiledFilter | null): DirectLines | null {
    return this.simple ? new DirectLines(this.simple, plan, digits, filter, this.want) : null;
  }

  /** Writes frame f's line straight from its bytes, when it is simple and the pass still tracking-free; else false. */
  writeLine(f: Frame, lines: DirectLines, out: Output): boolean {
    return this.session.skipTracking && lines.write(f, this.session, out);
  }

  dissect(f: Frame): Packet {
    if (this.simple !== null && this.session.skipTracking) {
      const p = this.simple.dissect(f, this.session, this.want!);
      if (p !== null) return p;
    }
    const pkt = dissectFrame(f, this.session, this.want);
    if (!this.session.skipTracking || independentOfTracking(pkt)) return pkt;
    // The frames before this one, again, into a session with tracking on (nothing is printed).
    const s = this.fresh();
    s.retain = false;
    for (const g of this.reread()) {
      if (g.no >= f.no) break;
      dissectFrame(g, s, this.want);
    }
    this.session = s;
    this.fellBackAt = f.no;
    return dissectFrame(f, s, this.want);
  }
}
