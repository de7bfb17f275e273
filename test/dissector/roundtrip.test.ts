// Decoder and encoder in pairs (DESIGN.md principle 4), in dns-packet's shape: encode(value) →
// decode → the same value; encode again → the same bytes; encodingLength(value) = the bytes'
// length. Values are generated from every declared message and extension (fast-check, fixed
// seed), and the dissector's tree is checked to hold each declared field with its value.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CaptureFileError } from '../../capture/frame.js';
import type { Frame } from '../../capture/frame.js';
import { readCaptureSync } from '../../capture/read.js';
import { udpFrame } from '../../dissector/build.js';
import '../../dissector/index.js';
import { decodeMessage, encodeMessage, encodeRegistrationReply, encodeRegistrationRequest, encodeRevocation, encodeRevocationAck, encodingLength, ext } from '../../dissector/mip/encode.js';
import type { ExtSpec, MessageValue } from '../../dissector/mip/encode.js';
import { extensionHandler, extensionTable } from '../../dissector/mip/extensions.js';
import { KX_TYPE_PREFS } from '../../dissector/kx/fields.js';
import { defaultPrefs } from '../../dissector/prefs.js';
import type { ExtensionDecl, LayoutItem, Values } from '../../dissector/mip/layout.js';
import { leaves } from '../../dissector/mip/layout.js';
import { messageDecls } from '../../dissector/mip/messages.js';
import type { Node, Packet } from '../../dissector/index.js';
import { computeAuthenticator } from '../../dissector/keys/mac.js';
import { standardFrames } from '../../samples/standard.js';
import { randomFrames } from '../fixtures/random-mip.js';
import { ROOT, dissectAll, value, values } from '../helpers.js';

const KEY = new Uint8Array(16).fill(0x11);
const SEED = 20261203;

function mipNode(pkt: Packet): Node | undefined { return pkt.tree.find(n => n.field?.abbrev === 'mip'); }
function mipBytes(pkt: Packet): Uint8Array {
  const mip = mipNode(pkt)!;
  return pkt.sources[mip.src]!.data.subarray(mip.offset, mip.offset + mip.length);
}
/** A capture's frames, up to where it is cut short (one sample is truncated on purpose). */
function readUntilCut(path: string): Frame[] {
  const out: Frame[] = [];
  try { for (const f of readCaptureSync(path)) out.push(f); } catch (e) { if (!(e instanceof CaptureFileError)) throw e; }
  return out;
}

/** Decodes the message and encodes its values again. */
function rebuild(pkt: Packet): Uint8Array { return encodeMessage(decodeMessage(mipBytes(pkt))); }

// ---- Values from the declarations ----

/** Every value an earlier item's key is switched on, so that generated values reach each case. */
function caseValues(items: readonly LayoutItem[], out = new Map<string, number[]>()): Map<string, number[]> {
  for (const item of items) {
    if (item.kind === 'cases') {
      out.set(item.key, [...(out.get(item.key) ?? []), ...Object.keys(item.cases).map(Number)]);
      for (const b of Object.values(item.cases)) caseValues(b, out);
      caseValues(item.otherwise, out);
    } else if (item.kind === 'choice') item.alternatives.forEach(a => caseValues(a, out));
    else if (item.kind === 'subtree') caseValues(item.items, out);
  }
  return out;
}

function uintArb(width: number, known: readonly number[] | undefined): fc.Arbitrary<number> {
  const any = fc.integer({ min: 0, max: 2 ** (8 * width) - 1 });
  return known?.length ? fc.oneof(fc.constantFrom(...known), any) : any;
}

// A text starting with U+FEFF loses it in UTF-8 decoding (a byte order mark), as in Wireshark.
const textArb = fc.string({ unit: 'grapheme', maxLength: 12 }).filter(s => !s.startsWith('\uFEFF'));

