// The TUI's view-model, driven without a terminal on the sample captures.
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TuiModel } from '../../tui/model/app.js';
import { configDir, FilterBar, FilterHistory } from '../../tui/model/filter-bar.js';
import { drawLadder } from '../../tui/model/ladder.js';
import { attachKeys, loadKeysFile } from '../../dissector/keys/index.js';
import { dissectFrame, Session } from '../../dissector/index.js';
import { treeText } from '../../dissector/output/text.js';
import { readCaptureSync } from '../../capture/read.js';
import { ROOT } from '../helpers.js';

const sample = (name: string) => join(ROOT, 'samples', 'captures', name);

async function open(name: string, keys = true): Promise<TuiModel> {
  const file = sample(`${name}.pcapng`);
  const m = new TuiModel({
    haveKeys: keys, historyFile: null, yieldFn: async () => {},
    prepare: s => { if (keys) attachKeys(s, loadKeysFile(sample(`${name}.keys.json`))); },
  });
  await m.openFile(file, statSync(file).size);
  return m;
}

describe('packet list and selection', () => {
  it('lists every frame with its summary columns and follows the keyboard', async () => {
    const m = await open('kx-aaa');
    const n = [...readCaptureSync(sample('kx-aaa.pcapng'))].length;
    expect(m.list.total).toBe(n);
    expect(m.loaded).toBe(true);
    const r = m.list.row(4);
    expect(r).toMatchObject({ no: 4, src: '0.0.0.0', dst: '198.51.100.1', protocol: 'MobileIP', length: 224 });
    expect(r.info).toContain('Reg Request');
    expect(m.list.selectedFrame).toBe(1);
    m.move(3);
    expect(m.list.selectedFrame).toBe(4);
    expect(m.packet?.no).toBe(4);
    m.edge(true);
    expect(m.list.selectedFrame).toBe(n);
    m.edge(false);
    m.list.height = 10;
    m.page(1);
    expect(m.list.selectedFrame).toBe(10);
    expect(m.list.visible()[0]!.no).toBe(1);
    m.page(1);
    expect(m.list.top).toBeGreaterThan(0);
  });

  it('re-dissects the selected frame into the same tree the forward pass built', async () => {
    const m = await open('kx-stateful');
    // The forward pass of a fresh session with -2 semantics: dissect all, then again.
    const s = new Session();
    attachKeys(s, loadKeysFile(sample('kx-stateful.keys.json')));
    const frames = [...readCaptureSync(sample('kx-stateful.pcapng'))].map(f => ({ ...f, data: f.data.slice() }));
    for (const f of frames) dissectFrame(f, s);
    for (const no of [8, 3, 16, 5]) {
      m.goToFrame(no);
      expect(treeText(m.packet!)).toBe(treeText(dissectFrame(frames[no - 1]!, s)));
    }
    expect(treeText(m.packet!)).toContain('[Response In:');
  });

  it('colours rows by the worst severity of experts and findings', async () => {
    const m = await open('fault-bad-auth');
    expect(m.findings.all.some(f => f.frame === 4 && f.severity === 'error')).toBe(true);
    expect(m.list.levelOf(4)).toBe(4);
    expect(m.list.levelOf(1)).toBe(0);
  });
});

