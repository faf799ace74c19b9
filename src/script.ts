/**
 * Entry of the script-tag build (dist/script/dctvision.js, global `dctvision`). Its worker,
 * WebAssembly and default models are found next to the script, wherever it is served from.
 */
import { setAssetBase } from './util/assets.js';

const script = typeof document !== 'undefined' ? (document.currentScript as HTMLScriptElement | null) : null;
setAssetBase(new URL('.', script?.src || location.href));

export * from './index.js';
export { setAssetBase } from './util/assets.js';