/** Values for items in order, each item's arbitrary able to depend on the values before it. */
function valuesArb(items: readonly LayoutItem[], v: Values, known: Map<string, number[]>): fc.Arbitrary<Values> {
  const [item, ...rest] = items;
  if (!item) return fc.constant(v);
  const then = <T>(a: fc.Arbitrary<T | undefined>, key: string) => a.chain(x => valuesArb(rest, x === undefined ? v : { ...v, [key]: x as Values[string] }, known));
  switch (item.kind) {
    case 'uint': return then(uintArb(item.width, known.get(item.key)), item.key);
    case 'ident': return then(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), item.key);
    case 'text': return then(textArb, item.key);
    case 'bytes': case 'undissected': {
      const optional = item.kind === 'bytes' ? item.optional : !item.evenEmpty;
      const b = fc.uint8Array({ minLength: optional ? 1 : 0, maxLength: item.kind === 'bytes' ? item.maxLength ?? 24 : 24 });
      return then(optional ? fc.option(b, { nil: undefined }) : b, item.key);
    }
    case 'cases': return valuesArb([...(item.cases[Number(v[item.key] ?? 0)] ?? item.otherwise), ...rest], v, known);
    case 'choice': return fc.integer({ min: 0, max: item.alternatives.length - 1 }).chain(i => valuesArb([...item.alternatives[i]!, ...rest], v, known));
    case 'subtree': return valuesArb([...item.items, ...rest], v, known);
  }
}

/** The standard extensions, and the KX ones declared (the GP extensions) at their default type numbers. */
const standard: ExtensionDecl[] = [...extensionTable.values()].flatMap(h => (h.decl ? [h.decl] : []));
const kx: ExtensionDecl[] = Object.values(KX_TYPE_PREFS).flatMap(t => extensionHandler(t, defaultPrefs)?.decl ?? []);
const declared = [...standard, ...kx];
/** The expert items of an extension that its fields do not fit. */
const BROKEN = new Set(['_ws.malformed.expert', 'mip.ext.len.short', 'mip.ext.len.overrun']);

function extensionArb(d: ExtensionDecl): fc.Arbitrary<ExtSpec> {
  const known = caseValues(d.body);
  const head: fc.Arbitrary<Values> = d.layout === 'short' ? fc.constant({}) : uintArb(1, known.get('subtype')).map(subtype => ({ subtype }));
  return head.chain(v => valuesArb(d.body, v, known)).map(fields => ({ kind: 'fields', type: d.type, fields }));
}

/** Extensions nobody declares travel as bytes. */
const rawArb: fc.Arbitrary<ExtSpec> = fc.record({ type: fc.constantFrom(1, 2, 160, 211, 250), data: fc.uint8Array({ maxLength: 20 }) });

function messageArb(type: number): fc.Arbitrary<MessageValue> {
  const d = messageDecls.get(type)!;
  const fields = valuesArb(d.items, {}, caseValues(d.items));
  if (d.payload) return fc.record({ type: fc.constant(type), fields, payload: fc.uint8Array({ maxLength: 40 }) });
  const one = fc.oneof(...declared.map(extensionArb), rawArb);
  return fc.record({ type: fc.constant(type), fields, exts: fc.array(one, { maxLength: 5 }) });
}

/** The nodes of a tree in order. */
function flat(n: Node, out: Node[] = []): Node[] { out.push(n); for (const c of n.children ?? []) flat(c, out); return out; }

/** Each field the values select is in the tree, in order, with its value. */
function expectFields(nodes: Node[], items: readonly LayoutItem[], v: Values, where: string): void {
  let at = 0;
  leaves(items, v, item => {
    const field = item.kind === 'ident' ? null : 'field' in item ? item.field : null;
    if (!field || !('key' in item) || v[item.key] === undefined) return;
    const i = nodes.findIndex((n, j) => j >= at && n.field === field);
    expect(i, `${where}: ${field.abbrev}`).toBeGreaterThanOrEqual(0);
    expect(nodes[i]!.value, `${where}: ${field.abbrev}`).toEqual(v[item.key]);
    at = i + 1;
  });
}

