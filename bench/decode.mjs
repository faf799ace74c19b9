#!/usr/bin/env node
// npm run bench:decode [-- --limit N] [--rounds R] [--passes P] [--json] [--out FILE]
//
// Decodes Imagenette val with, in the same run and interleaved in rounds so the
// machine's noise hits all of them alike: (a) the WASM DCT path (WasmDecoder.decode,
// raw coefficients, as the classifier uses it; and dequantized), (b) the WASM full RGB
// decode, (c) native libjpeg-turbo (Debian, SIMD) full decode and
// jpeg_read_coefficients. Then worker-pool throughput. Prints a table; writes JSON;
// with --json the last line of stdout is the JSON object.
import { readFileSync, readdirSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WasmDecoder, DecoderPool } from '../dist/lib/index.js';
import { nativeBench } from '../test/harness/native.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const limit = Number(opt('limit', Infinity));
const rounds = Number(opt('rounds', 5));
const json = args.includes('--json');
const outFile = opt('out', join(root, 'build/bench/decode.json'));
const valDir = opt('val', join(root, '../shared/data/imagenette-224/val'));

const files = readdirSync(valDir)
  .sort()
  .flatMap((d) => readdirSync(join(valDir, d)).sort().map((f) => join(valDir, d, f)))
  .slice(0, limit);
const bytes = files.map((f) => new Uint8Array(readFileSync(f)));
const log = (...a) => (json ? console.error(...a) : console.log(...a));
log(`bench:decode: ${files.length} files from ${valDir}, ${rounds} rounds`);

const decoder = await WasmDecoder.create();
// A sample is the fastest of `passes` passes over all files, for WASM and native
// alike: a pass right after another process ran is slowed by cold caches.
const passes = Number(opt('passes', 3));
const timeJs = (fn) => {
  let best = Infinity;
  for (let p = 0; p < passes; p++) {
    const t0 = performance.now();
    for (const b of bytes) fn(b);
    best = Math.min(best, performance.now() - t0);
  }
  return best / bytes.length;
};
const methods = {
  native_full: () => nativeBench('full', files, passes).ms_per_image,
  native_coef: () => nativeBench('coef', files, passes).ms_per_image,
  wasm_dct: () => timeJs((b) => decoder.decode(b, { dequantize: false })),
  wasm_dct_dequantized: () => timeJs((b) => decoder.decode(b, { dequantize: true })),
  wasm_rgb: () => timeJs((b) => decoder.decodeRgb(b)),
};
for (const name of ['wasm_dct', 'wasm_dct_dequantized', 'wasm_rgb']) methods[name](); // warm-up (JIT, heap)
const samples = Object.fromEntries(Object.keys(methods).map((k) => [k, []]));
for (let r = 0; r < rounds; r++) for (const [k, fn] of Object.entries(methods)) samples[k].push(fn());
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));

// Worker-pool throughput: every file in flight at once, results transferred back.
async function poolThroughput(size) {
  const pool = new DecoderPool({ size });
  await pool.ready();
  await Promise.all(bytes.slice(0, 50).map((b) => pool.decode(b, { dequantize: false })));
  const t0 = performance.now();
  await Promise.all(bytes.map((b) => pool.decode(b, { dequantize: false })));
  const s = (performance.now() - t0) / 1000;
  pool.terminate();
  return bytes.length / s;
}
const defaultSize = Math.max(1, availableParallelism() - 1);
const pool = {};
for (const size of [...new Set([1, defaultSize, availableParallelism()])]) pool[size] = await poolThroughput(size);

const result = {
  images: files.length,
  rounds,
  passes_per_sample: passes,
  ms_per_image: ms,
  wasm_dct_over_native_full: ms.wasm_dct / ms.native_full,
  wasm_dct_over_native_coef: ms.wasm_dct / ms.native_coef,
  wasm_dct_dequantized_over_native_full: ms.wasm_dct_dequantized / ms.native_full,
  wasm_rgb_over_native_full: ms.wasm_rgb / ms.native_full,
  wasm_dct_over_wasm_rgb: ms.wasm_dct / ms.wasm_rgb,
  pool_images_per_s: pool,
  pool_default_size: defaultSize,
  samples,
  machine: { cpus: availableParallelism(), model: cpus()[0]?.model, node: process.version },
  date: new Date().toISOString(),
};

const rows = [
  ['native libjpeg-turbo full decode (RGB, SIMD)', ms.native_full],
  ['native jpeg_read_coefficients', ms.native_coef],
  ['WASM DCT (raw coefficients)', ms.wasm_dct],
  ['WASM DCT (dequantized)', ms.wasm_dct_dequantized],
  ['WASM full RGB decode', ms.wasm_rgb],
];
log('\n| path | ms/image | ÷ native full |\n|---|---:|---:|');
for (const [name, v] of rows) log(`| ${name} | ${v.toFixed(4)} | ${(v / ms.native_full).toFixed(3)} |`);
log('\n| worker pool (WASM DCT, transferred results) | images/s |\n|---|---:|');
for (const [size, ips] of Object.entries(pool)) log(`| ${size} worker${size === '1' ? '' : 's'}${Number(size) === defaultSize ? ' (default)' : ''} | ${ips.toFixed(0)} |`);
log(`\nwasm_dct_over_native_full = ${result.wasm_dct_over_native_full.toFixed(3)} (target ≤ 0.7)`);
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, JSON.stringify(result, null, 2) + '\n');
log(`wrote ${outFile}`);
if (json) console.log(JSON.stringify(result));
