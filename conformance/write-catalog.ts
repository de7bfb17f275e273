// Writes docs/rules.md from the rules themselves (`npm run docs`); a test keeps it current.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalogMarkdown } from './rules/index.js';

const out = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'rules.md');
writeFileSync(out, catalogMarkdown());
process.stdout.write(`wrote ${out}\n`);
