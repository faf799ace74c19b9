/**
 * Picking the TensorFlow.js backend: WebGPU first, then WebGL, WASM, CPU — falling
 * back only when the better one is missing, and always saying which one runs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { assetBase } from '../util/assets.js';
import { isNode } from '../util/env.js';

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export const BACKEND_ORDER: BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

function tfjsWasmFiles(): Record<string, string> {
  const base = assetBase();
  if (base) {
    const names = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];
    return Object.fromEntries(names.map((n) => [n, new URL(n, base).href]));
  }
  return {
    'tfjs-backend-wasm.wasm': new URL('../../wasm/tfjs/tfjs-backend-wasm.wasm', import.meta.url).href,
    'tfjs-backend-wasm-simd.wasm': new URL('../../wasm/tfjs/tfjs-backend-wasm-simd.wasm', import.meta.url).href,
    'tfjs-backend-wasm-threaded-simd.wasm': new URL('../../wasm/tfjs/tfjs-backend-wasm-threaded-simd.wasm', import.meta.url).href,
  };
}

const GLUE = 'tfjs-backend-wasm-threaded-simd.js.txt';
const glueUrl = (): string => {
  const base = assetBase();
  return base ? new URL(GLUE, base).href : new URL('../../wasm/tfjs/tfjs-backend-wasm-threaded-simd.js.txt', import.meta.url).href;
};

/**
 * tfjs starts each pthread worker of its threaded WASM binary from `String(factory)`, the
 * emscripten glue's factory function; bundled and minified, that function refers to names
 * outside itself (measured: "e is not defined" in every worker, then the page hangs). Give the
 * factory its original source text (shipped beside the binaries) back. False when that fails:
 * the caller stays single-threaded.
 */
async function restoreThreadedGlue(): Promise<boolean> {
  try {
    const [glue, text] = await Promise.all([
      import('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js'),
      fetch(glueUrl()).then((r) => (r.ok ? r.text() : Promise.reject(new Error(`${r.status}`)))),
    ]);
    const factory = ((glue as { default?: unknown }).default ?? glue) as { toString(): string };
    // the file is `var WasmBackendModuleThreadedSimd = (() => { … })();` + module exports
    const start = text.indexOf('(() => {');
    const end = text.lastIndexOf('})();');
    if (typeof factory !== 'function' || start < 0 || end < start) return false;
    const source = text.slice(start, end + '})()'.length);
    factory.toString = () => source;
    return true;
  } catch {
    return false;
  }
}

/**
 * tfjs starts its pthread workers from blob: URLs, which then load the glue from another blob: URL.
 * A Content-Security-Policy whose script-src does not allow blob: stops that in Firefox (Chromium
 * lets it through), and the threads never start: every classification would wait forever. So a
 * tiny worker tries the same before threads are asked for; if it cannot, the backend runs on one
 * thread. (Under such a policy the try is reported as a violation in the console.)
 */
async function blobScriptsRun(): Promise<boolean> {
  const urls: string[] = [];
  const blob = (code: string) => {
    urls.push(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })));
    return urls[urls.length - 1];
  };
  let worker: Worker | undefined;
  try {
    const inner = blob('self.loaded = true;');
    worker = new Worker(blob(`try { importScripts(${JSON.stringify(inner)}); postMessage(self.loaded === true); } catch (e) { postMessage(false); }`));
    const w = worker;
    return await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 3000);
      w.onmessage = (e: MessageEvent) => (clearTimeout(timer), resolve(e.data === true));
      w.onerror = (e) => (e.preventDefault(), clearTimeout(timer), resolve(false));
    });
  } catch {
    return false;
  } finally {
    worker?.terminate();
    urls.forEach((u) => URL.revokeObjectURL(u));
  }
}

/**
 * Each backend is fetched and registered only when it is tried (the package is
 * sideEffects: false, and a page on WebGPU never downloads the WebGL or WASM backends).
 * In pages the WASM binaries are our own copies, referenced literally so bundlers emit them
 * as files (fetched only if WASM is chosen); in Node they resolve from the package.
 */
const loaders: Record<BackendName, () => Promise<unknown>> = {
  webgpu: () => import('@tensorflow/tfjs-backend-webgpu'),
  webgl: () => import('@tensorflow/tfjs-backend-webgl'),
  wasm: async () => {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (isNode) {
      // tfjs-wasm's Node build has no pthread workers to start
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      return;
    }
    wasm.setWasmPaths(tfjsWasmFiles());
    // Threads need SharedArrayBuffer, i.e. a cross-origin isolated page; elsewhere tfjs picks
    // its single-threaded SIMD binary by itself (and `model.threads` says 1).
    // (tfjs then sizes its pool to half the logical cores, 1 to 8: one thread on a 2-core machine)
    const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
    if (!(isolated && (await blobScriptsRun()) && (await restoreThreadedGlue()))) {
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    }
  },
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
