#!/usr/bin/env node
// node bench/compare-wasm.mjs A.wasm B.wasm [...] [--rounds R]
//
// Two (or more) builds of the decoder's .wasm in one process, interleaved round by round on
// all Imagenette val files (raw DCT decode), so a busy shared machine slows them alike. Used to
// check that a patch did not change the DCT path's speed; prints the best round of each.
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WasmDecoder, compileDecoderWasm } from '../dist/lib/index.js';

const args = process.argv.slice(2);
const rounds = args.includes('--rounds') ? Number(args[args.indexOf('--rounds') + 1]) : 5;
const builds = args.filter((a, i) => a.endsWith('.wasm') && args[i - 1] !== '--rounds');
const val = resolve(import.meta.dirname, '../../shared/data/imagenette-224/val');
const files = readdirSync(val).sort().flatMap((d) => readdirSync(join(val, d)).sort().map((f) => new Uint8Array(readFileSync(join(val, d, f)))));
const decoders = await Promise.all(builds.map(async (p) => WasmDecoder.create(await compileDecoderWasm(pathToFileURL(resolve(p))))));
const best = builds.map(() => Infinity);
for (let r = 0; r < rounds; r++) {
  decoders.forEach((d, i) => {
    const t0 = performance.now();
    for (const f of files) d.decode(f, { dequantize: false });
    best[i] = Math.min(best[i], (performance.now() - t0) / files.length);
  });
}
builds.forEach((b, i) => console.log(`${b}: ${best[i].toFixed(4)} ms/image (best of ${rounds} rounds, ${files.length} files)`));
