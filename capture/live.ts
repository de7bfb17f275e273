/**
 * Live capture on network interfaces with `cap` (libpcap), as an async stream of frames.
 *
 * cap runs in a capture process of its own (live-child.ts runs CapCapture there and sends the
 * frames over a pipe; LiveCapture, below, receives them): cap aborts the process it runs in
 * when an interface goes away, and this way every frame received is still delivered, with
 * LiveStats.failure saying what happened.
 *
 * Several interfaces are captured at once and merged into one stream in the order their
 * packets are delivered; Frame.ifIndex is the interface's position in the list asked for,
 * each with its own link type. What cap does and does not do shapes the rest:
 *
 * - cap opens every device with snaplen 65535 and passes on only the captured length, so
 *   Frame.len is that length (the wire length is unknown beyond 65535 bytes) and a smaller
 *   snaplen is emulated by cutting caplen (len keeps the captured length).
 * - cap passes no timestamp: frames are stamped at delivery (live-clock.ts).
 * - cap delivers every packet into one shared buffer: each is copied out before it is queued.
 *   The queue has no bound, so nothing is lost in userland however slow the consumer, and the
 *   ring is emptied into it at least every SLICE_MS while the consumer works through a
 *   backlog; what the kernel drops because its ring is full is counted by the kernel
 *   (live-socket.ts).
 * - cap always turns promiscuous mode on; it is turned off again when asked (live-socket.ts).
 * - cap runs libpcap in immediate mode, which makes libpcap use TPACKET_V2 with one ring slot
 *   per packet sized for 65535 bytes: the ring holds bufferSize / 64 KiB packets, whatever
 *   their size, and takes twice bufferSize of memory (each slot sits in a 128 KiB block).
 *   Hence a default well above dumpcap's 2 MiB (which, packed by TPACKET_V3, holds
 *   thousands of small packets): 32 MiB, 511 slots, 64 MiB of memory per interface.
 * - On loopback devices, the kernel hands each packet to the capture socket twice (outgoing
 *   and incoming) and libpcap throws the outgoing copy away; the socket is told to ignore
 *   outgoing packets (live-socket.ts), which keeps the same packets, halves the ring's load
 *   and makes the kernel's drop count count only packets that would have been captured.
 *   (Adding `and inbound` to the filter would not do: libpcap runs the filter in userland on
 *   the first packet after setting it, where `inbound` cannot be evaluated and rejects it.)
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CaptureFileError, type Frame, type InterfaceInfo } from './frame.js';
import { linktypeNumber, loadCap, type CapDevice, type CapHandle, type CapModule } from './live-cap.js';
import { WallClock } from './live-clock.js';
import { configureSockets, interfaceIndex, newPacketSocket, packetSocketFds, readSocketStatistics, type SocketOperation } from './live-socket.js';

export { NEEDS_CAP } from './live-cap.js';

/** tshark's default for mipscope: Mobile IP registrations and ICMP agent discovery. */
export const DEFAULT_CAPTURE_FILTER = 'udp port 434 or icmp';
/** The snapshot length cap opens every device with; -s can only make frames shorter. */
export const CAP_SNAPLEN = 65535;
/** Kernel ring size per interface: 511 packets, 64 MiB of memory (see above). */
export const DEFAULT_BUFFER_SIZE = 32 * 1024 * 1024;

export type LiveErrorKind = 'no-library' | 'no-such-interface' | 'permission' | 'interface-down' | 'bad-filter' | 'open-failed' | 'bad-option';

/** Everything that stops live capture from starting, as one line for people naming the fix. */
export class LiveCaptureError extends CaptureFileError {
  override name = 'LiveCaptureError';
  constructor(readonly kind: LiveErrorKind, message: string) {
    super(message);
  }
}

/** An interface as `-D` lists it. */
export interface LiveDevice {
  /** 1-based, the number `-i` accepts instead of the name (as tshark numbers them). */
  number: number;
  name: string;
  /** libpcap's description ("Pseudo-device that captures on all interfaces"), if any. */
  description?: string;
  /** tshark's friendly name: "Loopback" for loopback devices. */
  friendlyName?: string;
  loopback: boolean;
  addresses: { addr: string; netmask?: string }[];
}

