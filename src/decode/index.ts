export * from './errors.js';
export * from './types.js';
export { WasmDecoder, compileDecoderWasm, defaultWasmUrl } from './wasm.js';
export { DecoderPool, type DecoderPoolOptions, type RequestOptions, type JpegInput } from './pool.js';
export type { WorkerStats } from './protocol.js';
export { readJpegHeader, type JpegHeader } from './header.js';