describe('round trips from values', () => {
  it('declares every message type the dissector has a body for, and the standard extensions', () => {
    expect([...messageDecls.keys()].sort((a, b) => a - b)).toEqual([1, 3, 4, 7, 8, 9, 15]);
    expect(kx.map(d => d.type).sort((a, b) => a - b)).toEqual([200, 201, 202, 203]);
    expect(standard.map(d => d.type).sort((a, b) => a - b)).toEqual([32, 33, 34, 36, 37, 38, 44, 45, 46, 47, 128, 129, 130, 131, 132, 133, 134, 136, 137, 138, 139, 140, 141, 142, 144, 145, 147, 148, 149, 150, 151, 152, 255]);
  });

  for (const type of [1, 3, 4, 7, 8, 9, 15]) {
    it(`message type ${type}: encode → decode → same value, same bytes, encodingLength`, () => {
      fc.assert(fc.property(messageArb(type), m => {
        const bytes = encodeMessage(m);
        expect(encodingLength(m)).toBe(bytes.length);
        const back = decodeMessage(bytes);
        expect(back).toEqual(m);
        expect(encodeMessage(back)).toEqual(bytes);
      }), { seed: SEED + type, numRuns: 150 });
    });
  }

  it('every declared extension: the dissector shows each field with the value it was built from', () => {
    const samples = declared.flatMap(d => fc.sample(extensionArb(d), { seed: SEED + d.type, numRuns: 30 }));
    const msgs = samples.map(e => encodeRegistrationRequest({ lifetime: 1, homeAddr: '10.0.0.5', haAddr: '10.0.0.1', coa: '192.0.2.9', ident: 7n, exts: [e] }));
    const pkts = dissectAll(msgs.map(payload => ({ ...udpFrame({ src: '192.0.2.9', dst: '10.0.0.1', payload }), tsSec: 0, tsNsec: 0 })));
    pkts.forEach((pkt, i) => {
      const e = samples[i] as ExtSpec & { kind: 'fields' };
      const where = `extension ${e.type} ${JSON.stringify(e.fields, (_, x) => (x instanceof Uint8Array ? Buffer.from(x).toString('hex') : typeof x === 'bigint' ? String(x) : x))}`;
      expect(pkt.experts.filter(x => BROKEN.has(x.expert!.abbrev)).map(x => x.text), where).toEqual([]);
      const extNode = mipNode(pkt)!.children!.find(n => n.text === 'Extensions')!.children![0]!;
      expect(values(pkt, 'mip.ext.type'), where).toEqual([String(e.type)]);
      expectFields(flat(extNode), extensionHandler(e.type, defaultPrefs)!.decl!.body, e.fields, where);
    });
    expect(samples.length).toBe(declared.length * 30);
  });

  it('every declared message: the dissector shows each fixed field with its value', () => {
    for (const [type, d] of messageDecls) {
      for (const m of fc.sample(messageArb(type), { seed: SEED - type, numRuns: 40 })) {
        const [pkt] = dissectAll([{ ...udpFrame({ src: '10.0.0.1', dst: '10.0.0.2', payload: encodeMessage({ ...m, exts: [] }) }), tsSec: 0, tsNsec: 0 }]);
        expect(value(pkt!, 'mip.type')).toBe(String(type));
        const fields = flat(mipNode(pkt!)!);
        expectFields(fields, d.items, m.fields, `message ${type}`);
        if (m.fields.ident !== undefined) expect(fields.find(n => n.field?.abbrev === 'mip.ident.hex')!.value).toBe(m.fields.ident);
      }
    }
  });

  it('computes an authenticator over what precedes it, and the decoded form keeps it', () => {
    const m = { lifetime: 9, homeAddr: '10.0.0.5', haAddr: '10.0.0.1', coa: '192.0.2.9', ident: 3n, exts: [ext.nai('mn@x'), ext.mnHa(0x100, KEY, 'hmac-sha1')] };
    const bytes = encodeRegistrationRequest(m);
    const back = decodeMessage(bytes);
    const auth = back.exts![1]! as ExtSpec & { kind: 'fields' };
    expect(auth.fields.spi).toBe(0x100);
    expect(auth.fields.authenticator).toEqual(computeAuthenticator('hmac-sha1', KEY, bytes.subarray(0, bytes.length - 20)));
    expect(encodingLength(back)).toBe(bytes.length);
    expect(encodeMessage(back)).toEqual(bytes);
  });
});

