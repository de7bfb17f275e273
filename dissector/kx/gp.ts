// The general-purpose extensions GP-NAI, GP-IP, GP-L2 and GP-SA (docs/protocol.md §B.1, WO 01/26322 Figs. 8-11):
// Type Length ContentType Flags SPI INFO, INFO encrypted under the SA of SPI when E = 1.
import { AUTH_ALG_IDS, AUTH_KEY_SIZES } from '../keys/mac.js';
import { CIPHER_IDS, CIPHER_KEY_SIZES } from '../keys/ciphers.js';
import { Cursor, readU32 } from '../cursor.js';
import type { ExtensionContext, ExtensionHandler } from '../mip/extensions.js';
import { etherString, ipv4String, ipv6String, utf8Text } from '../format.js';
import type { Packet } from '../packet.js';
import type { Node } from '../tree.js';
import { GP_CONTENT_NAMES, KX, KX_EXPERT, KX_TYPE_PREFS } from './fields.js';
import { bitmask, bytes, readItems, uint } from '../mip/layout.js';
import type { ExtensionDecl, LayoutItem, Values } from '../mip/layout.js';
import { decryptPart, spiHex } from './decrypt.js';
import { messageKx } from './records.js';
import type { GpKind, GpRecord, SaInfo } from './records.js';

export const GP_NAMES: Readonly<Record<GpKind, string>> = { gp_nai: 'GP-NAI', gp_ip: 'GP-IP', gp_l2: 'GP-L2', gp_sa: 'GP-SA' };

/** Where INFO is read from: the message bytes, or a decrypted data source (then fields are generated). */
interface InfoView { pkt: Packet; parent: Node; buf: Uint8Array; start: number; end: number; src: number; generated: boolean }

function add(v: InfoView, f: typeof KX[keyof typeof KX], value: string | number | Uint8Array, off: number, len: number): Node {
  return v.generated ? v.pkt.addGenerated(v.parent, f, value, off, len, v.src) : v.pkt.add(v.parent, f, value, off, len, v.src);
}

const DIGITS = /^[0-9]+$/;

/** Decodes INFO by extension kind and content type; returns a short text for the extension's label. */
function decodeInfo(kind: GpKind, content: number, v: InfoView, rec: GpRecord): string {
  const { pkt, buf, start, end } = v;
  const len = end - start;
  const bytes = buf.subarray(start, end);
  const raw = (why: string) => {
    const n = add(v, KX.gpInfo, bytes, start, len);
    pkt.addExpert(n, KX_EXPERT.infoLength, start, len, why);
    return '';
  };
  switch (kind) {
    case 'gp_nai': {
      const nai = utf8Text(bytes);
      add(v, KX.nai, nai, start, len);
      rec.nai = nai;
      if (len === 0) pkt.addExpert(v.parent, KX_EXPERT.infoLength, start, 0, 'GP-NAI: the NAI is empty');
      return nai;
    }
    case 'gp_ip': {
      if (len === 4) { const ip = readU32(buf, start); add(v, KX.ip, ip, start, 4); rec.ip = ip; return ipv4String(ip); }
      if (len === 16) {
        // In mip.kx.ip with the IPv4 addresses, in wire order, compressed as tshark prints IPv6;
        // mip.kx.ip6 (hidden) keeps naming the IPv6 ones alone.
        const s = ipv6String(bytes);
        add(v, KX.ip, s, start, 16);
        v.pkt.addHidden(v.parent, KX.ip6, s, start, 16, v.src);
        rec.ip6 = s;
        return s;
      }
      return raw(`GP-IP: INFO is ${len} bytes; an address is 4 (IPv4) or 16 (IPv6)`);
    }
    case 'gp_l2': {
      if (content === 0) {
        if (len !== 6) return raw(`GP-L2: an Ethernet address is 6 bytes, INFO is ${len}`);
        add(v, KX.l2Eth, bytes, start, 6);
        rec.eth = bytes.slice();
        return etherString(bytes);
      }
      if (content === 1 || content === 2) {
        const s = utf8Text(bytes);
        add(v, content === 1 ? KX.l2Imsi : KX.l2Min, s, start, len);
        rec.l2Text = s;
        const ok = DIGITS.test(s) && (content === 1 ? len >= 6 && len <= 15 : len === 10);
        if (!ok) pkt.addExpert(v.parent, KX_EXPERT.infoLength, start, len, content === 1 ? `GP-L2: an IMSI is 6 to 15 ASCII digits (got ${len} bytes)` : `GP-L2: a MIN is 10 ASCII digits (got ${len} bytes)`);
        return s;
      }
      add(v, KX.gpInfo, bytes, start, len);
      return '';
    }
    case 'gp_sa': return decodeSaInfo(v, rec);
  }
}

