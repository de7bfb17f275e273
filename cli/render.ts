// The one renderer factory of every command that prints packets (the main command, live
// capture, and whatever else streams packets to standard output): the -T formats, -V, -x and the
// summary line, and the fields the fast path keeps for them.
import type { Packet } from '../dissector/index.js';
import { wantSet } from '../dissector/index.js';
import { FieldExtractor, applyFieldsOption, defaultFieldsOptions } from '../dissector/output/fields.js';
import { packetPsml, psmlFinale, psmlPreamble, summaryLine, tabsLine } from '../dissector/output/summary.js';
import type { Stamp, TimeFormat } from '../dissector/output/summary.js';
import { textPacket } from '../dissector/output/text.js';
import { JsonRenderer } from '../dissector/output/json.js';
import { packetEk } from '../dissector/output/ek.js';
import { packetPdml, pdmlFinale, pdmlPreamble } from '../dissector/output/pdml.js';
import type { CompiledFilter } from '../dissector/filter/index.js';
import { UsageError } from './args.js';
import { fieldsPlan } from './direct-lines.js';
import type { DirectPlan } from './direct-lines.js';
import type { Options } from './args.js';

export const VERSION = '0.1.0';

export type Renderer = {
  begin?: () => string; packet: (pkt: Packet) => string; end?: () => string;
  /** The lines a simple frame's bytes can give directly (./direct-lines.ts), when this output has them. */
  direct?: DirectPlan;
};

/** What the renderers learn from the capture: the time precision of each interface. */
export interface RenderContext { timeDigits: (ifIndex: number) => number }

export function createRenderer(o: Options, ctx: RenderContext): Renderer {
  const fmt = o.timeFormat as TimeFormat;
  const extractor = () => {
    const fo = { ...defaultFieldsOptions, timeDigits: ctx.timeDigits };
    for (const e of o.fieldOptions) applyFieldsOption(fo, e);
    return new FieldExtractor(o.fields, fo);
  };
  // -t dd: the delta from the previous packet *displayed*, which only the renderer knows.
  let shownBefore: Stamp | undefined;
  const shown = (pkt: Packet, line: string) => { if (fmt === 'dd') shownBefore = { sec: pkt.frame.tsSec, nsec: pkt.frame.tsNsec }; return line; };
  const digits = (pkt: Packet) => ctx.timeDigits(pkt.frame.ifIndex);
  switch (o.outputFormat) {
    case 'fields': {
      const x = extractor();
      const direct = fieldsPlan(o.fields, x.opts);
      return { begin: () => (x.opts.header ? x.header() + '\n' : ''), packet: pkt => x.line(pkt) + '\n', ...(direct ? { direct } : {}) };
    }
    case 'text': {
      // tshark prints the summary line unless -V or -x asks for details or bytes.
      const summary = !o.verbose && !o.hex;
      // The summary line alone (the commonest output): no options object per packet.
      if (summary) return { packet: pkt => shown(pkt, summaryLine(pkt, fmt, digits(pkt), shownBefore) + '\n'), ...(fmt === 'r' ? { direct: { kind: 'summary' } as const } : {}) };
      return { packet: pkt => shown(pkt, textPacket(pkt, { summary, details: o.verbose, hex: o.hex, timeFormat: fmt, timeDigits: digits(pkt), ...(shownBefore ? { shownBefore } : {}) })) };
    }
    case 'tabs':
      return { packet: pkt => shown(pkt, tabsLine(pkt, fmt, digits(pkt), shownBefore) + '\n') };
    case 'psml':
      return {
        begin: () => psmlPreamble(`mipscope/${VERSION}`),
        packet: pkt => shown(pkt, packetPsml(pkt, fmt, digits(pkt), shownBefore)),
        end: () => psmlFinale(),
      };
    case 'json': case 'jsonraw': {
      const j = new JsonRenderer({ raw: o.hex || o.outputFormat === 'jsonraw', text: o.outputFormat === 'json', mergeDuplicateKeys: o.noDuplicateKeys, fields: o.fields.length ? extractor() : undefined });
      return { begin: () => j.begin(), packet: pkt => j.packet(pkt), end: () => j.end() };
    }
    case 'ek': {
      const opts = { raw: o.hex, fields: o.fields.length ? extractor() : undefined };
      return { packet: pkt => packetEk(pkt, opts) };
    }
    case 'pdml':
      return {
        begin: () => pdmlPreamble({ creator: `mipscope/${VERSION}`, captureFile: o.read === '-' ? '' : o.read ?? '' }),
        packet: pkt => packetPdml(pkt),
        end: () => pdmlFinale(),
      };
    default:
      throw new UsageError(`invalid -T value '${o.outputFormat}': expected one of text, fields, tabs, psml, json, jsonraw, ek, pdml`);
  }
}

/**
 * Defers a renderer's opening (the "[" of -T json, the PDML preamble) to its first packet, or
 * to the end when the capture was read: an unreadable capture gives the error alone, as tshark.
 */
export function openingWithFirstPacket(r: Renderer, failed: () => boolean): Renderer & { opening: () => string } {
  let opened = false;
  const open = () => { if (opened) return ''; opened = true; return r.begin ? r.begin() : ''; };
  return {
    packet: pkt => open() + r.packet(pkt),
    end: () => (failed() && !opened ? '' : open() + (r.end ? r.end() : '')),
    /** The opening, once: before a line written without packet(); '' after the first time. */
    opening: open,
    ...(r.direct ? { direct: r.direct } : {}),
  };
}

/**
 * The fast path (DESIGN.md principle 7): when the output reads only some fields (-T fields, the
 * summary line) the dissector keeps just those and the display filter's, and builds no tree.
 * Null when the whole tree is needed (-V, -T json/ek/pdml).
 */
export function fastPathFields(o: Options, filter: CompiledFilter | null, also: readonly string[] = []): Uint8Array | null {
  let names: readonly string[];
  if (o.outputFormat === 'fields') names = o.fields;
  else if ((o.outputFormat === 'text' || o.outputFormat === 'tabs' || o.outputFormat === 'psml') && !o.verbose) names = [];
  else return null;
  return wantSet([...names, ...(filter?.fields ?? []), ...also]);
}

