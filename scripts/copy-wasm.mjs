// The compiled library imports the emscripten glue as ../../wasm/dist/dctjpeg.js
// relative to dist/lib/decode/, so the glue and .wasm travel as files beside it
// (never inlined, which is what bundlers' library modes would do). TensorFlow.js's
// WASM backend binaries go to wasm/tfjs/ (for the sources, git-ignored) and
// dist/wasm/tfjs/ (for the package): pages set them with setWasmPaths.
import { cpSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

mkdirSync('dist/wasm/dist', { recursive: true });
for (const f of ['dctjpeg.js', 'dctjpeg.wasm', 'dctjpeg.d.ts']) cpSync(`wasm/dist/${f}`, `dist/wasm/dist/${f}`);
const tfjsWasm = join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
for (const dir of ['wasm/tfjs', 'dist/wasm/tfjs']) {
  mkdirSync(dir, { recursive: true });
  for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) cpSync(join(tfjsWasm, f), join(dir, f));
  // the threaded binary's glue as text: its pthread workers start from this source (src/classify/backend.ts)
  cpSync(join(tfjsWasm, '../wasm-out/tfjs-backend-wasm-threaded-simd.js'), join(dir, 'tfjs-backend-wasm-threaded-simd.js.txt'));
}
