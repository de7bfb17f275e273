// Writes samples/demo.pcapng: the capture the README's main command analyses.
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { writeCaptureFile } from '../capture/write.js';
import { standardFrames } from './standard.js';

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2] ?? join(here, '..', '..', 'samples', 'demo.pcapng');
writeCaptureFile(out, standardFrames(), 'pcapng');
process.stdout.write(`wrote ${out}\n`);
