/**
 * The `cap` module (a libpcap binding), loaded on demand so that everything except live
 * capture works where libpcap or `cap` is missing. Only the few calls live capture needs are
 * typed here; their behaviour is that of cap 0.2.x (node_modules/cap/src/binding.cc).
 */

/** One device as pcap_findalldevs describes it. */
export interface CapDevice {
  name: string;
  description?: string;
  addresses: { addr?: string; netmask?: string; broadaddr?: string; dstaddr?: string }[];
  /** 'PCAP_IF_LOOPBACK' for loopback devices, otherwise absent. */
  flags?: string;
}

/** A pcap handle. It is an EventEmitter: 'packet' (nbytes, truncated) per packet. */
export interface CapHandle {
  /**
   * Opens and activates `device` (snaplen 65535, promiscuous, immediate mode, nonblocking),
   * compiles and sets `filter`, and starts delivering packets into `buffer`. Returns the link
   * type as a name ('ETHERNET', 'LINKTYPE_LINUX_SLL', …) or 'Unknown linktype N'.
   */
  open(device: string, filter: string, bufferSize: number, buffer: Buffer): string;
  close(): boolean;
  on(event: 'packet', listener: (nbytes: number, truncated: boolean) => void): this;
  removeAllListeners(event?: string): this;
}

export interface CapModule {
  Cap: { new (): CapHandle; deviceList(): CapDevice[] };
}

/** The one line shown wherever live capture is asked for and cannot work. */
export const NEEDS_CAP = "live capture needs libpcap and the 'cap' module: apt-get install libpcap-dev && npm install cap";

let loaded: Promise<CapModule> | null = null;

/**
 * Loads `cap` once. Rejects with a LiveCaptureError('no-library') when the package is not
 * installed or its native part cannot load (libpcap missing, built for another Node, …).
 */
export function loadCap(makeError: (message: string) => Error): Promise<CapModule> {
  loaded ??= (async () => {
    const name = 'cap'; // a variable, so that TypeScript does not look for its types
    const mod = (await import(name)) as { default?: CapModule } & Partial<CapModule>;
    const cap = (mod.default ?? mod) as CapModule;
    if (typeof cap?.Cap !== 'function' || typeof cap.Cap.deviceList !== 'function') throw new Error('not the cap module');
    return cap;
  })();
  return loaded.catch(() => {
    loaded = null;
    throw makeError(NEEDS_CAP);
  });
}

/**
 * cap names the link type; pcap files want the LINKTYPE_ number. Unknown types come as
 * "Unknown linktype N" where N is a DLT_ value, equal to its LINKTYPE_ for everything cap
 * does not name, except a few old BSD/OS and ATM values (mapped here).
 */
export function linktypeNumber(name: string): number | null {
  switch (name) {
    case 'NULL': return 0;
    case 'ETHERNET': return 1;
    case 'IEEE802_11_RADIO': return 127;
    case 'LINKTYPE_LINUX_SLL': return 113;
    case 'RAW': return 101; // DLT_RAW is 12 or 14 depending on the OS; LINKTYPE_RAW is 101
    default: {
      const m = /^Unknown linktype (\d+)$/.exec(name);
      if (!m) return null;
      const dlt = parseInt(m[1]!, 10);
      const old: Record<number, number> = { 11: 100, 15: 102, 16: 103 };
      return old[dlt] ?? dlt;
    }
  }
}
