export * from './errors.js';
export * from './types.js';
export { WasmDecoder, WasmDecodeStream, compileDecoderWasm, defaultWasmUrl, type DecodeEvent, type StreamHeader, type StreamOptions } from './wasm.js';
export { scanEnds, cutAt } from './scans.js';
export { DecoderPool, PoolDecodeStream, type DecoderPoolOptions, type RequestOptions, type JpegInput } from './pool.js';
export type { WorkerStats } from './protocol.js';
export { readJpegHeader, type JpegHeader } from './header.js';
