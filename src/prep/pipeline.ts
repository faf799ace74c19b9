/**
 * The one input pipeline: a file's bytes → the named input tensors a network declares
 * (its `input` kind and shapes in networks.json / model.json). `classify()`,
 * `classifyBatch()`, the evaluation (scripts/ts-eval.mjs, scripts/prep-inputs.mjs) and the
 * benchmarks all go through it, so what is measured is what users run.
 *
 * DCT networks: the worker pool reads the coefficients, then a geometry plan (cached per
 * image geometry) brings them to the network's size and chroma layout — WGSL kernels on
 * WebGPU, plain TypeScript elsewhere, nothing at all for files already in the network's
 * geometry. The RGB baseline: pixels from the browser's decoder or libjpeg in WebAssembly,
 * resized with the same policy.
 */
import * as tf from '@tensorflow/tfjs-core';
import { DecoderPool } from '../decode/pool.js';
import { CorruptJpegError } from '../decode/errors.js';
import { readJpegHeader } from '../decode/header.js';
import type { DctComponent, DctImage, LimitOptions } from '../decode/types.js';
import { inputShapes, type InputGeometry } from '../engine/plan.js';
import { planPrep, type ImageGeometry, type PrepPlan } from './geometry.js';
import type { GpuPrepPlan } from './webgpu.js';
import { prepareRgb } from './pixels.js';
import { prepareCpu } from './cpu.js';
import { smoothAbsent } from './smoothing.js';
import { lacksBits } from '../decode/bands.js';
import { inputBytes, type ImageInput } from './input.js';
import { decodeProgressive, type ProgressiveStep } from './progressive.js';
import type { StreamInput } from './stream-input.js';

export type Decoded =
  | {
      kind: 'dct';
      img: DctImage;
      /**
       * Present when the early stop left the kept coefficients short of their lowest bits (a
       * progressive file whose refinement scans were stepped over): the same file decoded with
       * every scan, for a verdict too close to call at that precision.
       */
      exact?: () => Promise<Decoded>;
    }
  | { kind: 'rgb'; data: Uint8Array; width: number; height: number; orientation: number };

export type RgbDecoder = 'browser' | 'wasm';

export interface PipelineOptions {
  decoder: DecoderPool;
  limits?: LimitOptions;
  /** RGB networks: the browser's decoder (createImageBitmap) or libjpeg in WebAssembly. */
  rgbDecoder?: RgbDecoder;
  /** DCT networks: prepare with the WGSL kernels (only while tfjs runs on WebGPU). */
  webgpu?: boolean;
  /**
   * DCT networks on the CPU: decode all 64 frequencies and apply the full operators, without
   * truncation or the pixel route — slower; what the evaluation compares the fast path with.
   */
  exact?: boolean;
  /**
   * DCT networks, progressive files: read every scan. By default only the scans that bring the
   * frequencies the plan reads are decoded (DecodeOptions.skipScans): a large photo bound for
   * 224 px needs each block's few lowest frequencies, which the first scans carry.
   */
  allScans?: boolean;
  /**
   * DCT networks, files that lack bands (a progressive file cut short, or a step of one
   * streaming in): estimate each block's five lowest AC coefficients no scan has sent from the
   * DC values around it, as libjpeg does to paint such files (src/prep/smoothing.ts). Default
   * true; false leaves them zero.
   */
  smoothing?: boolean;
}

/** Geometry plans kept per model: enough for the sizes a page sees, bounded for long runs. */
const PLAN_CACHE = 16;

/** The browser decoder is there (pages), or not (Node, some workers). */
export const browserDecodeAvailable = (): boolean => typeof createImageBitmap === 'function' && typeof OffscreenCanvas === 'function';

export class InputPipeline {
  private readonly plans = new Map<string, { plan: PrepPlan; gpu?: GpuPrepPlan }>();

  private constructor(
    readonly geometry: InputGeometry,
    private readonly decoder: DecoderPool,
    private readonly limits: LimitOptions,
    readonly rgbDecoder: RgbDecoder,
    private readonly gpuPrep?: typeof import('./webgpu.js'),
    private readonly exact = false,
    private readonly allScans = false,
    private readonly smoothing = true,
  ) {}

  static async create(geometry: InputGeometry, opts: PipelineOptions): Promise<InputPipeline> {
    const rgbDecoder = opts.rgbDecoder ?? (browserDecodeAvailable() ? 'browser' : 'wasm');
    if (rgbDecoder === 'browser' && !browserDecodeAvailable()) throw new TypeError("rgbDecoder 'browser' needs createImageBitmap and OffscreenCanvas");
    const gpu = opts.webgpu && geometry.kind === 'dct' ? await import('./webgpu.js') : undefined;
    return new InputPipeline(geometry, opts.decoder, opts.limits ?? {}, rgbDecoder, gpu, opts.exact ?? false, opts.allScans ?? false, opts.smoothing ?? true);
  }

  /** Input name → NHWC shape of one image, from the network's geometry. */
  get shapes(): Record<string, [number, number, number]> {
    return inputShapes(this.geometry);
  }

