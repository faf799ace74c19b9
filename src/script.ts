/**
 * The script-tag build's module (dist/script/dctvision.mjs), loaded by the tiny classic script
 * dist/script/dctvision.js (src/script-loader.ts). Its worker, WebAssembly, backend chunks and
 * default models are found next to it, wherever it is served from.
 */
import { setAssetBase } from './util/assets.js';

setAssetBase(new URL('.', import.meta.url));

export * from './index.js';
export { setAssetBase } from './util/assets.js';