/** The interfaces libpcap can capture on, numbered as `-D` shows them. */
export async function listInterfaces(): Promise<LiveDevice[]> {
  const cap = await loadCap(m => new LiveCaptureError('no-library', m));
  return devices(cap).map(toLiveDevice);
}

function devices(cap: CapModule): CapDevice[] {
  try {
    return cap.Cap.deviceList();
  } catch (e) {
    throw new LiveCaptureError('open-failed', `cannot list the capture interfaces: ${(e as Error).message}`);
  }
}

function toLiveDevice(d: CapDevice, i: number): LiveDevice {
  const loopback = d.flags === 'PCAP_IF_LOOPBACK';
  return {
    number: i + 1,
    name: d.name,
    ...(d.description ? { description: d.description } : {}),
    ...(loopback ? { friendlyName: 'Loopback' } : {}),
    loopback,
    addresses: d.addresses.filter(a => a.addr).map(a => ({ addr: a.addr!, ...(a.netmask ? { netmask: a.netmask } : {}) })),
  };
}

export interface LiveCaptureOptions {
  /** Interface names, or numbers as `-D` lists them; Frame.ifIndex is the position here. */
  interfaces: readonly string[];
  /** BPF capture filter (pcap-filter(7)); default DEFAULT_CAPTURE_FILTER, '' for everything. */
  filter?: string;
  /** Cut frames to this many bytes (0 or absent: CAP_SNAPLEN). */
  snaplen?: number;
  /** Default true, as in tshark; false is `-p`. */
  promiscuous?: boolean;
  /** Kernel ring size per interface in bytes (default DEFAULT_BUFFER_SIZE). */
  bufferSize?: number;
  /** Stop after this many frames. */
  count?: number;
  /** Stop after this many seconds. */
  duration?: number;
  /** Stop when aborted (e.g. on SIGINT); frames captured until then still come out. */
  signal?: AbortSignal;
  /** Remarks for the user that do not stop the capture (e.g. promiscuous mode stayed on). */
  onNote?: (note: string) => void;
}

/** One interface being captured; `index` is Frame.ifIndex, tsresol 9 (nanoseconds). */
export interface LiveInterface extends InterfaceInfo {
  name: string;
  /** How tshark names it in "Capturing on …": 'Loopback: lo', 'eth0'. */
  displayName: string;
  /** Whether the interface is left in promiscuous mode by this capture (null: not applicable). */
  promiscuous: boolean | null;
  /** Loopback only: whether the kernel stopped queuing outgoing copies (see above). */
  outgoingIgnored?: boolean;
}

export interface LiveInterfaceStats {
  name: string;
  /** Frames delivered from this interface. */
  captured: number;
  /** Packets the kernel dropped (ring full), or null when unknown — see droppedUnknown. */
  dropped: number | null;
  /** Why `dropped` is unknown. */
  droppedUnknown?: string;
  /** Packets the kernel accepted (passed the filter), dropped ones included, when known. */
  kernelPackets?: number;
  /**
   * Loopback whose outgoing copies could not be ignored: the kernel's counts then include
   * the outgoing copy of each packet, which libpcap discards.
   */
  countsOutgoingCopies?: boolean;
}

/** 'failed': the capture process ended on its own, e.g. the interface went away (see failure). */
export type StopReason = 'count' | 'duration' | 'filesize' | 'signal' | 'stopped' | 'consumer' | 'failed';

export interface LiveStats {
  /** Frames delivered, all interfaces. */
  captured: number;
  interfaces: LiveInterfaceStats[];
  /** Most frames ever waiting in the queue for the consumer. */
  peakQueue: number;
  stopReason: StopReason | null;
  /**
   * Set when the capture stopped by itself rather than as asked: one line for the user
   * ("capture on mstap0 stopped: the interface went away"). Every frame received until
   * then has been delivered.
   */
  failure?: string;
}

/** cap copies each packet into this buffer; larger than the snaplen, so it never truncates. */
const BUFFER_LENGTH = 65536;
/** Frames are copied into slabs of this size (one allocation per slab, not per packet). */
const SLAB_SIZE = 1 << 20;
/** Longest the consumer works through a backlog before the ring is drained again. */
const SLICE_MS = 2;

