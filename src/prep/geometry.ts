/**
 * Bringing any JPEG to the networks' input geometry without leaving the DCT domain.
 *
 * Policy: apply the EXIF orientation, resize so the short side is 224 (area
 * averaging, i.e. each output pixel is the mean of the input area it covers), and
 * centre-crop 224×224 — the usual single-crop evaluation, keeping the whole centre
 * of the picture. Chroma ends as 4:2:0 (112×112), as the networks were trained.
 *
 * Every step is linear in pixels and separable, so on a component's blockwise-DCT
 * coefficient image C (rows 8·by+v, columns 8·bx+u) it is C' = A_r · C · A_cᵀ (or
 * C' = A_r · Cᵀ · A_cᵀ when the orientation swaps axes), with A = D_out · R · D_inᵀ:
 * R the pixel resampling along one axis (flips included), D the blockwise
 * orthonormal DCT. A's rows are banded; each row keeps only its band.
 *
 * Large downscales first drop what the output cannot use: the area average over many
 * pixels all but cancels a block's high frequencies, so only each block's n×n lowest
 * frequencies (n = 8, 4, 2, 1) are read — the operators are the exact ones, restricted to
 * those coefficient rows and columns. For a 12-megapixel photo going to 224 px that is one
 * coefficient in 16 or 64 (libjpeg's scaled decoding rests on the same fact).
 */
import { PrepError } from './errors.js';

export interface PlaneSource {
  h: number;
  v: number;
  blocksX: number;
  blocksY: number;
}

export interface ImageGeometry {
  width: number;
  height: number;
  maxH: number;
  maxV: number;
  orientation: number;
  components: PlaneSource[];
}

/**
 * One axis of one output plane, as M = R · D_inᵀ: output samples (pixels) ← kept input
 * coefficient rows (block b's kept frequencies are rows b·n … b·n+n−1), banded; the
 * operator on coefficients is A = D_out · M (denseAxis), applied on the CPU as M, then
 * the output blocks' forward DCT.
 */
export interface AxisMap {
  out: number;
  in: number;
  /** Row i's non-zeros are columns [lo[i], hi[i]), stored at m[off[i] …]. */
  lo: Int32Array;
  hi: Int32Array;
  off: Int32Array;
  m: Float32Array;
}

export interface PlanePrep {
  /** Index of the source component. */
  component: number;
  /** Output rows come from the source's columns (orientations 5–8). */
  transpose: boolean;
  /** Frequencies kept per block and axis: 8 (all), 4, 2 or 1. */
  n: number;
  rows: AxisMap;
  cols: AxisMap;
  /**
   * The pixel resampling R alone per axis (output samples ← component samples), for planes
   * that keep all 8 frequencies on the CPU: there the blocks' inverse DCT, R (a few taps
   * per output) and the output blocks' DCT cost less than M's 8–16 taps per output.
   */
  pixels?: { rows: AxisMap; cols: AxisMap };
  outBlocks: number;
}

export interface PrepPlan {
  /** Output luma size (pixels, square). */
  size: number;
  /** Output chroma size (pixels, square): size / 2 for the networks' 4:2:0. */
  chromaSize: number;
  /** y, then cb and cr (absent for grayscale, whose chroma input is zero). */
  planes: PlanePrep[];
  /** The identity case (already size × size with the output's chroma layout, orientation 1): no resampling needed. */
  identity: boolean;
}

/** Frequencies per block and axis present in a source (8 unless decoded with `keep`); refuses a plan that reads more. */
export function keptFrequencies(pp: PlanePrep, src: { kept?: number }): number {
  const kept = src.kept ?? 8;
  if (pp.n > kept) throw new PrepError(`the plan reads ${pp.n}×${pp.n} frequencies per block but only ${kept}×${kept} were decoded`);
  return kept;
}

/** How an EXIF orientation maps output axes to source axes: `transpose` (output rows run along the source x), then flips of the output rows / columns. */
const ORIENT: Record<number, { transpose: boolean; flipRows: boolean; flipCols: boolean }> = {
  1: { transpose: false, flipRows: false, flipCols: false },
  2: { transpose: false, flipRows: false, flipCols: true },
  3: { transpose: false, flipRows: true, flipCols: true },
  4: { transpose: false, flipRows: true, flipCols: false },
  5: { transpose: true, flipRows: false, flipCols: false },
  6: { transpose: true, flipRows: false, flipCols: true },
  7: { transpose: true, flipRows: true, flipCols: true },
  8: { transpose: true, flipRows: true, flipCols: false },
};

let dct8: Float64Array | undefined;
/** Orthonormal 8-point DCT-II matrix, row k = frequency k. */
export function dctMatrix(): Float64Array {
  if (!dct8) {
    dct8 = new Float64Array(64);
    for (let k = 0; k < 8; k++) {
      for (let n = 0; n < 8; n++) dct8[k * 8 + n] = Math.cos(((2 * n + 1) * k * Math.PI) / 16) * Math.sqrt(k ? 2 / 8 : 1 / 8);
    }
  }
  return dct8;
}

