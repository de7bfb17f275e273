// `-x`: the hex and ASCII dump of a packet's data sources, in tshark's layout
// (print_hex_data_buffer): offset, 16 bytes of hex, two spaces, ASCII.
import type { Packet } from '../packet.js';

const HEX_SPACE: string[] = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0') + ' ');
const ASCII: string[] = Array.from({ length: 256 }, (_, b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.'));
const LINE_HEX_WIDTH = 16 * 3;
const OFFSETS4: string[] = Array.from({ length: 4096 }, (_, i) => (i * 16).toString(16).padStart(4, '0') + '  ');

/** The dump of one buffer; every line ends with a newline. */
export function hexDumpBuffer(data: Uint8Array): string {
  const length = data.length;
  if (length === 0) return '';
  // At least 4 offset digits, more when the last offset needs them.
  const last = length - 1;
  const digits = last > 0x0fffffff ? 8 : last > 0x00ffffff ? 7 : last > 0x000fffff ? 6 : last > 0x0000ffff ? 5 : 4;
  let out = '';
  for (let off = 0; off < length; off += 16) {
    const end = Math.min(off + 16, length);
    let h = '', a = '';
    for (let i = off; i < end; i++) {
      const b = data[i]!;
      h += HEX_SPACE[b];
      a += ASCII[b];
    }
    const offset = digits === 4 ? OFFSETS4[off >> 4]! : off.toString(16).padStart(digits, '0') + '  ';
    out += offset + (end - off === 16 ? h : h.padEnd(LINE_HEX_WIDTH, ' ')) + '  ' + a + '\n';
  }
  return out;
}

/**
 * The dump of every data source of a packet. With several sources (a reassembled or decrypted
 * buffer besides the frame) each is introduced by its name, "Frame (72 bytes):".
 */
export function packetHexDump(pkt: Packet): string {
  const sources = pkt.sources;
  if (sources.length === 1) return hexDumpBuffer(sources[0]!.data);
  let s = '';
  for (const src of sources) {
    s += `${src.name} (${src.data.length} bytes):\n`;
    if (src.data.length === 0) break; // tshark stops at an empty source
    s += hexDumpBuffer(src.data);
  }
  return s;
}
