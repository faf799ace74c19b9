import { DecoderPool, load, type DctVisionModel, type Timings } from '../../src/index.js';
import { randomModelFetcher } from './random-model.js';

export interface InferConfig {
  ids: string[];
  width: number;
  classes: number;
  urls: string[];
  /** Measured rounds; models take turns within each so the machine's noise hits all alike. */
  rounds: number;
  reps1: number;
  reps16: number;
  batch: number;
}

type Stage = keyof Timings;
const stages: Stage[] = ['decode', 'prep', 'infer', 'total'];
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function measure(cfg: InferConfig) {
  const images = await Promise.all(cfg.urls.map(async (u) => new Uint8Array(await (await fetch(u)).arrayBuffer())));
  const decoder = new DecoderPool();
  const models = new Map<string, DctVisionModel>();
  for (const id of cfg.ids) {
    const fetcher = await randomModelFetcher(id, cfg.width, cfg.classes);
    models.set(id, await load(id, { modelUrl: `mem://${id}/`, fetcher, decoder }));
  }
  const b1 = new Map(cfg.ids.map((id) => [id, Object.fromEntries(stages.map((s) => [s, [] as number[]]))]));
  const b16 = new Map(cfg.ids.map((id) => [id, Object.fromEntries(stages.map((s) => [s, [] as number[]]))]));
  let k = 0;
  const next = () => images[k++ % images.length];
  for (let round = -1; round < cfg.rounds; round++) {
    for (const [id, m] of models) {
      for (let r = 0; r < cfg.reps1; r++) {
        const t = (await m.classify(next())).timings;
        if (round >= 0) for (const s of stages) b1.get(id)![s].push(t[s]);
      }
      for (let r = 0; r < cfg.reps16; r++) {
        const res = await m.classifyBatch(Array.from({ length: cfg.batch }, next), { batchSize: cfg.batch });
        const first = res[0];
        if (first instanceof Error) throw first;
        if (round >= 0) for (const s of stages) b16.get(id)![s].push(first.timings[s]);
      }
    }
  }
  const backend = models.get(cfg.ids[0])!.backend;
  const out = cfg.ids.map((id) => ({
    id,
    b1: Object.fromEntries(stages.map((s) => [s, median(b1.get(id)![s])])) as unknown as Timings,
    b16: cfg.reps16 ? (Object.fromEntries(stages.map((s) => [s, median(b16.get(id)![s])])) as unknown as Timings) : null,
    samples: { b1: b1.get(id)!.total.length, b16: b16.get(id)!.total.length },
  }));
  for (const m of models.values()) m.dispose();
  decoder.terminate();
  const adapter = await navigator.gpu?.requestAdapter();
  const info = adapter && 'info' in adapter ? (adapter as unknown as { info: Record<string, string> }).info : undefined;
  return { backend, adapter: info ? { vendor: info.vendor, architecture: info.architecture, description: info.description } : null, results: out };
}

declare global {
  interface Window {
    bench: { measure: typeof measure };
  }
}
window.bench = { measure };
document.body.dataset.ready = '1';
