// `-T pdml`: tshark's Packet Details Markup Language (write_pdml_proto_tree). Protocols are
// <proto name showname size pos>, fields <field name showname [hide] size pos show value
// [unmaskedvalue]>, text labels <field name="" show=…>, a top-level field is wrapped in a
// "fake-field-wrapper" protocol, and each packet starts with the "geninfo" pseudo-protocol.
import { absTimeString, hex, nodeText } from '../format.js';
import type { Packet } from '../packet.js';
import type { Node } from '../tree.js';
import { displayRepr, isProtocolLike, memoByValue, rawHex, spanLength, spanOffset, viewChildren } from './view.js';
import type { ValueMemo } from './view.js';

export interface PdmlOptions {
  /** The capture file's name, for the <pdml capture_file=…> attribute. */
  captureFile?: string;
  /** "name/version" of the program, for the creator attribute. */
  creator?: string;
  /** The time written in the preamble (default: now). */
  now?: Date;
}

const IND: string[] = Array.from({ length: 64 }, (_, i) => '  '.repeat(i));
const ind = (level: number) => IND[level] ?? '  '.repeat(level);

/**
 * XML escaping as tshark 4.0's print_escaped_xml: the five entities, and control characters
 * other than tab, newline and return as \x followed by their hex; everything else (UTF-8
 * included) as is.
 */
export function escapeXml(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 9 && c !== 10 && c !== 13) || c === 0x26 || c === 0x3c || c === 0x3e || c === 0x22 || c === 0x27 || c === 0x7f) return escapeSlow(s);
  }
  return s;
}

function escapeSlow(s: string): string {
  return s.replace(/[&<>"'\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, ch => {
    switch (ch) {
      case '&': return '&amp;';
      case '<': return '&lt;';
      case '>': return '&gt;';
      case '"': return '&quot;';
      case "'": return '&#x27;';
      default: return '\\x' + ch.charCodeAt(0).toString(16);
    }
  });
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** C's asctime() of the local time, without its newline: "Fri Nov 27 17:42:29 2026". */
function asctime(d: Date): string {
  const p2 = (x: number) => (x < 10 ? '0' : '') + x;
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())} ${d.getFullYear()}`;
}

/** The document's opening lines. */
export function pdmlPreamble(opts: PdmlOptions = {}): string {
  return '<?xml version="1.0" encoding="utf-8"?>\n' +
    '<?xml-stylesheet type="text/xsl" href="pdml2html.xsl"?>\n' +
    '<!-- You can find pdml2html.xsl at https://gitlab.com/wireshark/wireshark/-/raw/master/pdml2html.xsl. -->\n' +
    `<pdml version="0" creator="${escapeXml(opts.creator ?? 'mipscope')}" time="${asctime(opts.now ?? new Date())}" capture_file="${escapeXml(opts.captureFile ?? '')}">\n`;
}

export function pdmlFinale(): string { return '</pdml>\n'; }

function geninfo(pkt: Packet): string {
  const f = pkt.frame;
  const size = pkt.tree[0]?.length ?? f.caplen;
  const ts = `${f.tsSec}.${String(f.tsNsec).padStart(9, '0')}`;
  return `  <proto name="geninfo" pos="0" showname="General information" size="${size}">\n` +
    `    <field name="num" pos="0" show="${f.no}" showname="Number" value="${f.no.toString(16)}" size="${size}"/>\n` +
    `    <field name="len" pos="0" show="${f.len}" showname="Frame Length" value="${f.len.toString(16)}" size="${size}"/>\n` +
    `    <field name="caplen" pos="0" show="${f.caplen}" showname="Captured Length" value="${f.caplen.toString(16)}" size="${size}"/>\n` +
    `    <field name="timestamp" pos="0" show="${absTimeString({ sec: f.tsSec, nsec: f.tsNsec })}" showname="Captured Time" value="${ts}" size="${size}"/>\n` +
    '  </proto>\n';
}

/** Hex of data[offset, offset + length), clamped to the buffer. */
function hexRange(data: Uint8Array, offset: number, length: number): string {
  return offset < data.length ? hex(data.subarray(offset, Math.min(offset + length, data.length))) : '';
}

// Per field: '<field name="abbrev" showname="' and '<proto name="abbrev" showname="'.
const fieldOpen: string[] = [], protoOpen: string[] = [];
function openTag(tag: 'field' | 'proto', abbrev: string, id: number): string {
  const cache = tag === 'field' ? fieldOpen : protoOpen;
  if (id >= 0 && cache[id] !== undefined) return cache[id]!;
  const s = `<${tag} name="${escapeXml(abbrev)}" showname="`;
  if (id >= 0) cache[id] = s;
  return s;
}

const shownames: ValueMemo = [], shows: ValueMemo = [];
const escapedLabel = (n: Node) => escapeXml(nodeText(n));
const escapedShow = (n: Node) => { const v = displayRepr(n); return v === null ? '' : '" show="' + escapeXml(v); };

/** One packet: <packet>, geninfo, the tree, </packet> and a blank line. */
export function packetPdml(pkt: Packet): string {
  const out: string[] = ['<packet>\n', geninfo(pkt)];
  const sources = pkt.sources;
  const write = (n: Node, parent: Node | null, level: number) => {
    const f = n.field;
    const wrap = level === 0 && (!f || f.type !== 'protocol' || f.abbrev === 'data') && !n.expert;
    if (wrap) { out.push(ind(level + 1), '<proto name="fake-field-wrapper">\n'); level++; }
    const pre = ind(level + 1);
    const children = viewChildren(n);
    const size = spanLength(n);
    // tshark's rule: a node that starts before its parent is shown at parent + offset.
    const offset = spanOffset(n);
    const pos = parent && offset < spanOffset(parent) ? spanOffset(parent) + offset : offset;
    const data = sources[n.src]?.data ?? EMPTY;
    let close: string;
    if (!f) {
      out.push(pre, '<field name="" show="', escapeXml(nodeText(n)), '" size="', String(size), '" pos="', String(pos));
      if (size > 0) out.push('" value="', hexRange(data, n.offset, size));
      out.push(children ? '">\n' : '"/>\n');
      close = '</field>\n';
    } else if (f.abbrev === 'data' && f.type === 'protocol') {
      out.push(pre, '<field name="data" value="', hexRange(data, n.offset, size), '">\n');
      close = '</field>\n';
    } else {
      const tag = f.type === 'protocol' && !n.expert ? 'proto' : 'field';
      close = tag === 'proto' ? '</proto>\n' : '</field>\n';
      out.push(pre, openTag(tag, f.abbrev, f.id), memoByValue(shownames, n, escapedLabel), n.hidden ? '" hide="yes" size="' : '" size="', String(size), '" pos="', String(pos));
      if (!isProtocolLike(n)) {
        if (f.type === 'none') out.push('" show="" value="');
        else {
          out.push(memoByValue(shows, n, escapedShow));
          if (size > 0) {
            if (f.bitmask) out.push('" value="', rawHex(pkt, n), '" unmaskedvalue="', hexRange(data, n.offset, size));
            else out.push('" value="', hexRange(data, n.offset, size));
          }
        }
      }
      out.push(children ? '">\n' : '"/>\n');
    }
    if (children) {
      for (let i = 0; i < children.length; i++) write(children[i]!, n, level + 1);
      out.push(pre, close);
    }
    if (wrap) out.push(ind(level), '</proto>\n');
  };
  for (const n of pkt.tree) write(n, null, 0);
  out.push('</packet>\n\n');
  return out.join('');
}

const EMPTY = new Uint8Array(0);
