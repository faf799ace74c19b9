/**
 * The RGB baseline's preparation, in pixels, with the same policy as the DCT path
 * (src/prep/geometry.ts): EXIF orientation, short side to 224 by area averaging,
 * centre crop. Used with the WebAssembly full decode (Node, or by option in pages).
 */
import { planAxis } from './geometry.js';

/** An axis's taps as flat arrays: output k reads source indices idx[off[k] … off[k+1]) with weights w. */
function flat(taps: [number, number][][]): { off: Int32Array; idx: Int32Array; w: Float32Array; min: number; max: number } {
  const off = new Int32Array(taps.length + 1);
  taps.forEach((t, k) => (off[k + 1] = off[k] + t.length));
  const idx = new Int32Array(off[taps.length]);
  const w = new Float32Array(off[taps.length]);
  let min = Infinity;
  let max = 0;
  taps.forEach((t, k) =>
    t.forEach(([i, wt], j) => {
      idx[off[k] + j] = i;
      w[off[k] + j] = wt;
      min = Math.min(min, i);
      max = Math.max(max, i + 1);
    }),
  );
  return { off, idx, w, min, max };
}

/**
 * Interleaved RGB (width × height × 3, 0–255) → Float32 NHWC [size, size, 3]. Separable:
 * first along the source's rows (contiguous), for the source lines the output reads, then
 * across them.
 */
export function prepareRgb(rgb: Uint8Array, width: number, height: number, orientation: number, size = 224): Float32Array {
  const swap = orientation >= 5;
  const [ow, oh] = swap ? [height, width] : [width, height];
  const rows = flat(planAxis(oh, ow, size, 'rows', orientation, width, height));
  const cols = flat(planAxis(oh, ow, size, 'cols', orientation, width, height));
  // Along source x: the taps of output columns (no swap) or of output rows (swap).
  const ax = swap ? rows : cols;
  const ay = swap ? cols : rows;
  // t[sy - ay.min][k][3]: source row sy resampled along x to the `size` outputs of `ax`.
  const t = new Float32Array((ay.max - ay.min) * size * 3);
  for (let sy = ay.min; sy < ay.max; sy++) {
    const src = sy * width * 3;
    const dst = (sy - ay.min) * size * 3;
    for (let k = 0; k < size; k++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let j = ax.off[k]; j < ax.off[k + 1]; j++) {
        const i = src + ax.idx[j] * 3;
        const w = ax.w[j];
        r += w * rgb[i];
        g += w * rgb[i + 1];
        b += w * rgb[i + 2];
      }
      const o = dst + k * 3;
      t[o] = r;
      t[o + 1] = g;
      t[o + 2] = b;
    }
  }
  // Across source rows: output (y, x) = Σ over ay's taps of t[sy][k], k = x (no swap) or y (swap).
  const out = new Float32Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const a = swap ? x : y;
      const k = swap ? y : x;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let j = ay.off[a]; j < ay.off[a + 1]; j++) {
        const i = ((ay.idx[j] - ay.min) * size + k) * 3;
        const w = ay.w[j];
        r += w * t[i];
        g += w * t[i + 1];
        b += w * t[i + 2];
      }
      const o = (y * size + x) * 3;
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
    }
  }
  return out;
}
