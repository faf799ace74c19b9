/// <reference types="vite/client" />
// The demo: drop JPEGs or pick samples; every selected network classifies each one from
// its DCT coefficients (the RGB baseline from decoded pixels), with timings; a benchmark
// panel races them. Models load on first use and stay cached for offline visits.
import { DEFAULT_MODEL, UnsupportedJpegError, type DctVisionModel } from '../src/index.js';
import { runBenchmark, renderBenchmark } from './bench.js';
import { isolationNote, registerServiceWorker } from './isolation.js';
import { failCard, fillCard, imageSection, pendingCard } from './cards.js';
import { networkLuma } from './dct-view.js';
import { getModel, modelsBase, networks, onModelState, pool } from './models.js';
import { pacedStreams, progressCard, progressivePainter } from './slow.js';

// The service worker: offline after the first visit, and cross-origin isolation (threads) on
// hosts that cannot send the headers. Only in the built site: the dev server sends the headers
// itself and rebuilds on the fly.
const isolating = import.meta.hot ? Promise.resolve(false) : registerServiceWorker();

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const results = $('results');
const messages = $('messages');
const input = document.querySelector<HTMLInputElement>('[data-testid="file-input"]')!;
const drop = document.querySelector<HTMLLabelElement>('.drop')!;
$('models-base').textContent = modelsBase.href;

function message(text: string, kind: 'error' | 'info' = 'info'): void {
  const li = document.createElement('li');
  li.className = kind;
  li.dataset.testid = kind === 'error' ? 'error-message' : 'info-message';
  li.textContent = text;
  messages.prepend(li);
}

/** Say what went wrong with a file in words, with the typed error for the curious. */
function explain(name: string, e: Error): string {
  const why: Record<string, string> = {
    NotAJpegError: 'is not a JPEG file',
    CorruptJpegError: 'is a damaged JPEG',
    UnsupportedJpegError: `uses a JPEG feature the networks cannot take${e instanceof UnsupportedJpegError ? ` (${e.feature})` : ''}`,
    JpegLimitError: 'is larger than this page accepts',
  };
  return `${name} ${why[e.name] ?? 'could not be read'} — ${e.name}: ${e.message}`;
}

// Network choice: all eight by default.
const chosen = new Set(networks.map((n) => n.id));
for (const n of networks) {
  const label = document.createElement('label');
  const box = document.createElement('input');
  box.type = 'checkbox';
  box.checked = true;
  box.value = n.id;
  box.dataset.testid = 'network-toggle';
  box.addEventListener('change', () => (box.checked ? chosen.add(n.id) : chosen.delete(n.id)));
  label.append(box, ` ${n.title}`);
  $('networks').append(label);
}
const selected = () => networks.filter((n) => chosen.has(n.id));

// Model loading status, and the backend banner once the first model is up.
const status = $('model-status');
let bannerShown = false;
onModelState((id, s) => {
  let line = status.querySelector<HTMLDivElement>(`[data-variant="${id}"]`);
  if (!line) {
    line = document.createElement('div');
    line.dataset.variant = id;
    status.append(line);
  }
  line.dataset.state = s.state;
  line.textContent = `${id}: `;
  if (s.state === 'loading') {
    const bar = document.createElement('progress');
    bar.max = 1;
    bar.value = s.progress;
    line.append(s.progress < 1 ? 'downloading weights ' : 'compiling shaders ', bar);
  } else if (s.state === 'ready') {
    line.append(`ready on ${s.model.backend} (${(s.loadMs / 1000).toFixed(1)} s)`);
    if (!bannerShown) showBackend(s.model);
  } else {
    line.append(s.error.name === 'BackendError' ? 'cannot run in this browser: it offers none of WebGPU, WebGL or WebAssembly' : `failed — ${s.error.name}: ${s.error.message}`);
    line.title = `${s.error.name}: ${s.error.message}`;
  }
});

/** Why a backend was skipped, in a visitor's words (the library's reason stays in the tooltip). */
function plainReason(name: string, reason: string): string {
  if (name === 'webgpu') return /adapter/i.test(reason) ? 'WebGPU is switched on but found no usable GPU' : 'this browser does not offer WebGPU';
  if (name === 'webgl') return 'this browser does not offer WebGL 2';
  return `${name.toUpperCase()} could not start`;
}

