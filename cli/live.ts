// Live capture from the command line: -D, -i (repeatable), -f, -s, -p, -c, -a, -l, -w, -F, as
// tshark and dumpcap do them. `mipscope` calls runLive(); this file also runs on its own
// (`node dist/cli/live.js -i lo …`) with the same flags and the usual output formats.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CaptureFileError, type Frame } from '../capture/frame.js';
import {
  DEFAULT_BUFFER_SIZE, listInterfaces, LiveCaptureError, openLiveCapture,
  type LiveDevice, type LiveInterface, type LiveStats,
} from '../capture/live.js';
import { openLiveWriter, type LiveWriter } from '../capture/live-write.js';
import { dissectFrame } from '../dissector/index.js';
import { FieldsError } from '../dissector/output/fields.js';
import { timePrecision } from '../dissector/output/summary.js';
import { parseArgs, UsageError, type Options } from './args.js';
import { Output } from './output.js';
import { prepare } from './prepare.js';
import { createRenderer, fastPathFields } from './render.js';

export interface LiveHooks {
  /** Once the interfaces are open, before the first frame: their link types and tsresol (9). */
  onStart?: (interfaces: readonly LiveInterface[]) => void;
  /**
   * Each frame, in capture order, as soon as it arrives: dissect and render it here (and
   * flush with -l). Not called with -q, nor with -w unless `print` is set (tshark -P).
   */
  onFrame: (frame: Frame) => void | Promise<void>;
  /** After the last frame, before the summary goes to stderr: finish and flush the output. */
  onEnd?: () => void;
  /** tshark -P: decode and print packets even while writing them with -w. */
  print?: boolean;
  /** tshark -B: kernel buffer per interface in MiB (default DEFAULT_BUFFER_SIZE). */
  bufferMiB?: number;
  /** Where notes and the summary go (default standard error). */
  stderr?: (text: string) => void;
  /** Where -D writes the list (default standard output). */
  stdout?: (text: string) => void;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `-D` as tshark prints it ("3. lo (Loopback)"); with -V also descriptions and addresses. */
export function formatInterfaceList(devices: readonly LiveDevice[], verbose = false): string {
  let s = '';
  for (const d of devices) {
    s += `${d.number}. ${d.name}${d.friendlyName ? ` (${d.friendlyName})` : ''}\n`;
    if (!verbose) continue;
    if (d.description) s += `\t${d.description}\n`;
    for (const a of d.addresses) s += `\t${a.addr}${a.netmask ? `/${prefixLength(a.netmask)}` : ''}\n`;
  }
  return s;
}

/** 255.255.255.0 → 24, ffff:ffff:: → 32; a mask that is not a prefix is shown as it is. */
function prefixLength(mask: string): string {
  let bits = '';
  if (mask.includes(':')) {
    const [head, tail] = mask.split('::') as [string, string | undefined];
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
    bits = groups.map(g => parseInt(g || '0', 16).toString(2).padStart(16, '0')).join('');
  } else {
    bits = mask.split('.').map(o => parseInt(o, 10).toString(2).padStart(8, '0')).join('');
  }
  return /^1*0*$/.test(bits) ? String(bits.indexOf('0') === -1 ? bits.length : bits.indexOf('0')) : mask;
}

/** "'Loopback: lo'", "'Loopback: lo' and 'any'", "'a', 'b' and 'c'". */
function quotedList(names: readonly string[]): string {
  const q = names.map(n => `'${n}'`);
  return q.length <= 1 ? q.join('') : `${q.slice(0, -1).join(', ')} and ${q[q.length - 1]}`;
}

/** The end-of-capture report, as tshark prints it on stderr, plus what is not known. */
export function formatSummary(stats: LiveStats): string {
  let s = `${plural(stats.captured, 'packet')} captured\n`;
  for (const i of stats.interfaces) {
    if (i.dropped === null) s += `packets dropped from ${i.name}: unknown (${i.droppedUnknown})\n`;
    else if (i.dropped > 0) s += `${plural(i.dropped, 'packet')} dropped from ${i.name}${i.countsOutgoingCopies ? ' (outgoing and incoming copies counted apart)' : ''}\n`;
  }
  return s;
}

/**
 * Runs `-D` or a live capture to the end (-c, -a, SIGINT or SIGTERM), writing `-w` if asked,
 * and prints tshark's summary on stderr. Returns the exit code; throws UsageError for bad
 * flags and LiveCaptureError (a CaptureFileError) for what people must fix — one line each.
 */
export async function runLive(o: Options, hooks: LiveHooks): Promise<number> {
  const stderr = hooks.stderr ?? ((s: string) => { process.stderr.write(s); });
  const stdout = hooks.stdout ?? ((s: string) => { process.stdout.write(s); });
  if (o.listInterfaces) {
    stdout(formatInterfaceList(await listInterfaces(), o.verbose));
    return 0;
  }
  if (o.read !== undefined) throw new UsageError('-r and -i cannot be used together');
  if (o.twoPass) throw new UsageError('-2 needs a capture file: capture with -w FILE, then read it with -r FILE -2');
  if (o.autostop.filesize !== undefined && o.write === undefined) throw new UsageError('-a filesize needs -w FILE: it limits the size of the file written');
  if (hooks.bufferMiB !== undefined && !(hooks.bufferMiB > 0)) throw new UsageError(`invalid -B value '${hooks.bufferMiB}': expected a size in MiB`);
  const counts = [o.count, o.autostop.packets].filter((n): n is number => n !== undefined && n > 0);
  const aborter = new AbortController();
  const capture = await openLiveCapture({
    interfaces: o.interfaces,
    ...(o.captureFilter !== undefined ? { filter: o.captureFilter } : {}),
    ...(o.snaplen !== undefined ? { snaplen: o.snaplen } : {}),
    promiscuous: !o.noPromiscuous,
    bufferSize: hooks.bufferMiB !== undefined ? Math.round(hooks.bufferMiB * 1024 * 1024) : DEFAULT_BUFFER_SIZE,
    ...(counts.length ? { count: Math.min(...counts) } : {}),
    ...(o.autostop.duration !== undefined ? { duration: o.autostop.duration } : {}),
    signal: aborter.signal,
    onNote: note => stderr(`mipscope: note: ${note}\n`),
  });
  let writer: LiveWriter | null = null;
  try {
    if (o.write !== undefined) writer = openLiveWriter(o.write, o.writeFormat, capture.interfaces);
    hooks.onStart?.(capture.interfaces);
  } catch (e) {
    capture.stop();
    await capture.done;
    throw e;
  }
  stderr(`Capturing on ${quotedList(capture.interfaces.map(i => i.displayName))}\n`);

  // The first SIGINT/SIGTERM stops the capture cleanly; a second one leaves at once, with the
  // file closed on what was written so far.
  let signals = 0;
  const onSignal = () => {
    if (signals++ === 0) { aborter.abort(); return; }
    try { writer?.close(); } finally { process.exit(130); }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const flushTimer = writer && !o.lineBuffered ? setInterval(() => writer!.flush(), 1000) : null;
  flushTimer?.unref();
  // As tshark: -w writes instead of printing (unless -P); -q prints only the summary.
  const print = (writer === null || hooks.print === true) && !o.quiet;
  const sizeLimit = o.autostop.filesize !== undefined ? o.autostop.filesize * 1000 : Infinity;
  let seen = 0;
  try {
    for await (const frame of capture) {
      seen++;
      if (writer) {
        writer.write(frame);
        if (o.lineBuffered) writer.flush();
      }
      if (print) await hooks.onFrame(frame);
      // As dumpcap: the packet that takes the file to the size is the last one written.
      if (writer && writer.bytes >= sizeLimit) { capture.stop('filesize'); break; }
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (flushTimer) clearInterval(flushTimer);
    writer?.close();
  }
  hooks.onEnd?.();
  // Packets taken from the capture: all it delivered, unless -a filesize left some unwritten.
  const stats = await capture.done;
  // (Its drop counts died with the capture process: the error line says why, not "unknown".)
  stderr(formatSummary({ ...stats, captured: seen, ...(stats.failure ? { interfaces: [] } : {}) }));
  // The capture stopped by itself (an interface went away): everything received is written.
  if (stats.failure) {
    stderr(`mipscope: ${stats.failure}\n`);
    return 2;
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Running on its own: `node dist/cli/live.js` takes mipscope's flags for live capture and prints
// packets as text (summary, -V, -x), -T fields or -T json, through the -Y display filter.
// ---------------------------------------------------------------------------------------------

async function standalone(argv: readonly string[]): Promise<number> {
  try {
    const o = parseArgs(argv);
    if (!o.interfaces.length && !o.listInterfaces) throw new UsageError('no interface: use -i IFACE (-D lists them)');
    // The same preparation, renderer and fast path as the main command.
    const { session, filter } = prepare(o);
    session.retain = false;
    const want = fastPathFields(o, filter);
    const digits = new Map<number, number>();
    const r = createRenderer(o, { timeDigits: ifIndex => digits.get(ifIndex) ?? 6 });
    const out = new Output(o.lineBuffered);
    let begun = false;
    return await runLive(o, {
      onStart: ifaces => {
        for (const i of ifaces) digits.set(i.index, timePrecision(i.tsresol));
        if (r.begin && o.write === undefined) { out.write(r.begin()); begun = true; }
      },
      onFrame: frame => {
        const pkt = dissectFrame(frame, session, want);
        if (!filter || filter.match(pkt)) out.write(r.packet(pkt));
      },
      onEnd: () => { if (begun && r.end) out.write(r.end()); out.flush(); },
    });
  } catch (e) {
    if (e instanceof UsageError || e instanceof FieldsError || e instanceof CaptureFileError) {
      process.stderr.write(`mipscope: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

function isMain(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isMain()) {
  standalone(process.argv.slice(2)).then(code => { process.exitCode = code; }, e => {
    process.stderr.write(`mipscope: internal error: ${(e as Error)?.stack ?? e}\n`);
    process.exitCode = 70;
  });
}

export { LiveCaptureError };