  /**
   * Bytes → decoded file (worker pool or browser decoder); no TensorFlow.js involved. A DCT
   * network also takes an image the caller decoded already (DecoderPool.decode's DctImage).
   */
  async decode(input: ImageInput | DctImage, signal?: AbortSignal): Promise<Decoded> {
    if (isDctImage(input)) {
      if (this.geometry.kind !== 'dct') throw new TypeError('the RGB network needs the file itself, not its DCT coefficients');
      return { kind: 'dct', img: this.filled(input) };
    }
    // maxBytes while reading, for every path (the browser's decoder included)
    const bytes = await inputBytes(input, signal, this.limits.maxBytes);
    if (this.geometry.kind === 'rgb') {
      const rgb =
        this.rgbDecoder === 'browser'
          ? await browserRgb(bytes, this.limits, this.geometry.size)
          : await this.decoder.decodeRgb(bytes, { ...this.limits, signal, scale: rgbScale(readJpegHeader(bytes, this.limits.maxPixels), this.geometry.size) });
      return { kind: 'rgb', data: rgb.data, width: rgb.width, height: rgb.height, orientation: rgb.orientation };
    }
    // Raw int16 coefficients: the preparation dequantizes only what it reads (on WebGPU, in
    // the kernels), and the decoder stores only the frequencies the plan will read (what is
    // copied out of WebAssembly, and on WebGPU uploaded, is that much smaller).
    const keep = this.keepFor(bytes);
    const img = await this.decoder.decode(bytes, { ...this.limits, signal, dequantize: false, keep, skipScans: !!keep && !this.allScans });
    return { kind: 'dct', img: this.filled(img), ...(lacksBits(img) && { exact: () => this.decodeEvery(bytes, keep, signal) }) };
  }

  /** Every scan of a file, the frequencies `keep` says stored (what `allScans` decodes). */
  private async decodeEvery(bytes: Uint8Array, keep: number[] | undefined, signal?: AbortSignal): Promise<Decoded> {
    return { kind: 'dct', img: this.filled(await this.decoder.decode(bytes, { ...this.limits, signal, dequantize: false, keep })) };
  }

  /** The image with the lowest AC coefficients no scan has sent estimated (see `smoothing`). */
  private filled(img: DctImage): DctImage {
    return this.smoothing ? smoothAbsent(img) : img;
  }

  /**
   * Decoded file → the network's inputs as tensors [1, h, w, c]. Synchronous, and it must
   * run with the model's backend active (the WebGPU kernels run on it).
   */
  tensors(d: Decoded): Record<string, tf.Tensor4D> {
    if (d.kind === 'dct' && this.gpuPrep && !d.img.dequantized) {
      const entry = this.planFor(d.img);
      if (entry.gpu) return { ...this.gpuPrep.prepareWebGPU(entry.gpu, d.img.components) };
    }
    const arrays = this.arrays(d);
    const shapes = this.shapes;
    return Object.fromEntries(Object.entries(arrays).map(([k, v]) => [k, tf.tensor4d(v, [1, ...shapes[k]])]));
  }

  /** Decoded file → the network's inputs as NHWC Float32Arrays (the CPU path, no tensors). */
  arrays(d: Decoded): Record<string, Float32Array> {
    if (d.kind === 'rgb') return { rgb: prepareRgb(d.data, d.width, d.height, d.orientation, this.geometry.size) };
    const { plan } = this.planFor(d.img, false);
    const c = d.img.components;
    const raw = !d.img.dequantized;
    if (plan.identity && c.every((x) => (x.kept ?? 8) === 8)) return { y: planeValues(c[0], raw), cb: planeValues(c[1], raw), cr: planeValues(c[2], raw) };
    return { ...prepareCpu(plan, c, raw) };
  }

  dispose(): void {
    for (const e of this.plans.values()) e.gpu?.dispose();
    this.plans.clear();
  }

  /**
   * Frequencies per component the plan for this file will read, from its header (the same
   * plan then serves the decoded image); undefined (keep all) when the header cannot say.
   */
  private keepFor(bytes: Uint8Array): number[] | undefined {
    if (this.exact) return undefined;
    let h;
    try {
      h = readJpegHeader(bytes, this.limits.maxPixels);
    } catch {
      return undefined; // the decoder gives the authoritative answer
    }
    const maxH = Math.max(...h.sampling.map((c) => c.h));
    const maxV = Math.max(...h.sampling.map((c) => c.v));
    const components = h.sampling.map((c) => ({
      h: c.h,
      v: c.v,
      blocksX: Math.ceil(Math.ceil((h.width * c.h) / maxH) / 8),
      blocksY: Math.ceil(Math.ceil((h.height * c.v) / maxV) / 8),
    }));
    return this.keepForGeometry({ width: h.width, height: h.height, maxH, maxV, orientation: h.orientation, components });
  }

  /** Frequencies per component the plan for an image of this geometry reads (all 8 with `exact`). */
  keepForGeometry(img: ImageGeometry): number[] | undefined {
    if (this.exact) return undefined;
    const { plan } = this.planFor(img, false);
    const keep = img.components.map(() => 8);
    for (const p of plan.planes) keep[p.component] = p.n;
    return keep;
  }

