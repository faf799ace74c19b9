/** Messages between the caller and its inference workers (src/classify/infer-pool.ts). */
import type { SerializedError } from '../decode/errors.js';

export interface InputArray {
  data: Float32Array;
  shape: [number, number, number, number];
}

export type InferRequest =
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