/**
 * A for one axis. Output sample i covers source-luma interval footprint(i); input
 * sample q of the component covers [q·step, (q+1)·step) in source-luma units
 * (step = maxSampling / sampling); `valid` input samples carry image data. Only each
 * block's first n frequencies are read: input row blk·n + k is block blk's frequency k.
 */
function axisMap(outSamples: number, footprint: (i: number) => [number, number], inBlocks: number, n: number, step: number, valid: number): AxisMap {
  return axisOperator(outSamples, footprint, inBlocks, n, step, valid, false);
}

/** R for one axis: output sample i ← component samples [lo[i], hi[i]) with their area weights. */
function pixelAxis(outSamples: number, footprint: (i: number) => [number, number], inBlocks: number, step: number, valid: number): AxisMap {
  return axisOperator(outSamples, footprint, inBlocks, 8, step, valid, true);
}

function axisOperator(outSamples: number, footprint: (i: number) => [number, number], inBlocks: number, n: number, step: number, valid: number, pixels: boolean): AxisMap {
  const d = dctMatrix();
  // Sparse rows of M = R · D_inᵀ (output sample × kept input coefficient row): [first row, weights].
  const mLo = new Int32Array(outSamples);
  const mRows: Float64Array[] = [];
  for (let i = 0; i < outSamples; i++) {
    const [a, b] = footprint(i);
    const q0 = Math.max(0, Math.floor(a / step));
    const q1 = Math.min(valid - 1, Math.ceil(b / step) - 1);
    let total = 0;
    for (let q = q0; q <= q1; q++) total += Math.max(0, Math.min(b, (q + 1) * step) - Math.max(a, q * step));
    if (total <= 0) throw new PrepError('resampling footprint outside the image');
    if (pixels) {
      const row = new Float64Array(q1 + 1 - q0);
      for (let q = q0; q <= q1; q++) row[q - q0] = Math.max(0, Math.min(b, (q + 1) * step) - Math.max(a, q * step)) / total;
      mLo[i] = q0;
      mRows.push(row);
      continue;
    }
    const first = Math.floor(q0 / 8);
    const row = new Float64Array((Math.floor(q1 / 8) + 1 - first) * n);
    for (let q = q0; q <= q1; q++) {
      const r = Math.max(0, Math.min(b, (q + 1) * step) - Math.max(a, q * step)) / total;
      if (!r) continue;
      const o = (Math.floor(q / 8) - first) * n;
      const t = q % 8;
      for (let k = 0; k < n; k++) row[o + k] += r * d[k * 8 + t];
    }
    mLo[i] = first * n;
    mRows.push(row);
  }
  const off = new Int32Array(outSamples);
  const hi = new Int32Array(outSamples);
  let size = 0;
  mRows.forEach((r, i) => ((off[i] = size), (hi[i] = mLo[i] + r.length), (size += r.length)));
  const m = new Float32Array(size);
  mRows.forEach((r, i) => m.set(r, off[i]));
  return { out: outSamples, in: inBlocks * n, lo: mLo, hi, off, m };
}

/** The dense out × in matrix A = D_out · M of an axis (what the WebGPU kernels read), with each row's band. */
export function denseAxis(axis: AxisMap): { a: Float32Array; lo: Int32Array; hi: Int32Array } {
  const d = dctMatrix();
  const a = new Float32Array(axis.out * axis.in);
  const lo = new Int32Array(axis.out);
  const hi = new Int32Array(axis.out);
  for (let ob = 0; ob < axis.out; ob += 8) {
    let l = Infinity;
    let h = 0;
    for (let t = 0; t < 8; t++) {
      l = Math.min(l, axis.lo[ob + t]);
      h = Math.max(h, axis.hi[ob + t]);
    }
    for (let k = 0; k < 8; k++) {
      lo[ob + k] = l;
      hi[ob + k] = h;
      const row = (ob + k) * axis.in;
      for (let t = 0; t < 8; t++) {
        const c = d[k * 8 + t];
        for (let j = axis.lo[ob + t], o = axis.off[ob + t]; j < axis.hi[ob + t]; j++, o++) a[row + j] += c * axis.m[o];
      }
    }
  }
  return { a, lo, hi };
}

/**
 * Pixel weights along one output axis of the oriented, resized, cropped image:
 * for each output pixel, [source pixel index, weight] pairs (the source axis is
 * the image's y for 'rows' and x for 'cols', swapped by orientations 5–8).
 */
