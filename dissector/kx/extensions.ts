// Resolves extension types to the KX dissectors through the session's preferences
// (`-o mip.kx.type.gp_nai:200` …), consulted before the standard extension table.
import { extensionResolvers } from '../mip/extensions.js';
import type { ExtensionHandler } from '../mip/extensions.js';
import type { Prefs } from '../prefs.js';
import { MIP } from '../mip/fields.js';
import { KX_TYPE_PREFS, kxType } from './fields.js';
import type { KxKind } from './fields.js';
import { gpHandler } from './gp.js';
import { saPayloadHandler, strayHandlers } from './negotiation.js';

/** The type numbers are preferences, so mip.ext.type's value table cannot name them: the handler does. */
function named(h: ExtensionHandler, short: string): ExtensionHandler {
  const dissect = h.dissect;
  return {
    ...h,
    dissect: x => {
      const t = x.node.children?.find(c => c.field === MIP.extType);
      if (t) t.text = `Extension Type: ${short} (${x.ext.type})`;
      // Hidden: the data as a dissector unaware of KX shows it, so `-e mip.extension` stays tshark's.
      const start = x.ext.offset + x.ext.hdrLen;
      x.pkt.addHidden(x.node, MIP.extension, x.buf.subarray(start, x.ext.end), start, x.ext.end - start, x.src);
      dissect?.(x);
    },
  };
}

const HANDLERS: Record<KxKind, ExtensionHandler> = {
  gp_nai: named(gpHandler('gp_nai'), 'GP-NAI'), gp_ip: named(gpHandler('gp_ip'), 'GP-IP'), gp_l2: named(gpHandler('gp_l2'), 'GP-L2'), gp_sa: named(gpHandler('gp_sa'), 'GP-SA'),
  sa: named(saPayloadHandler, 'SA payload'), proposal: named(strayHandlers.proposal, 'Proposal payload'),
  transform: named(strayHandlers.transform, 'Transform payload'), ke: named(strayHandlers.ke, 'Key-exchange payload'),
};

// Preference objects are not changed once a session uses them: cache each one's type map.
const cache = new WeakMap<Prefs, Map<number, ExtensionHandler>>();

function typeMap(prefs: Prefs): Map<number, ExtensionHandler> {
  let m = cache.get(prefs);
  if (!m) {
    m = new Map();
    for (const k of Object.keys(KX_TYPE_PREFS) as KxKind[]) if (!m.has(kxType(prefs, k))) m.set(kxType(prefs, k), HANDLERS[k]);
    cache.set(prefs, m);
  }
  return m;
}

export function kxExtensionHandler(type: number, prefs: Prefs): ExtensionHandler | undefined {
  return typeMap(prefs).get(type);
}

extensionResolvers.push(kxExtensionHandler);