function showBackend(model: DctVisionModel): void {
  bannerShown = true;
  const banner = $('backend');
  banner.hidden = false;
  if (model.backend === 'webgpu') {
    banner.textContent = 'Running on WebGPU.';
    banner.className = 'banner';
  } else {
    const why = model.skippedBackends.map((s) => plainReason(s.name, s.reason)).join('; ');
    const threads = model.backend === 'wasm' ? (model.threads! > 1 ? ` with ${model.threads} threads` : ' on one thread') : '';
    const where = { webgl: 'WebGL: slower than WebGPU', wasm: `the CPU (WebAssembly)${threads}: slower than on a GPU`, cpu: 'the CPU (JavaScript): much slower' }[model.backend as 'webgl' | 'wasm' | 'cpu'];
    banner.textContent = `The networks run on ${where}${why ? `, because ${why}` : ''}.`;
    banner.title = model.skippedBackends.map((s) => `${s.name}: ${s.reason}`).join('\n');
    banner.className = 'banner warn';
  }
  banner.dataset.backend = model.backend;
}
// navigator.gpu can exist without an adapter behind it (e.g. Chromium on Linux without the flag).
const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
void (gpu ? gpu.requestAdapter().catch(() => null) : Promise.resolve(null)).then((adapter) => {
  if (adapter || bannerShown) return;
  const banner = $('backend');
  banner.hidden = false;
  banner.className = 'banner warn';
  banner.textContent = 'This browser offers no WebGPU: the networks will run on WebGL or the CPU, named here once loaded.';
});

// One image at a time through the selected networks, in order, so the timings are each network's own.
// A task that fails says so and the queue goes on: one bad drop never blocks the next.
let work: Promise<void> = Promise.resolve();
function queue(task: () => Promise<void>): void {
  work = work.then(task).catch((e: Error) => message(`Something went wrong: ${e.name}: ${e.message}`, 'error'));
}
let lastInputs: Uint8Array[] = [];

/**
 * Decodes the file once (raw coefficients) for the DCT view and every DCT network; the RGB
 * baseline decodes pixels from the file itself. Returns whether the file could be read.
 */
async function classifyFile(name: string, bytes: Uint8Array): Promise<boolean> {
  if (slow.checked) return classifyWhileArriving(name, bytes, Number(slowRate.value));
  let img;
  const t0 = performance.now();
  try {
    img = await pool.decode(bytes.slice(), { dequantize: false });
  } catch (e) {
    message(explain(name, e as Error), 'error');
    return false;
  }
  const decodeMs = performance.now() - t0;
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'image/jpeg' }));
  const { root, cards } = imageSection(name, url, img, await networkLuma(pool, img));
  results.prepend(root);
  const list = selected().map((n) => {
    const card = pendingCard(n.id, n.title);
    cards.append(card);
    return { ...n, card };
  });
  for (const n of list) {
    try {
      const model = await getModel(n.id);
      if (model.inputKind === 'dct') {
        // The shared decode counts in each DCT network's split, as it would had it decoded alone.
        const r = await model.classify(img);
        fillCard(n.card, model, { ...r, timings: { ...r.timings, decode: decodeMs, total: r.timings.total + decodeMs } });
      } else fillCard(n.card, model, await model.classify(bytes));
    } catch (e) {
      failCard(n.card, e as Error, modelsBase);
    }
  }
  root.dataset.done = '1';
  return true;
}

const slow = $<HTMLInputElement>('slow');
const slowRate = $<HTMLSelectElement>('slow-rate');

/**
 * Slow-network mode: the file arrives at `rate` bit/s (every network reads the same paced
 * packets) and each card shows the verdicts as they come; the picture is painted from the bytes
 * so far. The models are loaded before the clock starts, so the times are the transfer's and the
 * networks' own.
 */
async function classifyWhileArriving(name: string, bytes: Uint8Array, rate: number): Promise<boolean> {
  let img;
  try {
    img = await pool.decode(bytes.slice(), { dequantize: false });
  } catch (e) {
    message(explain(name, e as Error), 'error');
    return false;
  }
  const { root, cards } = imageSection(name, '', img, await networkLuma(pool, img));
  root.dataset.rate = String(rate);
  results.prepend(root);
  if (!img.progressive) message(`${name} is a sequential (baseline) JPEG: it can only be classified once all of it has arrived.`);
  const list = selected().map((n) => ({ ...n, card: pendingCard(n.id, n.title) }));
  for (const n of list) cards.append(n.card);
  const models = await Promise.all(list.map((n) => getModel(n.id).catch((e: Error) => e)));
  const paint = progressivePainter(root.querySelector<HTMLImageElement>('.image-head img')!, bytes);
  const streams = pacedStreams(bytes, rate, list.length, paint);
  const t0 = performance.now();
  await Promise.all(
    list.map(async (n, i) => {
      const model = models[i];
      if (model instanceof Error) {
        failCard(n.card, model, modelsBase);
        return void streams[i].cancel().catch(() => {});
      }
      let count = 0;
      try {
        for await (const v of model.classifyProgressive(streams[i])) progressCard(n.card, model, v, bytes.length, ++count, t0);
      } catch (e) {
        failCard(n.card, e as Error, modelsBase);
      }
    }),
  );
  root.dataset.done = '1';
  return true;
}

