#!/usr/bin/env node
// The TypeScript half of an evaluation (training/evaluate.py runs it): classifies each file
// with the library exactly as users do — load() and classifyBatch(), i.e. the worker pool,
// the one input pipeline (src/prep/pipeline.ts) and the engine — and prints one JSON line:
// {"top1": [class index per file, -1 for a file that failed], "backend": "..."}.
//
//   node scripts/ts-eval.mjs --model models/<id> [--backend wasm|cpu] [--batch 16] < file-list
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { load } from '../dist/lib/index.js';

const { values } = parseArgs({ options: { model: { type: 'string' }, backend: { type: 'string', default: 'wasm' }, batch: { type: 'string', default: '16' } } });
const json = JSON.parse(readFileSync(resolve(values.model, 'model.json'), 'utf8'));
const model = await load(json.network, { modelUrl: pathToFileURL(resolve(values.model) + '/'), backend: values.backend });
const files = readFileSync(0, 'utf8').split('\n').filter(Boolean);
const top1 = [];
const batch = Number(values.batch);
for (let i = 0; i < files.length; i += batch) {
  const results = await model.classifyBatch(files.slice(i, i + batch).map((f) => pathToFileURL(resolve(f))), { batchSize: batch, topK: 1 });
  for (const r of results) top1.push(r instanceof Error ? -1 : model.classNames.indexOf(r.predictions[0].className));
}
console.log(JSON.stringify({ top1, backend: model.backend }));
model.dispose();