/**
 * cap crashes the process if a Cap whose open() failed is ever closed or garbage-collected
 * (it stops a poll handle it never started), and writes packets into the Buffer given to
 * open() without holding on to it. So handles and buffers are held here, for good.
 */
const keptForever: { handle: CapHandle; buffer: Buffer }[] = [];

interface Source {
  info: LiveInterface;
  handle: CapHandle;
  buffer: Buffer;
  /** The capture socket (for counters and promiscuous mode), or null if it was not found… */
  fd: number | null;
  /** … and why. */
  noSocket?: string;
  captured: number;
}

/**
 * The queue between whoever receives frames and the one consumer iterating them: unbounded, so
 * that nothing is lost in userland, and worked through in slices with a turn of the event
 * loop between them, in which new frames are received.
 */
abstract class FrameQueue implements AsyncIterable<Frame> {
  private queue: (Frame | undefined)[] = [];
  private head = 0;
  protected peakQueue = 0;
  private wake: (() => void) | null = null;
  private wakeScheduled = false;
  protected closed = false;
  private iterated = false;

  protected push(frame: Frame): void {
    this.queue.push(frame);
    const waiting = this.queue.length - this.head;
    if (waiting > this.peakQueue) this.peakQueue = waiting;
  }

  /**
   * Wakes the consumer after the packets at hand have been moved into the queue, not from
   * inside the packet event: otherwise the consumer would run between packets, and the ring
   * would be drained only as fast as the consumer goes, with the queue empty and the ring
   * overflowing.
   */
  protected scheduleConsumer(): void {
    if (this.wake === null || this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      this.signalConsumer();
    });
  }

  protected signalConsumer(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** Ends the capture; called with 'consumer' when the consumer leaves the loop. */
  protected abstract finish(reason: StopReason): void;

  async *[Symbol.asyncIterator](): AsyncGenerator<Frame, void, undefined> {
    if (this.iterated) throw new Error('a live capture can be iterated only once');
    this.iterated = true;
    let sliceStart = performance.now();
    try {
      for (;;) {
        if (this.head < this.queue.length) {
          // A backlog is worked through in slices, with a turn of the event loop between
          // them in which what has meanwhile been captured is moved into the queue.
          if (performance.now() - sliceStart > SLICE_MS) {
            await new Promise(resolve => setImmediate(resolve));
            sliceStart = performance.now();
          }
          const frame = this.queue[this.head]!;
          this.queue[this.head++] = undefined;
          if (this.head >= 4096 && this.head * 2 >= this.queue.length) {
            this.queue = this.queue.slice(this.head);
            this.head = 0;
          }
          yield frame;
          continue;
        }
        if (this.closed) return;
        await new Promise<void>(resolve => { this.wake = resolve; });
        sliceStart = performance.now();
      }
    } finally {
      // The consumer left early (break, throw) or everything was read: either way, close.
      this.finish('consumer');
    }
  }
}

/**
 * A capture with cap in this process. Only the capture process (live-child.ts) runs this:
 * cap aborts the process it runs in when an interface goes away.
 * @internal
 */
export class CapCapture extends FrameQueue {
  readonly interfaces: readonly LiveInterface[];
  /** Resolves with the final statistics once the capture is closed. */
  readonly done: Promise<LiveStats>;

  private readonly sources: Source[] = [];
  private readonly clock = new WallClock();
  private readonly snaplen: number;
  private readonly limit: number;
  private delivered = 0;
  private stopping = false;
  private reason: StopReason | null = null;
  private timer: NodeJS.Timeout | null = null;
  private slab = new ArrayBuffer(SLAB_SIZE);
  private slabUsed = 0;
  private finalStats: LiveStats | null = null;
  private resolveDone!: (s: LiveStats) => void;
  private readonly onAbort = () => this.stop('signal');

