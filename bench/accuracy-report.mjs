#!/usr/bin/env node
// node bench/accuracy-report.mjs [build/bench/accuracy.json] [--version N] [--write]
//
// The per-backend accuracy table of docs/MODELS.md from a bench:accuracy JSON file, beside
// each model's metrics.json (PyTorch): Markdown on stdout, or with --write between the
// markers in docs/MODELS.md. --version N: a sweep of an earlier, replaced zoo, beside its own
// metrics.json files (training/checkpoints/vN/models/), in the block accuracy-table-vN.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeDocBlock } from '../scripts/doc-block.mjs';
import { zooFolder, zooVersion } from '../scripts/zoo-version.mjs';
import { accuracyTable } from './lib/accuracy-table.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const version = zooVersion(args);
const file = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--version') ?? join(root, 'build/bench/accuracy.json');
const table = accuracyTable(JSON.parse(readFileSync(file, 'utf8')), root, version ? join(zooFolder(root, version), 'models') : undefined);
if (args.includes('--write')) {
  const start = version
    ? `<!-- accuracy-table-v${version}:start (node bench/accuracy-report.mjs docs/results/v${version}/accuracy.json --version ${version} --write) -->`
    : '<!-- accuracy-table:start (node bench/accuracy-report.mjs docs/results/accuracy.json --write) -->';
  writeDocBlock(join(root, 'docs/MODELS.md'), start, `<!-- accuracy-table${version ? `-v${version}` : ''}:end -->`, table);
} else console.log(table);
