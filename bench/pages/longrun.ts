import * as tf from '@tensorflow/tfjs';
import { DecoderPool, load } from '../../src/index.js';
import * as lib from '../../src/index.js';
import { randomModelFetcher } from '../lib/random-model.mjs';

export interface LongRunConfig {
  id: string;
  width: number;
  good: string[];
  bad: string[];
  n: number;
  /** Every how many classifications a sample is taken. */
  every: number;
  /** One in badEvery inputs is a bad file. */
  badEvery: number;
}

const typed = new Set(['NotAJpegError', 'UnsupportedJpegError', 'CorruptJpegError', 'JpegLimitError']);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))];
};

async function longRun(cfg: LongRunConfig) {
  const fetchAll = (urls: string[]) => Promise.all(urls.map(async (u) => new Uint8Array(await (await fetch(u)).arrayBuffer())));
  const [good, bad] = [await fetchAll(cfg.good), await fetchAll(cfg.bad)];
  const decoder = new DecoderPool();
  const model = await load(cfg.id, { modelUrl: `mem://${cfg.id}/`, fetcher: await randomModelFetcher(lib, cfg.id, cfg.width, 10), decoder });
  const outcomes: Record<string, number> = {};
  const untyped: string[] = [];
  const samples = [];
  let window: number[] = [];
  const all: number[] = [];
  const t0 = performance.now();
  let g = 0;
  let b = 0;
  for (let i = 0; i < cfg.n; i++) {
    const isBad = i % cfg.badEvery === cfg.badEvery - 1;
    const bytes = isBad ? bad[b++ % bad.length] : good[g++ % good.length];
    try {
      const r = await model.classify(bytes);
      outcomes.ok = (outcomes.ok ?? 0) + 1;
      window.push(r.timings.total);
      all.push(r.timings.total);
    } catch (e) {
      const name = (e as Error).name;
      outcomes[name] = (outcomes[name] ?? 0) + 1;
      if (!typed.has(name)) untyped.push(`${i}: ${name}: ${(e as Error).message}`);
    }
    if ((i + 1) % cfg.every === 0) {
      const mem = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number; numBytesAllocatedInGPU?: number };
      const stats = await decoder.stats();
      const js = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
      samples.push({
        i: i + 1,
        seconds: (performance.now() - t0) / 1000,
        tensors: mem.numTensors,
        bytes: mem.numBytes,
        gpuUsed: mem.numBytesInGPU,
        gpuAllocated: mem.numBytesAllocatedInGPU,
        wasmHeapInUse: stats.reduce((a, s) => a + s.heapInUse, 0),
        wasmMemory: stats.reduce((a, s) => a + s.memoryBytes, 0),
        workers: stats.length,
        jsHeap: js?.usedJSHeapSize ?? null,
        p50: pct(window, 0.5),
        p99: pct(window, 0.99),
      });
      window = [];
    }
  }
  model.dispose();
  decoder.terminate();
  return { backend: model.backend, outcomes, untyped: untyped.slice(0, 20), untypedCount: untyped.length, samples, p50: pct(all, 0.5), p99: pct(all, 0.99) };
}

declare global {
  interface Window {
    benchLongRun: typeof longRun;
  }
}
window.benchLongRun = longRun;
document.body.dataset.ready = '1';
