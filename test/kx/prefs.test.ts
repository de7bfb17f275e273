// The KX type numbers are preferences (docs/protocol.md §B: `-o mip.kx.type.gp_nai:200` …), applied per
// session through the extension resolver.
import { describe, expect, it } from 'vitest';
import { udpFrame } from '../../dissector/build.js';
import { dissectFrame, parsePrefs, prefDefaults, Session } from '../../dissector/index.js';
import { encodeRegistrationRequest } from '../../dissector/mip/encode.js';
import { gp, saPayload } from '../../dissector/kx/encode.js';
import { toFrames, values } from '../helpers.js';

function dissect(payload: Uint8Array, prefs = parsePrefs([])) {
  const [f] = toFrames([{ ...udpFrame({ src: '10.0.0.1', dst: '10.0.0.2', payload }), tsSec: 1, tsNsec: 0 }]);
  return dissectFrame(f!, new Session(prefs));
}

describe('KX type numbers as preferences', () => {
  it('registers one preference per type with the defaults of docs/protocol.md §B', () => {
    expect(Object.fromEntries(Object.entries(prefDefaults).filter(([k]) => k.startsWith('mip.kx.type.')))).toEqual({
      'mip.kx.type.gp_nai': 200, 'mip.kx.type.gp_ip': 201, 'mip.kx.type.gp_l2': 202, 'mip.kx.type.gp_sa': 203,
      'mip.kx.type.sa': 112, 'mip.kx.type.proposal': 113, 'mip.kx.type.transform': 114, 'mip.kx.type.ke': 115,
    });
  });

  const moved = (gpNai: number, sa: number, prop: number, xf: number) => encodeRegistrationRequest({
    lifetime: 60, homeAddr: '10.0.0.1', haAddr: '10.0.0.2', coa: '10.0.0.1', ident: 1n,
    exts: [gp.nai(0, 'mn@x.example', { type: gpNai }), saPayload({ type: sa, subtype: 1, proposals: [{ type: prop, no: 1, protoId: 1, spi: 0x6001, transforms: [{ type: xf, no: 1, id: 1 }] }] })],
  });

  it('other numbers take effect for a session with those preferences', () => {
    const prefs = parsePrefs(['mip.kx.type.gp_nai:230', 'mip.kx.type.sa:100', 'mip.kx.type.proposal:101', 'mip.kx.type.transform:102']);
    const pkt = dissect(moved(230, 100, 101, 102), prefs);
    expect(values(pkt, 'mip.ext.type')).toEqual(['230', '100']);
    expect(values(pkt, 'mip.kx.nai')).toEqual(['mn@x.example']);
    expect(values(pkt, 'mip.kx.prop.spi')).toEqual(['0x00006001']);
    expect(values(pkt, 'mip.kx.xf.id')).toEqual(['1']);
    expect(pkt.experts.map(e => e.text)).toEqual([]);
  });

  it('with the default preferences the same bytes are unknown extensions', () => {
    const pkt = dissect(moved(230, 100, 101, 102));
    expect(values(pkt, 'mip.kx.nai')).toEqual([]);
    // (100 read as a short TLV then misreads what follows: more unknown extensions after these two)
    expect(pkt.experts.map(e => e.expert!.abbrev).slice(0, 2)).toEqual(['mip.ext.unknown_skippable', 'mip.ext.unknown_nonskippable']);
    // and the defaults still decode the default numbers, also in a session made without KX preferences
    const std = dissect(moved(200, 112, 113, 114), { 'mip.udp.port': 434, 'ip.check_checksum': true, 'udp.check_checksum': true, 'ip.defragment': true });
    expect(values(std, 'mip.kx.nai')).toEqual(['mn@x.example']);
    expect(values(std, 'mip.kx.prop.spi')).toEqual(['0x00006001']);
  });
});
