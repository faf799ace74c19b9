// The page of `npm run bench:workers -- --where page`: classifyBatch over N inference workers
// (Web Workers) on the WASM backend, on a page that is not cross-origin isolated.
import { load } from '../../src/index.js';

async function run(id: string, urls: string[], workers: number, batchSize: number) {
  const files = await Promise.all(urls.map(async (u) => new Uint8Array(await (await fetch(u)).arrayBuffer())));
  const model = await load(id, { modelUrl: `/models/${id}/`, backend: 'wasm' });
  try {
    await model.startWorkers(workers); // started (weights loaded, one warm-up pass) before the clock, as the CLI does
    const t0 = performance.now();
    const results = await model.classifyBatch(files, { batchSize, workers, topK: 1 });
    const seconds = (performance.now() - t0) / 1000;
    const memory = await model.workerMemory();
    return {
      imagesPerSecond: files.length / seconds,
      top1: results.map((r) => (r instanceof Error ? r.name : r.predictions[0].className)),
      workerMiB: memory.length ? Math.round(Math.max(...memory.map((m) => m.tensorBytes + m.wasmBytes)) / 2 ** 20) : null,
      isolated: crossOriginIsolated,
      threads: model.threads,
    };
  } finally {
    model.dispose();
  }
}

declare global {
  interface Window {
    benchWorkers: { run: typeof run };
  }
}
window.benchWorkers = { run };
document.body.dataset.ready = '1';
