// Dispatch tables, not switches (DESIGN.md principle 5): each protocol module registers
// itself under the keys it handles.
import type { Packet } from './packet.js';

/** Dissects buf[start, end) of data source `src` into top-level nodes of pkt. */
export type Dissector = (pkt: Packet, buf: Uint8Array, start: number, end: number, src: number) => void;

export const linkTypes = new Map<number, Dissector>();
export const etherTypes = new Map<number, Dissector>();
export const ipProtocols = new Map<number, Dissector>();
export const udpPorts = new Map<number, Dissector>();

/** UDP dissectors whose port is a preference: preference name → dissector. */
export const udpPortPrefs = new Map<string, Dissector>();
