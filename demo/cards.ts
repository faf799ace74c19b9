/** One section per image: what the DCT networks see, and one card per network. */
import { WeightsError, type Classification, type DctImage, type DctVisionModel } from '../src/index.js';
import { dctView } from './dct-view.js';
import { baseline } from './models.js';

const fmt = (ms: number) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(1));

/**
 * Of the shipped networks' answers whose top-1 probability is under this, at most half are right
 * on Imagenette val (docs/results/confidence.json: each network's highest such threshold, the
 * median of the eight; `cd training && python3 -m dctvision_train.confidence --json ../docs/results/confidence.json`).
 */
export const UNSURE_BELOW = 0.6;

export function imageSection(name: string, url: string, img: DctImage, seen: { y: Float32Array; blocks: number }): { root: HTMLElement; cards: HTMLElement } {
  const root = document.createElement('article');
  root.className = 'image-result';
  root.dataset.testid = 'image-result';
  root.dataset.file = name;
  const head = document.createElement('div');
  head.className = 'image-head';
  const thumb = document.createElement('img');
  thumb.src = url;
  thumb.alt = name;
  const title = document.createElement('h2');
  title.textContent = name;
  head.append(thumb, title, dctView(img, seen));
  const cards = document.createElement('div');
  cards.className = 'cards';
  root.append(head, cards);
  return { root, cards };
}

export function pendingCard(id: string, title: string): HTMLElement {
  const card = document.createElement('div');
  card.className = `card${id === baseline ? ' rgb' : ''}`;
  card.dataset.testid = 'result-card';
  card.dataset.variant = id;
  card.dataset.state = 'pending';
  const h = document.createElement('h3');
  h.textContent = title;
  const body = document.createElement('div');
  body.className = 'muted';
  body.textContent = 'waiting for the model…';
  card.append(h, body);
  return card;
}

export function fillCard(card: HTMLElement, model: DctVisionModel, r: Classification): void {
  card.dataset.state = 'done';
  const [, body] = card.children;
  body.className = '';
  body.textContent = '';
  const top = r.predictions[0];
  const top1 = document.createElement('div');
  top1.className = 'top1';
  top1.dataset.testid = 'top1';
  top1.dataset.class = top.className;
  top1.textContent = `${top.className} · ${(top.probability * 100).toFixed(1)}%`;
  const notes: HTMLElement[] = [];
  if (top.probability < UNSURE_BELOW) {
    const unsure = document.createElement('div');
    unsure.className = 'unsure';
    unsure.dataset.testid = 'unsure';
    unsure.textContent = `Unsure: of the answers under ${Math.round(UNSURE_BELOW * 100)}%, the networks get fewer than half right. Is it one of the ten classes?`;
    notes.push(unsure);
  }
  const bars = document.createElement('div');
  bars.className = 'bars';
  for (const p of r.predictions) {
    const row = document.createElement('div');
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = p.className;
    const bar = document.createElement('span');
    bar.className = 'bar';
    bar.style.width = `${Math.max(1, p.probability * 90)}px`;
    const pct = document.createElement('span');
    pct.textContent = `${(p.probability * 100).toFixed(1)}%`;
    row.append(name, bar, pct);
    bars.append(row);
  }
  const t = r.timings;
  const timings = document.createElement('div');
  timings.dataset.testid = 'timings';
  timings.textContent = `decode ${fmt(t.decode)} · prep ${fmt(t.prep)} · infer ${fmt(t.infer)} · total ${fmt(t.total)} ms`;
  const info = model.info;
  const meta = document.createElement('div');
  meta.className = 'muted';
  meta.textContent = `${model.backend} · ${(info.params / 1e6).toFixed(2)} M params · ${(info.weightBytes / 2 ** 20).toFixed(1)} MiB · width ${info.width}`;
  body.append(top1, ...notes, bars, timings, meta);
}

export function failCard(card: HTMLElement, error: Error, modelsBase?: URL): void {
  card.dataset.state = 'error';
  card.classList.add('error');
  const [, body] = card.children;
  const missing = error instanceof WeightsError && (error.reason === 'not-found' || error.reason === 'not-a-model');
  body.textContent = missing
    ? `No weights for this network at ${modelsBase?.href ?? 'models/'}: train them (training/README.md) or open this page with ?models=<folder URL>. (${error.message})`
    : error.name === 'BackendError'
      ? 'This browser offers none of WebGPU, WebGL or WebAssembly, so the network cannot run here.'
      : `${error.name}: ${error.message}`;
  card.title = `${error.name}: ${error.message}`;
}
