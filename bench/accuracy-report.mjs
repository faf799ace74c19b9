#!/usr/bin/env node
// node bench/accuracy-report.mjs [build/bench/accuracy.json] [--write]
//
// The per-backend accuracy table of docs/MODELS.md from a bench:accuracy JSON file, beside
// each model's metrics.json (PyTorch): Markdown on stdout, or with --write between the
// markers in docs/MODELS.md.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeDocBlock } from '../scripts/doc-block.mjs';
import { accuracyTable } from './lib/accuracy-table.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--')) ?? join(root, 'build/bench/accuracy.json');
const table = accuracyTable(JSON.parse(readFileSync(file, 'utf8')), root);
if (args.includes('--write')) {
  const start = '<!-- accuracy-table:start (node bench/accuracy-report.mjs docs/results/accuracy.json --write) -->';
  writeDocBlock(join(root, 'docs/MODELS.md'), start, '<!-- accuracy-table:end -->', table);
} else console.log(table);
