// One nesting limit for every recursive dissection (dissector/limits.ts): a deeply nested
// Tunnel Data message is dissected down to the limit, the rest is kept as data under an
// expert item naming the limit, and the next packet dissects normally.
import { describe, expect, it } from 'vitest';
import { HOSTILE } from '../../bench/hostile.js';
import { MAX_NESTING_DEPTH } from '../../dissector/limits.js';
import { dissectAll, value, values } from '../helpers.js';

describe('nesting limit', () => {
  it('Tunnel Data nested 600 levels deep stops at the limit with an expert item, no layer lost', () => {
    const [deep, next] = dissectAll(HOSTILE['nested-tunnel']!.frames(600));
    // The outer message plus MAX_NESTING_DEPTH nested ones.
    expect(values(deep!, 'mip.type').length).toBe(MAX_NESTING_DEPTH + 1);
    const e = deep!.experts.map(x => x.expert!.abbrev);
    expect(e).toEqual(['_ws.malformed.nesting_too_deep']);
    expect(deep!.experts[0]!.text ?? values(deep!, '_ws.expert.message')[0]).toContain('MAX_NESTING_DEPTH');
    expect(deep!.all.some(n => n.field?.abbrev === '_ws.malformed')).toBe(true);
    // The undissected rest is all there, as data.
    const rest = deep!.all.find(n => n.field?.abbrev === 'data.data')!;
    const frameLen = deep!.frame.data.length;
    expect(rest.offset + rest.length).toBe(frameLen);
    expect(rest.length).toBeGreaterThan((600 - MAX_NESTING_DEPTH - 1) * 32);
    expect(value(next!, 'mip.nai')).toBe('mn@home.example');
    expect(next!.experts).toEqual([]);
  });

  it('nesting within the limit is dissected completely', () => {
    const [p] = dissectAll(HOSTILE['nested-tunnel']!.frames(MAX_NESTING_DEPTH));
    expect(values(p!, 'mip.type').length).toBe(MAX_NESTING_DEPTH + 1);
    expect(value(p!, 'mip.nai')).toBe('mn@home.example');
    expect(p!.experts).toEqual([]);
  });
});
