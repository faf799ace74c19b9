// The compiled library imports the emscripten glue as ../../wasm/dist/dctjpeg.js
// relative to dist/lib/decode/, so the glue and .wasm travel as files beside it
// (never inlined, which is what bundlers' library modes would do).
import { cpSync, mkdirSync } from 'node:fs';
mkdirSync('dist/wasm/dist', { recursive: true });
for (const f of ['dctjpeg.js', 'dctjpeg.wasm', 'dctjpeg.d.ts']) cpSync(`wasm/dist/${f}`, `dist/wasm/dist/${f}`);
