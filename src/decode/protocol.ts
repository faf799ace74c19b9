/** Messages between DecoderPool and its workers. */
import type { SerializedError } from './errors.js';
import type { DecodeOptions, RgbDecodeOptions } from './types.js';
import type { DecodeEvent } from './wasm.js';

export type WorkerRequest =
  | { type: 'init'; module: WebAssembly.Module }
  | { type: 'dct'; id: number; bytes: Uint8Array; options: DecodeOptions }
  | { type: 'rgb'; id: number; bytes: Uint8Array; options: RgbDecodeOptions }
  | { type: 'stats'; id: number }
  /** Streams: one decoder per stream id, on the worker that opened it. */
  | { type: 'stream-open'; id: number; sid: number; options: DecodeOptions }
  | { type: 'stream-push'; id: number; sid: number; bytes: Uint8Array; end: boolean }
  | { type: 'stream-resume'; id: number; sid: number; keep?: number[] }
  | { type: 'stream-close'; id: number; sid: number };

/** A stream's events as posted: errors in their serialized form. */
export type PostedEvent = Exclude<DecodeEvent, { type: 'error' }> | { type: 'error'; error: SerializedError };

export type WorkerResponse =
  | { type: 'ready' }
  | { type: 'init-error'; error: SerializedError }
  | { type: 'result'; id: number; ok: true; value: unknown }
  | { type: 'result'; id: number; ok: false; error: SerializedError };

export interface WorkerStats {
  /** Bytes malloc'ed in the WASM heap between requests (should stay at its baseline). */
  heapInUse: number;
  /** Size of the worker's WASM linear memory. */
  memoryBytes: number;
  /** Requests this worker has answered. */
  handled: number;
}