  /**
   * A file as its bytes arrive (see progressive.ts): the decoded file after each scan that
   * changes the network's input, then at its end. Steps the consumer has not taken yet are
   * replaced by newer ones (the latest wins); the final step is always delivered.
   */
  decodeProgressive(input: StreamInput, signal?: AbortSignal): AsyncGenerator<ProgressiveStep> {
    return decodeProgressive(input, signal, {
      kind: this.geometry.kind,
      openStream: () => this.decoder.openStream({ ...this.limits, dequantize: false, skipScans: !this.exact && !this.allScans }),
      keepFor: (h) => this.keepForGeometry(h),
      fill: (img) => this.filled(img),
      decodeFile: (bytes, s) => this.decode(bytes, s),
      ...(!this.exact && !this.allScans && { decodeEvery: (bytes: Uint8Array, s: AbortSignal) => this.decodeEvery(bytes, this.keepFor(bytes), s) }),
      maxBytes: this.limits.maxBytes,
      maxPixels: this.limits.maxPixels,
    });
  }

  /** The geometry plan of an image (least recently used ones dropped beyond PLAN_CACHE). */
  private planFor(img: ImageGeometry, gpu = true): { plan: PrepPlan; gpu?: GpuPrepPlan } {
    const key = `${img.width}x${img.height}/${img.orientation}/${img.maxH}${img.maxV}/${img.components.map((c) => `${c.h}${c.v}:${c.blocksX}x${c.blocksY}`).join(',')}`;
    let entry = this.plans.get(key);
    if (entry) {
      this.plans.delete(key); // most recently used last
    } else {
      if (this.geometry.kind !== 'dct') throw new TypeError('not a DCT network');
      const plan = planPrep(img, this.geometry.size, this.geometry.chromaSize, { truncate: !this.exact });
      entry = { plan };
      if (this.plans.size >= PLAN_CACHE) {
        const oldest = this.plans.keys().next().value!;
        this.plans.get(oldest)!.gpu?.dispose();
        this.plans.delete(oldest);
      }
    }
    if (gpu && this.gpuPrep && !entry.gpu) entry.gpu = new this.gpuPrep.GpuPrepPlan(entry.plan);
    this.plans.set(key, entry);
    return entry;
  }
}

/**
 * The best pixel path for the baseline: libjpeg's scaled decoding (1/2, 1/4, 1/8 — the IDCT
 * computes fewer pixels) as far as it keeps the short side ≥ the network's size; the area
 * resize then does the rest, as it would from the full-size image.
 */
export function rgbScale(header: { width: number; height: number }, size: number): 1 | 0.5 | 0.25 | 0.125 {
  const short = Math.min(header.width, header.height);
  for (const s of [0.125, 0.25, 0.5] as const) if (Math.ceil(short * s) >= size) return s;
  return 1;
}

const isDctImage = (x: unknown): x is DctImage =>
  typeof x === 'object' && x !== null && 'components' in x && 'dequantized' in x && Array.isArray((x as DctImage).components);

/** A plane's coefficients as float32, multiplied by its quantization table when they are raw. */
function planeValues(c: DctComponent, raw: boolean): Float32Array {
  const out = Float32Array.from(c.coefficients);
  if (raw) for (let i = 0; i < out.length; i++) out[i] *= c.quantTable[i & 63];
  return out;
}

/**
 * The browser's decoder, with the EXIF orientation applied by it; the header is checked
 * first so the baseline refuses what the DCT path refuses, with the same errors. Large
 * files come out of createImageBitmap already reduced (by the factor libjpeg's scaled
 * decoding would use, the short side staying ≥ the network's size), so the pixel path
 * neither copies nor resizes megapixels in JavaScript; the area resize does the rest.
 */
async function browserRgb(bytes: Uint8Array, limits: LimitOptions, size: number): Promise<{ data: Uint8Array; width: number; height: number; orientation: number }> {
  const header = readJpegHeader(bytes, limits.maxPixels);
  const scale = rgbScale(header, size);
  const swap = header.orientation >= 5;
  // resizeWidth/Height are in the oriented image's axes
  const [ow, oh] = swap ? [header.height, header.width] : [header.width, header.height];
  const resize: ImageBitmapOptions = scale < 1 ? { resizeWidth: Math.ceil(ow * scale), resizeHeight: Math.ceil(oh * scale), resizeQuality: 'medium' } : {};
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes as BlobPart], { type: 'image/jpeg' }), { imageOrientation: 'from-image', ...resize });
  } catch (e) {
    throw new CorruptJpegError(`the browser could not decode this JPEG: ${(e as Error).message}`);
  }
  const { width, height } = bitmap;
  const ctx = new OffscreenCanvas(width, height).getContext('2d')!;
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  const rgba = ctx.getImageData(0, 0, width, height).data;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    data[j] = rgba[i];
    data[j + 1] = rgba[i + 1];
    data[j + 2] = rgba[i + 2];
  }
  return { data, width, height, orientation: 1 };
}
