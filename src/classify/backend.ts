/**
 * Picking the TensorFlow.js backend: WebGPU first, then WebGL, WASM, CPU — falling
 * back only when the better one is missing, and always saying which one runs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadWasmBackend } from './backend-wasm.js';
import { isNode } from '../util/env.js';

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export const BACKEND_ORDER: BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

/**
 * Each backend is fetched and registered only when it is tried (the package is
 * sideEffects: false, and a page on WebGPU never downloads the WebGL or WASM backends).
 */
const loaders: Record<BackendName, () => Promise<unknown>> = {
  webgpu: () => import('@tensorflow/tfjs-backend-webgpu'),
  webgl: () => import('@tensorflow/tfjs-backend-webgl'),
  wasm: loadWasmBackend,
  cpu: () => import('@tensorflow/tfjs-backend-cpu'),
};
const loaded = new Map<BackendName, Promise<unknown>>();
function register(name: BackendName): Promise<unknown> {
  let p = loaded.get(name);
  if (!p) {
    p = loaders[name]();
    loaded.set(name, p);
    p.catch(() => loaded.delete(name));
  }
  return p;
}

/** No backend could be started (or none of those asked for). */
export class BackendError extends Error {
  override name = 'BackendError';
}

let turn: Promise<unknown> = Promise.resolve();
/**
 * tfjs has one active backend per page, and switching it is asynchronous. Work that must
 * run on one backend (starting it, preparing inputs, dispatching a forward pass) goes
 * through here one at a time, so a model on WebGPU and one on WASM classifying at once each
 * run on their own: nothing can switch the backend between the switch and `fn`.
 * Reading results back (tensor.data()) needs no turn: a tensor reads from its own backend.
 */
export function onBackend<T>(name: BackendName | undefined, fn: () => T | Promise<T>): Promise<T> {
  const run = turn.then(async () => {
    if (name && tf.getBackend() !== name && !(await tf.setBackend(name))) throw new BackendError(`backend '${name}' could not be activated`);
    return fn();
  });
  turn = run.catch(() => {});
  return run;
}

export interface BackendChoice {
  name: BackendName;
  /** Backends tried before it, with why they were skipped. */
  skipped: { name: BackendName; reason: string }[];
  /**
   * WASM only: threads it computes with. More than 1 needs SharedArrayBuffer, i.e. a page
   * served cross-origin isolated (Cross-Origin-Opener-Policy: same-origin and
   * Cross-Origin-Embedder-Policy: require-corp); otherwise it runs single-threaded.
   */
  threads?: number;
}

export async function chooseBackend(preferred?: BackendName | BackendName[]): Promise<BackendChoice> {
  return onBackend(undefined, () => firstWorking(preferred));
}

async function firstWorking(preferred?: BackendName | BackendName[]): Promise<BackendChoice> {
  const order = preferred ? (Array.isArray(preferred) ? preferred : [preferred]) : BACKEND_ORDER;
  const skipped: BackendChoice['skipped'] = [];
  for (const name of order) {
    try {
      if (!(name in loaders)) throw new BackendError(`unknown backend '${name}'`);
      // WebGL and WebGPU need a browser; in Node they are not even fetched.
      if (isNode && (name === 'webgl' || name === 'webgpu')) throw new BackendError(`backend '${name}' not found in Node`);
      await register(name);
      if (await tf.setBackend(name)) {
        await tf.ready();
        if (name !== 'wasm') return { name, skipped };
        const wasm = await import('@tensorflow/tfjs-backend-wasm');
        return { name, skipped, threads: wasm.getThreadsCount() };
      }
      skipped.push({ name, reason: 'failed to initialize' });
    } catch (e) {
      skipped.push({ name, reason: (e as Error).message });
    }
  }
  throw new BackendError(`no TensorFlow.js backend available (tried ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')})`);
}
