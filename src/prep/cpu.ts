/**
 * The DCT-domain preparation on the CPU, in plain TypeScript: the path for every backend
 * without custom kernels (WebGL, WASM, CPU, Node), and what the WebGPU kernels are tested
 * against.
 */
import { keptFrequencies, type AxisMap, type PlanePrep, type PrepPlan } from './geometry.js';

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
 * One plane: U = M_r · P (P the plane's kept, dequantized frequencies as a matrix in the
 * source's orientation, P[b·n + v][c·n + u] = coefficient (v, u) of block (b, c); Pᵀ when
 * the orientation swaps axes), then V = U · M_cᵀ, then each output block's forward DCT.
 * P is never built: the row pass reads the coefficients where the decoder left them and
 * dequantizes them through its weights, so each is touched about once (profiled: building P
 * cost as much as the two passes together on a 12 MP photo).
 */
function applyPlane(pp: PlanePrep, src: Plane, dequantize: boolean): Float32Array {
  const { rows, cols, n } = pp;
  const kept = keptFrequencies(pp, src);
  const q = new Float32Array(64).fill(1);
  if (dequantize) for (let k = 0; k < 64; k++) q[k] = src.quantTable![k];
  if (pp.pixels && kept === 8) return applyPlanePixels(pp, src, q);
  // The P columns some output column reads (a centre crop drops the sides), widened to whole blocks.
  let c0 = Infinity;
  let c1 = 0;
  for (let k = 0; k < cols.out; k++) {
    c0 = Math.min(c0, cols.lo[k]);
    c1 = Math.max(c1, cols.hi[k]);
  }
  const b0 = Math.floor(c0 / n);
  const nb = Math.ceil(c1 / n) - b0;
  const w = nb * n;
  const u = pp.transpose ? rowPassTransposed(pp, src, q, b0, nb) : rowPass(pp, src, q, b0, nb);
  return blockDct(columnPass(u, w, b0 * n, rows.out, cols), rows.out, cols.out, pp.outBlocks);
}

/** V = U · M_cᵀ (U's column 0 is input column `base`): the resized, cropped plane in pixels (levels as the DCT's, no offset). */
function columnPass(u: Float32Array, w: number, base: number, outRows: number, cols: AxisMap): Float32Array {
  const size = cols.out;
  const v = new Float32Array(outRows * size);
  const { lo: clo, hi: chi, off: coff, m: cm } = cols;
  for (let i = 0; i < outRows; i++) {
    const ui = i * w - base;
    const vi = i * size;
    for (let k = 0; k < size; k++) {
      const end = chi[k];
      let s = 0;
      for (let j = clo[k], o = coff[k]; j < end; j++, o++) s += u[ui + j] * cm[o];
      v[vi + k] = s;
    }
  }
  return v;
}

/** [min lo, max hi) over an axis's rows. */
function span(a: AxisMap): [number, number] {
  let lo = Infinity;
  let hi = 0;
  for (let k = 0; k < a.out; k++) {
    lo = Math.min(lo, a.lo[k]);
    hi = Math.max(hi, a.hi[k]);
  }
  return [lo, hi];
}

/**
 * A plane that keeps all 8 frequencies (output samples about as dense as the input's, or
 * denser): the blocks the output reads, back to pixels by the inverse DCT; then R per axis
 * (a few taps per output sample) and the output blocks' DCT. The same linear map as
 * D_out · R · D_inᵀ, with a third of the multiplications.
 */
