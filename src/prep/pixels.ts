/**
 * The RGB baseline's preparation, in pixels, with the same policy as the DCT path
 * (src/prep/geometry.ts): EXIF orientation, short side to 224 by area averaging,
 * centre crop. Used with the WebAssembly full decode (Node, or by option in pages).
 */
import { planAxis } from './geometry.js';

/** Interleaved RGB (width × height × 3, 0–255) → Float32 NHWC [size, size, 3]. */
export function prepareRgb(rgb: Uint8Array, width: number, height: number, orientation: number, size = 224): Float32Array {
  const swap = orientation >= 5;
  const [ow, oh] = swap ? [height, width] : [width, height];
  const rows = planAxis(oh, ow, size, 'rows', orientation, width, height);
  const cols = planAxis(oh, ow, size, 'cols', orientation, width, height);
  const out = new Float32Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (const [sr, wr] of rows[y]) {
        for (const [sc, wc] of cols[x]) {
          // rows/cols index the source axes that feed output rows/columns
          const sx = swap ? sr : sc;
          const sy = swap ? sc : sr;
          const i = (sy * width + sx) * 3;
          const w = wr * wc;
          r += w * rgb[i];
          g += w * rgb[i + 1];
          b += w * rgb[i + 2];
        }
      }
      out.set([r, g, b], (y * size + x) * 3);
    }
  }
  return out;
}
