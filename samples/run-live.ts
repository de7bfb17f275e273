#!/usr/bin/env node
// Runs a flow's agents over real UDP sockets on 127.0.0.x, port 434, for live capture:
//   node dist/samples/run-live.js --flow stateful --duration 5 [--port 434] [--speed 100] [--keys FILE] [--quiet]
// Prints one line per datagram sent; --keys writes the keys file (docs/protocol.md §C) that opens a capture of it.
import { writeFileSync } from 'node:fs';
import { parseMessage, ipString } from './agents/wire.js';
import { LIVE_FLOWS, runLiveFlow } from './live.js';

const USAGE = `usage: run-live --flow NAME [--duration SECONDS] [--port N] [--speed N] [--keys FILE] [--quiet]
flows: ${[...LIVE_FLOWS.keys()].join(', ')}
`;

function describe(payload: Uint8Array): string {
  try {
    const m = parseMessage(payload);
    const name = ({ 1: 'Registration Request', 3: 'Registration Reply', 7: 'Revocation', 8: 'Key Request', 9: 'Key Reply', 15: 'Revocation Ack' } as Record<number, string>)[m.type] ?? `type ${m.type}`;
    const code = m.type === 3 || m.type === 9 ? ` code ${m.code}` : '';
    return `${name}${code} lifetime ${m.lifetime} HoA ${ipString(m.homeAddr)} exts ${m.exts.map(e => e.type).join(',')}`;
  } catch (e) { return `unparsed (${(e as Error).message})`; }
}

async function main(argv: string[]): Promise<number> {
  const o: { flow?: string; duration?: number; port?: number; speed?: number; keys?: string; quiet?: boolean } = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!, v = () => { const x = argv[++i]; if (x === undefined) throw new Error(`${a} needs a value`); return x; };
    if (a === '--flow') o.flow = v();
    else if (a === '--duration') o.duration = Number(v());
    else if (a === '--port') o.port = Number(v());
    else if (a === '--speed') o.speed = Number(v());
    else if (a === '--keys') o.keys = v();
    else if (a === '--quiet') o.quiet = true;
    else if (a === '-h' || a === '--help') { process.stdout.write(USAGE); return 0; }
    else throw new Error(`unknown option '${a}'`);
  }
  if (!o.flow) throw new Error('--flow is required');
  for (const [k, x] of [['--duration', o.duration], ['--port', o.port], ['--speed', o.speed]] as const) {
    if (x !== undefined && !(Number.isFinite(x) && x > 0)) throw new Error(`${k} must be a positive number`);
  }
  const t0 = Date.now();
  const r = await runLiveFlow(o.flow, { ...(o.port ? { port: o.port } : {}), ...(o.speed ? { speed: o.speed } : {}), ...(o.duration ? { durationS: o.duration } : {}) });
  if (!o.quiet) for (const s of r.sent) process.stdout.write(`${((s.ms - t0) / 1000).toFixed(3)} ${s.srcIp} → ${s.dstIp} (${s.from} → ${s.to}) ${describe(s.payload)}\n`);
  if (o.keys) writeFileSync(o.keys, JSON.stringify(r.keys, null, 1) + '\n');
  process.stderr.write(`${r.sent.length} datagrams in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  return 0;
}

main(process.argv.slice(2)).then(c => { process.exitCode = c; }, e => {
  const err = e as NodeJS.ErrnoException;
  const hint = err.code === 'EACCES' ? ' (port 434 needs privileges: try --port 4340)' : err.code === 'EADDRNOTAVAIL' ? ' (127.0.0.x addresses must be on lo)' : '';
  process.stderr.write(`run-live: ${err.message}${hint}\n`);
  process.exitCode = 2;
});
