/** The demo's models: loaded on first use with progress, cached, shared decoder pool. */
import { BACKEND_ORDER, DecoderPool, baselineId, load, specDocument, type BackendName, type DctVisionModel } from '../src/index.js';
import paper from '../src/engine/paper.json';

export const pool = new DecoderPool();
const params = new URLSearchParams(location.search);
/** Where the weights are: ?models=<url> or the site's models/ folder. */
export const modelsBase = new URL(params.get('models') ?? 'models/', location.href);
/** ?backend=webgpu|webgl|wasm|cpu runs every network there (default: the best this browser offers). */
const backend = (BACKEND_ORDER as readonly string[]).includes(params.get('backend') ?? '') ? (params.get('backend') as BackendName) : undefined;

export const networks = Object.keys(specDocument.networks).map((id) => ({ id, title: specDocument.networks[id].title ?? id }));
/** The network the others are compared with (marked in networks.json). */
export const baseline = baselineId();
export const paperFor = (id: string) => (paper.networks as Record<string, { top1Error: number; top5Error: number; fps: number; fpsRatio: number }>)[id];

export type ModelState =
  | { state: 'loading'; progress: number }
  | { state: 'ready'; model: DctVisionModel; loadMs: number }
  | { state: 'failed'; error: Error };

const models = new Map<string, Promise<DctVisionModel>>();
const listeners = new Set<(id: string, s: ModelState) => void>();
export const onModelState = (f: (id: string, s: ModelState) => void) => listeners.add(f);
const emit = (id: string, s: ModelState) => listeners.forEach((f) => f(id, s));

// One model compiles at a time: their shader compiles would otherwise fight for the GPU.
let queue: Promise<unknown> = Promise.resolve();

export function getModel(id: string): Promise<DctVisionModel> {
  let p = models.get(id);
  if (!p) {
    const t0 = performance.now();
    emit(id, { state: 'loading', progress: 0 });
    p = queue.then(() =>
      load(id, {
        modelUrl: new URL(`${id}/`, modelsBase),
        decoder: pool,
        backend,
        cache: true,
        onProgress: (progress) => emit(id, { state: 'loading', progress }),
      }),
    );
    queue = p.catch(() => {});
    p.then(
      (model) => emit(id, { state: 'ready', model, loadMs: performance.now() - t0 }),
      (error: Error) => {
        models.delete(id); // a later attempt may succeed (network back)
        emit(id, { state: 'failed', error });
      },
    );
    models.set(id, p);
  }
  return p;
}

/** Measured accuracy written by the evaluation script, if this model has been evaluated. */
export async function metricsFor(id: string): Promise<{ top1: number; top5?: number; images?: number } | null> {
  try {
    const res = await fetch(new URL(`${id}/metrics.json`, modelsBase));
    if (!res.ok) return null;
    const m = await res.json();
    // training/evaluate.py: top1/top5 as fractions over val_images files.
    return typeof m.top1 === 'number' ? { top1: m.top1, top5: m.top5, images: m.val_images } : null;
  } catch {
    return null;
  }
}
