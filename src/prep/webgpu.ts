/**
 * DCT-domain preparation as WGSL kernels run through tfjs-backend-webgpu
 * (backend.runWebGPUProgram), two passes per plane:
 *
 *   rows: T = A_r · deq(C)   (or A_r · deq(C)ᵀ)  — reads the raw int16 coefficients
 *         (uploaded as they come from the decoder, two per 32-bit word: for a large
 *         photo only each block's n×n lowest frequencies, what the plan reads) and the
 *         quantization table, so dequantization costs nothing extra;
 *   cols: out = T · A_cᵀ     — written straight in the network's [by][bx][64] layout.
 *
 * The operator matrices depend only on the image's geometry and are kept on the GPU
 * per geometry. Uploads and intermediates are padded to size buckets, so images of
 * many different sizes reuse a bounded set of GPU buffers.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { webgpu_util } from '@tensorflow/tfjs-backend-webgpu';
import { denseAxis, keptFrequencies, type PlanePrep, type PrepPlan } from './geometry.js';

/** Round up to a bucket: multiples of 512 below 4096, then of 4096. */
export const bucket = (n: number) => (n <= 4096 ? Math.ceil(n / 512) * 512 : Math.ceil(n / 4096) * 4096);

class RowsProgram implements WebGPUProgram {
  variableNames = ['C', 'Q', 'A', 'L'];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  uniforms = 'tCols : i32, aCols : i32, srcBlocksX : i32, realCols : i32, n : i32, kept : i32,';
  workgroupSize: [number, number, number] = [64, 1, 1];
  size = true;
  constructor(outRows: number, tColsPadded: number, readonly transpose: boolean) {
    this.outputShape = [outRows, tColsPadded];
    this.dispatchLayout = webgpu_util.flatDispatchLayout(this.outputShape);
    this.dispatch = webgpu_util.computeDispatch(this.dispatchLayout, this.outputShape, this.workgroupSize);
    this.shaderKey = `dctv_prep_rows_${transpose ? 't' : 'n'}`;
  }
  getUserCode(): string {
    // C holds int16 pairs in int32 words (little-endian: element 2k in the low half), each
    // block's kept² lowest frequencies; P's row r is block r / n's frequency r % n.
    return `
      fn coef(r : i32, c : i32) -> f32 {
        let v = r % uniforms.n;
        let u = c % uniforms.n;
        let e = ((r / uniforms.n) * uniforms.srcBlocksX + c / uniforms.n) * uniforms.kept * uniforms.kept + v * uniforms.kept + u;
        let w = C[e >> 1];
        let x = select((w << 16) >> 16, w >> 16, (e & 1) == 1);
        return f32(x) * f32(Q[(v << 3) + u]);
      }
      fn main(index : i32) {
        if (index < uniforms.size) {
          let i = index / uniforms.tCols;
          let c = index - i * uniforms.tCols;
          let lo = L[2 * i];
          let hi = L[2 * i + 1];
          var s = 0.0;
          if (c < uniforms.realCols) {
            for (var j = lo; j < hi; j = j + 1) {
              let a = A[i * uniforms.aCols + j];
              ${this.transpose ? 's = s + a * coef(c, j);' : 's = s + a * coef(j, c);'}
            }
          }
          setOutputAtIndex(index, s);
        }
      }`;
  }
}

