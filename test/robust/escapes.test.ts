// Labels and summary lines are safe to print: bytes from a packet that a terminal would act on
// are shown escaped, as Wireshark's format_text does, in one place (formatText, used by every
// label and the summary line); field values in -T fields and json keep their exact forms.
import { describe, expect, it } from 'vitest';
import { udpFrame } from '../../dissector/build.js';
import { formatText, nodeLabel } from '../../dissector/format.js';
import { makeNode } from '../../dissector/tree.js';
import { encodeRegistrationRequest, ext } from '../../dissector/mip/encode.js';
import { summaryLine } from '../../dissector/output/summary.js';
import { dissectAll, runCli, writePcapng } from '../helpers.js';

const EVIL = 'a\x1b[31m\x07\r\n\t\x1b]0;title\x07\x7f\u009b2J\u202eb\\c';

describe('terminal escapes', () => {
  it('formatText escapes as Wireshark: C escapes, octal, \\u for C1 and bidi overrides; idempotent', () => {
    const s = formatText(EVIL);
    expect(s).toBe('a\\033[31m\\a\\r\\n\\t\\033]0;title\\a\\177\\u009b2J\\u202eb\\c');
    expect(formatText(s)).toBe(s);
    expect(formatText('plain → text')).toBe('plain → text');
  });

  it('text labels, appends, expert messages and the summary line are escaped', () => {
    const n = makeNode(null, null, 0, 0, 0);
    n.text = `GP-NAI: ${EVIL}`;
    n.append = ' \x1b[0m';
    expect(nodeLabel(n)).not.toMatch(/[\x00-\x1f\x7f-\x9f\u202e]/);
    const req = encodeRegistrationRequest({ lifetime: 60, homeAddr: '10.0.0.5', haAddr: '10.0.0.1', coa: '192.0.2.1', ident: 1n, exts: [ext.nai(EVIL)] });
    const [p] = dissectAll([{ ...udpFrame({ src: '192.0.2.1', dst: '10.0.0.1', payload: req }), tsSec: 1, tsNsec: 0 }]);
    p!.info += ` ${EVIL}`;
    expect(summaryLine(p!)).not.toMatch(/[\x00-\x1f\x7f-\x9f\u202e]/);
    expect(summaryLine(p!)).toContain('\\033[31m');
  });

  it('the CLI: -V and summary lines carry no control byte; -T json keeps the exact value', () => {
    const req = encodeRegistrationRequest({ lifetime: 60, homeAddr: '10.0.0.5', haAddr: '10.0.0.1', coa: '192.0.2.1', ident: 1n, exts: [ext.nai(EVIL), ext.messageString(1, EVIL)] });
    const file = writePcapng([{ ...udpFrame({ src: '192.0.2.1', dst: '10.0.0.1', payload: req }), tsSec: 1, tsNsec: 0 }]);
    const v = runCli(['-r', file, '-V']);
    expect(v.code).toBe(0);
    expect(v.stdout.replace(/\n/g, '')).not.toMatch(/[\x00-\x1f\x7f-\x9f\u202e]/);
    expect(v.stdout).toContain('NAI: a\\033[31m\\a\\r\\n\\t');
    const j = JSON.parse(runCli(['-r', file, '-T', 'json']).stdout) as Array<{ _source: { layers: { mip: Record<string, unknown> } } }>;
    expect(JSON.stringify(j)).toContain(JSON.stringify(EVIL).slice(1, -1));
  });
});
