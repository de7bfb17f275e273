// Running a flow live, over UDP on 127.0.0.x (see agents/udp-network.ts for what differs from
// in-process runs). `runLiveFlow` is what a live-capture test calls while it sniffs `lo`.
import { CLEAN_FLOWS } from './sim/flows.js';
import { runLive } from './sim/world.js';
import type { Flow, LiveOptions, LiveResult } from './sim/world.js';

/** The flows that run live, by name (the busy hour needs the in-process clock to be useful). */
export const LIVE_FLOWS: ReadonlyMap<string, Flow> = new Map(CLEAN_FLOWS.filter(f => f.name !== 'kx-busy').map(f => [f.name.replace(/^kx-/, ''), f]));

export function liveFlow(name: string): Flow {
  const f = LIVE_FLOWS.get(name.replace(/^kx-/, ''));
  if (!f) throw new Error(`no flow '${name}': one of ${[...LIVE_FLOWS.keys()].join(', ')}`);
  return f;
}

/** Runs the named flow on loopback sockets; resolves with every datagram sent once all sockets are closed. */
export function runLiveFlow(name: string, opts: LiveOptions = {}): Promise<LiveResult> {
  return runLive(liveFlow(name), opts);
}

export type { LiveOptions, LiveResult };
