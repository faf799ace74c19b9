/**
 * A progressive file cut short lacks whole bands of every block: after its first scan only the
 * DC. libjpeg paints such a file with block smoothing (jdcoefct.c, decompress_smooth_data): a
 * block's five lowest AC coefficients are estimated from the DC values of its 3×3 neighbourhood.
 * Networks trained on whole files read those estimates far better than zeros (Late-Concat after
 * the first scan of libjpeg's script: 27% top-1 instead of 17%; docs/BENCHMARKS.md, progressive
 * JPEGs), so the coefficients of a partial step get them before preparation. Only coefficients
 * no scan has sent are filled; a complete file is returned as it is.
 */
import type { DctComponent, DctImage } from '../decode/types.js';

/** Estimated coefficients: zig-zag position, (v, u), and weights over the DC neighbourhood, /256. */
const ESTIMATES: { zz: number; v: number; u: number; w: number[] }[] = [
  // 36·(left − right), 36·(up − down), 9·(up + down − 2·centre), 5·(ul − ur − dl + dr), 9·(left + right − 2·centre)
  { zz: 1, v: 0, u: 1, w: [0, 0, 0, 36, 0, -36, 0, 0, 0] },
  { zz: 2, v: 1, u: 0, w: [0, 36, 0, 0, 0, 0, 0, -36, 0] },
  { zz: 3, v: 2, u: 0, w: [0, 9, 0, 0, -18, 0, 0, 9, 0] },
  { zz: 4, v: 1, u: 1, w: [5, 0, -5, 0, 0, 0, -5, 0, 5] },
  { zz: 5, v: 0, u: 2, w: [0, 0, 0, 9, -18, 9, 0, 0, 0] },
];

/** The image with absent low AC coefficients estimated (a copy), or the image itself when none are absent. */
export function smoothAbsent(img: DctImage): DctImage {
  const todo = img.components.map((c, i) => ESTIMATES.filter((e) => img.bands[i]?.[e.zz] === -1 && e.v < c.kept && e.u < c.kept));
  if (todo.every((t) => !t.length)) return img;
  return { ...img, components: img.components.map((c, i) => (todo[i].length ? smoothComponent(c, todo[i], img.dequantized) : c)) };
}

function smoothComponent(c: DctComponent, todo: typeof ESTIMATES, dequantized: boolean): DctComponent {
  const { blocksX: bx, blocksY: by, kept } = c;
  const n = kept * kept;
  const src = c.coefficients;
  const out = src.slice();
  const q00 = c.quantTable[0];
  // DC in quantized units (libjpeg's formulas take them so); edge blocks repeat their own
  const dc = (x: number, y: number) => {
    const v = src[((Math.min(by - 1, Math.max(0, y)) * bx) + Math.min(bx - 1, Math.max(0, x))) * n];
    return dequantized ? v / q00 : v;
  };
  const around = new Float64Array(9);
  for (let y = 0; y < by; y++) {
    for (let x = 0; x < bx; x++) {
      for (let k = 0; k < 9; k++) around[k] = dc(x + (k % 3) - 1, y + Math.floor(k / 3) - 1);
      const base = (y * bx + x) * n;
      for (const e of todo) {
        let sum = 0;
        for (let k = 0; k < 9; k++) sum += e.w[k] * around[k];
        const qk = c.quantTable[8 * e.v + e.u];
        // libjpeg: pred = (Qk·128 + num) / (Qk·256), num = Q00·sum, truncated toward zero, sign kept
        const num = q00 * sum;
        const pred = Math.trunc((qk * 128 + Math.abs(num)) / (qk * 256)) * Math.sign(num);
        out[base + kept * e.v + e.u] = dequantized ? pred * qk : pred;
      }
    }
  }
  return { ...c, coefficients: out };
}