function applyPlanePixels(pp: PlanePrep, src: Plane, q: Float32Array): Float32Array {
  const { rows, cols } = pp.pixels!;
  const { coefficients: coef, blocksX } = src;
  // Source pixel rows (y) and columns (x) the output reads, widened to whole blocks.
  const [ya, yb] = span(pp.transpose ? cols : rows);
  const [xa, xb] = span(pp.transpose ? rows : cols);
  const by0 = Math.floor(ya / 8);
  const bx0 = Math.floor(xa / 8);
  const nby = Math.ceil(yb / 8) - by0;
  const nbx = Math.ceil(xb / 8) - bx0;
  const h = nby * 8;
  const w = nbx * 8;
  const x = new Float32Array(h * w);
  const t = new Float32Array(64);
  const t2 = new Float32Array(64);
  for (let by = 0; by < nby; by++) {
    for (let bx = 0; bx < nbx; bx++) {
      const b = ((by0 + by) * blocksX + bx0 + bx) * 64;
      for (let k = 0; k < 64; k++) t[k] = coef[b + k] * q[k];
      for (let u = 0; u < 8; u++) idct8(t, u, 8, t2, u, 8);
      for (let y = 0; y < 8; y++) idct8(t2, y * 8, 1, x, (by * 8 + y) * w + bx * 8, 1);
    }
  }
  // U = R_r · X (or R_r · Xᵀ): output rows × the source lines across them.
  const uw = pp.transpose ? h : w;
  const u = new Float32Array(rows.out * uw);
  if (!pp.transpose) {
    for (let i = 0; i < rows.out; i++) {
      const ui = i * uw;
      for (let r = rows.lo[i], o = rows.off[i]; r < rows.hi[i]; r++, o++) {
        const a = rows.m[o];
        const xr = (r - by0 * 8) * w;
        for (let c = 0; c < w; c++) u[ui + c] += a * x[xr + c];
      }
    }
  } else {
    // output row i runs along source x: for each source row, every output row's dot product
    for (let y = 0; y < h; y++) {
      const xr = y * w - bx0 * 8;
      for (let i = 0; i < rows.out; i++) {
        let s = 0;
        for (let c = rows.lo[i], o = rows.off[i]; c < rows.hi[i]; c++, o++) s += rows.m[o] * x[xr + c];
        u[i * uw + y] = s;
      }
    }
  }
  const base = (pp.transpose ? by0 : bx0) * 8;
  return blockDct(columnPass(u, uw, base, rows.out, cols), rows.out, cols.out, pp.outBlocks);
}

/**
 * Output rows along the source's rows: each output row adds a few source coefficient rows
 * (all of one frequency v of one block row), over block columns b0 … b0+nb, in place.
 */
function rowPass(pp: PlanePrep, src: Plane, q: Float32Array, b0: number, nb: number): Float32Array {
  const { rows, n } = pp;
  const { coefficients: coef, blocksX: bx } = src;
  const kept = src.kept ?? 8;
  const kk = kept * kept;
  const w = nb * n;
  const u = new Float32Array(rows.out * w);
  const aq = new Float32Array(8);
  for (let i = 0; i < rows.out; i++) {
    const ui = i * w;
    for (let r = rows.lo[i], t = rows.off[i]; r < rows.hi[i]; r++, t++) {
      const a = rows.m[t];
      if (a === 0) continue;
      const y = (r / n) | 0;
      const v = r - y * n;
      for (let k = 0; k < n; k++) aq[k] = a * q[(v << 3) | k];
      let b = (y * bx + b0) * kk + v * kept;
      if (n === 1) {
        const a0 = aq[0];
        for (let o = ui, end = ui + w; o < end; o++, b += kk) u[o] += a0 * coef[b];
      } else if (n === 2) {
        const a0 = aq[0];
        const a1 = aq[1];
        for (let o = ui, end = ui + w; o < end; o += 2, b += kk) {
          u[o] += a0 * coef[b];
          u[o + 1] += a1 * coef[b + 1];
        }
      } else if (n === 4) {
        const [a0, a1, a2, a3] = aq;
        for (let o = ui, end = ui + w; o < end; o += 4, b += kk) {
          u[o] += a0 * coef[b];
          u[o + 1] += a1 * coef[b + 1];
          u[o + 2] += a2 * coef[b + 2];
          u[o + 3] += a3 * coef[b + 3];
        }
      } else {
        for (let o = ui, end = ui + w; o < end; o += n, b += kk) for (let k = 0; k < n; k++) u[o + k] += aq[k] * coef[b + k];
      }
    }
  }
  return u;
}

