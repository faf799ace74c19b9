/**
 * The DCT-domain preparation on the CPU, in plain TypeScript: the path for every backend
 * without custom kernels (WebGL, WASM, CPU, Node), and what the WebGPU kernels are tested
 * against.
 */
import type { PlanePrep, PrepPlan } from './geometry.js';

export interface NetworkPlanes {
  /** NHWC (one image), dequantized coefficients: y [size/8, size/8, 64], cb/cr [chromaSize/8, chromaSize/8, 64]. */
  y: Float32Array;
  cb: Float32Array;
  cr: Float32Array;
}

type Plane = { coefficients: ArrayLike<number>; blocksX: number; blocksY: number; quantTable?: ArrayLike<number> };

/**
 * Apply a plan to one image's coefficient planes ([blocksY][blocksX][64] each, channel
 * 8·v+u). With `dequantize`, the planes hold raw quantized values and each is multiplied by
 * its component's quantTable as it is read (nothing is dequantized that the plan does not
 * use). Grayscale images get zero chroma.
 */
export function prepareCpu(plan: PrepPlan, planes: Plane[], dequantize = false): NetworkPlanes {
  const out = plan.planes.map((p) => applyPlane(p, planes[p.component], dequantize));
  const chroma = (plan.chromaSize / 8) ** 2 * 64;
  return { y: out[0], cb: out[1] ?? new Float32Array(chroma), cr: out[2] ?? new Float32Array(chroma) };
}

function applyPlane(p: PlanePrep, src: Plane, dequantize: boolean): Float32Array {
  const { rows, cols } = p;
  const inW = src.blocksX * 8;
  const coef = src.coefficients;
  const q = dequantize ? src.quantTable! : undefined;
  // C[r][c] = coefficient of block (r>>3, c>>3), frequency (r&7, c&7).
  const at = q
    ? (r: number, c: number) => coef[(((r >> 3) * src.blocksX + (c >> 3)) << 6) + ((r & 7) << 3) + (c & 7)] * q[((r & 7) << 3) + (c & 7)]
    : (r: number, c: number) => coef[(((r >> 3) * src.blocksX + (c >> 3)) << 6) + ((r & 7) << 3) + (c & 7)];
  // T = A_r · C (or A_r · Cᵀ): out rows × source columns (or source rows).
  const tCols = p.transpose ? src.blocksY * 8 : inW;
  const t = new Float32Array(rows.out * tCols);
  for (let i = 0; i < rows.out; i++) {
    for (let j = rows.lo[i]; j < rows.hi[i]; j++) {
      const w = rows.a[i * rows.in + j];
      if (!w) continue;
      const ti = i * tCols;
      if (p.transpose) for (let c = 0; c < tCols; c++) t[ti + c] += w * at(c, j);
      else for (let c = 0; c < tCols; c++) t[ti + c] += w * at(j, c);
    }
  }
  // C' = T · A_cᵀ, written as [oby][obx][64].
  const n = p.outBlocks;
  const out = new Float32Array(n * n * 64);
  for (let i = 0; i < rows.out; i++) {
    for (let k = 0; k < cols.out; k++) {
      let s = 0;
      for (let j = cols.lo[k]; j < cols.hi[k]; j++) s += t[i * tCols + j] * cols.a[k * cols.in + j];
      out[((((i >> 3) * n + (k >> 3)) << 6) | ((i & 7) << 3)) | (k & 7)] = s;
    }
  }
  return out;
}
