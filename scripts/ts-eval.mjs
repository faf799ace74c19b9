#!/usr/bin/env node
// The TypeScript half of an evaluation (training/evaluate.py runs it): decodes each
// JPEG with the WebAssembly decoder exactly as the library does (dequantized DCT
// coefficients, zero chroma for grayscale; or libjpeg RGB for the baseline), runs
// the engine on a tfjs backend, and prints one JSON line: {"top1": [class index per file]}.
//
//   node scripts/ts-eval.mjs --model models/<id> [--backend cpu|wasm] < file-list
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { WasmDecoder, forward, loadWeights } from '../dist/lib/index.js';

const { values } = parseArgs({ options: { model: { type: 'string' }, backend: { type: 'string', default: 'cpu' }, batch: { type: 'string', default: '8' } } });
if (values.backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
await tf.setBackend(values.backend);
const model = await loadWeights(pathToFileURL(values.model.replace(/\/?$/, '/')));
const kind = model.json.input.kind;
const decoder = await WasmDecoder.create();
const files = readFileSync(0, 'utf8').split('\n').filter(Boolean);

function dctInputs(bytes) {
  const img = decoder.decode(bytes, { dequantize: true });
  const [y, cb, cr] = img.components;
  const plane = (c, n) => (c ? Float32Array.from(c.coefficients) : new Float32Array(n * n * 64));
  return { y: plane(y, 28), cb: plane(cb, 14), cr: plane(cr, 14) };
}

const top1 = [];
const batch = Number(values.batch);
for (let i = 0; i < files.length; i += batch) {
  const chunk = files.slice(i, i + batch).map((f) => new Uint8Array(readFileSync(f)));
  const inputs = tf.tidy(() => {
    if (kind === 'rgb') {
      return { rgb: tf.stack(chunk.map((b) => { const r = decoder.decodeRgb(b); return tf.tensor3d(Float32Array.from(r.data), [r.height, r.width, 3]); })) };
    }
    const planes = chunk.map(dctInputs);
    return {
      y: tf.tensor4d(concat(planes.map((p) => p.y)), [chunk.length, 28, 28, 64]),
      cb: tf.tensor4d(concat(planes.map((p) => p.cb)), [chunk.length, 14, 14, 64]),
      cr: tf.tensor4d(concat(planes.map((p) => p.cr)), [chunk.length, 14, 14, 64]),
    };
  });
  const logits = forward(model.plan, model.weights, inputs);
  top1.push(...(await logits.argMax(1).array()));
  tf.dispose([logits, ...Object.values(inputs)]);
}
console.log(JSON.stringify({ top1, backend: tf.getBackend() }));

function concat(arrays) {
  const out = new Float32Array(arrays.reduce((a, x) => a + x.length, 0));
  let o = 0;
  for (const a of arrays) { out.set(a, o); o += a.length; }
  return out;
}
