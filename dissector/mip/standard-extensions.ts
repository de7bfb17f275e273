// The standard extensions, each declared once (layout.ts): its header layout, the field of its
// sub-type byte and its body. The dissector, the encoder's builders, the decoder and the
// encoding length are derived from these declarations.
import { MIP } from './fields.js';
import { MIP_EXPERT } from './extensions.js';
import type { Layout } from './extensions.js';
import { valueName } from '../fields.js';
import type { FieldDef } from '../fields.js';
import { bitmask, bytes, cases, choice, declareExtension, subtree, text, uint, undissected } from './layout.js';
import type { LayoutItem } from './layout.js';

export const VENDOR_3GPP2 = 5535;
export const VENDOR_VERIZON = 12951;

function def(type: number, layout: Layout, body: readonly LayoutItem[], subtype?: FieldDef): void {
  declareExtension(subtype ? { type, layout, body, subtype } : { type, layout, body });
}

/** Authentication extensions 32, 33, 34: SPI(4) Authenticator (RFC 5944 §3.5). */
const AUTH = [uint('spi', MIP.authSpi), bytes('authenticator', MIP.authAuth)];
def(32, 'short', AUTH);
def(33, 'short', AUTH);
def(34, 'short', AUTH);
def(36, 'long', AUTH, MIP.gaextSubtype); // RFC 3012 generalized authentication: SubType in the header
def(131, 'short', [text('nai', MIP.nai)]);
/** Opaque data, as Wireshark shows the types it has no body dissector for. */
const OPAQUE = [bytes('data', MIP.extension)];
def(132, 'short', OPAQUE);

/** CVSE (RFC 3115): Vendor/Org ID(4) Vendor-CVSE-Type(2) Value. */
def(38, 'cvse', [
  uint('vendorId', MIP.cvseVendorId),
  cases('vendorId', {
    [VENDOR_VERIZON]: [uint('vendorType', MIP.cvseVerizonType), bytes('vendorValue', null, { optional: true })], // value not shown, as Wireshark
    [VENDOR_3GPP2]: [uint('vendorType', MIP.cvse3gpp2Type), cases('vendorType', {
      // Type 1 carries a GRE key when four bytes are there (the rest not shown).
      1: [choice([uint('greKey', MIP.cvse3gpp2GreKey), bytes('vendorValue', null, { optional: true })], [bytes('vendorValue', MIP.cvseVendorValue, { optional: true, maxLength: 3 })])],
    }, [bytes('vendorValue', MIP.cvseVendorValue, { optional: true })])],
  }, [uint('vendorType', MIP.cvseVendorType), bytes('vendorValue', MIP.cvseVendorValue)]),
], MIP.cvseReserved);
// Type 37 is CVSE's older number; Wireshark reads it as a short TLV with opaque data.
def(37, 'short', OPAQUE);

/** NVSE (RFC 3115): Reserved(2) Vendor/Org ID(4) Vendor-NVSE-Type(2) Value. */
const NVSE = [
  uint('reserved', MIP.nvseReserved),
  uint('vendorId', MIP.nvseVendorId),
  cases('vendorId', {
    [VENDOR_3GPP2]: [uint('vendorType', MIP.nvse3gpp2Type), cases('vendorType', {
      16: [uint('pppLink', MIP.nvse3gpp2Type16)],
      17: [uint('entity', MIP.nvse3gpp2Entity), uint('subtype1', MIP.nvse3gpp2Subtype1), uint('length1', MIP.nvse3gpp2Length),
        uint('primaryDns', MIP.nvse3gpp2PrimDns),
        uint('subtype2', MIP.nvse3gpp2Subtype2), uint('length2', MIP.nvse3gpp2Length),
        uint('secondaryDns', MIP.nvse3gpp2SecDns)],
    }, [undissected('vendorValue', MIP_EXPERT.notDissected)])],
  }, [uint('vendorType', MIP.nvseVendorType), bytes('vendorValue', MIP.nvseVendorValue)]),
];
def(133, 'short', NVSE);
def(134, 'short', NVSE);