/** SA-INFO's fixed part: NewSPI(4) AuthAlg(1) CipherAlg(1) Lifetime(4) KeyLen(1) (docs/protocol.md §B.1); the encoder writes it from the same items. */
export const SA_INFO_FIXED: readonly LayoutItem[] = [
  uint('newSpi', KX.saNewSpi),
  uint('authAlg', KX.saAuthAlg, { check: x => { if (x.value !== 0 && !AUTH_ALG_IDS[x.value]) x.pkt.addExpert(x.node, KX_EXPERT.saAlg, x.offset, 1, `Unknown authentication algorithm ${x.value}`); } }),
  uint('cipherAlg', KX.saCipherAlg, { check: x => { if (x.value !== 0 && !CIPHER_IDS[x.value]) x.pkt.addExpert(x.node, KX_EXPERT.saAlg, x.offset, 1, `Unknown cipher algorithm ${x.value}`); } }),
  uint('lifetime', KX.saLifetime),
  uint('keyLen', KX.saKeyLen),
];

/** SA-INFO: the fixed part, then Key(KeyLen) (docs/protocol.md §B.1). */
function decodeSaInfo(v: InfoView, rec: GpRecord): string {
  const { pkt, buf, start, end } = v;
  if (end - start < 11) {
    const n = add(v, KX.gpInfo, buf.subarray(start, end), start, end - start);
    pkt.addExpert(n, KX_EXPERT.saInfo, start, end - start, `SA-INFO needs at least 11 bytes, INFO has ${end - start}`);
    return '';
  }
  const f: Values = {}, nodes: Record<string, Node> = {};
  readItems(SA_INFO_FIXED, { pkt, parent: v.parent, src: v.src, c: new Cursor(buf, start, end), v: f, nodes, generated: v.generated });
  const newSpi = f.newSpi as number, authAlg = f.authAlg as number, cipherAlg = f.cipherAlg as number, lifetime = f.lifetime as number, keyLen = f.keyLen as number;
  const an = nodes.authAlg!, kn = nodes.keyLen!;
  const avail = end - start - 11;
  const key = buf.subarray(start + 11, start + 11 + Math.min(keyLen, avail));
  add(v, KX.saKey, key, start + 11, key.length);
  if (keyLen > avail) {
    pkt.addExpert(kn, KX_EXPERT.saInfo, start + 10, 1, `KeyLen ${keyLen} runs past SA-INFO (${avail} bytes remain)`);
    return spiHex(newSpi);
  }
  if (keyLen < avail) pkt.addExpert(kn, KX_EXPERT.saInfo, start + 11 + keyLen, avail - keyLen, `${avail - keyLen} byte(s) after the key are not part of SA-INFO`);
  // E.8: one key serves both algorithms; its length is the cipher's key size, else the MAC's.
  const cipher = CIPHER_IDS[cipherAlg], auth = AUTH_ALG_IDS[authAlg];
  const want = cipher ? CIPHER_KEY_SIZES[cipher] : auth ? AUTH_KEY_SIZES[auth] : undefined;
  if (want !== undefined && want !== keyLen) pkt.addExpert(kn, KX_EXPERT.saInfo, start + 10, 1, `KeyLen ${keyLen} is not the ${cipher ?? auth} key size ${want} (docs/protocol.md §E.8)`);
  if (authAlg === 0 && cipherAlg === 0) pkt.addExpert(an, KX_EXPERT.saInfo, start + 4, 2, 'SA-INFO names neither an authentication algorithm nor a cipher');
  const info: SaInfo = { newSpi, authAlg, cipherAlg, lifetime, key: key.slice() };
  rec.saInfo = info;
  return `New SPI ${spiHex(newSpi)}`;
}

