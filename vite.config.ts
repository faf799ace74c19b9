import { cpSync, existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defineConfig, type Plugin } from 'vitest/config';

/**
 * The built demo loads weights from its own models/ folder by default: copy the repository's
 * trained models (folders holding a model.json) next to it. The dev server serves them
 * from the repository root as they are.
 */
function copyModels(): Plugin {
  return {
    name: 'dctvision-copy-models',
    apply: 'build',
    writeBundle(options) {
      const src = resolve(import.meta.dirname, 'models');
      if (!options.dir || !existsSync(src)) return;
      for (const id of readdirSync(src)) {
        if (existsSync(join(src, id, 'model.json'))) cpSync(join(src, id), join(options.dir, 'models', id), { recursive: true });
      }
    },
  };
}

// One config for the demo (npm start / build:demo), the browser test pages
// (e2e/pages, built by the e2e tests) and the Node tests (vitest).
/**
 * The script-tag build registers only the kernels the engine runs for WebGPU and WASM
 * (src/kernels/, scripts/build-script.mjs). The Node tests resolve the WASM backend to the
 * same subset, so every network they run exercises it. The demo and the e2e pages keep the
 * whole backends: built by Vite with the subsets, the demo failed to find WebGPU kernels for
 * a DCT network (FusedBatchNorm "not registered") while the same network ran in the e2e page
 * — not understood yet, so not shipped there.
 */
export const kernelSubsets = {
  '@tensorflow/tfjs-backend-webgpu': resolve(import.meta.dirname, 'src/kernels/webgpu-subset.ts'),
  '@tensorflow/tfjs-backend-wasm': resolve(import.meta.dirname, 'src/kernels/wasm-subset.ts'),
};
const subsetAlias = Object.entries(kernelSubsets).map(([name, file]) => ({ find: new RegExp(`^${name.replace('/', '\\/')}$`), replacement: file }));

// Cross-origin isolation (SharedArrayBuffer): what lets TensorFlow.js's WASM backend use threads.
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  base: './',
  plugins: [copyModels()],
  server: { headers: isolation },
  preview: { headers: isolation },
  build: {
    outDir: 'dist/demo',
    chunkSizeWarningLimit: 1500,
    // Never inline the decoder's .wasm as base64: it is fetched and compiled as a file.
    assetsInlineLimit: (file) => (file.endsWith('.wasm') ? false : undefined),
    rollupOptions: {
      input: {
        main: resolve(import.meta.dirname, 'index.html'),
      },
    },
  },
  worker: { format: 'es' },
  test: {
    alias: subsetAlias,
    include: ['test/**/*.test.ts', 'e2e/**/*.test.ts'],
    globalSetup: ['test/harness/global-setup.mjs'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
