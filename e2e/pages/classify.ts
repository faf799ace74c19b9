import * as tf from '@tensorflow/tfjs';
import { cutAt, load, scanEnds, type BackendName, type DctVisionModel } from '../../src/index.js';

const models = new Map<string, DctVisionModel>();

/** base: /parity/ (random-weight test models) or /models/ (the shipped, trained ones). */
async function get(id: string, backend?: BackendName, rgbDecoder?: 'browser' | 'wasm', base = '/parity/') {
  const key = `${base}${id}/${backend ?? 'default'}/${rgbDecoder ?? 'default'}`;
  if (!models.has(key)) models.set(key, await load(id, { modelUrl: `${base}${id}/`, backend, rgbDecoder }));
  return models.get(key)!; // classify() switches to the model's own backend
}

async function logits(id: string, backend: BackendName | undefined, urls: string[], rgbDecoder?: 'browser' | 'wasm', base?: string) {
  const m = await get(id, backend, rgbDecoder, base);
  const out: number[][] = [];
  for (const u of urls) out.push(Array.from(await m.infer(u)));
  return { backend: m.backend, skipped: m.skippedBackends, logits: out };
}

async function classify(id: string, backend: BackendName | undefined, url: string) {
  const m = await get(id, backend);
  try {
    return { ok: true as const, ...(await m.classify(url)) };
  } catch (e) {
    return { ok: false as const, name: (e as Error).name, message: (e as Error).message };
  }
}

/** The RGB baseline on the browser's decoder under a small maxBytes: a URL and a Blob over it are refused, a file under it classifies. */
async function overLimit(url: string, small: string, maxBytes: number) {
  const m = await load('rgb-resnet50', { modelUrl: '/parity/rgb-resnet50/', backend: 'cpu', limits: { maxBytes } });
  const outcome = (p: Promise<unknown>) => p.then(() => 'ok', (e: Error) => `${e.name}${'limit' in e ? `:${(e as { limit: string }).limit}` : ''}`);
  const big = await (await fetch(url)).blob();
  const r = { url: await outcome(m.classify(url)), blob: await outcome(m.classify(big)), small: await outcome(m.classify(small)) };
  m.dispose();
  return r;
}

/** The same file as an <img> element (its JPEG source is fetched) and as a URL string. */
async function imgVsUrl(id: string, url: string) {
  const m = await get(id);
  const img = new Image();
  img.src = url;
  document.body.append(img);
  await img.decode();
  const a = Array.from(await m.infer(img));
  const b = Array.from(await m.infer(url));
  img.remove();
  return { img: a, url: b };
}

/**
 * Two models on two backends classifying at the same time (interleaved calls, nothing
 * awaited in between): each must run on its own backend and give what it gives alone.
 */
async function twoBackends(id: string, urls: string[]) {
  const gpu = await get(id, 'webgpu');
  const cpu = await get(id, 'cpu');
  const together = await Promise.all(urls.flatMap((u) => [gpu.infer(u), cpu.infer(u), gpu.classify(u), cpu.classify(u)]));
  const alone = { gpu: [] as number[][], cpu: [] as number[][] };
  for (const u of urls) alone.gpu.push(Array.from(await gpu.infer(u)));
  for (const u of urls) alone.cpu.push(Array.from(await cpu.infer(u)));
  return {
    gpu: together.filter((_, i) => i % 4 === 0).map((l) => Array.from(l as Float32Array)),
    cpu: together.filter((_, i) => i % 4 === 1).map((l) => Array.from(l as Float32Array)),
    alone,
    backends: [gpu.backend, cpu.backend],
    // Where the WebGPU model's weights live now: a switch in mid-call would have migrated them.
    weightsOnWebGPU: Object.values((gpu as unknown as { loaded: { weights: Record<string, tf.Tensor> } }).loaded.weights).every(
      (t) => tf.engine().state.tensorInfo.get(t.dataId)?.backend === tf.findBackend('webgpu'),
    ),
  };
}