  /** @internal use openLiveCapture */
  constructor(sources: Source[], private readonly opts: LiveCaptureOptions) {
    super();
    this.sources = sources;
    this.interfaces = sources.map(s => s.info);
    this.snaplen = opts.snaplen && opts.snaplen > 0 ? Math.min(opts.snaplen, CAP_SNAPLEN) : CAP_SNAPLEN;
    this.limit = opts.count ?? Infinity;
    this.done = new Promise(resolve => { this.resolveDone = resolve; });
    for (const s of sources) s.handle.on('packet', nbytes => this.onPacket(s, nbytes));
    if (opts.duration !== undefined) this.timer = setTimeout(() => this.stop('duration'), opts.duration * 1000);
    if (opts.signal) {
      if (opts.signal.aborted) this.stop('signal');
      else opts.signal.addEventListener('abort', this.onAbort, { once: true });
    }
  }

  private onPacket(source: Source, nbytes: number): void {
    if (this.closed || this.delivered >= this.limit) return;
    const ts = this.clock.now();
    const caplen = Math.min(nbytes, this.snaplen);
    // Copy out of cap's buffer, which the next packet overwrites.
    if (this.slabUsed + caplen > this.slab.byteLength) {
      this.slab = new ArrayBuffer(Math.max(SLAB_SIZE, caplen));
      this.slabUsed = 0;
    }
    const data = new Uint8Array(this.slab, this.slabUsed, caplen);
    data.set(source.buffer.subarray(0, caplen));
    this.slabUsed += (caplen + 7) & ~7;
    const frame: Frame = {
      no: ++this.delivered, tsSec: ts.tsSec, tsNsec: ts.tsNsec, linktype: source.info.linktype,
      caplen, len: nbytes, data, ifIndex: source.info.index,
    };
    source.captured++;
    this.push(frame);
    // Close at once: cap stops its dispatch loop, so no packet beyond the count is taken.
    if (this.delivered >= this.limit) this.finish('count');
    else this.scheduleConsumer();
  }

  /**
   * Asks the capture to stop. Packets the kernel has already handed over are still
   * delivered (the close waits for the current event-loop turn), then the stream ends.
   */
  stop(reason: StopReason = 'stopped'): void {
    if (this.stopping || this.closed) return;
    this.stopping = true;
    this.reason = reason;
    setImmediate(() => this.finish(reason));
  }

  /** Statistics so far; final (with the kernel's drop counts) once `done` has resolved. */
  get stats(): LiveStats {
    return this.finalStats ?? this.collect(null);
  }

  private collect(kernel: (ReturnType<typeof readSocketStatistics>[number] | undefined)[] | null): LiveStats {
    return {
      captured: this.delivered,
      peakQueue: this.peakQueue,
      stopReason: this.reason,
      interfaces: this.sources.map((s, i) => {
        const k = kernel?.[i];
        if (k === undefined) return { name: s.info.name, captured: s.captured, dropped: null, droppedUnknown: kernel ? s.noSocket ?? 'the capture socket was not found' : 'known when the capture ends' };
        if (typeof k === 'string') return { name: s.info.name, captured: s.captured, dropped: null, droppedUnknown: k };
        return {
          name: s.info.name, captured: s.captured, dropped: k.drops, kernelPackets: k.packets,
          ...(s.info.outgoingIgnored === false ? { countsOutgoingCopies: true } : {}),
        };
      }),
    };
  }

  /** Reads the kernel's counters, closes every handle and ends the stream. */
  protected finish(reason: StopReason): void {
    if (this.closed) return;
    this.reason ??= reason;
    this.stopping = true;
    // Counters first: they live in the sockets that close() destroys.
    const withFd = this.sources.map((s, i) => ({ i, fd: s.fd })).filter((x): x is { i: number; fd: number } => x.fd !== null);
    const counters = readSocketStatistics(withFd.map(x => x.fd));
    const kernel: (ReturnType<typeof readSocketStatistics>[number] | undefined)[] = this.sources.map(() => undefined);
    withFd.forEach((x, j) => { kernel[x.i] = counters[j]; });
    this.closed = true;
    for (const s of this.sources) {
      s.handle.removeAllListeners('packet');
      s.handle.close();
    }
    if (this.timer) clearTimeout(this.timer);
    this.opts.signal?.removeEventListener('abort', this.onAbort);
    this.finalStats = this.collect(kernel);
    this.resolveDone(this.finalStats);
    this.signalConsumer();
  }
}

