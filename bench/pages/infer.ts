// The inference benchmark's page (npm run bench:infer drives it): bench/lib/measure.mjs with
// the library from the sources, on the backend asked for.
import * as lib from '../../src/index.js';
import { measure, type MeasureConfig } from '../lib/measure.mjs';

type PageConfig = Omit<MeasureConfig, 'sets'> & { sets: { name: string; urls: string[]; batch?: boolean }[] };

async function run(cfg: PageConfig) {
  const fetchAll = (urls: string[]) => Promise.all(urls.map(async (u) => new Uint8Array(await (await fetch(u)).arrayBuffer())));
  const sets = await Promise.all(cfg.sets.map(async (s) => ({ name: s.name, batch: s.batch, images: await fetchAll(s.urls) })));
  const r = await measure(lib, { ...cfg, sets });
  const adapter = r.backend === 'webgpu' ? await navigator.gpu?.requestAdapter() : undefined;
  const info = adapter && 'info' in adapter ? (adapter as unknown as { info: Record<string, string> }).info : undefined;
  return { ...r, isolated: globalThis.crossOriginIsolated ?? false, adapter: info ? { vendor: info.vendor, architecture: info.architecture, description: info.description } : null };
}

declare global {
  interface Window {
    bench: { run: typeof run };
  }
}
window.bench = { run };
document.body.dataset.ready = '1';
