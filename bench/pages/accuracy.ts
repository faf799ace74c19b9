// The accuracy sweep's page (npm run bench:accuracy drives it): the library from the sources,
// one trained model on the backend asked for, classify() on each file as a page would call it.
import { load, type BackendName } from '../../src/index.js';

async function run(cfg: { id: string; modelUrl: string; backend: BackendName; urls: string[] }) {
  const model = await load(cfg.id, { modelUrl: cfg.modelUrl, backend: cfg.backend });
  const top1: (string | null)[] = [];
  const errors: string[] = [];
  const t0 = performance.now();
  try {
    for (const u of cfg.urls) {
      try {
        top1.push((await model.classify(u, { topK: 1 })).predictions[0].className);
      } catch (e) {
        // one bad file costs its own answer only, as the library promises
        top1.push(null);
        errors.push(`${u}: ${(e as Error).name}`);
      }
    }
  } finally {
    model.dispose();
  }
  return { backend: model.backend, top1, errors, seconds: (performance.now() - t0) / 1000 };
}

declare global {
  interface Window {
    accuracy: { run: typeof run };
  }
}
window.accuracy = { run };
document.body.dataset.ready = '1';
