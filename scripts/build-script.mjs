#!/usr/bin/env node
// The script-tag build: dist/script/dctvision.js (IIFE, global `dctvision`, TensorFlow.js
// included), its decoder worker as an ES module, and the WebAssembly files beside them.
// Built with rolldown directly rather than Vite's library mode, which would inline the
// .wasm and the worker as base64.
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { build } from 'rolldown';

const out = 'dist/script';
rmSync(out, { recursive: true, force: true });
const common = {
  platform: 'browser',
  external: [/^node:/],
  // A classic script cannot contain import.meta; the script build never reaches the
  // code that reads it (assets are found through setAssetBase), so any URL will do.
  transform: { define: { 'import.meta.url': 'self.location.href' } },
  logLevel: 'warn',
};
await build({
  ...common,
  input: 'src/script.ts',
  output: { format: 'iife', name: 'dctvision', file: `${out}/dctvision.js`, minify: true, codeSplitting: false },
});
await build({
  ...common,
  input: 'src/decode/worker.ts',
  output: { format: 'es', file: `${out}/dctvision-worker.js`, minify: true, codeSplitting: false },
});
mkdirSync(out, { recursive: true });
cpSync('wasm/dist/dctjpeg.wasm', `${out}/dctjpeg.wasm`);
for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) cpSync(`wasm/tfjs/${f}`, `${out}/${f}`);
