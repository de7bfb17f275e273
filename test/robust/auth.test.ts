// Repeated authentication extensions: each covers all before it, so at most
// MAX_AUTHENTICATORS_PER_MESSAGE are verified per message; the rest are unverified under an
// expert item naming the limit.
import { describe, expect, it } from 'vitest';
import { REPEATED_AUTH_KEYS, repeatedAuth } from '../../bench/hostile.js';
import { attachKeys, parseKeysFile } from '../../dissector/keys/index.js';
import { dissectFrame, Session } from '../../dissector/index.js';
import { MAX_AUTHENTICATORS_PER_MESSAGE } from '../../dissector/limits.js';
import { toFrames, value, values } from '../helpers.js';

describe('authenticators per message', () => {
  it(`verifies the first ${MAX_AUTHENTICATORS_PER_MESSAGE} of 1,700 and flags the rest once`, () => {
    const session = new Session();
    attachKeys(session, parseKeysFile(REPEATED_AUTH_KEYS, 'k.json'));
    const [p, next] = toFrames(repeatedAuth(1_700)).map(f => dissectFrame(f, session));
    const st = values(p!, 'mip.auth.status');
    expect(st.length).toBe(1_700);
    expect(st.slice(0, MAX_AUTHENTICATORS_PER_MESSAGE).every(s => s === 'good')).toBe(true);
    expect(st.slice(MAX_AUTHENTICATORS_PER_MESSAGE).every(s => s === 'unverified')).toBe(true);
    expect(p!.experts.map(e => e.expert!.abbrev)).toEqual(['mip.auth.limit']);
    expect(values(p!, '_ws.expert.message')[0]).toContain('MAX_AUTHENTICATORS_PER_MESSAGE');
    expect(value(next!, 'mip.nai')).toBe('mn@home.example');
    expect(next!.experts).toEqual([]);
  });
});
