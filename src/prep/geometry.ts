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
 * orthonormal 8×8 DCT. A's rows are banded; `lo`/`hi` bound each row's non-zeros.
 */

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

/** One axis of one output plane: out coefficient rows ← in coefficient rows. */
export interface AxisMap {
  out: number;
  in: number;
  /** Dense out × in, row-major; zero outside [lo[i], hi[i]). */
  a: Float32Array;
  lo: Int32Array;
  hi: Int32Array;
}

export interface PlanePrep {
  /** Index of the source component. */
  component: number;
  /** Output rows come from the source's columns (orientations 5–8). */
  transpose: boolean;
  rows: AxisMap;
  cols: AxisMap;
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
function dctMatrix(): Float64Array {
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
 * (step = maxSampling / sampling); `valid` input samples carry image data.
 */
function axisMap(outSamples: number, footprint: (i: number) => [number, number], inBlocks: number, step: number, valid: number): AxisMap {
  const inRows = inBlocks * 8;
  const d = dctMatrix();
  // M = R · D_inᵀ (out samples × in coefficient rows), from the few input samples each output sample covers.
  const m = new Float64Array(outSamples * inRows);
  const loS = new Int32Array(outSamples);
  const hiS = new Int32Array(outSamples);
  for (let i = 0; i < outSamples; i++) {
    const [a, b] = footprint(i);
    const q0 = Math.max(0, Math.floor(a / step));
    const q1 = Math.min(valid - 1, Math.ceil(b / step) - 1);
    let total = 0;
    const w: number[] = [];
    for (let q = q0; q <= q1; q++) {
      const o = Math.max(0, Math.min(b, (q + 1) * step) - Math.max(a, q * step));
      w.push(o);
      total += o;
    }
    loS[i] = Math.floor(q0 / 8) * 8;
    hiS[i] = (Math.floor(q1 / 8) + 1) * 8;
    if (total <= 0) throw new RangeError('resampling footprint outside the image');
    for (let q = q0; q <= q1; q++) {
      const r = w[q - q0] / total;
      if (!r) continue;
      const blk = Math.floor(q / 8) * 8;
      const n = q % 8;
      for (let k = 0; k < 8; k++) m[i * inRows + blk + k] += r * d[k * 8 + n];
    }
  }
  // A = D_out · M, block by block of 8 output samples.
  const out = outSamples;
  const a = new Float32Array(out * inRows);
  const lo = new Int32Array(out);
  const hi = new Int32Array(out);
  for (let ob = 0; ob < out; ob += 8) {
    let l = inRows;
    let h = 0;
    for (let n = 0; n < 8; n++) {
      l = Math.min(l, loS[ob + n]);
      h = Math.max(h, hiS[ob + n]);
    }
    for (let k = 0; k < 8; k++) {
      lo[ob + k] = l;
      hi[ob + k] = h;
      for (let j = l; j < h; j++) {
        let s = 0;
        for (let n = 0; n < 8; n++) s += d[k * 8 + n] * m[(ob + n) * inRows + j];
        a[(ob + k) * inRows + j] = s;
      }
    }
  }
  return { out, in: inRows, a, lo, hi };
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

export function planPrep(img: ImageGeometry, size = 224, chromaSize = size / 2): PrepPlan {
  if (size % 8 || chromaSize % 8 || size % chromaSize) throw new RangeError(`output sizes ${size}/${chromaSize} must be multiples of 8, chroma dividing luma`);
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
    planes.push({
      component: idx,
      transpose: o.transpose,
      rows: axisMap(outSamples, footprint(offY, rowLen, o.flipRows, ratio), rowBlocks, rowMax / rowSamp, validRows),
      cols: axisMap(outSamples, footprint(offX, colLen, o.flipCols, ratio), colBlocks, colMax / colSamp, validCols),
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
