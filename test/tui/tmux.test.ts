// The real TUI in a terminal: tmux runs `mipscope tui` at 160×48 on the samples; keys go in with
// send-keys and the screen comes back as text with capture-pane.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, ROOT } from '../helpers.js';
import { readCaptureSync } from '../../capture/read.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const sample = (name: string) => join(ROOT, 'samples', 'captures', name);
const config = mkdtempSync(join(tmpdir(), 'mipscope-tui-cfg-'));
const sessions: string[] = [];
let counter = 0;

afterEach(() => { for (const s of sessions.splice(0)) spawnSync('tmux', ['kill-session', '-t', s]); });

function tmux(...args: string[]): string { return execFileSync('tmux', args, { encoding: 'utf8' }); }

type Want = string | RegExp | ((screen: string) => boolean);
interface Tui { name: string; screen(): string; keys(...k: string[]): void; type(text: string): void; until(what: Want, ms?: number): Promise<string> }

/** Starts `mipscope tui ARGS` in a fresh tmux session; the shell prints EXIT=code when it ends. */
function start(args: string[], size = { x: 160, y: 48 }): Tui {
  const name = `mipscope-tui-${process.pid}-${++counter}`;
  const cmd = [process.execPath, CLI, 'tui', ...args].map(a => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const session = ['new-session', '-d', '-s', name, '-x', String(size.x), '-y', String(size.y),
    `env NCURSES_NO_UTF8_ACS=1 TERM=xterm-256color XDG_CONFIG_HOME='${config}' ${cmd}; echo "EXIT=$?"; sleep 60`];
  // The tmux server exits with its last session; a session started at that moment can fail once.
  for (let attempt = 1; ; attempt++) {
    try { tmux(...session); break; } catch (e) { if (attempt >= 3) throw e; spawnSync('sleep', ['0.2']); }
  }
  sessions.push(name);
  const screen = () => tmux('capture-pane', '-p', '-t', name);
  return {
    name, screen,
    keys: (...k: string[]) => { tmux('send-keys', '-t', name, ...k); },
    type: (text: string) => { tmux('send-keys', '-t', name, '-l', text); },
    async until(what, ms = 8000) {
      const end = Date.now() + ms;
      for (;;) {
        const s = screen();
        // A match on a screen still being drawn: take it once two captures agree.
        if (typeof what === 'string' ? s.includes(what) : typeof what === 'function' ? what(s) : what.test(s)) {
          await new Promise(r => setTimeout(r, 60));
          if (screen() === s) return s;
          continue;
        }
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}; screen:\n${s}`);
        await new Promise(r => setTimeout(r, 50));
      }
    },
  };
}

const open = (name: string) => start(['-r', sample(`${name}.pcapng`), '--keys', sample(`${name}.keys.json`)]);

/** Saves a screen for the record when MIPSCOPE_TUI_SCREENS names a file. */
function keep(title: string, screen: string): void {
  const file = process.env.MIPSCOPE_TUI_SCREENS;
  if (!file) return;
  let old = '';
  try { old = readFileSync(file, 'utf8'); } catch { /* first screen */ }
  writeFileSync(file, `${old}==== ${title} ====\n${screen}\n`);
}

describe.skipIf(!hasTmux)('mipscope tui in tmux', () => {
  it('opens, moves, expands, and quits with the terminal restored', async () => {
    const t = open('kx-aaa');
    let s = await t.until('Frames: 53 shown / 53');
    expect(s).toMatch(/\[1 Packets\]/);
    expect(s).toMatch(/^\s+4\s+1\.005298 0\.0\.0\.0\s+198\.51\.100\.1\s+MobileIP\s+224 Reg Request/m);
    t.keys('j', 'j', 'j');
    s = await t.until('Packet details: frame 4');
    t.keys('Enter', 'G', 'Enter');
    s = await t.until('[-] Mobile IP (Registration Request)');
    expect(s).toMatch(/Type: Registration Request \(1\)/);
    expect(s).toMatch(/mip \(Mobile IP\), offset 42, length 182/);
    keep('Packets view: frame 4, Mobile IP open', s);
    t.keys('Tab');
    s = await t.until(/- Bytes -.*/);
    t.keys('\\');
    s = await t.until(/^- Bytes -{20,}/m);
    expect(s).not.toContain('Packet list');
    t.keys('\\', 'q');
    s = await t.until('EXIT=0');
    expect(s).not.toContain('Packet list');
    expect(s.trim().split('\n').at(-1)).toBe('EXIT=0');
  });

  it('follows the mouse: a click selects the row under it, the wheel scrolls the list', async () => {
    const t = open('kx-aaa');
    let s = await t.until('Frames: 53 shown / 53');
    /** The screen line (1-based, as the terminal counts) of frame `no`'s row, and the first row shown. */
    const lineOf = (screen: string, no: number) => screen.split('\n').findIndex(l => new RegExp(`^\\s+${no}\\s+\\d+\\.\\d{6} `).test(l)) + 1;
    const firstRow = (screen: string) => screen.split('\n').find(l => /^\s+\d+\s+\d+\.\d{6} /.test(l))?.trim().split(/\s+/)[0];
    // SGR mouse reports (xterm 1006), as a terminal sends them: button 0 down and up, wheel 64/65.
    const click = (x: number, y: number) => t.type(`\x1b[<0;${x};${y}M\x1b[<0;${x};${y}m`);
    const wheel = (down: boolean, x: number, y: number) => t.type(`\x1b[<${down ? 65 : 64};${x};${y}M`);
    const y7 = lineOf(s, 7);
    expect(y7).toBeGreaterThan(1);
    click(30, y7);
    s = await t.until('Packet details: frame 7');
    expect(firstRow(s)).toBe('1');
    // Three rows a notch: the selection stays while it is on screen, then moves with the top row.
    wheel(true, 30, y7);
    s = await t.until(s2 => firstRow(s2) === '4');
    expect(s).toContain('Packet details: frame 7');
    wheel(true, 30, y7); wheel(true, 30, y7);
    s = await t.until(s2 => firstRow(s2) === '10' && s2.includes('Packet details: frame 10'));
    keep('Packets view after a click on frame 7 and three wheel notches down', s);
    wheel(false, 30, y7);
    s = await t.until(s2 => firstRow(s2) === '7');
    expect(s).toContain('Packet details: frame 10');
    // A click on another row; then on a node of the tree, and on a byte: each selects its field.
    click(30, lineOf(s, 12));
    s = await t.until('Packet details: frame 12');
    const lines = s.split('\n');
    click(10, lines.findIndex(l => l.startsWith('[+] Internet Protocol Version 4')) + 1);
    s = await t.until('ip (Internet Protocol Version 4), offset 14, length 20');
    // Bytes pane: "|0020  " then 3 columns a byte; the third byte of that line is offset 0x22, UDP's source port.
    const y = lines.findIndex(l => l.includes('|0020  '));
    click(lines[y]!.indexOf('|0020') + 1 + 6 + 2 * 3 + 1, y + 1);
    s = await t.until('udp.srcport (Source Port), offset 34, length 2');
    keep('Packets view after clicks on frame 12, its IPv4 node and a byte of the UDP header', s);
    t.keys('q');
    await t.until('EXIT=0');
  });

  it('filters with / (validation, completion, Enter applies)', async () => {
    const t = open('kx-aaa');
    await t.until('Frames: 53 shown / 53');
    t.keys('/');
    t.type('mip.nosuch');
    let s = await t.until('"mip.nosuch" is not a valid protocol or protocol field');
    t.keys('C-u');
    t.type('mip.ty');
    t.keys('Tab');
    s = await t.until('Filter> mip.type');
    t.type(' == 9');
    t.keys('Enter');
    s = await t.until(/Frames: 2 shown \/ 53/);
    expect(s).toContain('Filter: mip.type == 9');
    const rows = s.split('\n').filter(l => /^\s+\d+\s+\d+\.\d{6} /.test(l));
    expect(rows.map(r => r.trim().split(/\s+/)[0])).toEqual(['9', '21']);
    for (const r of rows) expect(r).toContain('Key Reply');
    keep('Packets view filtered with mip.type == 9', s);
    t.keys('q');
    await t.until('EXIT=0');
  });

  it('follows a registration in the ladder and jumps to a hop', async () => {
    const t = open('kx-aaa');
    await t.until('Frames: 53 shown / 53');
    t.keys('3');
    let s = await t.until('Ladder: registration #4');
    expect(s).toMatch(/MN\s+FA\s+AAAF\s+AAAH\s+HA\s+KDC/);
    expect(s).toMatch(/#4 .*\|-+Reg Request-*>\|/);
    expect(s).toMatch(/#13 .*\|<-+.*0: Reg Accepted/);
    keep('Registrations view (kx-aaa)', s);
    t.keys('j', 'j', 'j', 'j');
    t.keys('Enter');
    s = await t.until('Packet details: frame 8');
    expect(s).toContain('[1 Packets]');
    t.keys('q');
    await t.until('EXIT=0');
  });

  it('shows a finding and jumps to its frame and field', async () => {
    const t = open('fault-bad-auth');
    await t.until('Frames: 20 shown');
    t.keys('2');
    let s = await t.until('MIP-AUTH-VALID (2)');
    expect(s).toMatch(/ERROR \(2\)/);
    keep('Conformance view (fault-bad-auth)', s);
    t.keys('j', 'j', 'Enter');
    s = await t.until('Packet details: frame 4');
    keep('Packets view after Enter on a finding (fault-bad-auth, frame 4)', s);
    expect(s).toMatch(/mip\.auth\S* .*offset \d+, length \d+/);
    expect(s).toMatch(/MIP-AUTH-VALID: authenticator does not verify/);
    t.keys('q');
    await t.until('EXIT=0');
  });

  it('opens the keys view and reveals a key', async () => {
    const t = open('kx-stateful');
    await t.until('Frames: ');
    t.keys('4');
    let s = await t.until('Keys: security associations');
    expect(s).toContain('(hidden, 16 bytes)');
    expect(s).not.toContain('dd0eab3f856869ef6c52a0aa82a506b8');
    t.keys('Enter');
    s = await t.until('dd0eab3f856869ef6c52a0aa82a506b8');
    expect(s).toMatch(/learned|frame \d+: /);
    keep('Keys view (kx-stateful), first key revealed', s);
    t.keys('q');
    await t.until('EXIT=0');
  });

  it('shows the help with ?, and any key closes it', async () => {
    const t = open('kx-aaa');
    await t.until('Frames: 53 shown / 53');
    t.keys('?');
    const s = await t.until('mipscope TUI — keys');
    expect(s).toContain('maximise the current pane');
    keep('Help', s);
    t.keys('x');
    await t.until('Packet list');
    t.keys('q');
    await t.until('EXIT=0');
  });

  it('says when the terminal is too small and recovers when it grows', async () => {
    const t = open('kx-aaa');
    await t.until('Frames: 53 shown / 53');
    tmux('resize-window', '-t', t.name, '-x', '60', '-y', '16');
    let s = await t.until('Terminal too small: 60x16');
    keep('Too small', s);
    tmux('resize-window', '-t', t.name, '-x', '120', '-y', '30');
    s = await t.until('Frames: 53 shown / 53');
    expect(s.split('\n')[0]!.length).toBeLessThanOrEqual(120);
    t.keys('q');
    await t.until('EXIT=0');
  });
});

// Live capture needs root (or CAP_NET_RAW) and the cap module, as the live CLI tests do.
const canCapture = hasTmux && process.getuid?.() === 0 && spawnSync(process.execPath, ['-e', "require('cap')"], { cwd: ROOT }).status === 0;

describe.skipIf(!canCapture)('mipscope tui -i lo while the sample agents run', () => {
  it('shows rows as they arrive, counts them, and asks before quitting', async () => {
    // A port of its own, so that other live tests on lo stay out of this capture.
    const port = 20000 + Math.floor(Math.random() * 20000);
    const out = join(mkdtempSync(join(tmpdir(), 'mipscope-tui-live-')), 'live.pcapng');
    const t = start(['-i', 'lo', '-f', `udp port ${port}`, '-o', `mip.udp.port:${port}`, '-w', out]);
    await t.until(/Live: 0 pkts/);
    const agents = spawnSync(process.execPath, [join(ROOT, 'dist', 'samples', 'run-live.js'), '--flow', 'stateful', '--duration', '2', '--port', String(port), '--quiet'], { encoding: 'utf8' });
    expect(agents.status, agents.stderr).toBe(0);
    const sent = Number(/(\d+) datagrams/.exec(agents.stdout + agents.stderr)?.[1]);
    expect(sent).toBeGreaterThan(10);
    let s = await t.until(new RegExp(`Live: ${sent} pkts`));
    expect(s).toMatch(/^\s+\d+\s+\d+\.\d{6} 127\.0\.0\.\d+\s+127\.0\.0\.\d+\s+MobileIP\s+\d+ Reg (Request|Reply)/m);
    expect(s).toMatch(new RegExp(`^\\s+${sent}\\s+\\d+\\.\\d{6} `, 'm')); // the newest row is on screen
    expect(s).toContain(`Frames: ${sent} shown / ${sent}`);
    // The last row stayed selected: the details follow the newest frame.
    expect(s).toContain(`Packet details: frame ${sent}`);
    keep('Live capture on lo (stateful agents)', s);
    t.keys('q');
    s = await t.until('A live capture is running. Quit? (y/n)');
    t.keys('n');
    await new Promise(r => setTimeout(r, 200));
    expect(t.screen()).toContain('Packet list');
    t.keys('q');
    await t.until('Quit? (y/n)');
    t.keys('y');
    s = await t.until('EXIT=0');
    expect(s).not.toContain('Packet list');
    // -w wrote what was shown.
    expect([...readCaptureSync(out)].length).toBe(sent);
  });
});

describe('mipscope tui errors', () => {
  const run = (args: string[]) => spawnSync(process.execPath, [CLI, 'tui', ...args], { encoding: 'utf8' });
  it('bad input ends with one line and exit code 2, before any screen', () => {
    const bad = join(mkdtempSync(join(tmpdir(), 'mipscope-tui-')), 'bad.json');
    writeFileSync(bad, '{ not json');
    const notCapture = join(mkdtempSync(join(tmpdir(), 'mipscope-tui-')), 'x.pcap');
    writeFileSync(notCapture, 'hello, this is not a capture file at all');
    for (const [args, msg] of [
      [['-r', '/nonexistent.pcapng'], "cannot read capture file '/nonexistent.pcapng': no such file or directory"],
      [['-r', sample('kx-aaa.pcapng'), '--keys', bad], 'bad.json'],
      [['-r', notCapture], 'x.pcap'],
      [['-r', sample('kx-aaa.pcapng'), '-Y', 'mip.type =='], 'mip.type =='],
      [[], 'mipscope tui needs a capture'],
      [['-r', sample('kx-aaa.pcapng')], 'mipscope tui needs a terminal'],
    ] as const) {
      const r = run([...args]);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(msg);
      expect(r.stderr.startsWith('mipscope: ')).toBe(true);
      expect(r.stdout).toBe('');
    }
  });
});
