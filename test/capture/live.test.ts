// Live capture through the capture API, on the loopback interface, as root: Mobile IP traffic
// is sent with UDP sockets to 127.x.y.z port 434 while it is captured, and every packet sent
// must come out, copied, timestamped, dissected; stops, snaplen, several interfaces,
// promiscuous mode, the kernel's drop count, backpressure and the errors people meet.
import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { Frame } from '../../capture/frame.js';
import { CAP_SNAPLEN, listInterfaces, LiveCaptureError, NEEDS_CAP, openLiveCapture, type LiveCapture } from '../../capture/live.js';
import { WallClock } from '../../capture/live-clock.js';
import { dissectFrame, Session } from '../../dissector/index.js';
import { defaultPrefs } from '../../dissector/prefs.js';
import { failingCapHook, ROOT, values } from '../helpers.js';
import { bind, registrations, request, subnet } from '../fixtures/loopback.js';

async function collect(capture: LiveCapture): Promise<Frame[]> {
  const frames: Frame[] = [];
  for await (const f of capture) frames.push(f);
  return frames;
}

const filterFor = (net: string) => `udp port 434 and net ${net}.0/24`;

/** Sends datagrams from another process (so that this one may be busy meanwhile). */
const SENDER = `
import dgram from 'node:dgram';
let input = '';
for await (const chunk of process.stdin) input += chunk;
const spec = JSON.parse(input);
const packets = spec.packets.map(h => Buffer.from(h, 'hex'));
const s = dgram.createSocket('udp4');
s.bind(0, spec.src, async () => {
  let errors = 0;
  for (let i = 0; i < spec.count; i++) {
    await new Promise(r => s.send(packets[i % packets.length], 434, spec.dst, e => { if (e) errors++; r(); }));
    if (spec.gapMs) await new Promise(r => setTimeout(r, spec.gapMs));
  }
  s.close();
  process.stdout.write(JSON.stringify({ sent: spec.count - errors }));
});`;

function senderInput(net: string, count: number, gapMs: number): string {
  const packets = Array.from({ length: 16 }, (_, i) => Buffer.from(request(net, i)).toString('hex'));
  return JSON.stringify({ src: `${net}.2`, dst: `${net}.3`, count, gapMs, packets });
}

/** The sender as a child this process waits for (blocked meanwhile). */
function sendFromChildSync(net: string, count: number): { sent: number } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', SENDER], { input: senderInput(net, count, 0), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sender failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { sent: number };
}

/** The sender as a child running alongside, a pause of gapMs after each datagram. */
function sendFromChild(net: string, count: number, gapMs: number): Promise<{ sent: number }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', SENDER], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', d => { out += d; });
  child.stderr.setEncoding('utf8').on('data', d => { err += d; });
  child.stdin.end(senderInput(net, count, gapMs));
  return new Promise((resolve, reject) => child.on('close', code => (code === 0 ? resolve(JSON.parse(out) as { sent: number }) : reject(new Error(`sender failed: ${err}`)))));
}

