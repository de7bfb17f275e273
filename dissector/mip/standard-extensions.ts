// Bodies of the standard extensions, registered in the extension table.
import { MIP } from './fields.js';
import { extensionTable, MIP_EXPERT } from './extensions.js';
import type { ExtensionContext, ExtensionHandler, Layout } from './extensions.js';
import { EXTENSION_TYPES } from './fields.js';
import type { FieldDef } from '../fields.js';
import type { Node } from '../tree.js';

const VENDOR_3GPP2 = 5535;
const VENDOR_VERIZON = 12951;

function def(type: number, layout: Layout, dissect?: (x: ExtensionContext) => void): void {
  const h: ExtensionHandler = { name: EXTENSION_TYPES[type] ?? `Extension ${type}`, layout };
  if (dissect) h.dissect = dissect;
  extensionTable.set(type, h);
}

/** Adds a field read from the cursor at its current position. */
function u8(x: ExtensionContext, parent: Node, f: FieldDef): number { const p = x.c.pos; const v = x.c.u8(); x.pkt.add(parent, f, v, p, 1, x.src); return v; }
function u16(x: ExtensionContext, parent: Node, f: FieldDef): number { const p = x.c.pos; const v = x.c.u16(); x.pkt.add(parent, f, v, p, 2, x.src); return v; }
/** A flags field and its bits as children. */
function flags(x: ExtensionContext, parent: Node, f: FieldDef, bitFields: FieldDef[]): number {
  const p = x.c.pos, width = f.type === 'uint8' ? 1 : 2;
  const v = width === 1 ? x.c.u8() : x.c.u16();
  const node = x.pkt.add(parent, f, v, p, width, x.src);
  bits(x, node, v, bitFields);
  return v;
}
function u32(x: ExtensionContext, parent: Node, f: FieldDef): number { const p = x.c.pos; const v = x.c.u32(); x.pkt.add(parent, f, v, p, 4, x.src); return v; }
function bytes(x: ExtensionContext, parent: Node, f: FieldDef, n = x.c.remaining): Uint8Array { const p = x.c.pos; const v = x.c.bytes(n); x.pkt.add(parent, f, v, p, n, x.src); return v; }
function text(x: ExtensionContext, parent: Node, f: FieldDef, n = x.c.remaining): string { const p = x.c.pos; const v = decodeText(x.c.bytes(n)); x.pkt.add(parent, f, v, p, n, x.src); return v; }
function bits(x: ExtensionContext, parent: Node, flags: number, fields: FieldDef[]): void {
  const p = x.c.pos - (fields[0]!.bits / 8);
  for (const f of fields) x.pkt.add(parent, f, f.type === 'bool' ? (flags & f.bitmask) !== 0 : (flags & f.bitmask) >>> f.shift, p, f.bits / 8, x.src);
}

const utf8 = new TextDecoder('utf-8', { fatal: false });
export function decodeText(b: Uint8Array): string { return utf8.decode(b); }

/** Authentication extensions 32, 33, 34: SPI(4) Authenticator (RFC 5944 §3.5). */
function auth(x: ExtensionContext): void {
  u32(x, x.node, MIP.authSpi);
  bytes(x, x.node, MIP.authAuth);
}

def(32, 'short', auth);
def(33, 'short', auth);
def(34, 'short', auth);
def(36, 'long', auth); // RFC 3012 generalized authentication: SubType in the header
def(131, 'short', x => { text(x, x.node, MIP.nai); });
def(132, 'short', x => { bytes(x, x.node, MIP.extension); });

/** CVSE (RFC 3115): Vendor/Org ID(4) Vendor-CVSE-Type(2) Value. */
def(38, 'cvse', x => {
  const vendor = u32(x, x.node, MIP.cvseVendorId);
  if (vendor === VENDOR_VERIZON) u16(x, x.node, MIP.cvseVerizonType); // value not shown, as Wireshark
  else if (vendor === VENDOR_3GPP2) {
    const t = u16(x, x.node, MIP.cvse3gpp2Type);
    if (t === 1 && x.c.remaining >= 4) u32(x, x.node, MIP.cvse3gpp2GreKey);
    else if (x.c.remaining) bytes(x, x.node, MIP.cvseVendorValue);
  } else { u16(x, x.node, MIP.cvseVendorType); bytes(x, x.node, MIP.cvseVendorValue); }
});
// Type 37 is CVSE's older number; Wireshark reads it as a short TLV with opaque data.
def(37, 'short', x => { bytes(x, x.node, MIP.extension); });

