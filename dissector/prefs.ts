// Preferences (`-o name:value`), as Wireshark's protocol preferences.

export interface Prefs {
  /** UDP port of Mobile IP (docs/protocol.md §A: a preference, default 434). */
  'mip.udp.port': number;
  'ip.check_checksum': boolean;
  'udp.check_checksum': boolean;
  'ip.defragment': boolean;
  [key: string]: number | boolean | string;
}

export const defaultPrefs: Prefs = {
  'mip.udp.port': 434,
  // Off by default, as in Wireshark (`ip.check_checksum: FALSE`): the checksum status filters agree.
  'ip.check_checksum': false,
  // Off by default, as in Wireshark: captures taken on the sending host (checksum offload, lo)
  // carry unfilled UDP checksums. `-o udp.check_checksum:TRUE` turns verification on.
  'udp.check_checksum': false,
  'ip.defragment': true,
};

export class PrefError extends Error {}

/** Known preference names, their defaults define their types. Modules may add their own. */
export const prefDefaults: Record<string, number | boolean | string> = { ...defaultPrefs };

/** The allowed range of numeric preferences, inclusive; a value outside is a PrefError. */
export const prefRanges: Record<string, readonly [number, number]> = { 'mip.udp.port': [0, 65535] };

export function registerPref(name: string, value: number | boolean | string, range?: readonly [number, number]): void {
  prefDefaults[name] = value;
  if (range) prefRanges[name] = range;
}

/** Applies `name:value` strings to a copy of the defaults. */
export function parsePrefs(settings: readonly string[], base: Record<string, number | boolean | string> = prefDefaults): Prefs {
  const out = { ...base } as Prefs;
  for (const s of settings) {
    const i = s.indexOf(':');
    if (i <= 0) throw new PrefError(`invalid -o option '${s}': expected name:value`);
    const name = s.slice(0, i).trim(), raw = s.slice(i + 1).trim();
    if (!(name in base)) throw new PrefError(`unknown preference '${name}' (see 'mipscope -G prefs')`);
    const cur = base[name];
    if (typeof cur === 'number') {
      const v = /^0x[0-9a-f]+$/i.test(raw) ? parseInt(raw, 16) : /^\d+$/.test(raw) ? parseInt(raw, 10) : NaN;
      if (!Number.isFinite(v)) throw new PrefError(`preference '${name}' takes a number, not '${raw}'`);
      const range = prefRanges[name];
      if (range && (v < range[0] || v > range[1])) throw new PrefError(`invalid -o value '${s}': ${name} is ${range[0]} to ${range[1]}, not ${raw}`);
      out[name] = v;
    } else if (typeof cur === 'boolean') {
      const t = raw.toLowerCase();
      if (t === 'true' || t === 'yes' || t === '1') out[name] = true;
      else if (t === 'false' || t === 'no' || t === '0') out[name] = false;
      else throw new PrefError(`preference '${name}' takes TRUE or FALSE, not '${raw}'`);
    } else out[name] = raw;
  }
  return out;
}
