/**
 * An inference worker (Node worker_threads): one network on its own TensorFlow.js WASM engine,
 * taking prepared input arrays and answering logits. Bulk classification runs several of these
 * so that every core computes; decoding and preparation stay in the caller's decoder pool.
 */
import * as tf from '@tensorflow/tfjs-core';
import { forward } from '../engine/graph.js';
import { inputShapes } from '../engine/plan.js';
import { loadWeights } from '../engine/weights.js';
import { chooseBackend, type BackendName } from './backend.js';
import { serializeError } from '../decode/errors.js';
import type { InferRequest, InferResponse } from './infer-protocol.js';

async function main(): Promise<void> {
  const { parentPort, workerData } = await import(/* @vite-ignore */ 'node:worker_threads');
  if (!parentPort) throw new Error('inference worker started outside a worker');
  const port = parentPort;
  const { modelUrl, backend } = workerData as { modelUrl: string; backend: BackendName };
  let ready: Awaited<ReturnType<typeof loadWeights>>;
  try {
    await chooseBackend(backend);
    ready = await loadWeights(modelUrl);
    // one pass on zeros: the engine's first-call costs are paid before the first chunk arrives
    const zeros = Object.fromEntries(Object.entries(inputShapes(ready.plan.input)).map(([k, shape]) => [k, tf.zeros([1, ...shape]) as tf.Tensor4D]));
    const warm = forward(ready.plan, ready.weights, zeros);
    await warm.data();
    tf.dispose([warm, ...Object.values(zeros)]);
  } catch (e) {
    port.postMessage({ type: 'init-error', error: serializeError(e) } satisfies InferResponse);
    return;
  }
  port.on('message', async (msg: InferRequest) => {
    if (msg.type === 'stats') {
      const memory = (tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } }).wasm?.HEAPU8.byteLength ?? 0;
      port.postMessage({ type: 'stats', id: msg.id, tensorBytes: tf.memory().numBytes, wasmBytes: memory } satisfies InferResponse);
      return;
    }
    try {
      const inputs = Object.fromEntries(Object.entries(msg.inputs).map(([k, v]) => [k, tf.tensor4d(v.data, v.shape)]));
      const out = forward(ready.plan, ready.weights, inputs);
      tf.dispose(Object.values(inputs));
      const logits = (await out.data()) as Float32Array;
      out.dispose();
      port.postMessage({ type: 'logits', id: msg.id, logits } satisfies InferResponse, [logits.buffer as ArrayBuffer]);
    } catch (e) {
      port.postMessage({ type: 'error', id: msg.id, error: serializeError(e) } satisfies InferResponse);
    }
  });
  port.postMessage({ type: 'ready' } satisfies InferResponse);
}

void main();
