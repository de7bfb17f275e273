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

/**
 * IPv4 reassembly. A datagram holds at most 65,535 bytes, so 8-byte fragments give 8,192 at
 * most; more than MAX_FRAGMENTS_PER_DATAGRAM is a flood and the datagram is given up.
 */
export const MAX_FRAGMENTS_PER_DATAGRAM = 1024;
/** Incomplete datagrams kept at once; the oldest is given up first. */
export const MAX_PENDING_DATAGRAMS = 4096;
/** Bytes held by incomplete datagrams at once; the oldest are given up first. */
export const MAX_PENDING_FRAGMENT_BYTES = 16 * 1024 * 1024;
/** Seconds (capture time) an incomplete datagram waits for its fragments: Linux's ipfrag_time. */
export const FRAGMENT_TIMEOUT_SECONDS = 30;

/** Largest user-defined Diffie-Hellman group (KE sub-type 4) checked or used: larger P are neither. */
export const MAX_DH_GROUP_BITS = 4096;
/** New primality tests (of a P not tested before) per packet; past it a group is not checked nor used. */
export const MAX_PRIME_TESTS_PER_PACKET = 2;
/** Primality verdicts remembered, by P: a group seen again costs nothing. */
export const PRIME_CACHE_ENTRIES = 256;
/** Miller-Rabin bases for a P over 1024 bits (15 below): a sanity check of a group, not a proof. */
export const MILLER_RABIN_ROUNDS_LARGE = 4;
/** Largest private exponent a keys file may give for Diffie-Hellman. */
export const MAX_DH_PRIVATE_BITS = 8192;

/**
 * Authenticators verified per message: each covers everything before it, so verifying n of them
 * costs n² bytes of MAC. Real messages carry two or three; the rest are left unverified.
 */
export const MAX_AUTHENTICATORS_PER_MESSAGE = 16;

/** IPv4 addresses followed for ARP duplicate-address detection per capture; later ones are not checked. */
export const MAX_ARP_ADDRESSES = 65536;
/** Mobile IP bindings followed per capture (in force, and kept for reports); the one expiring first is forgotten. */
export const MAX_BINDINGS = 65536;
/** ICMP echo requests waiting for their reply; the oldest is forgotten first. */
export const MAX_PENDING_ECHOES = 4096;
/**
 * Registration transactions open for matching at once (dissector/mip/transactions.ts): a
 * registration completes in seconds, so this bounds memory over any capture without losing a
 * real match. Past it the oldest is closed: `mip.transaction.evicted`.
 */
export const MAX_OPEN_TRANSACTIONS = 20_000;
/** Seconds (capture time) after its last message that a transaction is closed. */
export const TRANSACTION_TIMEOUT_SECONDS = 300;
/** Copies kept per direction of one transaction (relays and retransmissions); later ones are counted. */
export const MAX_HOPS_PER_TRANSACTION = 32;

/**
 * Distributed keys the conformance rule KX-KEY-UNIQUE remembers (a long capture hands out new
 * keys in every registration): past it the key seen first is forgotten, and a later reuse of it
 * is not reported.
 */
export const MAX_KEYS_FOLLOWED = 65_536;
