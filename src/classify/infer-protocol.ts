/** Messages between the caller and its inference workers (src/classify/infer-pool.ts): worker_threads in Node, Web Workers in pages. */
import type { SerializedError } from '../decode/errors.js';

export interface InputArray {
  data: Float32Array;
  shape: [number, number, number, number];
}

export type InferRequest =
  /** The first message: which weights and backend; `assetBase` where the script-tag build's files are. */
  | { type: 'init'; modelUrl: string; backend: 'wasm' | 'cpu'; assetBase?: string }
  | { type: 'infer'; id: number; inputs: Record<string, InputArray> }
  | { type: 'stats'; id: number };

export type InferResponse =
  | { type: 'ready' }
  | { type: 'init-error'; error: SerializedError }
  | { type: 'logits'; id: number; logits: Float32Array }
  | { type: 'error'; id: number; error: SerializedError }
  | { type: 'stats'; id: number; tensorBytes: number; wasmBytes: number };

/** An inference worker died or could not start; the work it held fails with this. */
export class InferenceWorkerError extends Error {
  override name = 'InferenceWorkerError';
}