export function planAxis(
  orientedH: number,
  orientedW: number,
  size: number,
  axis: 'rows' | 'cols',
  orientation: number,
  width: number,
  height: number,
): [number, number][][] {
  const o = ORIENT[orientation] ?? ORIENT[1];
  const s = size / Math.min(orientedW, orientedH);
  const off = axis === 'rows' ? (orientedH * s - size) / 2 : (orientedW * s - size) / 2;
  const flip = axis === 'rows' ? o.flipRows : o.flipCols;
  const len = (axis === 'rows') !== o.transpose ? height : width;
  return Array.from({ length: size }, (_, i) => {
    let a = (off + i) / s;
    let b = (off + i + 1) / s;
    if (flip) [a, b] = [len - b, len - a];
    const out: [number, number][] = [];
    for (let q = Math.max(0, Math.floor(a)); q < Math.min(len, Math.ceil(b)); q++) {
      const w = Math.min(b, q + 1) - Math.max(a, q);
      if (w > 0) out.push([q, w / (b - a)]);
    }
    return out;
  });
}

/**
 * Input samples per output sample (the area filter's width W) from which reading only n
 * frequencies per block stays within 1e-2 of the exact result: frequency k has a period of
 * about 16/k pixels and an area average over W pixels all but cancels periods up to W, so
 * n = 4 from W = 3 and n = 2 from W = 6; the DC alone loses each block's gradient, which
 * only a much wider average hides. Measured: test/prep.test.ts prints each case's error.
 */
const keepThreshold = (n: number): number => (n === 1 ? 32 : 12 / n);

/**
 * `truncate`: read only the frequencies the output can use (see above and keepThreshold).
 * False keeps all 64 (the exact operators: PipelineOptions.exact).
 */
export function planPrep(img: ImageGeometry, size = 224, chromaSize = size / 2, opts: { truncate?: boolean } = {}): PrepPlan {
  if (size % 8 || chromaSize % 8 || size % chromaSize) throw new PrepError(`output sizes ${size}/${chromaSize} must be multiples of 8, chroma dividing luma`);
  const o = ORIENT[img.orientation] ?? ORIENT[1];
  // Oriented image size (luma pixels) and the centred crop of the resized image.
  const ow = o.transpose ? img.height : img.width;
  const oh = o.transpose ? img.width : img.height;
  const s = size / Math.min(ow, oh);
  const offX = (ow * s - size) / 2;
  const offY = (oh * s - size) / 2;
  // Source-axis lengths: output rows run along the source's y (or x when transposed).
  const rowLen = o.transpose ? img.width : img.height;
  const colLen = o.transpose ? img.height : img.width;
  const footprint = (off: number, len: number, flip: boolean, ratio: number) => (i: number): [number, number] => {
    const a = (off + i * ratio) / s;
    const b = (off + (i + 1) * ratio) / s;
    return flip ? [len - b, len - a] : [a, b];
  };
  const planes: PlanePrep[] = [];
  const chromaOut = chromaSize;
  img.components.slice(0, 3).forEach((c, idx) => {
    const luma = idx === 0;
    const outSamples = luma ? size : chromaOut;
    const ratio = luma ? 1 : size / chromaSize; // an output chroma pixel covers `ratio` output luma pixels
    // Source component geometry along the axis feeding output rows / cols.
    const rowSamp = o.transpose ? c.h : c.v;
    const rowMax = o.transpose ? img.maxH : img.maxV;
    const rowBlocks = o.transpose ? c.blocksX : c.blocksY;
    const colSamp = o.transpose ? c.v : c.h;
    const colMax = o.transpose ? img.maxV : img.maxH;
    const colBlocks = o.transpose ? c.blocksY : c.blocksX;
    const validRows = Math.ceil((rowLen * rowSamp) / rowMax);
    const validCols = Math.ceil((colLen * colSamp) / colMax);
    // Component samples per output sample along each axis: an output sample spans ratio / s
    // source-luma units, a component sample max / sampling of them.
    const perOut = Math.min((ratio / s) * (rowSamp / rowMax), (ratio / s) * (colSamp / colMax));
    let n = 8;
    if (opts.truncate !== false) while (n > 1 && perOut >= keepThreshold(n / 2)) n /= 2;
    const rowFoot = footprint(offY, rowLen, o.flipRows, ratio);
    const colFoot = footprint(offX, colLen, o.flipCols, ratio);
    planes.push({
      component: idx,
      transpose: o.transpose,
      n,
      rows: axisMap(outSamples, rowFoot, rowBlocks, n, rowMax / rowSamp, validRows),
      cols: axisMap(outSamples, colFoot, colBlocks, n, colMax / colSamp, validCols),
      pixels:
        n === 8 && opts.truncate !== false
          ? { rows: pixelAxis(outSamples, rowFoot, rowBlocks, rowMax / rowSamp, validRows), cols: pixelAxis(outSamples, colFoot, colBlocks, colMax / colSamp, validCols) }
          : undefined,
      outBlocks: outSamples / 8,
    });
  });
  const sub = size / chromaSize;
  const identity =
    img.width === size &&
    img.height === size &&
    (img.orientation ?? 1) === 1 &&
    img.components.length === 3 &&
    img.maxH === sub &&
    img.maxV === sub &&
    img.components[0].h === sub &&
    img.components[0].v === sub &&
    img.components.slice(1).every((c) => c.h === 1 && c.v === 1);
  return { size, chromaSize, planes, identity };
}