/** Revocation support (RFC 3543 §3.3): flags(2) timestamp(4). */
def(137, 'short', [bitmask('flags', MIP.rextFlags, [MIP.rextI, MIP.rextReserved]), uint('timestamp', MIP.rextTstamp)]);
/** Dynamic HA (RFC 4433): subtype(1) HA(4). */
def(139, 'short', [uint('subtype', MIP.dynhaSubtype), uint('ha', MIP.dynhaHa)]);
/** Message string (RFC 4917): subtype(1) text. */
def(145, 'short', [uint('subtype', MIP.msgstrSubtype), text('text', MIP.msgstrText)]);
/** UDP tunnel request (RFC 3519 §3.1): subtype reserved1 flags encap reserved3(2). */
def(144, 'short', [
  uint('subtype', MIP.utrqSubtype), uint('reserved1', MIP.utrqReserved1),
  bitmask('flags', MIP.utrqFlags, [MIP.utrqF, MIP.utrqR, MIP.utrqReserved2]),
  uint('encap', MIP.utrqEncap), uint('reserved3', MIP.utrqReserved3),
]);
/** UDP tunnel reply (RFC 3519 §3.2): subtype code flags(2) keepalive(2). */
def(44, 'short', [
  uint('subtype', MIP.utrpSubtype), uint('code', MIP.utrpCode),
  bitmask('flags', MIP.utrpFlags, [MIP.utrpF, MIP.utrpReserved]),
  uint('keepalive', MIP.utrpKeepalive),
]);
/** PMIPv4 non-skippable (RFC 5563): long format, sub-type 1 = per-node authentication method. */
def(47, 'long', [cases('subtype', { 1: [uint('method', MIP.pmipPerNodeAuth)] })], MIP.pmipNonskipSubtype);
/** PMIPv4 skippable (RFC 5563): subtype then by subtype. */
def(147, 'short', [subtree(st => `PMIPv4 Sub-Type: ${valueName(MIP.pmipSkipSubtype, st) ?? `Unknown Sub-Type ${st}`}`, [
  uint('subtype', MIP.pmipSkipSubtype),
  cases('subtype', {
    1: [bytes('interfaceId', MIP.pmipInterfaceId)],
    2: [uint('deviceIdType', MIP.pmipDeviceIdType), bytes('deviceId', MIP.pmipDeviceIdId)],
    3: [uint('subscriberIdType', MIP.pmipSubscriberIdType), cases('subscriberIdType', { 1: [bytes('subscriberId', MIP.pmipSubscriberIdId)] })],
    4: [uint('accessTechnology', MIP.pmipAccessTech)],
  }),
])]);
/** Mobile network extension (RFC 5177 §3.1–3.2). */
def(148, 'short', [
  uint('subtype', MIP.mneSubtype),
  cases('subtype', {
    0: [uint('prefixLength', MIP.mnePrefixLength), uint('prefix', MIP.mnePrefix)],
    1: [uint('code', MIP.mneCode), uint('prefixLength', MIP.mnePrefixLength), uint('reserved', MIP.mneReserved), uint('prefix', MIP.mnePrefix)],
    2: [uint('code', MIP.mneCode), uint('prefixLength', MIP.mnePrefixLength), uint('reserved', MIP.mneReserved), uint('prefix', MIP.mnePrefix)],
  }, [undissected('rest', MIP_EXPERT.notDissected, { message: 'Unable to decode (Unknown Sub-Type)', evenEmpty: true })]),
]);
// Known types with no body dissector: shown as opaque data (as Wireshark does).
for (const t of [45, 46, 128, 129, 130, 136, 138, 140, 141, 142, 149, 150, 151, 152, 255]) def(t, 'short', OPAQUE);
