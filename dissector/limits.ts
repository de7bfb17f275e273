// Every budget that bounds what untrusted bytes may cost, in one place (docs/limits.md).
// Hitting a limit is an expert item naming it; the packet keeps every byte (shown as data)
// and the next packet dissects normally.

/**
 * Nested dissections in one packet (Tunnel Data carrying IPv4/UDP/Mobile IP …, IP-in-IP, GRE,
 * quoted datagrams): as Wireshark's gui_max_tree_depth (32). Deeper layers are shown as data.
 */
export const MAX_NESTING_DEPTH = 32;

/**
 * Nesting of a display filter: parentheses, braces, function calls, `not`, unary minus,
 * chained slices and chained arithmetic each count one level. Flat chains of and/or/xor do not
 * (they are evaluated in a loop). Deeper filters are refused: "filter nested too deeply".
 */
export const MAX_FILTER_DEPTH = 256;