/**
 * Opens every interface (all or nothing) and starts capturing. Throws LiveCaptureError for
 * anything people must fix: cap or libpcap missing, an unknown interface, no permission, an
 * interface that is down, a filter that does not compile.
 */
export async function openCapCapture(opts: LiveCaptureOptions): Promise<CapCapture> {
  validate(opts);
  const cap = await loadCap(m => new LiveCaptureError('no-library', m));
  const list = devices(cap);
  const userFilter = opts.filter ?? DEFAULT_CAPTURE_FILTER;
  const bufferSize = opts.bufferSize ?? DEFAULT_BUFFER_SIZE;
  const promiscuous = opts.promiscuous ?? true;
  const sources: Source[] = [];
  try {
    for (const [index, asked] of opts.interfaces.entries()) {
      const device = findDevice(list, asked);
      const before = packetSocketFds();
      const opened = openDevice(cap, device, userFilter, bufferSize);
      const after = packetSocketFds();
      const fd = newPacketSocket(before, after);
      const noSocket = fd !== null ? undefined
        : !before || !after ? 'this system does not show its packet sockets in /proc'
        : `the capture on '${device.name}' does not go through a packet socket`;
      const linktype = linktypeNumber(opened.linkName);
      if (linktype === null) {
        opened.handle.close();
        throw new LiveCaptureError('open-failed', `cannot capture on '${device.name}': unknown link type '${opened.linkName}'`);
      }
      sources.push({
        fd, ...(noSocket ? { noSocket } : {}), handle: opened.handle, buffer: opened.buffer, captured: 0,
        info: {
          index, linktype, snaplen: opts.snaplen && opts.snaplen > 0 ? Math.min(opts.snaplen, CAP_SNAPLEN) : CAP_SNAPLEN,
          name: device.name, ...(device.description ? { description: device.description } : {}),
          displayName: device.flags === 'PCAP_IF_LOOPBACK' ? `Loopback: ${device.name}` : device.name,
          tsresol: 9, tsoffset: 0, section: 0,
          // libpcap never makes the 'any' device promiscuous; others are, unless turned off below.
          promiscuous: interfaceIndex(device.name) === null ? null : true,
          ...(device.flags === 'PCAP_IF_LOOPBACK' ? { outgoingIgnored: false } : {}),
        },
      });
    }
  } catch (e) {
    for (const s of sources) s.handle.close();
    throw e;
  }
  configure(sources, promiscuous, opts.onNote);
  return new CapCapture(sources, opts);
}

/** The options' own checks, made before any process or interface is opened. */
function validate(opts: LiveCaptureOptions): void {
  if (opts.interfaces.length === 0) throw new LiveCaptureError('bad-option', 'no interface to capture on: give one with -i (mipscope -D lists them)');
  if (opts.snaplen !== undefined && (!Number.isInteger(opts.snaplen) || opts.snaplen < 0)) throw new LiveCaptureError('bad-option', `invalid snapshot length ${opts.snaplen}: expected a number of bytes`);
  if (opts.count !== undefined && (!Number.isInteger(opts.count) || opts.count <= 0)) throw new LiveCaptureError('bad-option', `invalid packet count ${opts.count}: expected a positive integer`);
  if (opts.duration !== undefined && !(opts.duration >= 0)) throw new LiveCaptureError('bad-option', `invalid duration ${opts.duration}: expected a number of seconds`);
}

function findDevice(list: CapDevice[], asked: string): CapDevice {
  const byName = list.find(d => d.name === asked);
  if (byName) return byName;
  if (/^[1-9]\d*$/.test(asked) && parseInt(asked, 10) <= list.length) return list[parseInt(asked, 10) - 1]!;
  throw new LiveCaptureError('no-such-interface', `there is no interface '${asked}': 'mipscope -D' lists the interfaces you can capture on`);
}

interface Opened { handle: CapHandle; buffer: Buffer; linkName: string }

