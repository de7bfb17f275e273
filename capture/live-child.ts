/**
 * The capture process: `cap` runs here, not in the process that dissects and writes, because
 * cap aborts the process it runs in when an interface goes away mid-capture (an assertion in
 * its native poll callback, before any JavaScript can run). live.ts spawns this module with
 * `--capture` and the capture's options as JSON and reads what it captures from its stdout.
 *
 * Records on stdout, each `u32 length (LE) | u8 type | body` (length counts type and body):
 * - RECORD_JSON: a JSON message — {t:'ready', interfaces}, {t:'error', kind, message},
 *   {t:'note', note}, {t:'end', stats};
 * - RECORD_FRAME: u16 ifIndex, u32 tsSec, u32 tsNsec, u32 len, then the captured bytes.
 * Frames are batched: a batch goes out after each turn of the event loop in which cap moved
 * packets, or once BATCH_BYTES are waiting.
 * On stdin, lines `stop REASON` stop the capture; the end of stdin (the parent went away)
 * stops it too. SIGINT and SIGTERM are left to the parent (Ctrl-C reaches both processes).
 */
import {
  CapCapture, FRAME_HEADER, LiveCaptureError, openCapCapture, RECORD_FRAME, RECORD_JSON,
  type LiveCaptureOptions, type StopReason,
} from './live.js';

const BATCH_BYTES = 256 * 1024;

let batch = Buffer.allocUnsafe(BATCH_BYTES);
let used = 0;
let flushScheduled = false;

function flush(): void {
  if (used === 0) return;
  // A small batch is copied and the buffer kept; a large one is handed over whole.
  if (used < BATCH_BYTES / 16) process.stdout.write(Buffer.from(batch.subarray(0, used)));
  else {
    process.stdout.write(batch.subarray(0, used));
    batch = Buffer.allocUnsafe(BATCH_BYTES);
  }
  used = 0;
}

function sendJson(message: object): void {
  const body = Buffer.from(JSON.stringify(message));
  flush();
  const head = Buffer.alloc(5);
  head.writeUInt32LE(body.length + 1, 0);
  head[4] = RECORD_JSON;
  process.stdout.write(Buffer.concat([head, body]));
}

function sendFrame(ifIndex: number, tsSec: number, tsNsec: number, len: number, data: Uint8Array): void {
  const size = FRAME_HEADER + data.length;
  if (used + size > batch.length) flush();
  if (size > batch.length) batch = Buffer.allocUnsafe(size);
  batch.writeUInt32LE(size - 4, used);
  batch[used + 4] = RECORD_FRAME;
  batch.writeUInt16LE(ifIndex, used + 5);
  batch.writeUInt32LE(tsSec >>> 0, used + 7);
  batch.writeUInt32LE(tsNsec, used + 11);
  batch.writeUInt32LE(len, used + 15);
  batch.set(data, used + FRAME_HEADER);
  used += size;
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(() => { flushScheduled = false; flush(); });
  }
}

async function main(): Promise<void> {
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => {});
  process.stdout.on('error', () => process.exit(0)); // the parent is gone: nobody to tell
  const opts = JSON.parse(process.argv[3] ?? '{}') as LiveCaptureOptions;
  let capture: CapCapture;
  try {
    capture = await openCapCapture({ ...opts, onNote: note => sendJson({ t: 'note', note }) });
  } catch (e) {
    const kind = e instanceof LiveCaptureError ? e.kind : 'open-failed';
    sendJson({ t: 'error', kind, message: (e as Error).message });
    process.stdout.end(() => process.exit(0));
    return;
  }
  sendJson({ t: 'ready', interfaces: capture.interfaces });
  let pending = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const [cmd, reason] = pending.slice(0, nl).split(' ');
      pending = pending.slice(nl + 1);
      if (cmd === 'stop') capture.stop(reason as StopReason);
    }
  });
  process.stdin.on('end', () => capture.stop('signal'));
  for await (const f of capture) sendFrame(f.ifIndex, f.tsSec, f.tsNsec, f.len, f.data);
  sendJson({ t: 'end', stats: await capture.done });
  process.stdin.destroy();
  process.stdout.end(() => process.exit(0));
}

// Spawned as `node live-child.js --capture JSON`; imported, it does nothing.
if (process.argv[2] === '--capture') {
  main().catch(e => {
    process.stderr.write(`${(e as Error)?.stack ?? e}\n`);
    process.exit(70);
  });
}
