#!/usr/bin/env node
// The network inputs of each file as the library prepares them (the one input pipeline:
// worker-pool decode, DCT-domain geometry or the pixel path), for PyTorch evaluation of any
// JPEG (training/evaluate.py). Reads a file list on stdin; writes one JSON line (network and
// input shapes), then per file a little-endian int32 status (0 ok, 1 failed: the reason goes
// to stderr) and, when ok, each input's NHWC float32 values in the order of those shapes.
// Status 2: the early stop stepped over scans that refine what it kept, so the same inputs
// decoded with every scan follow; classify() takes those when the first verdict's top two are
// within the header's earlyStopMargin (LoadOptions.earlyStopMargin's default). Status 3: that
// second decode failed (the reason to stderr), which fails classify() only for a close verdict.
//
//   node scripts/prep-inputs.mjs --model models/<id> | --network <id> [--exact] [--no-smoothing]  < file-list > inputs.bin
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DecoderPool, EARLY_STOP_MARGIN, InputPipeline, inputGeometry, specDocument } from '../dist/lib/index.js';

// --model: a model folder (its model.json's spec row); --network: a network of networks.json.
// --exact: DCT inputs through the full operators (no truncation), to measure what truncation costs.
// --no-smoothing: bands a file lacks stay zero (PipelineOptions.smoothing false).
const { values } = parseArgs({ options: { model: { type: 'string' }, network: { type: 'string' }, exact: { type: 'boolean' }, 'no-smoothing': { type: 'boolean' } } });
const json = values.model ? JSON.parse(readFileSync(resolve(values.model, 'model.json'), 'utf8')) : undefined;
const id = values.network ?? json.network;
const decoder = new DecoderPool();
const pipeline = await InputPipeline.create(inputGeometry(id, json?.spec ?? specDocument.networks[id]), { decoder, rgbDecoder: 'wasm', exact: values.exact, smoothing: !values['no-smoothing'] });
const files = readFileSync(0, 'utf8').split('\n').filter(Boolean);
const names = Object.keys(pipeline.shapes);
// stdout is a pipe: respect its back-pressure.
const write = (buf) => (process.stdout.write(buf) ? undefined : new Promise((r) => process.stdout.once('drain', r)));
await write(Buffer.from(JSON.stringify({ network: id, shapes: pipeline.shapes, earlyStopMargin: EARLY_STOP_MARGIN }) + '\n'));
// Decode ahead in the pool while earlier files are prepared and written.
const ahead = 16;
const pending = files.slice(0, ahead).map((f) => pipeline.decode(pathToFileURL(resolve(f))).catch((e) => e));
for (let i = 0; i < files.length; i++) {
  if (i + ahead < files.length) pending.push(pipeline.decode(pathToFileURL(resolve(files[i + ahead]))).catch((e) => e));
  const d = await pending[i];
  pending[i] = undefined;
  if (d instanceof Error) {
    process.stderr.write(`${files[i]}: ${d.name}: ${d.message}\n`);
    await write(Buffer.from(new Int32Array([1]).buffer));
    continue;
  }
  const every = d.kind === 'dct' && d.exact ? await d.exact().catch((e) => e) : undefined;
  if (every instanceof Error) process.stderr.write(`${files[i]} with every scan: ${every.name}: ${every.message}\n`);
  await write(Buffer.from(new Int32Array([every instanceof Error ? 3 : every ? 2 : 0]).buffer));
  for (const decoded of every && !(every instanceof Error) ? [d, every] : [d]) {
    const arrays = pipeline.arrays(decoded);
    for (const n of names) await write(Buffer.from(arrays[n].buffer, arrays[n].byteOffset, arrays[n].byteLength));
  }
}
decoder.terminate();