/** ContentType(1) Flags(1: E, reserved) SPI(4), each checked as it is read (docs/protocol.md §B.1). */
function gpHeaderItems(kind: GpKind): LayoutItem[] {
  return [
    uint('content', KX.gpContent, { check: x => {
      const name = GP_CONTENT_NAMES[kind][x.value];
      if (name) x.node.append = ` (${name})`;
      else x.pkt.addExpert(x.node, KX_EXPERT.gpContent, x.offset, 1, `${GP_NAMES[kind]}: unknown content type ${x.value}`);
    } }),
    bitmask('flags', KX.gpFlags, [KX.gpE, KX.gpReserved], { check: x => {
      if (x.value & 0x7f) x.pkt.addExpert(x.node, KX_EXPERT.gpReserved, x.offset, 1, `Reserved flag bits set (0x${(x.value & 0x7f).toString(16).padStart(2, '0')}), sent as zero (docs/protocol.md §B.1)`);
    } }),
    uint('spi', KX.gpSpi, { check: x => {
      const e = ((x.v.flags as number) & 0x80) !== 0;
      if (!e && x.value !== 0) x.pkt.addExpert(x.node, KX_EXPERT.gpSpi, x.offset, 4, `SPI is ${spiHex(x.value)} on an unencrypted extension (E = 0 sends SPI 0)`);
      if (e && x.value < 256) x.pkt.addExpert(x.node, KX_EXPERT.gpSpi, x.offset, 4, `SPI ${x.value} is reserved (0-255), yet INFO is encrypted under it`);
    } }),
  ];
}
const GP_HEADERS = Object.fromEntries((Object.keys(GP_NAMES) as GpKind[]).map(k => [k, gpHeaderItems(k)])) as Record<GpKind, LayoutItem[]>;
/** The declared header of a GP extension's data (the encoder builds it from the same items). */
export function gpHeader(kind: GpKind): readonly LayoutItem[] { return GP_HEADERS[kind]; }

function gpDissector(kind: GpKind) {
  return (x: ExtensionContext): void => {
    const { pkt, node, buf, src, ext } = x;
    const start = ext.offset + ext.hdrLen;
    if (ext.length < 6) {
      pkt.addExpert(node, KX_EXPERT.gpShort, ext.offset + 1, 1, `${GP_NAMES[kind]}: Length ${ext.length} is shorter than ContentType, Flags and SPI (6 bytes)`);
      if (ext.length > 0) pkt.add(node, KX.gpInfo, buf.subarray(start, ext.end), start, ext.length, src);
      return;
    }
    const v: Values = {};
    readItems(gpHeader(kind), { pkt, parent: node, src, c: x.c, v });
    const content = v.content as number, e = ((v.flags as number) & 0x80) !== 0, spi = v.spi as number;
    const rec: GpRecord = { kind, index: x.msg.exts.indexOf(ext), content, encrypted: e, spi, readable: !e, node, at: { offset: ext.offset, length: ext.end - ext.offset, src } };
    messageKx(x.pkt, x.msg).gp.push(rec);
    const infoStart = start + 6, infoEnd = ext.end;
    let label = '';
    if (!e) {
      label = decodeInfo(kind, content, { pkt, parent: node, buf, start: infoStart, end: infoEnd, src, generated: false }, rec);
    } else {
      const d = decryptPart(pkt, node, {
        spi, buf, offset: infoStart, length: infoEnd - infoStart, src,
        // AEAD associated data: Type, Length, ContentType, Flags, SPI (docs/protocol.md §B.2).
        aad: buf.slice(ext.offset, ext.offset + 8), what: GP_NAMES[kind], headerOffset: ext.offset,
      });
      pkt.addGenerated(node, KX.gpDecrypted, d !== null, start + 1, 1, src);
      if (d) {
        rec.readable = true;
        label = decodeInfo(kind, content, { pkt, parent: node, buf: d.plain, start: 0, end: d.plain.length, src: d.src, generated: true }, rec);
        if (content === 0 && label && (kind === 'gp_nai' || kind === 'gp_ip')) showDecrypted(pkt, kind === 'gp_nai' ? `NAI=${label}` : `HoA=${label}`);
      } else label = 'encrypted';
    }
    if (label) node.append = `: ${label}`;
  };
}

/**
 * The summary line answers "who is this" without -V: the mobile node's identity the keys
 * decrypted goes into the Info column, marked as decrypted ("[decrypted: NAI=… HoA=…]").
 */
function showDecrypted(pkt: Packet, item: string): void {
  const mark = ' [decrypted: ';
  const at = pkt.info.lastIndexOf(mark);
  // Added to the mark when it is still the last thing in the column.
  if (at >= 0 && pkt.info.indexOf(']', at) === pkt.info.length - 1) {
    const body = pkt.info.slice(at + mark.length, -1);
    // The NAI first, then the home address, whatever order the extensions came in.
    pkt.info = pkt.info.slice(0, at + mark.length) + (item.startsWith('NAI=') ? `${item} ${body}` : `${body} ${item}`) + ']';
  }
  else pkt.info += `${mark}${item}]`;
}

export function gpHandler(kind: GpKind): ExtensionHandler {
  // Declared for the encoder and decoder: the header, then INFO as bytes (plain or encrypted).
  const decl: ExtensionDecl = { type: KX_TYPE_PREFS[kind], layout: 'short', body: [...gpHeader(kind), bytes('info', null)] };
  return { name: `${GP_NAMES[kind]} Extension`, layout: 'short', decl, dissect: gpDissector(kind) };
}
