/**
 * What a DCT network sees: its prepared luma input (after EXIF orientation, resize and crop,
 * by the library's own pipeline) as the DC plane (one value per 8×8 block) and the energy per
 * frequency, next to the file's own geometry.
 */
import { DecoderPool, InputPipeline, baselineId, plan, specDocument, type DctImage } from '../src/index.js';

let pipeline: Promise<InputPipeline> | undefined;
/** A CPU pipeline with the DCT networks' geometry (all of them share it; it is read from the spec). */
function viewPipeline(pool: DecoderPool): Promise<InputPipeline> {
  const dct = Object.keys(specDocument.networks).find((id) => id !== baselineId() && specDocument.networks[id].input === 'dct')!;
  pipeline ??= InputPipeline.create(plan(dct).input, { decoder: pool });
  return pipeline;
}

/** The network's luma input [n, n, 64] (dequantized coefficients) for a decoded file. */
export async function networkLuma(pool: DecoderPool, img: DctImage): Promise<{ y: Float32Array; blocks: number }> {
  const p = await viewPipeline(pool);
  return { y: p.arrays({ kind: 'dct', img }).y, blocks: p.shapes.y[0] };
}

export function dcPlane(y: Float32Array, blocks: number): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = blocks;
  canvas.height = blocks;
  canvas.title = 'luma DC coefficients of the network input: one value per 8×8 block';
  const ctx = canvas.getContext('2d')!;
  const data = ctx.createImageData(blocks, blocks);
  for (let b = 0; b < blocks * blocks; b++) {
    // DC = 8 × (mean − 128) for an orthonormal 8×8 DCT of 8-bit samples.
    const v = Math.max(0, Math.min(255, y[b * 64] / 8 + 128));
    data.data.set([v, v, v, 255], b * 4);
  }
  ctx.putImageData(data, 0, 0);
  return canvas;
}

/** Mean |coefficient| of each of the 64 frequencies over the luma blocks, log-scaled. */
export function frequencyEnergy(y: Float32Array, blocks: number): HTMLCanvasElement {
  const sums = new Float64Array(64);
  const n = blocks * blocks;
  for (let b = 0; b < n; b++) for (let k = 0; k < 64; k++) sums[k] += Math.abs(y[b * 64 + k]);
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

export function dctView(img: DctImage, seen: { y: Float32Array; blocks: number }): HTMLElement {
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
  box.append(fig(dcPlane(seen.y, seen.blocks), 'luma DC plane (network input)'), fig(frequencyEnergy(seen.y, seen.blocks), 'energy per frequency'));
  const info = document.createElement('div');
  info.className = 'muted';
  info.textContent = `file: ${img.width}×${img.height}, blocks ${layout}, ${img.progressive ? 'progressive' : 'baseline'}, EXIF orientation ${img.orientation}; the networks see it oriented, resized and cropped to ${seen.blocks * 8}×${seen.blocks * 8}`;
  box.append(info);
  return box;
}