function tryOpen(cap: CapModule, device: string, filter: string, bufferSize: number): Opened | Error {
  const handle = new cap.Cap();
  const buffer = Buffer.alloc(BUFFER_LENGTH);
  keptForever.push({ handle, buffer });
  try {
    return { handle, buffer, linkName: handle.open(device, filter, bufferSize, buffer) };
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

/** The failures of pcap_activate that are about the device or the user, not the filter. */
function activationError(device: string, e: Error): LiveCaptureError | null {
  const m = e.message;
  if (/operation not permitted|permission denied|don't have permission/i.test(m)) {
    return new LiveCaptureError('permission', `you don't have permission to capture on '${device}': run mipscope as root, or let node capture with 'setcap cap_net_raw,cap_net_admin=eip ${process.execPath}'`);
  }
  if (/no such device/i.test(m)) return new LiveCaptureError('no-such-interface', `there is no interface '${device}': 'mipscope -D' lists the interfaces you can capture on`);
  if (/not up/i.test(m)) return new LiveCaptureError('interface-down', `interface '${device}' is down: bring it up with 'ip link set ${device} up'`);
  return null;
}

function openDevice(cap: CapModule, device: CapDevice, filter: string, bufferSize: number): Opened {
  const name = device.name;
  const r = tryOpen(cap, name, filter, bufferSize);
  if (!(r instanceof Error)) return r;
  const known = activationError(name, r);
  if (known) throw known;
  // Not an activation error that we know: is it the filter? Open without one to tell. (If
  // that fails too, it may be only because the failed handle still holds the device, so the
  // first message is the one to show.)
  if (filter.trim() !== '') {
    const probe = tryOpen(cap, name, '', bufferSize);
    if (!(probe instanceof Error)) {
      probe.handle.close();
      throw new LiveCaptureError('bad-filter', `invalid capture filter "${filter}" for interface '${name}': ${r.message} (capture filters use the pcap-filter(7) syntax, e.g. "udp port 434 or icmp")`);
    }
    throw new LiveCaptureError('open-failed', `cannot capture on '${name}' with the capture filter "${filter}": ${r.message} (give another filter with -f, or -f "" for none)`);
  }
  throw new LiveCaptureError('open-failed', `cannot capture on '${name}': ${r.message}`);
}

/** Sets what cap cannot: outgoing copies ignored on loopback; promiscuous mode off with -p. */
function configure(sources: Source[], promiscuous: boolean, onNote?: (note: string) => void): void {
  const ops: { source: Source; op: Exclude<SocketOperation, { op: 'stats' }> }[] = [];
  const cannot: string[] = [];
  for (const s of sources) {
    if (s.fd !== null && s.info.outgoingIgnored === false) ops.push({ source: s, op: { op: 'ignoreoutgoing', fd: s.fd } });
    if (promiscuous || s.info.promiscuous === null) continue;
    const ifindex = interfaceIndex(s.info.name);
    if (s.fd === null || ifindex === null) cannot.push(`'${s.info.name}' (${s.noSocket ?? 'it has no interface index'})`);
    else ops.push({ source: s, op: { op: 'nopromisc', fd: s.fd, ifindex } });
  }
  configureSockets(ops.map(o => o.op)).forEach((r, i) => {
    const { source, op } = ops[i]!;
    if (op.op === 'ignoreoutgoing') source.info.outgoingIgnored = r === true;
    else if (r === true) source.info.promiscuous = false;
    else cannot.push(`'${source.info.name}' (${r})`);
  });
  if (cannot.length) onNote?.(`promiscuous mode cannot be turned off with this capture library on ${cannot.join(', ')}`);
}

// ---------------------------------------------------------------------------------------------
// The capture process. cap runs in a child (live-child.ts) that sends each frame over a pipe;
// this process keeps the queue, the dissection and the writing, so that when the child dies
// (cap aborts it when an interface goes away) every frame received is still delivered.
// ---------------------------------------------------------------------------------------------

/** Record types and the frame record's header size of the pipe from the capture process. */
export const RECORD_JSON = 1;
export const RECORD_FRAME = 2;
export const FRAME_HEADER = 4 + 1 + 2 + 4 + 4 + 4;
/** The capture process's last words kept for an error message. */
const STDERR_TAIL = 2000;

type ChildMessage =
  | { t: 'ready'; interfaces: LiveInterface[] }
  | { t: 'error'; kind: LiveErrorKind; message: string }
  | { t: 'note'; note: string }
  | { t: 'end'; stats: LiveStats };

/** The compiled capture process; from the sources (tests), the one built in dist/. */
function childScript(): string {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith('.ts') ? join(dirname(here), '..', 'dist', 'capture', 'live-child.js') : join(dirname(here), 'live-child.js');
}

/** This process's module hooks (--import, --require, --loader), which the child needs too. */
function moduleHooks(): string[] {
  const kept: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (/^(--import|--require|-r|--loader|--experimental-loader)=/.test(a)) kept.push(a);
    else if (/^(--import|--require|-r|--loader|--experimental-loader)$/.test(a) && i + 1 < argv.length) kept.push(a, argv[++i]!);
  }
  return kept;
}

/** The pipe from the capture process, cut into records. */
class ChildLink {
  readonly proc: ChildProcessWithoutNullStreams;
  onMessage: (m: ChildMessage) => void = () => {};
  onFrame: (ifIndex: number, tsSec: number, tsNsec: number, len: number, data: Uint8Array) => void = () => {};
  /** The process ended and everything it sent has been read. */
  onExit: (code: number | null, signal: NodeJS.Signals | null, stderr: string) => void = () => {};
  private pending: Buffer = Buffer.alloc(0);
  private stderr = '';

  constructor(opts: LiveCaptureOptions) {
    const { signal: _signal, onNote: _onNote, ...plain } = opts;
    this.proc = spawn(process.execPath, [...moduleHooks(), childScript(), '--capture', JSON.stringify(plain)], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stdout.on('data', (chunk: Buffer) => this.receive(chunk));
    this.proc.stderr.setEncoding('utf8');
    this.proc.stderr.on('data', (s: string) => { this.stderr = (this.stderr + s).slice(-STDERR_TAIL); });
    this.proc.stdin.on('error', () => {}); // the child is gone: its exit says why
    this.proc.on('error', e => { this.stderr += e.message; });
    this.proc.on('close', (code, signal) => this.onExit(code, signal, this.stderr.trim()));
  }

  send(line: string): void {
    if (this.proc.stdin.writable) this.proc.stdin.write(`${line}\n`);
  }

  private receive(chunk: Buffer): void {
    const buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let off = 0;
    while (buf.length - off >= 5) {
      const size = buf.readUInt32LE(off);
      if (buf.length - off - 4 < size) break;
      const type = buf[off + 4];
      if (type === RECORD_FRAME) {
        this.onFrame(buf.readUInt16LE(off + 5), buf.readUInt32LE(off + 7), buf.readUInt32LE(off + 11), buf.readUInt32LE(off + 15),
          new Uint8Array(buf.buffer, buf.byteOffset + off + FRAME_HEADER, size + 4 - FRAME_HEADER));
      } else if (type === RECORD_JSON) {
        this.onMessage(JSON.parse(buf.toString('utf8', off + 5, off + 4 + size)) as ChildMessage);
      }
      off += 4 + size;
    }
    this.pending = off === buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(off));
  }
}

/** A running capture. Iterate it once with for await; leaving the loop stops the capture. */
export class LiveCapture extends FrameQueue {
  readonly interfaces: readonly LiveInterface[];
  /** Resolves with the final statistics once the capture is closed. */
  readonly done: Promise<LiveStats>;
  /** The process that runs the capture (cap). */
  readonly capturePid: number;

  private delivered = 0;
  private readonly captured: number[];
  private stopping = false;
  /** The consumer has left: frames still arriving are not queued. */
  private discard = false;
  private reason: StopReason | null = null;
  private finalStats: LiveStats | null = null;
  private resolveDone!: (s: LiveStats) => void;
  private readonly onAbort = () => this.stop('signal');

  /** @internal use openLiveCapture */
  constructor(private readonly link: ChildLink, interfaces: LiveInterface[], private readonly opts: LiveCaptureOptions) {
    super();
    this.interfaces = interfaces;
    this.capturePid = link.proc.pid ?? 0;
    this.captured = interfaces.map(() => 0);
    this.done = new Promise(resolve => { this.resolveDone = resolve; });
    link.onFrame = (ifIndex, tsSec, tsNsec, len, data) => {
      if (this.closed) return;
      this.captured[ifIndex] = (this.captured[ifIndex] ?? 0) + 1;
      const frame: Frame = { no: ++this.delivered, tsSec, tsNsec, linktype: interfaces[ifIndex]?.linktype ?? 1, caplen: data.length, len, data, ifIndex };
      if (this.discard) return;
      this.push(frame);
      this.scheduleConsumer();
    };
    link.onMessage = m => {
      if (m.t === 'note') opts.onNote?.(m.note);
      else if (m.t === 'end') this.end({ ...m.stats, peakQueue: Math.max(m.stats.peakQueue, this.peakQueue) });
    };
    link.onExit = (code, signal, stderr) => {
      if (this.closed) return;
      this.reason = 'failed';
      this.end({ ...this.collect('the capture ended abnormally'), failure: failureLine(interfaces, code, signal, stderr) });
    };
    if (opts.signal) {
      if (opts.signal.aborted) this.stop('signal');
      else opts.signal.addEventListener('abort', this.onAbort, { once: true });
    }
  }

  /**
   * Asks the capture to stop. Packets the kernel has already handed over are still
   * delivered, then the stream ends.
   */
  stop(reason: StopReason = 'stopped'): void {
    if (this.stopping || this.closed) return;
    this.stopping = true;
    this.reason = reason;
    this.link.send(`stop ${reason}`);
  }

  /** Statistics so far; final (with the kernel's drop counts) once `done` has resolved. */
  get stats(): LiveStats {
    return this.finalStats ?? this.collect('known when the capture ends');
  }

  private collect(droppedUnknown: string): LiveStats {
    return {
      captured: this.delivered,
      peakQueue: this.peakQueue,
      stopReason: this.reason,
      interfaces: this.interfaces.map((i, k) => ({ name: i.name, captured: this.captured[k] ?? 0, dropped: null, droppedUnknown })),
    };
  }

  private end(stats: LiveStats): void {
    if (this.closed) return;
    this.closed = true;
    this.opts.signal?.removeEventListener('abort', this.onAbort);
    this.finalStats = stats;
    this.resolveDone(stats);
    this.signalConsumer();
  }

  protected finish(reason: StopReason): void {
    if (this.closed) return;
    this.discard = true;
    this.stop(reason);
  }
}

/** Why the capture process ended by itself, as one line. */
function failureLine(interfaces: readonly LiveInterface[], code: number | null, signal: NodeJS.Signals | null, stderr: string): string {
  // 'any' and devices without an entry in /sys (none on Linux) cannot be told gone.
  const gone = interfaces.filter(i => i.name !== 'any' && process.platform === 'linux' && interfaceIndex(i.name) === null);
  if (gone.length) return `capture on ${gone.map(i => i.name).join(', ')} stopped: the interface went away`;
  const last = stderr.split('\n').filter(l => l.trim()).pop();
  return `capture on ${interfaces.map(i => i.name).join(', ')} stopped: the capture process ended (${signal ?? `exit code ${code}`})${last ? `: ${last.slice(0, 200)}` : ''}`;
}

/**
 * Opens every interface (all or nothing) in a capture process and starts capturing. Throws
 * LiveCaptureError for anything people must fix: cap or libpcap missing, an unknown
 * interface, no permission, an interface that is down, a filter that does not compile.
 */
export async function openLiveCapture(opts: LiveCaptureOptions): Promise<LiveCapture> {
  validate(opts);
  const link = new ChildLink(opts);
  return new Promise((resolve, reject) => {
    link.onMessage = m => {
      if (m.t === 'note') opts.onNote?.(m.note);
      // Built at once: the frames that follow in the same chunk go to it.
      else if (m.t === 'ready') resolve(new LiveCapture(link, m.interfaces, opts));
      else if (m.t === 'error') reject(new LiveCaptureError(m.kind, m.message));
    };
    link.onExit = (code, signal, stderr) => {
      const last = stderr.split('\n').filter(l => l.trim()).pop();
      reject(new LiveCaptureError('open-failed', `cannot start the capture: the capture process ended (${signal ?? `exit code ${code}`})${last ? `: ${last.slice(0, 200)}` : ''}`));
    };
  });
}
