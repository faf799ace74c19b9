/**
 * An inference worker (a worker_thread in Node, a module Web Worker in pages): one network on
 * its own TensorFlow.js WASM engine, taking prepared input arrays and answering logits. Bulk
 * classification runs several of these so that every core computes; decoding and preparation
 * stay with the caller and its decoder pool.
 */
import * as tf from '@tensorflow/tfjs-core';
import { forward } from '../engine/graph.js';
import { inputShapes } from '../engine/plan.js';
import { loadWeights } from '../engine/weights.js';
import { loadWasmBackend, singleThreaded } from './backend-wasm.js';
import { serializeError } from '../decode/errors.js';
import { setAssetBase } from '../util/assets.js';
import { isNode } from '../util/env.js';
import type { InferRequest, InferResponse } from './infer-protocol.js';

interface Port {
  post(m: InferResponse, transfer?: ArrayBuffer[]): void;
  listen(on: (m: InferRequest) => void): void;
}

async function port(): Promise<Port> {
  if (isNode) {
    const { parentPort } = await import(/* @vite-ignore */ 'node:worker_threads');
    if (!parentPort) throw new Error('inference worker started outside a worker');
    return { post: (m, t = []) => parentPort.postMessage(m, t), listen: (on) => parentPort.on('message', on) };
  }
  const scope = globalThis as unknown as { postMessage(m: unknown, t: Transferable[]): void; addEventListener(t: 'message', f: (e: MessageEvent<InferRequest>) => void): void };
  return { post: (m, t = []) => scope.postMessage(m, t), listen: (on) => scope.addEventListener('message', (e) => on(e.data)) };
}

async function serve(io: Port, init: Extract<InferRequest, { type: 'init' }>): Promise<void> {
  let ready: Awaited<ReturnType<typeof loadWeights>>;
  try {
    if (init.assetBase) setAssetBase(init.assetBase);
    // only the CPU-side backends: bundled, this worker holds neither WebGL nor WebGPU
    singleThreaded();
    await (init.backend === 'wasm' ? loadWasmBackend() : import('@tensorflow/tfjs-backend-cpu'));
    if (!(await tf.setBackend(init.backend))) throw new Error(`backend '${init.backend}' could not be started in the worker`);
    ready = await loadWeights(init.modelUrl);
    // one pass on zeros: the engine's first-call costs are paid before the first chunk arrives
    const zeros = Object.fromEntries(Object.entries(inputShapes(ready.plan.input)).map(([k, shape]) => [k, tf.zeros([1, ...shape]) as tf.Tensor4D]));
    const warm = forward(ready.plan, ready.weights, zeros);
    await warm.data();
    tf.dispose([warm, ...Object.values(zeros)]);
  } catch (e) {
    io.post({ type: 'init-error', error: serializeError(e) });
    return;
  }
  io.listen(async (msg) => {
    if (msg.type === 'stats') {
      const memory = (tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } }).wasm?.HEAPU8.byteLength ?? 0;
      io.post({ type: 'stats', id: msg.id, tensorBytes: tf.memory().numBytes, wasmBytes: memory });
      return;
    }
    if (msg.type !== 'infer') return;
    try {
      const inputs = Object.fromEntries(Object.entries(msg.inputs).map(([k, v]) => [k, tf.tensor4d(v.data, v.shape)]));
      const out = forward(ready.plan, ready.weights, inputs);
      tf.dispose(Object.values(inputs));
      const logits = (await out.data()) as Float32Array;
      out.dispose();
      io.post({ type: 'logits', id: msg.id, logits }, [logits.buffer as ArrayBuffer]);
    } catch (e) {
      io.post({ type: 'error', id: msg.id, error: serializeError(e) });
    }
  });
  io.post({ type: 'ready' });
}

void port().then((io) => {
  let started = false;
  io.listen((msg) => {
    if (msg.type !== 'init' || started) return;
    started = true;
    void serve(io, msg);
  });
});