describe('details tree and bytes', () => {
  it('expands and collapses one node or all, keeping open subtrees from packet to packet', async () => {
    const m = await open('kx-aaa');
    m.goToFrame(4);
    const d = m.details;
    const top = d.rows.length;
    expect(d.rows.every(r => r.depth === 0)).toBe(true);
    const mipRow = d.rows.findIndex(r => r.node.field?.abbrev === 'mip');
    d.select(mipRow);
    d.toggle();
    expect(d.rows.length).toBeGreaterThan(top);
    expect(d.rows[mipRow + 1]!.depth).toBe(1);
    m.goToFrame(5);
    expect(d.rows.find(r => r.node.field?.abbrev === 'mip')!.expanded).toBe(true);
    d.collapse();
    expect(d.rows.length).toBe(top);
    d.expandAll(true);
    expect(d.rows.filter(r => r.expandable).every(r => r.expanded)).toBe(true);
    expect(d.rows.some(r => r.generated && r.label.startsWith('['))).toBe(true);
    d.expandAll(false);
    expect(d.rows.length).toBe(top);
  });

  it('maps a field to its bytes and a byte to its field', async () => {
    const m = await open('kx-aaa');
    m.goToFrame(4);
    const d = m.details;
    expect(d.selectField('mip.coa')).toBe(true);
    const h = d.highlight()!;
    expect(d.selectedNode!.field!.abbrev).toBe('mip.coa');
    expect(h.length).toBe(4);
    const data = m.packet!.sources[h.src]!.data;
    expect([...data.subarray(h.offset, h.offset + 4)]).toEqual([198, 51, 100, 1]);
    // Byte → field: every byte of the CoA selects the CoA, and opens its parents.
    d.expandAll(false);
    const n = d.selectByte(h.src, h.offset + 2)!;
    expect(n.field!.abbrev).toBe('mip.coa');
    expect(d.selectedNode).toBe(n);
    expect(m.status().field).toBe(`mip.coa (Care of Address), offset ${h.offset}, length 4`);
    // Moving in the hex pane selects the owning field of the byte under the cursor.
    d.moveByte(4);
    expect(d.selectedNode!.field!.abbrev).not.toBe('mip.coa');
    expect(d.byteCursor).toBe(h.offset + 6);
  });

  it('offers each data source as a tab (decrypted INFO beside the frame)', async () => {
    const m = await open('kx-aaa');
    let found = 0;
    for (let no = 1; no <= m.list.total && !found; no++) { m.goToFrame(no); if (m.packet!.sources.length > 1) found = no; }
    expect(found).toBeGreaterThan(0);
    const d = m.details;
    d.nextSource();
    expect(d.source).toBe(1);
    const node = d.fieldAt(1, 0);
    expect(node?.[node.length - 1]!.src).toBe(1);
  });
});

describe('filter bar', () => {
  it('validates as the user types with the parser message', () => {
    const b = new FilterBar(new FilterHistory(null));
    b.insert('mip.type ==');
    expect(b.status.kind).toBe('invalid');
    b.insert(' 1');
    expect(b.status).toEqual({ kind: 'valid' });
    b.set('mip.nosuch == 1');
    expect(b.status).toMatchObject({ kind: 'invalid', offset: 0, length: 10 });
    expect((b.status as { message: string }).message).toContain('"mip.nosuch" is not a valid protocol or protocol field');
    expect(b.accept()).toBeNull();
  });

  it('completes field names one component at a time, and value names after ==', () => {
    const b = new FilterBar(new FilterHistory(null));
    b.set('mip.ty');
    b.complete();
    expect(b.text).toBe('mip.type');
    b.set('mip.co');
    const c = b.complete();
    expect(c).toContain('mip.code');
    expect(c).toContain('mip.coa');
    expect(b.text).toBe('mip.co');
    b.set('mip.type == Reg');
    const v = b.complete();
    expect(v.length).toBeGreaterThan(1);
    expect(v).toContain('"Registration Request"');
    expect(b.text).toBe('mip.type == "Regi'); // Registration… and Regional…: their common prefix, quoted
    b.set('mip.type == ');
    expect(b.complete()).toContain('"Registration Request"');
  });

  it('keeps a history in the config directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mipscope-cfg-'));
    expect(configDir({ XDG_CONFIG_HOME: dir })).toBe(join(dir, 'mipscope'));
    expect(configDir({ HOME: '/home/x' })).toBe('/home/x/.config/mipscope');
    const file = join(configDir({ XDG_CONFIG_HOME: dir }), 'filter-history');
    const b = new FilterBar(new FilterHistory(file));
    b.set('mip.type == 1'); b.accept();
    b.set('icmp'); b.accept();
    expect(readFileSync(file, 'utf8')).toBe('mip.type == 1\nicmp\n');
    const again = new FilterBar(new FilterHistory(file));
    again.historyPrev();
    expect(again.text).toBe('icmp');
    again.historyPrev();
    expect(again.text).toBe('mip.type == 1');
    again.historyNext();
    expect(again.text).toBe('icmp');
  });

  it('applies over the capture, keeping the selected frame when it stays', async () => {
    const m = await open('kx-aaa');
    m.goToFrame(9);
    expect(await m.applyFilter('mip.type == 9')).toBe(true);
    expect(m.list.count).toBeGreaterThan(0);
    for (let i = 0; i < m.list.count; i++) expect(m.list.row(m.list.frameAt(i)).info).toContain('Key Reply');
    expect(m.list.selectedFrame).toBe(9);
    expect(m.status().frames).toBe(`Frames: ${m.list.count} shown / ${m.list.total}`);
    await m.applyFilter('');
    expect(m.list.count).toBe(m.list.total);
    expect(await m.applyFilter('mip.type ==')).toBe(false);
    expect(m.message?.error).toBe(true);
  });

  it('a filter pass reports progress and can be cancelled', async () => {
    const m = await open('kx-aaa');
    let progress = 0;
    let ticks = 0;
    const slow = new TuiModel({ historyFile: null, yieldFn: async () => { ticks++; if (slow.filtering) progress = slow.filtering.done; if (ticks === 2) slow.cancelFilter(); } });
    // Load many frames by feeding the same capture several times into one model.
    const frames = [...readCaptureSync(sample('kx-aaa.pcapng'))].map(f => ({ ...f, data: f.data.slice() }));
    let no = 0;
    for (let k = 0; k < 400; k++) for (const f of frames) slow.addFrame({ ...f, no: ++no });
    slow.finishLoading();
    // Slices are time-bound: make the filter slow enough to need several.
    const done = await slow.applyFilter('mip.type == 3 && !(mip.nai matches "^(a|b)+$")');
    expect(m.loaded).toBe(true);
    if (ticks >= 2) {
      expect(done).toBe(false);
      expect(slow.filtering).toBeNull();
      expect(slow.list.filtered).toBe(false);
      expect(progress).toBeGreaterThan(0);
      expect(slow.message?.text).toContain('cancelled');
    } else expect(done).toBe(true); // finished within one slice on a fast machine
  });
});

