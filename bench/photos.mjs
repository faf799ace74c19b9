#!/usr/bin/env node
// npm run bench:photos [-- --rungs 1000,4000] [--reps N] [--json] [--out FILE]
//
// The two stages the DCT path adds or changes on large files, in isolation (one thread, no
// worker pool, no tensors), per file of bench:infer's size ladder:
//   decode: WasmDecoder.decode with all 64 frequencies, with only the frequencies the prep
//           plan reads (`keep`: what the library does), and the RGB baseline's
//           decodeRgb at libjpeg's scale (what its pixel path does);
//   prep:   prepareCpu alone on the kept coefficients (the computation the pipeline's prep
//           stage wraps).
// Median of --reps calls each after 5 warm-up calls; prints a table, writes JSON.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { WasmDecoder, planPrep, prepareCpu } from '../dist/lib/index.js';
import { rgbScale } from '../dist/lib/prep/pipeline.js';
import { makeLadder } from './lib/ladder.mjs';
import { median } from './lib/measure.mjs';
import { benchArgs, root, writeResult } from './lib/cli.mjs';

const { opt, json, log } = benchArgs();
const rungs = opt('rungs', '1000,4000').split(',').map(Number);
const reps = Number(opt('reps', 15));
const outFile = opt('out', join(root, 'build/bench/photos.json'));
const valDir = opt('val', join(root, '../shared/data/imagenette-224/val'));

// The same tiles as bench:infer, so the same files.
const classes = readdirSync(valDir).sort();
const tiles = Array.from({ length: 80 }, (_, i) => {
  const d = join(valDir, classes[i % classes.length]);
  return join(d, readdirSync(d).sort()[2 + Math.floor(i / classes.length)]);
});
const ladder = makeLadder(tiles, join(root, 'build/bench-ladder-mosaic'), rungs);
const d = await WasmDecoder.create();
const time = (fn) => {
  for (let i = 0; i < 5; i++) fn(); // compiled and cached first, as in a page that has run a while
  const t = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  return median(t);
};

const rows = [];
for (const f of ladder) {
  const bytes = new Uint8Array(readFileSync(f.file));
  const full = d.decode(bytes, { dequantize: false });
  const plan = planPrep(full, 224, 112);
  const keep = plan.planes.map((p) => p.n);
  const kept = d.decode(bytes, { dequantize: false, keep });
  const scale = rgbScale(full, 224);
  rows.push({
    file: f.name,
    bytes: f.bytes,
    keep: keep.join(','),
    rgb_scale: scale,
    decode_all_ms: time(() => d.decode(bytes, { dequantize: false })),
    decode_kept_ms: time(() => d.decode(bytes, { dequantize: false, keep })),
    decode_rgb_scaled_ms: time(() => d.decodeRgb(bytes, { scale })),
    prep_ms: time(() => prepareCpu(plan, kept.components, true)),
  });
}
log(`${'file'.padEnd(22)}${'bytes'.padStart(9)}  keep  ${'all 64'.padStart(8)}${'kept'.padStart(8)}${'RGB 1/s'.padStart(9)}${'prep'.padStart(8)}   (ms, median of ${reps})`);
for (const r of rows) {
  log(`${r.file.padEnd(22)}${String(r.bytes).padStart(9)}  ${r.keep.padEnd(5)}${r.decode_all_ms.toFixed(1).padStart(8)}${r.decode_kept_ms.toFixed(1).padStart(8)}${`${r.decode_rgb_scaled_ms.toFixed(1)}`.padStart(9)}${r.prep_ms.toFixed(2).padStart(8)}`);
}
writeResult(outFile, { date: new Date().toISOString(), reps, rows }, { json, log });
