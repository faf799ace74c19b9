import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// One config for the demo (npm start / build:demo), the browser test pages
// (e2e/pages, built by the e2e tests) and the Node tests (vitest).
export default defineConfig({
  base: './',
  build: {
    outDir: 'dist/demo',
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
    include: ['test/**/*.test.ts', 'e2e/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