describe('live capture API', () => {
  it('lists the interfaces as libpcap sees them, numbered from 1, lo as Loopback with its addresses', async () => {
    const list = await listInterfaces();
    expect(list.map(d => d.number)).toEqual(list.map((_, i) => i + 1));
    const lo = list.find(d => d.name === 'lo')!;
    expect(lo).toMatchObject({ loopback: true, friendlyName: 'Loopback' });
    expect(lo.addresses).toContainEqual({ addr: '127.0.0.1', netmask: '255.0.0.0' });
    expect(list.find(d => d.name === 'any')?.description).toMatch(/all interfaces/);
  });

  it('captures every Mobile IP registration sent over loopback, each copied, stamped and dissected', async () => {
    const net = subnet();
    const K = 25;
    const capture = await openLiveCapture({ interfaces: ['lo'], filter: filterFor(net), count: 2 * K, duration: 30 });
    expect(capture.interfaces).toMatchObject([{ index: 0, name: 'lo', linktype: 1, snaplen: CAP_SNAPLEN, tsresol: 9, displayName: 'Loopback: lo', outgoingIgnored: true }]);
    const got = collect(capture);
    const before = Date.now();
    await registrations(net, K);
    const frames = await got;
    const after = Date.now();
    const stats = await capture.done;

    expect(frames).toHaveLength(2 * K);
    expect(stats).toMatchObject({ captured: 2 * K, stopReason: 'count', interfaces: [{ name: 'lo', captured: 2 * K, dropped: 0, kernelPackets: 2 * K }] });
    const session = new Session(defaultPrefs);
    let previous = 0;
    frames.forEach((f, k) => {
      expect(f).toMatchObject({ no: k + 1, linktype: 1, ifIndex: 0, caplen: f.data.length, len: f.data.length });
      const t = f.tsSec * 1000 + f.tsNsec / 1e6;
      expect(t).toBeGreaterThanOrEqual(before - 2);
      expect(t).toBeLessThanOrEqual(after + 2);
      expect(t).toBeGreaterThanOrEqual(previous);
      expect(Number.isInteger(f.tsNsec) && f.tsNsec >= 0 && f.tsNsec < 1e9).toBe(true);
      previous = t;
      const pkt = dissectFrame(f, session);
      const i = Math.floor(k / 2);
      if (k % 2 === 0) {
        expect(values(pkt, 'mip.type')).toEqual(['1']);
        expect(values(pkt, 'mip.nai')).toEqual([`mn${i}@example.org`]);
        expect(values(pkt, 'mip.auth.spi')).toEqual([`0x${(0x1000 + i).toString(16).padStart(8, '0')}`]);
        expect(values(pkt, 'ip.src')).toEqual([`${net}.2`]);
      } else {
        expect(values(pkt, 'mip.type')).toEqual(['3']);
        expect(values(pkt, 'mip.auth.spi')).toEqual([`0x${(0x2000 + i).toString(16).padStart(8, '0')}`]);
        expect(values(pkt, 'ip.src')).toEqual([`${net}.3`]);
      }
    });
    // The bytes captured are the bytes sent (UDP payload after Ethernet + IPv4 + UDP headers).
    expect(Buffer.from(frames[0]!.data.subarray(42))).toEqual(Buffer.from(request(net, 0)));
  });

  it('copies each packet out of the shared buffer before the next one overwrites it', async () => {
    const net = subnet();
    const capture = await openLiveCapture({ interfaces: ['lo'], filter: filterFor(net), count: 20, duration: 30 });
    const frames: Frame[] = [];
    // Hold every frame until the end: if they shared cap's buffer they would all read the same.
    const got = (async () => { for await (const f of capture) frames.push(f); })();
    await registrations(net, 10);
    await got;
    const payloads = frames.map(f => Buffer.from(f.data).toString('hex'));
    expect(new Set(payloads).size).toBe(20);
    frames.forEach((f, k) => {
      const expected = k % 2 === 0 ? request(net, k / 2) : null;
      if (expected) expect(Buffer.from(f.data.subarray(42))).toEqual(Buffer.from(expected));
    });
  });

  it('-s: cuts frames to the snapshot length and keeps the captured length as len', async () => {
    const net = subnet();
    const capture = await openLiveCapture({ interfaces: ['lo'], filter: filterFor(net), snaplen: 60, count: 4, duration: 30 });
    expect(capture.interfaces[0]!.snaplen).toBe(60);
    const got = collect(capture);
    await registrations(net, 2);
    const frames = await got;
    expect(frames).toHaveLength(4);
    for (const f of frames) {
      expect(f.caplen).toBe(60);
      expect(f.data.length).toBe(60);
      expect(f.len).toBeGreaterThan(60);
    }
    expect(frames[0]!.len).toBe(42 + request(net, 0).length);
  });

  it('merges several interfaces into one stream, ifIndex = position in the list, each with its own link type', async () => {
    const net = subnet();
    const capture = await openLiveCapture({ interfaces: ['lo', 'any'], filter: filterFor(net), count: 8, duration: 30 });
    expect(capture.interfaces.map(i => [i.index, i.name, i.linktype])).toEqual([[0, 'lo', 1], [1, 'any', 113]]);
    const got = collect(capture);
    await registrations(net, 2);
    const frames = await got;
    expect(frames.map(f => f.no)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const session = new Session(defaultPrefs);
    for (const ifIndex of [0, 1]) {
      const mine = frames.filter(f => f.ifIndex === ifIndex);
      expect(mine).toHaveLength(4);
      expect(mine.every(f => f.linktype === (ifIndex === 0 ? 1 : 113))).toBe(true);
      expect(mine.map(f => values(dissectFrame(f, session), 'mip.type')[0])).toEqual(['1', '3', '1', '3']);
    }
  });

  it('also accepts an interface by its number in the list', async () => {
    const list = await listInterfaces();
    const lo = list.find(d => d.name === 'lo')!;
    const capture = await openLiveCapture({ interfaces: [String(lo.number)], duration: 0 });
    expect(capture.interfaces[0]!.name).toBe('lo');
    await collect(capture);
  });

  it('stops after a duration, and when the consumer leaves the loop', async () => {
    const t0 = Date.now();
    const timed = await openLiveCapture({ interfaces: ['lo'], filter: filterFor(subnet()), duration: 0.4 });
    expect(await collect(timed)).toEqual([]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(390);
    expect((await timed.done).stopReason).toBe('duration');

    const net = subnet();
    const early = await openLiveCapture({ interfaces: ['lo'], filter: filterFor(net), duration: 30 });
    const sending = registrations(net, 5);
    let n = 0;
    for await (const f of early) { expect(f.no).toBe(++n); if (n === 3) break; }
    const stats = await early.done; // resolved: leaving the loop closed the capture
    expect(stats.stopReason).toBe('consumer');
    await sending;
  });

  it('stop(): frames already delivered still come out, then the stream ends', async () => {
    const net = subnet();
    const capture = await openLiveCapture({ interfaces: ['lo'], filter: filterFor(net), duration: 30 });
    const got = collect(capture);
    await registrations(net, 5);
    capture.stop();
    const frames = await got;
    expect(frames).toHaveLength(10);
    expect((await capture.done)).toMatchObject({ stopReason: 'stopped', captured: 10, interfaces: [{ dropped: 0, kernelPackets: 10 }] });
  });

  it('an AbortSignal (SIGINT in the CLI) stops the capture cleanly', async () => {
    const net = subnet();
    const controller = new AbortController();
    const capture = await openLiveCapture({ interfaces: ['lo'], filter: filterFor(net), signal: controller.signal, duration: 30 });
    const got = collect(capture);
    await registrations(net, 3);
    controller.abort();
    expect(await got).toHaveLength(6);
    expect((await capture.done).stopReason).toBe('signal');
  });

  it('never loses packets in userland: a slow consumer gets them all from the queue', async () => {
    const net = subnet();
    const N = 150;
    // A ring of 64 packets, a packet every millisecond or so, and a consumer that takes 8 ms of
    // CPU per frame (as a slow dissector would): the ring must be emptied into the queue while
    // the consumer works, or it overflows within a few dozen frames.
    const capture = await openLiveCapture({ interfaces: ['lo'], filter: filterFor(net), bufferSize: 4 << 20, count: N, duration: 20 });
    const sending = sendFromChild(net, N, 1);
    const frames: Frame[] = [];
    for await (const f of capture) {
      frames.push(f);
      const until = performance.now() + 8;
      while (performance.now() < until); // busy, not awaiting: the event loop does not turn
    }
    const stats = await capture.done;
    expect((await sending).sent).toBe(N);
    expect(stats.interfaces[0]).toMatchObject({ dropped: 0, kernelPackets: N });
    expect(frames).toHaveLength(N);
    expect(stats.peakQueue).toBeGreaterThan(64);
  });

  it('counts what the kernel drops when its ring is full: captured + dropped = sent', async () => {
    const net = subnet();
    const N = 400;
    // 256 KiB is 4 ring slots; the sender runs while this process is blocked in spawnSync.
    const capture = await openLiveCapture({ interfaces: ['lo'], filter: filterFor(net), bufferSize: 256 * 1024, duration: 30 });
    const { sent } = sendFromChildSync(net, N);
    expect(sent).toBe(N);
    const got = collect(capture);
    await new Promise(r => setTimeout(r, 200));
    capture.stop();
    const frames = await got;
    const stats = await capture.done;
    const lo = stats.interfaces[0]!;
    expect(lo.dropped).toBeGreaterThan(0);
    expect(frames.length).toBeGreaterThan(0);
    expect(frames.length + lo.dropped!).toBe(N);
    expect(lo.kernelPackets).toBe(N);
  });

  it('-p turns promiscuous mode off (cap always turns it on)', () => {
    // In a network namespace of its own, so that no other capture changes lo's promiscuity count.
    const script = `
      import { execFileSync } from 'node:child_process';
      import { openLiveCapture } from ${JSON.stringify(`${ROOT}/dist/capture/live.js`)};
      const promiscuity = () => Number(/promiscuity (\\d+)/.exec(execFileSync('ip', ['-details', 'link', 'show', 'lo'], { encoding: 'utf8' }))[1]);
      const seen = { before: promiscuity(), notes: [] };
      const on = await openLiveCapture({ interfaces: ['lo'], duration: 30 });
      seen.on = [on.interfaces[0].promiscuous, promiscuity()];
      on.stop(); await on.done;
      seen.afterOn = promiscuity();
      const off = await openLiveCapture({ interfaces: ['lo'], promiscuous: false, duration: 30, onNote: n => seen.notes.push(n) });
      seen.off = [off.interfaces[0].promiscuous, promiscuity()];
      off.stop(); await off.done;
      seen.afterOff = promiscuity();
      try { await openLiveCapture({ interfaces: ['lo', 'nosuch0'] }); } catch (e) { seen.allOrNothing = [e.kind, promiscuity()]; }
      console.log(JSON.stringify(seen));`;
    const r = spawnSync('unshare', ['--net', 'sh', '-c', 'ip link set lo up && exec "$0" --input-type=module -e "$1"', process.execPath, script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({
      before: 0, on: [true, 1], afterOn: 0, off: [false, 0], afterOff: 0, notes: [],
      // when one interface fails, those opened before it are closed again
      allOrNothing: ['no-such-interface', 0],
    });
  });

  it('the clock gives wall-clock time with nanoseconds', () => {
    const clock = new WallClock();
    const a = clock.now();
    const ms = Date.now();
    const b = clock.now();
    expect(Math.abs(a.tsSec * 1000 + a.tsNsec / 1e6 - ms)).toBeLessThan(2);
    expect(b.tsSec * 1e9 + b.tsNsec).toBeGreaterThan(a.tsSec * 1e9 + a.tsNsec);
    expect(new Set(Array.from({ length: 50 }, () => clock.now().tsNsec % 1000)).size).toBeGreaterThan(1);
  });

  describe('errors people must fix, one line each', () => {
    const fails = async (opts: Parameters<typeof openLiveCapture>[0]) => {
      try {
        await openLiveCapture(opts);
      } catch (e) {
        expect(e).toBeInstanceOf(LiveCaptureError);
        expect((e as Error).message).not.toContain('\n');
        return e as LiveCaptureError;
      }
      throw new Error('no error');
    };

    it('an interface that does not exist', async () => {
      const e = await fails({ interfaces: ['nosuch0'] });
      expect(e.kind).toBe('no-such-interface');
      expect(e.message).toBe("there is no interface 'nosuch0': 'mipscope -D' lists the interfaces you can capture on");
      expect((await fails({ interfaces: ['999'] })).kind).toBe('no-such-interface');
    });

    it('a capture filter that does not compile', async () => {
      const e = await fails({ interfaces: ['lo'], filter: 'udp port 434 and )' });
      expect(e.kind).toBe('bad-filter');
      expect(e.message).toMatch(/^invalid capture filter "udp port 434 and \)" for interface 'lo': .*syntax error.*pcap-filter\(7\)/);
      expect((await fails({ interfaces: ['lo'], filter: 'udp port 99999' })).message).toMatch(/illegal port number 99999/);
    });

    it('no interface, bad numbers', async () => {
      expect((await fails({ interfaces: [] })).kind).toBe('bad-option');
      expect((await fails({ interfaces: ['lo'], count: 0 })).kind).toBe('bad-option');
      expect((await fails({ interfaces: ['lo'], snaplen: -1 })).kind).toBe('bad-option');
    });

    it('no permission (run as nobody) and no cap module', () => {
      // Both need another process: run the API there, as nobody, and with 'cap' unresolvable.
      const script = `
        import { openLiveCapture } from ${JSON.stringify(`${ROOT}/dist/capture/live.js`)};
        try { await openLiveCapture({ interfaces: ['lo'] }); console.log('opened'); }
        catch (e) { console.log(e.kind + ': ' + e.message); }`;
      const asNobody = spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8' });
      expect(asNobody.stdout.trim()).toBe(`permission: you don't have permission to capture on 'lo': run mipscope as root, or let node capture with 'setcap cap_net_raw,cap_net_admin=eip ${process.execPath}'`);
      const noCap = spawnSync(process.execPath, ['--import', failingCapHook('not-found'), '--input-type=module', '-e', script], { encoding: 'utf8' });
      expect(noCap.stdout.trim()).toBe(`no-library: ${NEEDS_CAP}`);
      const noLibpcap = spawnSync(process.execPath, ['--import', failingCapHook('dlopen'), '--input-type=module', '-e', script], { encoding: 'utf8' });
      expect(noLibpcap.stdout.trim()).toBe(`no-library: ${NEEDS_CAP}`);
    });
  });
});
