/**
 * Picking the TensorFlow.js backend: WebGPU first, then WebGL, WASM, CPU — falling
 * back only when the better one is missing, and always saying which one runs.
 */
import * as tf from '@tensorflow/tfjs';
import { isNode } from '../util/env.js';

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export const BACKEND_ORDER: BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

let registered: Promise<void> | undefined;
/** Register the optional backends once (WebGPU only registers where navigator.gpu exists). */
function registerBackends(): Promise<void> {
  registered ??= (async () => {
    if (!isNode) await import('@tensorflow/tfjs-backend-webgpu');
    if (isNode) await import('@tensorflow/tfjs-backend-wasm'); // in Node the wasm binaries resolve from the package
  })();
  return registered;
}

export interface BackendChoice {
  name: BackendName;
  /** Backends tried before it, with why they were skipped. */
  skipped: { name: BackendName; reason: string }[];
}

export async function chooseBackend(preferred?: BackendName | BackendName[]): Promise<BackendChoice> {
  await registerBackends();
  const order = preferred ? (Array.isArray(preferred) ? preferred : [preferred]) : BACKEND_ORDER;
  const skipped: BackendChoice['skipped'] = [];
  for (const name of order) {
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return { name, skipped };
      }
      skipped.push({ name, reason: 'failed to initialize' });
    } catch (e) {
      skipped.push({ name, reason: (e as Error).message });
    }
  }
  throw new Error(`no TensorFlow.js backend available (tried ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')})`);
}
