/**
 * The DCT-domain preparation on the CPU, in plain TypeScript: the path for every backend
 * without custom kernels (WebGL, WASM, CPU, Node), and what the WebGPU kernels are tested
 * against.
 */
import { dctMatrix, type PlanePrep, type PrepPlan } from './geometry.js';

export interface NetworkPlanes {
  /** NHWC (one image), dequantized coefficients: y [size/8, size/8, 64], cb/cr [chromaSize/8, chromaSize/8, 64]. */
  y: Float32Array;
  cb: Float32Array;
  cr: Float32Array;
}

/** A component's coefficients: 64 per block, or the `kept`² lowest frequencies (decoded with `keep`). */
type Plane = { coefficients: ArrayLike<number>; blocksX: number; blocksY: number; quantTable?: ArrayLike<number>; kept?: number };

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

/**
 * The kept frequencies of a plane as one row-major matrix P in the source's orientation,
 * dequantized if asked: P[b·n + v][c·n + u] = coefficient (v, u) of block (b, c). Only n² of
 * every 64 coefficients are read (of the `kept`² the decoder stored), and P is written in
 * order.
 */
function gather(src: Plane, n: number, dequantize: boolean): { p: Float32Array; rows: number; cols: number } {
  const { blocksX: bx, blocksY: by, coefficients: coef } = src;
  const kept = src.kept ?? 8;
  if (n > kept) throw new RangeError(`the plan reads ${n}×${n} frequencies per block but only ${kept}×${kept} were decoded`);
  const q = new Float32Array(64).fill(1);
  if (dequantize) for (let k = 0; k < 64; k++) q[k] = src.quantTable![k];
  const kk = kept * kept;
  const rows = by * n;
  const cols = bx * n;
  const p = new Float32Array(rows * cols);
  let o = 0;
  for (let y = 0; y < by; y++) {
    for (let v = 0; v < n; v++) {
      for (let x = 0; x < bx; x++) {
        const base = (y * bx + x) * kk + v * kept;
        for (let u = 0; u < n; u++) p[o++] = coef[base + u] * q[(v << 3) | u];
      }
    }
  }
  return { p, rows, cols };
}

function applyPlane(pp: PlanePrep, src: Plane, dequantize: boolean): Float32Array {
  const { rows, cols } = pp;
  const { p, cols: pCols } = gather(src, pp.n, dequantize);
  // The source lines some output column reads (a centre crop drops the sides).
  let c0 = Infinity;
  let c1 = 0;
  for (let k = 0; k < cols.out; k++) {
    c0 = Math.min(c0, cols.lo[k]);
    c1 = Math.max(c1, cols.hi[k]);
  }
  const w = c1 - c0;
  // U = M_r · P (or M_r · Pᵀ when the orientation swaps axes): output pixel rows × the
  // source lines that feed output columns.
  const u = new Float32Array(rows.out * w);
  for (let i = 0; i < rows.out; i++) {
    const ui = i * w;
    const lo = rows.lo[i];
    const len = rows.hi[i] - lo;
    const m = rows.m.subarray(rows.off[i], rows.off[i] + len);
    if (!pp.transpose) {
      // a few whole rows of P, added in place (contiguous)
      for (let j = 0; j < len; j++) {
        const a = m[j];
        if (a === 0) continue;
        const pj = (lo + j) * pCols + c0;
        for (let c = 0; c < w; c++) u[ui + c] += a * p[pj + c];
      }
    } else {
      // output rows run along P's rows: each entry a short contiguous dot product
      for (let c = 0; c < w; c++) {
        const pc = (c0 + c) * pCols + lo;
        let s = 0;
        for (let j = 0; j < len; j++) s += m[j] * p[pc + j];
        u[ui + c] = s;
      }
    }
  }
  // V = U · M_cᵀ: the resized, cropped plane in pixels (levels as the DCT's, no offset).
  const size = cols.out;
  const v = new Float32Array(rows.out * size);
  const { lo: clo, hi: chi, off: coff, m: cm } = cols;
  for (let i = 0; i < rows.out; i++) {
    const ui = i * w - c0;
    const vi = i * size;
    for (let k = 0; k < size; k++) {
      const end = chi[k];
      let s = 0;
      for (let j = clo[k], o = coff[k]; j < end; j++, o++) s += u[ui + j] * cm[o];
      v[vi + k] = s;
    }
  }
  return blockDct(v, rows.out, size, pp.outBlocks);
}

let dct32: Float32Array | undefined;

/** Forward 8×8 DCT of every block of a size × size plane, written as [by][bx][64] (channel 8·v+u). */
function blockDct(v: Float32Array, h: number, w: number, nb: number): Float32Array {
  const d = (dct32 ??= Float32Array.from(dctMatrix()));
  const out = new Float32Array(nb * nb * 64);
  const tmp = new Float32Array(64);
  for (let by = 0; by < h / 8; by++) {
    for (let bx = 0; bx < w / 8; bx++) {
      // rows: tmp[y][u] = Σ_x v[y][x] · d[u][x]
      for (let y = 0; y < 8; y++) {
        const vi = (by * 8 + y) * w + bx * 8;
        for (let uu = 0; uu < 8; uu++) {
          let s = 0;
          for (let x = 0; x < 8; x++) s += v[vi + x] * d[uu * 8 + x];
          tmp[y * 8 + uu] = s;
        }
      }
      // columns: out[vv][u] = Σ_y d[vv][y] · tmp[y][u]
      const o = (by * nb + bx) << 6;
      for (let vv = 0; vv < 8; vv++) {
        for (let uu = 0; uu < 8; uu++) {
          let s = 0;
          for (let y = 0; y < 8; y++) s += d[vv * 8 + y] * tmp[y * 8 + uu];
          out[o + vv * 8 + uu] = s;
        }
      }
    }
  }
  return out;
}
