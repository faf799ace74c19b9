/**
 * TensorFlow.js's WASM backend, fetched and set up for where it runs: its binaries found beside
 * the library, and threads where the page allows them. Its own module so that an inference
 * worker, which runs only this backend, never bundles the others.
 */
import * as tf from '@tensorflow/tfjs-core';
import { assetBase } from '../util/assets.js';
import { isNode } from '../util/env.js';

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

let threadsAllowed = true;
/**
 * The WASM backend computes on one thread, wherever it runs (for inference workers: the pool's
 * workers are the parallelism, and threaded engines in each would oversubscribe the cores).
 * Call before the backend is first chosen.
 */
export function singleThreaded(): void {
  threadsAllowed = false;
}

/**
 * In pages the WASM binaries are our own copies, referenced literally so bundlers emit them as
 * files (fetched only if WASM is chosen); in Node they resolve from the package.
 */
export async function loadWasmBackend(): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (isNode) {
    // tfjs-wasm's Node build has no pthread workers to start
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    return;
  }
  wasm.setWasmPaths(tfjsWasmFiles());
  if (!threadsAllowed) {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    return;
  }
  // Threads need SharedArrayBuffer, i.e. a cross-origin isolated page; elsewhere tfjs picks
  // its single-threaded SIMD binary by itself (and `model.threads` says 1).
  // (tfjs then sizes its pool to half the logical cores, 1 to 8: one thread on a 2-core machine)
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  if (!(isolated && (await blobScriptsRun()) && (await restoreThreadedGlue()))) {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  }
}
