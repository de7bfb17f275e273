// `mipscope tui`: the terminal UI over a capture file or a live capture. Options are the main
// command's (one parser): -r FILE, -i IFACE, -f BPF, --keys FILE, -Y FILTER, -o NAME:VALUE.
// Everything that can be wrong with them is found before the screen opens, so each gives one
// clear line and exit code 2 with the terminal untouched.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CaptureFileError, readCaptureSync, ioError } from '../capture/read.js';
import { openLiveCapture } from '../capture/live.js';
import type { LiveCapture } from '../capture/live.js';
import { openLiveWriter } from '../capture/live-write.js';
import type { LiveWriter } from '../capture/live-write.js';
import { TuiModel } from '../tui/model/app.js';
import { configDir } from '../tui/model/filter-bar.js';
import { startUi } from '../tui/view/screen.js';
import { UsageError } from './args.js';
import type { Options } from './args.js';
import { attachKeysFile } from './keys.js';
import { displayFilter, preferences } from './prepare.js';

export const TUI_USAGE = `Usage: mipscope tui -r FILE [--keys FILE] [-Y FILTER] [-o NAME:VALUE]
       mipscope tui -i IFACE [-f BPF] [-w FILE [-F pcapng|pcap]] [--keys FILE] [-Y FILTER]
Keys: Tab panes, arrows or hjkl, gg/G, PgUp/PgDn, Enter, \\ maximise, / filter, 1-4 views, ? help, q quit.
`;

export async function runTui(o: Options): Promise<number> {
  if (o.help) { process.stdout.write(TUI_USAGE); return 0; }
  if (o.read === undefined && !o.interfaces.length) throw new UsageError("mipscope tui needs a capture: -r FILE or -i IFACE (see 'mipscope tui -h')");
  if (o.read === '-') throw new UsageError('mipscope tui reads a capture file, not standard input (the terminal is the UI)');
  // The same checks as every command: a bad preference or display filter is one line, exit 2.
  const prefs = preferences(o);
  displayFilter(o);
  const model = new TuiModel({
    prefs, haveKeys: o.keys !== undefined, historyFile: path.join(configDir(), 'filter-history'),
    prepare: s => { if (o.keys !== undefined) attachKeysFile(s, o.keys); },
  });
  let size = 0;
  let capture: LiveCapture | null = null;
  let writer: LiveWriter | null = null;
  const stop = new AbortController();
  if (o.read !== undefined && o.write !== undefined) throw new UsageError('mipscope tui writes a live capture (-i) with -w; to save a file, use mipscope -r FILE -w OUT');
  if (o.read !== undefined) {
    // A file that is not a capture is refused here, before the screen opens.
    try { size = fs.statSync(o.read).size; } catch (e) { throw ioError(o.read, e); }
    const probe = readCaptureSync(o.read);
    try { probe.next(); } finally { probe.return(undefined); }
  } else {
    capture = await openLiveCapture({
      interfaces: o.interfaces, signal: stop.signal,
      ...(o.captureFilter !== undefined ? { filter: o.captureFilter } : {}),
      ...(o.snaplen !== undefined ? { snaplen: o.snaplen } : {}),
      ...(o.noPromiscuous ? { promiscuous: false } : {}),
      ...(o.bufferMiB !== undefined ? { bufferSize: o.bufferMiB * 1024 * 1024 } : {}),
      onNote: note => model.info(`note: ${note}`),
    });
    // -w: what is captured is written out as it arrives, as with the main command.
    try { if (o.write !== undefined) writer = openLiveWriter(o.write, o.writeFormat, capture.interfaces); } catch (e) { capture.stop(); throw e; }
  }
  if (!process.stdout.isTTY) { stop.abort(); writer?.close(); throw new UsageError('mipscope tui needs a terminal (use mipscope -r FILE for text output)'); }
  const ui = startUi(model);
  const restore = () => ui.destroy();
  process.once('SIGTERM', restore);
  try {
    if (o.displayFilter !== undefined) await model.applyFilter(o.displayFilter);
    if (o.read !== undefined) {
      model.filterBar.applied = o.displayFilter ?? '';
      void model.openFile(o.read, size).catch(e => model.error(String((e as Error)?.message ?? e)));
    } else if (capture) void runLive(model, capture, writer);
    await ui.done;
  } finally {
    ui.destroy();
    process.removeListener('SIGTERM', restore);
    stop.abort();
    capture?.stop();
    writer?.close();
    model.close();
  }
  return 0;
}

/** Feeds a live capture into the model and keeps its counters (packets/s, drops) current. */
async function runLive(model: TuiModel, capture: LiveCapture, writer: LiveWriter | null): Promise<void> {
  model.startLive();
  const live = model.live!;
  let lastCount = 0, lastAt = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    live.perSecond = ((live.packets - lastCount) * 1000) / Math.max(1, now - lastAt);
    lastCount = live.packets; lastAt = now;
    live.dropped = capture.stats.interfaces.reduce((n, i) => n + (i.dropped ?? 0), 0);
    model.onChange();
  }, 1000);
  try {
    for await (const f of capture) {
      writer?.write(f);
      model.addFrame(f);
      live.packets++;
      model.onChange();
      if (model.quit) break;
    }
  } catch (e) {
    model.error(e instanceof CaptureFileError ? e.message : String((e as Error)?.message ?? e));
  } finally {
    clearInterval(timer);
    writer?.flush();
    live.running = false;
    model.onChange();
  }
}