/**
 * Output rows along the source's columns (orientations 5–8): output row i adds a few source
 * coefficient columns. Walked one source block row at a time (block rows b0 … b0+nb), so
 * what a block row holds is read while it is in cache.
 */
function rowPassTransposed(pp: PlanePrep, src: Plane, q: Float32Array, b0: number, nb: number): Float32Array {
  const { rows, n } = pp;
  const { coefficients: coef, blocksX: bx } = src;
  const kept = src.kept ?? 8;
  const kk = kept * kept;
  const w = nb * n;
  const u = new Float32Array(rows.out * w);
  // Per tap (input column c = block·n + frequency): its offset within a block row and, per
  // frequency v of the output direction, weight × quantization entry.
  const taps = rows.m.length;
  const at = new Int32Array(taps);
  const wq = new Float32Array(taps * n);
  for (let i = 0; i < rows.out; i++) {
    for (let c = rows.lo[i], t = rows.off[i]; c < rows.hi[i]; c++, t++) {
      const x = (c / n) | 0;
      const f = c - x * n;
      at[t] = x * kk + f;
      for (let v = 0; v < n; v++) wq[t * n + v] = rows.m[t] * q[(v << 3) | f];
    }
  }
  for (let y = 0; y < nb; y++) {
    const yb = (b0 + y) * bx * kk;
    const oy = y * n;
    for (let i = 0; i < rows.out; i++) {
      const o = i * w + oy;
      const end = rows.off[i] + rows.hi[i] - rows.lo[i];
      if (n === 1) {
        let s = 0;
        for (let t = rows.off[i]; t < end; t++) s += wq[t] * coef[yb + at[t]];
        u[o] = s;
      } else if (n === 2) {
        let s0 = 0;
        let s1 = 0;
        for (let t = rows.off[i]; t < end; t++) {
          const b = yb + at[t];
          s0 += wq[2 * t] * coef[b];
          s1 += wq[2 * t + 1] * coef[b + kept];
        }
        u[o] = s0;
        u[o + 1] = s1;
      } else if (n === 4) {
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let t = rows.off[i]; t < end; t++) {
          const b = yb + at[t];
          const t4 = 4 * t;
          s0 += wq[t4] * coef[b];
          s1 += wq[t4 + 1] * coef[b + kept];
          s2 += wq[t4 + 2] * coef[b + 2 * kept];
          s3 += wq[t4 + 3] * coef[b + 3 * kept];
        }
        u[o] = s0;
        u[o + 1] = s1;
        u[o + 2] = s2;
        u[o + 3] = s3;
      } else {
        for (let t = rows.off[i]; t < end; t++) {
          const b = yb + at[t];
          for (let v = 0; v < n; v++) u[o + v] += wq[t * n + v] * coef[b + v * kept];
        }
      }
    }
  }
  return u;
}

// The orthonormal 8-point DCT-II split into even and odd halves (22 multiplications instead
// of 64): X_k = Σ_n x_n·d[k][n] with d[k][7-n] = ±d[k][n].
const CK = (k: number, n: number): number => Math.cos(((2 * n + 1) * k * Math.PI) / 16) / 2;
const S0 = Math.sqrt(1 / 8);
const C4 = CK(4, 0);
const C2 = CK(2, 0);
const C6 = CK(6, 0);
const [O10, O11, O12, O13] = [0, 1, 2, 3].map((n) => CK(1, n));
const [O30, O31, O32, O33] = [0, 1, 2, 3].map((n) => CK(3, n));
const [O50, O51, O52, O53] = [0, 1, 2, 3].map((n) => CK(5, n));
const [O70, O71, O72, O73] = [0, 1, 2, 3].map((n) => CK(7, n));

