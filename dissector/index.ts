// The dissection engine: importing this module registers every protocol.
import './link.js';
import './ipv4.js';
import './udp.js';
import './icmp.js';
import './arp.js';
import './tunnels.js';
import './bindings.js';
import './mip/messages.js';
import './mip/tracking.js';
import './kx/index.js';

export { dissectFrame } from './frame.js';
export { Packet } from './packet.js';
export { Session } from './session.js';
export { parsePrefs, defaultPrefs, prefDefaults, PrefError } from './prefs.js';
export type { Prefs } from './prefs.js';
export * from './fields.js';
export * from './tree.js';
export * from './format.js';
