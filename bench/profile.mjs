#!/usr/bin/env node
// npm run bench:profile [-- --ids a,b] [--reps N] [--json] [--out FILE]
//
// Where inference time goes on TensorFlow.js's WASM backend (Node, the CLI's backend): every
// network (random weights, width 0.25) classifies one 224² val file; tf.profile() times each
// kernel. Prints per network the milliseconds per kernel kind (mean over reps), the forward
// pass alone (inputs already tensors: no decode, no prep, no profiler; median over reps — the
// ceiling of any end-to-end ratio) and the convs that cost most (with their shapes); writes JSON.
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as lib from '../dist/lib/index.js';
import { randomModelFetcher } from './lib/random-model.mjs';
import { benchArgs, root, writeResult } from './lib/cli.mjs';

const { opt, json, log } = benchArgs();
const spec = JSON.parse(readFileSync(join(root, 'src/engine/networks.json'), 'utf8'));
const ids = opt('ids', Object.keys(spec.networks).join(',')).split(',');
const reps = Number(opt('reps', 10));
const outFile = opt('out', join(root, 'build/bench/profile.json'));
const valDir = opt('val', join(root, '../shared/data/imagenette-224/val'));
const cls = readdirSync(valDir).sort()[0];
const file = new Uint8Array(readFileSync(join(valDir, cls, readdirSync(join(valDir, cls)).sort()[0])));

const decoder = new lib.DecoderPool({ size: 1 });
const result = { date: new Date().toISOString(), reps, networks: {} };
for (const id of ids) {
  const fetcher = await randomModelFetcher(lib, id, 0.25, 10);
  const m = await lib.load(id, { modelUrl: `mem://${id}/`, fetcher, decoder, backend: 'wasm' });
  for (let i = 0; i < 5; i++) await m.classify(file);
  const byKind = {};
  const byLayer = {};
  const totals = [];
  for (let i = 0; i < reps; i++) {
    let total = 0;
    const info = await tf.profile(async () => void (await m.classify(file)));
    for (const k of info.kernels) {
      if (k.name.endsWith('__op')) continue; // the op wrapper around a kernel: counted once
      byKind[k.name] = (byKind[k.name] ?? 0) + k.kernelTimeMs / reps;
      if (k.name === 'FusedConv2D' || k.name === 'Conv2DBackpropInput') {
        const key = `${k.name} ${k.inputShapes[0].slice(1).join('×')} → ${k.outputShapes[0].slice(1).join('×')} (k${k.inputShapes[1][0]})`;
        byLayer[key] = (byLayer[key] ?? 0) + k.kernelTimeMs / reps;
      }
      total += k.kernelTimeMs;
    }
    totals.push(total);
  }
  m.dispose();
  // the forward pass alone, on the same backend (load() left it active)
  const net = await lib.loadWeights(new URL(`mem://${id}/`), { fetcher });
  const inputs = Object.fromEntries(Object.entries(net.plan.inputs).map(([k, shape]) => [k, tf.randomUniform([1, ...shape])]));
  const fwd = () => {
    const y = lib.forward(net.plan, net.weights, inputs);
    y.dataSync();
    y.dispose();
  };
  for (let i = 0; i < 5; i++) fwd();
  const fwdMs = [];
  for (let i = 0; i < 3 * reps; i++) {
    const t0 = performance.now();
    fwd();
    fwdMs.push(performance.now() - t0);
  }
  tf.dispose([...Object.values(inputs), ...Object.values(net.weights)]);
  totals.sort((a, b) => a - b);
  fwdMs.sort((a, b) => a - b);
  result.networks[id] = { kernel_ms_median: totals[totals.length >> 1], forward_ms_median: fwdMs[fwdMs.length >> 1], by_kind: byKind, top_convs: Object.entries(byLayer).sort((a, b) => b[1] - a[1]).slice(0, 5) };
}
decoder.terminate();

const kinds = [...new Set(Object.values(result.networks).flatMap((n) => Object.keys(n.by_kind)))].sort((a, b) => {
  const sum = (k) => Object.values(result.networks).reduce((s, n) => s + (n.by_kind[k] ?? 0), 0);
  return sum(b) - sum(a);
});
log(`\nWASM backend in Node: forward = the forward pass alone, median of ${3 * reps} (×base: the baseline's ÷ this one's); kernel ms per classification under tf.profile (mean of ${reps}; sum = median of the per-call sums)`);
const base = result.networks[lib.baselineId()];
log(`${'network'.padEnd(24)}${'forward'.padStart(8)}${'×base'.padStart(7)}${'sum'.padStart(7)}${kinds.map((k) => k.padStart(Math.max(8, k.length + 1))).join('')}`);
for (const [id, n] of Object.entries(result.networks)) {
  const ratio = base ? (base.forward_ms_median / n.forward_ms_median).toFixed(2) : '-';
  log(`${id.padEnd(24)}${n.forward_ms_median.toFixed(1).padStart(8)}${ratio.padStart(7)}${n.kernel_ms_median.toFixed(1).padStart(7)}${kinds.map((k) => (n.by_kind[k] ?? 0).toFixed(2).padStart(Math.max(8, k.length + 1))).join('')}`);
}
for (const [id, n] of Object.entries(result.networks)) log(`\n${id}: costliest convolutions\n${n.top_convs.map(([k, v]) => `  ${v.toFixed(2).padStart(6)} ms  ${k}`).join('\n')}`);
writeResult(outFile, result, { json, log });
