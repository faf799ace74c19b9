/** What a DCT network sees: the luma DC plane (one value per 8×8 block) and the energy per frequency. */
import type { DctImage } from '../src/index.js';

export function dcPlane(img: DctImage): HTMLCanvasElement {
  const y = img.components[0];
  const canvas = document.createElement('canvas');
  canvas.width = y.blocksX;
  canvas.height = y.blocksY;
  canvas.title = 'luma DC coefficients: one value per 8×8 block';
  const ctx = canvas.getContext('2d')!;
  const data = ctx.createImageData(y.blocksX, y.blocksY);
  const q = img.dequantized ? 1 : y.quantTable[0];
  for (let b = 0; b < y.blocksX * y.blocksY; b++) {
    // DC = 8 × (mean − 128) for an orthonormal 8×8 DCT of 8-bit samples.
    const v = Math.max(0, Math.min(255, (y.coefficients[b * 64] * q) / 8 + 128));
    data.data.set([v, v, v, 255], b * 4);
  }
  ctx.putImageData(data, 0, 0);
  return canvas;
}

/** Mean |coefficient| of each of the 64 frequencies over the luma blocks, log-scaled. */
export function frequencyEnergy(img: DctImage): HTMLCanvasElement {
  const y = img.components[0];
  const sums = new Float64Array(64);
  const n = y.blocksX * y.blocksY;
  for (let b = 0; b < n; b++) for (let k = 0; k < 64; k++) sums[k] += Math.abs(y.coefficients[b * 64 + k] * (img.dequantized ? 1 : y.quantTable[k]));
  const logs = Array.from(sums, (s) => Math.log1p(s / Math.max(1, n)));
  const max = Math.max(...logs, 1e-9);
  const canvas = document.createElement('canvas');
  canvas.width = 8;
  canvas.height = 8;
  canvas.title = 'energy per DCT frequency (mean |coefficient|, log scale; DC top left)';
  const ctx = canvas.getContext('2d')!;
  const data = ctx.createImageData(8, 8);
  logs.forEach((v, k) => {
    const t = v / max;
    data.data.set([Math.round(255 * t), Math.round(90 + 120 * t * (1 - t)), Math.round(255 * (1 - t)), 255], k * 4);
  });
  ctx.putImageData(data, 0, 0);
  return canvas;
}

export function dctView(img: DctImage): HTMLElement {
  const box = document.createElement('div');
  box.className = 'dct-view';
  box.dataset.testid = 'dct-view';
  const fig = (canvas: HTMLCanvasElement, caption: string) => {
    const f = document.createElement('figure');
    const c = document.createElement('figcaption');
    c.textContent = caption;
    f.append(canvas, c);
    return f;
  };
  const layout = img.components.map((c) => `${c.blocksX}×${c.blocksY}`).join(' / ');
  box.append(fig(dcPlane(img), 'luma DC plane'), fig(frequencyEnergy(img), 'energy per frequency'));
  const info = document.createElement('div');
  info.className = 'muted';
  info.textContent = `${img.width}×${img.height}, blocks ${layout}, ${img.progressive ? 'progressive' : 'baseline'}, EXIF orientation ${img.orientation}`;
  box.append(info);
  return box;
}