/** x[i0 + k·step] (k < 8) → y[o0 + k·ostep]. */
function dct8(x: Float32Array, i0: number, step: number, y: Float32Array, o0: number, ostep: number): void {
  const x0 = x[i0];
  const x1 = x[i0 + step];
  const x2 = x[i0 + 2 * step];
  const x3 = x[i0 + 3 * step];
  const x4 = x[i0 + 4 * step];
  const x5 = x[i0 + 5 * step];
  const x6 = x[i0 + 6 * step];
  const x7 = x[i0 + 7 * step];
  const e0 = x0 + x7;
  const e1 = x1 + x6;
  const e2 = x2 + x5;
  const e3 = x3 + x4;
  const o0_ = x0 - x7;
  const o1 = x1 - x6;
  const o2 = x2 - x5;
  const o3 = x3 - x4;
  const p0 = e0 + e3;
  const p1 = e1 + e2;
  const m0 = e0 - e3;
  const m1 = e1 - e2;
  y[o0] = S0 * (p0 + p1);
  y[o0 + 4 * ostep] = C4 * (p0 - p1);
  y[o0 + 2 * ostep] = C2 * m0 + C6 * m1;
  y[o0 + 6 * ostep] = C6 * m0 - C2 * m1;
  y[o0 + ostep] = O10 * o0_ + O11 * o1 + O12 * o2 + O13 * o3;
  y[o0 + 3 * ostep] = O30 * o0_ + O31 * o1 + O32 * o2 + O33 * o3;
  y[o0 + 5 * ostep] = O50 * o0_ + O51 * o1 + O52 * o2 + O53 * o3;
  y[o0 + 7 * ostep] = O70 * o0_ + O71 * o1 + O72 * o2 + O73 * o3;
}

/** Inverse of dct8: coefficients x[i0 + k·step] → samples y[o0 + n·ostep]. */
function idct8(x: Float32Array, i0: number, step: number, y: Float32Array, o0: number, ostep: number): void {
  const a = S0 * x[i0];
  const b = C4 * x[i0 + 4 * step];
  const x1 = x[i0 + step];
  const x2 = x[i0 + 2 * step];
  const x3 = x[i0 + 3 * step];
  const x5 = x[i0 + 5 * step];
  const x6 = x[i0 + 6 * step];
  const x7 = x[i0 + 7 * step];
  const t0 = a + b;
  const t1 = a - b;
  const p = C2 * x2 + C6 * x6;
  const m = C6 * x2 - C2 * x6;
  const e0 = t0 + p;
  const e3 = t0 - p;
  const e1 = t1 + m;
  const e2 = t1 - m;
  const d0 = O10 * x1 + O30 * x3 + O50 * x5 + O70 * x7;
  const d1 = O11 * x1 + O31 * x3 + O51 * x5 + O71 * x7;
  const d2 = O12 * x1 + O32 * x3 + O52 * x5 + O72 * x7;
  const d3 = O13 * x1 + O33 * x3 + O53 * x5 + O73 * x7;
  y[o0] = e0 + d0;
  y[o0 + 7 * ostep] = e0 - d0;
  y[o0 + ostep] = e1 + d1;
  y[o0 + 6 * ostep] = e1 - d1;
  y[o0 + 2 * ostep] = e2 + d2;
  y[o0 + 5 * ostep] = e2 - d2;
  y[o0 + 3 * ostep] = e3 + d3;
  y[o0 + 4 * ostep] = e3 - d3;
}

/** Forward 8×8 DCT of every block of a size × size plane, written as [by][bx][64] (channel 8·v+u). */
function blockDct(v: Float32Array, h: number, w: number, nb: number): Float32Array {
  const out = new Float32Array(nb * nb * 64);
  const tmp = new Float32Array(64);
  for (let by = 0; by < h / 8; by++) {
    for (let bx = 0; bx < w / 8; bx++) {
      // rows: tmp[y][u]; then columns: out[v][u]
      for (let y = 0; y < 8; y++) dct8(v, (by * 8 + y) * w + bx * 8, 1, tmp, y * 8, 1);
      const o = (by * nb + bx) << 6;
      for (let u = 0; u < 8; u++) dct8(tmp, u, 8, out, o + u, 8);
    }
  }
  return out;
}
