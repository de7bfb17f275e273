/**
 * Writing a live capture to a file as it happens (`-w`): pcapng with one IDB per captured
 * interface written up front (name, description, snaplen, nanosecond timestamps), so that the
 * file is valid and names its interfaces even when nothing was captured; or classic pcap
 * (microseconds), which holds a single link type. Keeps count of the bytes in the file for
 * `-a filesize`.
 */
import { type Frame, type InterfaceInfo } from './frame.js';
import { PcapWriter, PcapngWriter } from './write.js';
import { LiveCaptureError } from './live.js';

export interface LiveWriter {
  write(frame: Frame): void;
  /** Hands what is buffered to the file now. */
  flush(): void;
  close(): void;
  /** Size of the file once everything written so far is flushed. */
  readonly bytes: number;
}

const pad4 = (n: number) => (n + 3) & ~3;

export function openLiveWriter(path: string, format: 'pcapng' | 'pcap', interfaces: readonly (InterfaceInfo & { name?: string })[]): LiveWriter {
  if (format === 'pcap') {
    const types = [...new Set(interfaces.map(i => i.linktype))];
    if (types.length > 1) {
      throw new LiveCaptureError('bad-option', `cannot write '${path}' as pcap: the interfaces have different link types (${interfaces.map(i => `${i.name ?? i.index}: ${i.linktype}`).join(', ')}) and pcap holds only one — write pcapng (-F pcapng)`);
    }
    const snaplen = Math.max(...interfaces.map(i => i.snaplen));
    const w = new PcapWriter(path, { linktype: types[0] ?? 1, snaplen });
    let bytes = 24;
    return {
      write(f) {
        w.writePacket({ tsSec: f.tsSec, tsNsec: f.tsNsec, data: f.data, len: f.len });
        bytes += 16 + Math.min(f.data.length, snaplen);
      },
      flush: () => w.flush(),
      close: () => w.close(),
      get bytes() { return bytes; },
    };
  }
  let bytes = 0;
  const addInterfaces = (w: PcapngWriter) => {
    for (const i of interfaces) {
      w.addInterface({ linktype: i.linktype, snaplen: i.snaplen, tsresol: i.tsresol, ...(i.name ? { name: i.name } : {}), ...(i.description ? { description: i.description } : {}) });
    }
  };
  // The size of the section and interface blocks, measured by writing them once to a counter.
  const header = new PcapngWriter(chunk => { bytes += chunk.length; });
  addInterfaces(header);
  header.close();
  const w = new PcapngWriter(path);
  addInterfaces(w);
  return {
    write(f) {
      w.writePacket({ ifIndex: f.ifIndex, tsSec: f.tsSec, tsNsec: f.tsNsec, data: f.data, len: f.len });
      const snaplen = interfaces[f.ifIndex]?.snaplen ?? 0;
      bytes += 32 + pad4(snaplen > 0 ? Math.min(f.data.length, snaplen) : f.data.length);
    },
    flush: () => w.flush(),
    close: () => w.close(),
    get bytes() { return bytes; },
  };
}