function enqueue(files: { name: string; bytes: () => Promise<Uint8Array> }[]): void {
  queue(async () => {
    const good: Uint8Array[] = [];
    for (const f of files) {
      let bytes: Uint8Array;
      try {
        bytes = await f.bytes();
      } catch (e) {
        message(`${f.name} could not be read — ${(e as Error).name}: ${(e as Error).message}`, 'error');
        continue;
      }
      if (await classifyFile(f.name, bytes)) good.push(bytes);
    }
    if (good.length) lastInputs = good;
  });
}

const fromFiles = (list: FileList | null | undefined) =>
  enqueue([...(list ?? [])].map((f) => ({ name: f.name, bytes: async () => new Uint8Array(await f.arrayBuffer()) })));
input.addEventListener('change', () => fromFiles(input.files));
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  fromFiles(e.dataTransfer?.files);
});

// What the networks know: the ten classes, from the default network's model.json.
fetch(new URL(`${DEFAULT_MODEL}/model.json`, modelsBase))
  .then((r) => r.json())
  .then((m: { classNames: string[] }) => {
    const list = $('classes');
    for (const name of m.classNames) {
      const li = document.createElement('li');
      li.textContent = name;
      list.append(li);
    }
    $('classes-note').hidden = false;
  })
  .catch(() => {});

// Samples.
const sampleUrl = (f: string) => new URL(`samples/${f}`, location.href);
const fetchBytes = async (u: URL) => {
  const res = await fetch(u);
  if (!res.ok) throw new Error(`HTTP ${res.status} for ${u.pathname}`);
  return new Uint8Array(await res.arrayBuffer());
};
let samples: { file: string; label: string }[] = [];
fetch(new URL('samples/samples.json', location.href))
  .then((r) => r.json())
  .then((list: { file: string; label: string }[]) => {
    samples = list;
    for (const s of list) {
      const b = document.createElement('button');
      b.type = 'button';
      b.dataset.testid = 'sample';
      b.dataset.label = s.label;
      b.title = `${s.label} (Imagenette val)`;
      const img = document.createElement('img');
      img.src = sampleUrl(s.file).href;
      img.alt = s.label;
      b.append(img);
      // in slow-network mode, the sample's progressive copy (jpegtran -progressive: the same coefficients)
      b.addEventListener('click', () => enqueue([{ name: s.file, bytes: () => fetchBytes(sampleUrl(slow.checked ? `progressive/${s.file}` : s.file)) }]));
      $('samples').append(b);
    }
  })
  .catch(() => message('The sample images could not be loaded.', 'error'));

// Benchmark.
$('bench-run').addEventListener('click', () => {
  const n = Math.max(1, Math.min(256, Number($<HTMLInputElement>('bench-n').value) || 8));
  const out = $('bench-out');
  const say = (s: string) => ($('bench-status').textContent = s);
  $<HTMLButtonElement>('bench-run').disabled = true;
  queue(async () => {
    try {
      const inputs = lastInputs.length ? lastInputs : await Promise.all(samples.map((s) => fetchBytes(sampleUrl(s.file))));
      if (!inputs.length) throw new Error('no images: drop some JPEGs or let the samples load');
      const rows = await runBenchmark(selected().map((x) => x.id), inputs, n, say);
      await renderBenchmark(out, rows, n);
      say(`done: ${n} images through ${rows.length} networks`);
      out.dataset.done = '1';
    } catch (e) {
      say(`benchmark failed — ${(e as Error).name}: ${(e as Error).message}`);
      out.dataset.done = 'error';
    } finally {
      $<HTMLButtonElement>('bench-run').disabled = false;
    }
  });
});

// The page is ready once it knows it will not reload for isolation.
void isolating.then((reloading) => {
  if (reloading) return;
  document.body.dataset.isolated = String(globalThis.crossOriginIsolated === true);
  $('isolation').textContent = isolationNote();
  document.body.dataset.ready = '1';
});