class ColsProgram implements WebGPUProgram {
  variableNames = ['T', 'A', 'L'];
  outputShape: number[];
  shaderKey = 'dctv_prep_cols';
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  uniforms = 'tCols : i32, aCols : i32, outBlocks : i32,';
  workgroupSize: [number, number, number] = [64, 1, 1];
  size = true;
  constructor(outBlocks: number) {
    this.outputShape = [1, outBlocks, outBlocks, 64];
    this.dispatchLayout = webgpu_util.flatDispatchLayout(this.outputShape);
    this.dispatch = webgpu_util.computeDispatch(this.dispatchLayout, this.outputShape, this.workgroupSize);
  }
  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let blk = index >> 6;
          let by = blk / uniforms.outBlocks;
          let bx = blk - by * uniforms.outBlocks;
          let i = (by << 3) + ((index >> 3) & 7);
          let k = (bx << 3) + (index & 7);
          let lo = L[2 * k];
          let hi = L[2 * k + 1];
          var s = 0.0;
          for (var j = lo; j < hi; j = j + 1) {
            s = s + T[i * uniforms.tCols + j] * A[k * uniforms.aCols + j];
          }
          setOutputAtIndex(index, s);
        }
      }`;
  }
}

interface PlaneTensors {
  ar: tf.Tensor;
  lr: tf.Tensor;
  ac: tf.Tensor;
  lc: tf.Tensor;
  p: PlanePrep;
  tCols: number;
}

/** GPU copies of a plan's operator matrices (dispose() when the plan is dropped). */
export class GpuPrepPlan {
  readonly planes: PlaneTensors[];
  constructor(readonly plan: PrepPlan) {
    const padded = (a: Float32Array, rows: number, cols: number, colsPadded: number) => {
      const out = new Float32Array(rows * colsPadded);
      for (let r = 0; r < rows; r++) out.set(a.subarray(r * cols, (r + 1) * cols), r * colsPadded);
      return out;
    };
    const bands = (lo: Int32Array, hi: Int32Array) => {
      const b = new Int32Array(lo.length * 2);
      lo.forEach((l, i) => ((b[2 * i] = l), (b[2 * i + 1] = hi[i])));
      return b;
    };
    this.planes = plan.planes.map((p) => {
      const r = denseAxis(p.rows);
      const c = denseAxis(p.cols);
      const arCols = bucket(p.rows.in);
      const acCols = bucket(p.cols.in);
      return {
        p,
        tCols: acCols,
        ar: tf.tensor2d(padded(r.a, p.rows.out, p.rows.in, arCols), [p.rows.out, arCols]),
        lr: tf.tensor1d(bands(r.lo, r.hi), 'int32'),
        ac: tf.tensor2d(padded(c.a, p.cols.out, p.cols.in, acCols), [p.cols.out, acCols]),
        lc: tf.tensor1d(bands(c.lo, c.hi), 'int32'),
      };
    });
  }
  dispose(): void {
    for (const t of this.planes) tf.dispose([t.ar, t.lr, t.ac, t.lc]);
  }
}

export interface RawPlane {
  /** Raw quantized coefficients, [blocksY][blocksX][kept²] (kept: 8 unless decoded with `keep`). */
  coefficients: Int16Array;
  kept?: number;
  quantTable: Uint16Array;
  blocksX: number;
  blocksY: number;
}

/** Network input tensors (NHWC, batch 1) for one image, computed on the GPU. */
export function prepareWebGPU(gpu: GpuPrepPlan, components: RawPlane[]): { y: tf.Tensor4D; cb: tf.Tensor4D; cr: tf.Tensor4D } {
  const backend = tf.backend() as unknown as WebGPUBackend;
  const out: tf.Tensor4D[] = [];
  for (const t of gpu.planes) {
    const src = components[t.p.component];
    const kept = keptFrequencies(t.p, src);
    const packed = new Int32Array(bucket(Math.ceil(src.coefficients.length / 2)));
    new Int16Array(packed.buffer).set(src.coefficients);
    const c = tf.tensor1d(packed, 'int32');
    const q = tf.tensor1d(Int32Array.from(src.quantTable), 'int32');
    const tColsReal = (t.p.transpose ? src.blocksY : src.blocksX) * t.p.n;
    const rows = new RowsProgram(t.p.rows.out, t.tCols, t.p.transpose);
    const tInfo = backend.runWebGPUProgram(rows, [c, q, t.ar, t.lr], 'float32', [
      { type: 'int32', data: [t.tCols] },
      { type: 'int32', data: [t.ar.shape[1]!] },
      { type: 'int32', data: [src.blocksX] },
      { type: 'int32', data: [tColsReal] },
      { type: 'int32', data: [t.p.n] },
      { type: 'int32', data: [kept] },
    ]);
    const cols = new ColsProgram(t.p.outBlocks);
    const oInfo = backend.runWebGPUProgram(cols, [tInfo, t.ac, t.lc], 'float32', [
      { type: 'int32', data: [t.tCols] },
      { type: 'int32', data: [t.ac.shape[1]!] },
      { type: 'int32', data: [t.p.outBlocks] },
    ]);
    backend.disposeData(tInfo.dataId);
    tf.dispose([c, q]);
    out.push(tf.engine().makeTensorFromTensorInfo(oInfo) as tf.Tensor4D);
  }
  const chroma = () => tf.zeros([1, gpu.plan.chromaSize / 8, gpu.plan.chromaSize / 8, 64]) as tf.Tensor4D;
  return { y: out[0], cb: out[1] ?? chroma(), cr: out[2] ?? chroma() };
}