/** NVSE (RFC 3115): Reserved(2) Vendor/Org ID(4) Vendor-NVSE-Type(2) Value. */
function nvse(x: ExtensionContext): void {
  u16(x, x.node, MIP.nvseReserved);
  const vendor = u32(x, x.node, MIP.nvseVendorId);
  if (vendor === VENDOR_3GPP2) {
    const t = u16(x, x.node, MIP.nvse3gpp2Type);
    if (t === 16) u16(x, x.node, MIP.nvse3gpp2Type16);
    else if (t === 17) {
      u8(x, x.node, MIP.nvse3gpp2Entity); u8(x, x.node, MIP.nvse3gpp2Subtype1); u8(x, x.node, MIP.nvse3gpp2Length);
      u32(x, x.node, MIP.nvse3gpp2PrimDns);
      u8(x, x.node, MIP.nvse3gpp2Subtype2); u8(x, x.node, MIP.nvse3gpp2Length);
      u32(x, x.node, MIP.nvse3gpp2SecDns);
    } else if (x.c.remaining) x.pkt.addExpert(x.node, MIP_EXPERT.notDissected, x.c.pos, x.c.remaining);
    return;
  }
  u16(x, x.node, MIP.nvseVendorType);
  bytes(x, x.node, MIP.nvseVendorValue);
}
def(133, 'short', nvse);
def(134, 'short', nvse);

/** Revocation support (RFC 3543 §3.3): flags(2) timestamp(4). */
def(137, 'short', x => {
  flags(x, x.node, MIP.rextFlags, [MIP.rextI, MIP.rextReserved]);
  u32(x, x.node, MIP.rextTstamp);
});
/** Dynamic HA (RFC 4433): subtype(1) HA(4). */
def(139, 'short', x => { u8(x, x.node, MIP.dynhaSubtype); u32(x, x.node, MIP.dynhaHa); });
/** Message string (RFC 4917): subtype(1) text. */
def(145, 'short', x => { u8(x, x.node, MIP.msgstrSubtype); text(x, x.node, MIP.msgstrText); });
/** UDP tunnel request (RFC 3519 §3.1): subtype reserved1 flags encap reserved3(2). */
def(144, 'short', x => {
  u8(x, x.node, MIP.utrqSubtype); u8(x, x.node, MIP.utrqReserved1);
  flags(x, x.node, MIP.utrqFlags, [MIP.utrqF, MIP.utrqR, MIP.utrqReserved2]);
  u8(x, x.node, MIP.utrqEncap); u16(x, x.node, MIP.utrqReserved3);
});
/** UDP tunnel reply (RFC 3519 §3.2): subtype code flags(2) keepalive(2). */
def(44, 'short', x => {
  u8(x, x.node, MIP.utrpSubtype); u8(x, x.node, MIP.utrpCode);
  flags(x, x.node, MIP.utrpFlags, [MIP.utrpF, MIP.utrpReserved]);
  u16(x, x.node, MIP.utrpKeepalive);
});
/** PMIPv4 non-skippable (RFC 5563): long format, sub-type 1 = per-node authentication method. */
def(47, 'long', x => { if (x.ext.subtype === 1) u8(x, x.node, MIP.pmipPerNodeAuth); });
/** PMIPv4 skippable (RFC 5563): subtype then by subtype. */
def(147, 'short', x => {
  const p = x.c.pos;
  const st = x.c.peekU8();
  const labels: Record<number, string> = { 0: 'Unknown', 1: 'Interface ID', 2: 'Device ID', 3: 'Subscriber ID', 4: 'Access Technology Type' };
  const sub = x.pkt.addText(x.node, `PMIPv4 Sub-Type: ${labels[st] ?? `Unknown Sub-Type ${st}`}`, p, x.c.remaining, x.src);
  u8(x, sub, MIP.pmipSkipSubtype);
  if (st === 1) bytes(x, sub, MIP.pmipInterfaceId);
  else if (st === 2) { u8(x, sub, MIP.pmipDeviceIdType); bytes(x, sub, MIP.pmipDeviceIdId); }
  else if (st === 3) { const t = u8(x, sub, MIP.pmipSubscriberIdType); if (t === 1) bytes(x, sub, MIP.pmipSubscriberIdId); }
  else if (st === 4) u8(x, sub, MIP.pmipAccessTech);
});
/** Mobile network extension (RFC 5177 §3.1–3.2). */
def(148, 'short', x => {
  const st = u8(x, x.node, MIP.mneSubtype);
  if (st === 0) u8(x, x.node, MIP.mnePrefixLength);
  else if (st === 1 || st === 2) { u8(x, x.node, MIP.mneCode); u8(x, x.node, MIP.mnePrefixLength); u8(x, x.node, MIP.mneReserved); }
  else { x.pkt.addExpert(x.node, MIP_EXPERT.notDissected, x.c.pos, x.c.remaining, 'Unable to decode (Unknown Sub-Type)'); return; }
  u32(x, x.node, MIP.mnePrefix);
});
// Known types with no body dissector: shown as opaque data (as Wireshark does).
for (const t of [45, 46, 128, 129, 130, 136, 138, 140, 141, 142, 149, 150, 151, 152, 255]) def(t, 'short', x => { bytes(x, x.node, MIP.extension); });