describe('findings', () => {
  it('groups the whole capture by severity and rule, and jumps to the frame and field', async () => {
    const m = await open('fault-bad-auth');
    m.setView('conformance');
    const rows = m.findingRows();
    expect(rows[0]).toMatchObject({ kind: 'severity', severity: 'error' });
    expect(rows[1]).toMatchObject({ kind: 'rule', rule: 'MIP-AUTH-VALID' });
    const i = rows.findIndex(r => r.kind === 'finding');
    m.findings.select(i);
    m.enter();
    expect(m.view).toBe('packets');
    expect(m.list.selectedFrame).toBe(4);
    expect(m.pane).toBe('details');
    expect(m.details.selectedNode?.field?.abbrev).toMatch(/^mip\.auth/);
    // Per packet: the findings of the selected frame only.
    m.pane = 'findings';
    const own = m.packetFindingRows();
    expect(own.length).toBeGreaterThan(0);
    expect(own.every(r => r.kind === 'finding' && r.finding.frame === 4)).toBe(true);
  });
});

describe('registration ladders', () => {
  it('stateful: MN → FA → HA ↔ KDC and back, with codes and verdicts', async () => {
    const m = await open('kx-stateful');
    const reg = m.ladder.at(0)!;
    expect(reg.nodes.map(n => n.role)).toEqual(['MN', 'FA', 'HA', 'KDC']);
    expect(reg.hops.map(h => h.frame)).toEqual([4, 5, 6, 7, 8, 9]);
    expect(reg.hops.map(h => `${reg.nodes[h.from]!.role}>${reg.nodes[h.to]!.role}`)).toEqual(['MN>FA', 'FA>HA', 'HA>KDC', 'KDC>HA', 'HA>FA', 'FA>MN']);
    expect(reg.outcome).toBe('Reg Accepted');
    expect(reg.hops.flatMap(h => h.auth).some(a => a.status === 'good')).toBe(true);
    expect(reg.hops[0]!.auth.map(a => `${a.extension} ${a.status}`)).toContain('MN-HA good');
    expect(reg.hops.some(h => h.keys.length > 0)).toBe(true);
    const lines = drawLadder(reg);
    expect(lines[0]!.text).toMatch(/MN +FA +HA +KDC/);
    expect(lines.filter(l => l.hop !== null)).toHaveLength(6);
    expect(lines[2]!.text).toMatch(/^#4 .*\|-+Reg Request-*>\|/);
    // Enter on a hop selects its frame.
    m.setView('registrations');
    m.move(4);
    expect(m.ladder.currentHop!.frame).toBe(8);
    m.enter();
    expect(m.view).toBe('packets');
    expect(m.list.selectedFrame).toBe(8);
  });

  it('AAA: MN → FA → AAAF → AAAH → HA', async () => {
    const m = await open('kx-aaa');
    const reg = m.ladder.at(0)!;
    expect(reg.nodes.map(n => n.role)).toEqual(['MN', 'FA', 'AAAF', 'AAAH', 'HA', 'KDC']);
    expect(reg.hops).toHaveLength(10);
    expect(reg.hops.at(-1)).toMatchObject({ frame: 13, kind: 'reply', code: 0 });
    expect(reg.nodes[reg.hops.at(-1)!.to]!.role).toBe('MN');
    expect(m.ladder.selectFrame(22)).toBe(true);
    expect(m.ladder.current!.first).toBe(16);
  });

  it('negotiation: co-located MN straight to the HA, several mobile nodes', async () => {
    const m = await open('kx-negotiation');
    const regs = Array.from({ length: m.ladder.count }, (_, i) => m.ladder.at(i)!);
    expect(regs[0]!.nodes.map(n => n.role)).toEqual(['MN', 'HA', 'KDC']);
    expect(regs[0]!.nodes[0]!.address).toBe('203.0.113.11');
    expect(regs[1]!.nodes[0]!.address).toBe('203.0.113.12');
    expect(new Set(regs.map(r => r.mobileNode)).size).toBeGreaterThan(1);
  });
});

describe('keys', () => {
  it('lists supplied and learned SAs with key bytes hidden until asked for', async () => {
    const m = await open('kx-stateful');
    const rows = m.keys.rows();
    expect(rows.some(r => r.source === 'keys file')).toBe(true);
    const learned = rows.findIndex(r => r.frame !== null);
    expect(learned).toBeGreaterThanOrEqual(0);
    expect(rows[learned]!.source).toMatch(/^frame \d+: /);
    expect(rows.every(r => r.key.startsWith('(hidden'))).toBe(true);
    m.setView('keys');
    m.keys.select(learned);
    m.enter();
    const shown = m.keys.rows()[learned]!;
    expect(shown.revealed).toBe(true);
    expect(shown.key).toBe(Buffer.from(shown.sa.key).toString('hex'));
    m.enter();
    expect(m.keys.rows()[learned]!.key.startsWith('(hidden')).toBe(true);
  });
});

describe('live', () => {
  it('follows new rows while the last row is selected, as termshark does', () => {
    const m = new TuiModel({ historyFile: null });
    m.startLive();
    const frames = [...readCaptureSync(sample('kx-aaa.pcapng'))].map(f => ({ ...f, data: f.data.slice() }));
    for (const f of frames.slice(0, 10)) m.addFrame(f);
    expect(m.list.selectedFrame).toBe(10);
    expect(m.packet?.no).toBe(10);
    m.move(-1);
    for (const f of frames.slice(10, 20)) m.addFrame(f);
    expect(m.list.selectedFrame).toBe(9);
    m.edge(true);
    for (const f of frames.slice(20, 30)) m.addFrame(f);
    expect(m.list.selectedFrame).toBe(30);
    expect(m.status().live).toMatch(/^Live: 0 pkts/); // the capture loop counts packets, not the model
  });
});

describe('panes and quit', () => {
  it('cycles panes, maximises one, and asks before quitting a live capture', async () => {
    const m = await open('kx-aaa');
    m.nextPane(); expect(m.pane).toBe('details');
    m.nextPane(-1); m.nextPane(-1); expect(m.pane).toBe('findings');
    m.toggleMaximise(); expect(m.maximised).toBe('findings');
    m.toggleMaximise(); expect(m.maximised).toBeNull();
    m.requestQuit(); expect(m.quit).toBe(true);
    const live = new TuiModel({ historyFile: null });
    live.startLive();
    live.requestQuit(); expect(live.quit).toBe(false); expect(live.confirmQuit).toBe(true);
    live.answerQuit(false); expect(live.quit).toBe(false);
    live.requestQuit(); live.answerQuit(true); expect(live.quit).toBe(true);
  });
});