/** n classifications cycling through urls; tensor count and GPU bytes after each pass. */
async function longRun(id: string, backend: BackendName, urls: string[], n: number, every: number) {
  const m = await get(id, backend);
  for (const u of urls) await m.classify(u); // warm-up: every geometry once
  const mem = () => tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number; numBytesAllocatedInGPU?: number };
  const samples: { i: number; tensors: number; bytes: number; gpuUsed?: number; gpuAllocated?: number }[] = [];
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await m.classify(urls[i % urls.length]);
    times.push(r.timings.total);
    if ((i + 1) % every === 0) {
      const m = mem();
      samples.push({ i: i + 1, tensors: m.numTensors, bytes: m.numBytes, gpuUsed: m.numBytesInGPU, gpuAllocated: m.numBytesAllocatedInGPU });
    }
  }
  times.sort((a, b) => a - b);
  return { samples, p50: times[Math.floor(n / 2)], p99: times[Math.floor(n * 0.99)] };
}

/**
 * classifyProgressive() on a file delivered one scan at a time (a ReadableStream fed with a pause
 * after each scan), or cut inside scan `stopInside`, or aborted after `abortAfter` verdicts;
 * beside each verdict, classify() of the file cut at that verdict's scan.
 */
async function progressive(id: string, backend: BackendName, url: string, base: string, opt: { stopInside?: number; abortAfter?: number } = {}) {
  const m = await get(id, backend, undefined, base);
  const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
  const ends = scanEnds(bytes);
  const stop = opt.stopInside ? ends[opt.stopInside - 2] + Math.floor((ends[opt.stopInside - 1] - ends[opt.stopInside - 2]) / 2) : bytes.length;
  const cuts = [...ends.filter((e) => e < stop), stop];
  const body = new ReadableStream<Uint8Array>({
    async start(c) {
      let at = 0;
      for (const e of cuts) {
        c.enqueue(bytes.slice(at, e));
        at = e;
        await new Promise((r) => setTimeout(r, 30));
      }
      c.close();
    },
  });
  const ac = new AbortController();
  const verdicts: { scans: number; bytes: number; final: boolean; complete: boolean; top: string; p: number; cut: { top: string; p: number } }[] = [];
  let error: string | undefined;
  try {
    for await (const v of m.classifyProgressive(new Response(body), { signal: ac.signal })) {
      const cut = (await m.classify(v.complete ? bytes : cutAt(bytes, ends[v.scans - 1]))).predictions[0];
      verdicts.push({ scans: v.scans, bytes: v.bytes, final: v.final, complete: v.complete, top: v.predictions[0].className, p: v.predictions[0].probability, cut: { top: cut.className, p: cut.probability } });
      if (verdicts.length === opt.abortAfter) ac.abort(new DOMException('stopped', 'AbortError'));
    }
  } catch (e) {
    error = (e as Error).name;
  }
  const after = (await m.classify(bytes)).predictions[0].className; // the model still works
  return { verdicts, error, after, scans: ends.length, backend: m.backend };
}

/**
 * classifyBatch over `workers` inference workers (Web Workers, WASM backend) with a bad file
 * among the good ones: each file's probabilities or error name, the workers' memory, and whether
 * the page is cross-origin isolated (it is not: the workers are its way to several cores).
 */
async function batchWorkers(id: string, urls: string[], workers: number) {
  const m = await load(id, { modelUrl: `/parity/${id}/`, backend: 'wasm' });
  try {
    const results = await m.classifyBatch(urls, { batchSize: 2, workers, topK: 1000 });
    return {
      results: results.map((r) => (r instanceof Error ? r.name : r.predictions.map((p) => [p.className, p.probability] as const))),
      memory: await m.workerMemory(),
      isolated: crossOriginIsolated,
      threads: m.threads,
    };
  } finally {
    m.dispose();
  }
}

declare global {
  interface Window {
    api: { logits: typeof logits; classify: typeof classify; overLimit: typeof overLimit; longRun: typeof longRun; imgVsUrl: typeof imgVsUrl; twoBackends: typeof twoBackends; progressive: typeof progressive; batchWorkers: typeof batchWorkers };
  }
}
window.api = { logits, classify, overLimit, longRun, imgVsUrl, twoBackends, progressive, batchWorkers };
document.body.dataset.ready = '1';
