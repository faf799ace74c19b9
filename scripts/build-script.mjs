#!/usr/bin/env node
// The script-tag build, dist/script/:
//   dctvision.js         the classic script a page includes (src/script-loader.ts: a few hundred
//                        bytes; defines the global `dctvision`, imports dctvision.mjs)
//   dctvision.mjs        the library as an ES module, TensorFlow.js core included
//   chunks/*.mjs         each TensorFlow.js backend in its own chunk, fetched only when chosen
//   dctvision-worker.js  the decoder worker (ES module), and the WebAssembly files beside them
//   dctvision-infer-worker.mjs  classifyBatch's inference worker (ES module, using the chunks)
// Built with rolldown directly rather than Vite's library mode, which would inline the .wasm
// and the worker as base64. Prints the sizes.
import { cpSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'rolldown';

const out = 'dist/script';
rmSync(out, { recursive: true, force: true });
// Only the kernels the engine runs, for WebGPU and WASM (src/kernels/; the same as the demo's vite.config.ts).
const subsets = {
  '@tensorflow/tfjs-backend-webgpu': resolve('src/kernels/webgpu-subset.ts'),
  '@tensorflow/tfjs-backend-wasm': resolve('src/kernels/wasm-subset.ts'),
};
const kernelSubsets = { name: 'dctvision-kernel-subsets', resolveId: (id) => subsets[id] ?? null };
const common = { platform: 'browser', external: [/^node:/], logLevel: 'warn', plugins: [kernelSubsets] };
// One chunk per TensorFlow.js package, named after it, so a test can see which ones a page fetched.
await build({
  ...common,
  // the inference worker shares the library's chunks (TensorFlow.js core, the WASM backend)
  input: { dctvision: 'src/script.ts', 'dctvision-infer-worker': 'src/classify/infer-worker.ts' },
  preserveEntrySignatures: 'allow-extension',
  output: {
    format: 'es',
    dir: out,
    entryFileNames: '[name].mjs',
    chunkFileNames: 'chunks/[name]-[hash].mjs',
    minify: true,
    codeSplitting: {
      // a group takes only the package's own modules (not those it imports), so the backends share the CPU kernels' chunk
      includeDependenciesRecursively: false,
      groups: ['tfjs-core', 'tfjs-backend-webgpu', 'tfjs-backend-webgl', 'tfjs-backend-wasm', 'tfjs-backend-cpu'].map((name, i) => ({
        name,
        // the innermost package (some backends carry their own copy of another's files)
        test: new RegExp(`[\\\\/]@tensorflow[\\\\/]${name}[\\\\/](?!.*@tensorflow)`),
        priority: 10 - i,
      })),
    },
  },
});
await build({
  ...common,
  input: 'src/script-loader.ts',
  output: { format: 'iife', file: `${out}/dctvision.js`, minify: true, codeSplitting: false },
});
await build({
  ...common,
  input: 'src/decode/worker.ts',
  output: { format: 'es', file: `${out}/dctvision-worker.js`, minify: true, codeSplitting: false },
});
mkdirSync(out, { recursive: true });
cpSync('wasm/dist/dctjpeg.wasm', `${out}/dctjpeg.wasm`);
for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm', 'tfjs-backend-wasm-threaded-simd.js.txt']) cpSync(`wasm/tfjs/${f}`, `${out}/${f}`);
const list = (dir) => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? list(join(dir, f)) : [join(dir, f)]));
if (!process.env.CI) for (const f of list(out).filter((f) => /\.m?js$/.test(f))) console.log(`${String(statSync(f).size).padStart(9)}  ${f}`);