describe('encoders and dissector agree', () => {
  it('registration request: every fixed field and extension', () => {
    const payload = encodeRegistrationRequest({ flags: { s: true, t: true }, lifetime: 1234, homeAddr: '10.0.0.5', haAddr: '10.0.0.1', coa: '192.0.2.9', ident: 0xe4a85fcb00000001n, exts: [ext.nai('mn1@example.com'), ext.mnHa(0x100, KEY)] });
    const [pkt] = dissectAll([{ ...udpFrame({ src: '192.0.2.9', dst: '10.0.0.1', payload }), tsSec: 0, tsNsec: 0 }]);
    expect(value(pkt!, 'mip.type')).toBe('1');
    expect(value(pkt!, 'mip.flags')).toBe('0x82');
    expect(value(pkt!, 'mip.s')).toBe('1');
    expect(value(pkt!, 'mip.t')).toBe('1');
    expect(value(pkt!, 'mip.b')).toBe('0');
    expect(value(pkt!, 'mip.life')).toBe('1234');
    expect(value(pkt!, 'mip.homeaddr')).toBe('10.0.0.5');
    expect(value(pkt!, 'mip.haaddr')).toBe('10.0.0.1');
    expect(value(pkt!, 'mip.coa')).toBe('192.0.2.9');
    expect(value(pkt!, 'mip.ident.hex')).toBe('0xe4a85fcb00000001');
    expect(values(pkt!, 'mip.ext.type')).toEqual(['131', '32']);
    expect(values(pkt!, 'mip.ext.len')).toEqual(['15', '20']);
    expect(value(pkt!, 'mip.nai')).toBe('mn1@example.com');
    expect(value(pkt!, 'mip.auth.spi')).toBe('0x00000100');
    expect(rebuild(pkt!)).toEqual(payload);
  });

  it('authenticator matches the published vector (docs/protocol.md §A)', () => {
    // The vector's covered bytes are a request whose MN-HA extension follows an NAI extension.
    const payload = encodeRegistrationRequest({ flags: 0x02, lifetime: 0x0708, homeAddr: '10.0.0.5', haAddr: '10.0.0.1', coa: '192.0.2.7', ident: 0xe4a85fcb00000001n, exts: [ext.nai('mn1@example.com'), ext.mnHa(0x100, KEY)] });
    const covered = payload.subarray(0, payload.length - 16);
    expect(Buffer.from(covered).toString('hex')).toBe('010207080a0000050a000001c0000207e4a85fcb00000001830f6d6e31406578616d706c652e636f6d201400000100');
    expect(Buffer.from(payload.subarray(payload.length - 16)).toString('hex')).toBe('4f21db863ad71ea19ad39b1b96bd5321');
    expect(Buffer.from(computeAuthenticator('md5-prefix-suffix', KEY, covered)).toString('hex')).toBe('ec6f27597a38b42130f92d30ec2be49f');
  });

  it('reply, revocation and acknowledgement round-trip', () => {
    const exts: ExtSpec[] = [ext.revocationSupport(true, 77), ext.faHa(0x400, KEY, 'hmac-sha256')];
    const payloads = [
      encodeRegistrationReply({ code: 133, lifetime: 0, homeAddr: '10.0.0.5', haAddr: '10.0.0.1', ident: 5n, exts }),
      encodeRevocation({ a: true, homeAddr: '10.0.0.5', homeDomain: '10.0.0.1', foreignDomain: '192.0.2.1', revocationId: 9, exts }),
      encodeRevocationAck({ i: true, homeAddr: '10.0.0.5', revocationId: 9, exts }),
    ];
    const pkts = dissectAll(payloads.map(p => ({ ...udpFrame({ src: '10.0.0.1', dst: '192.0.2.1', payload: p }), tsSec: 0, tsNsec: 0 })));
    expect(value(pkts[0]!, 'mip.code')).toBe('133');
    expect(value(pkts[1]!, 'mip.rev.a')).toBe('1');
    expect(value(pkts[1]!, 'mip.revid')).toBe('9');
    expect(value(pkts[2]!, 'mip.ack.i')).toBe('1');
    expect(values(pkts[2]!, 'mip.auth.auth')[0]!.length).toBe(64);
    pkts.forEach((p, i) => expect(rebuild(p)).toEqual(payloads[i]));
  });

  it('every message of the standard, random and sample corpora decodes and encodes to the same bytes', () => {
    const captures = readdirSync(join(ROOT, 'samples/captures')).filter(f => f.endsWith('.pcapng'));
    const frames = [...standardFrames(), ...randomFrames(3, 300), ...captures.flatMap(f => readUntilCut(join(ROOT, 'samples/captures', f)))];
    const types = new Map<number, number>();
    for (const pkt of dissectAll(frames)) {
      const mip = mipNode(pkt);
      if (!mip || !messageDecls.has(Number(value(pkt, 'mip.type')))) continue;
      if (pkt.experts.some(e => e.expert!.group === 'malformed')) continue;
      const bytes = Uint8Array.from(mipBytes(pkt)), m = decodeMessage(bytes);
      expect(encodingLength(m)).toBe(bytes.length);
      expect(encodeMessage(m)).toEqual(bytes);
      types.set(m.type, (types.get(m.type) ?? 0) + 1);
    }
    // Every declared message type is met, most many times.
    expect([...types.keys()].sort((a, b) => a - b)).toEqual([1, 3, 4, 7, 8, 9, 15]);
    expect([...types.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(2000);
  });
});
