/**
 * The public API, in the style of tfjs-models:
 *
 *   const model = await load('late-concat-rfa', { modelUrl });
 *   const { predictions, timings } = await model.classify(file, { topK: 5 });
 *
 * A DCT network's path never decodes pixels: the WebAssembly decoder (worker pool)
 * reads the coefficients, src/prep brings them to the network's geometry, the engine
 * runs on the chosen TensorFlow.js backend. The RGB baseline decodes to pixels and
 * resizes in pixels, so the two can be compared honestly.
 */
import * as tf from '@tensorflow/tfjs-core';
import { DecoderPool } from '../decode/pool.js';
import { CorruptJpegError } from '../decode/errors.js';
import { readJpegHeader } from '../decode/header.js';
import type { DctImage, LimitOptions } from '../decode/types.js';
import { forward } from '../engine/graph.js';
import { loadWeights, WeightsError, type Fetcher, type LoadedModel } from '../engine/weights.js';
import { cacheAvailable, cachingFetcher } from '../engine/cache.js';
import { planPrep, type PrepPlan } from '../prep/geometry.js';
import type { GpuPrepPlan } from '../prep/webgpu.js';
import { prepareRgb } from '../prep/pixels.js';
import { prepareReference } from '../prep/reference.js';
import { chooseBackend, type BackendChoice, type BackendName } from './backend.js';
import { inputBytes, type ImageInput } from './input.js';
import { assetBase } from '../util/assets.js';
import { resolveUrl } from '../util/env.js';

export interface LoadOptions {
  /** Folder (or model.json URL) of the exported model. Default: `models/<id>/` relative to the page (or the working directory in Node). */
  modelUrl?: string | URL;
  /** A backend or an ordered list to try; default WebGPU → WebGL → WASM → CPU. */
  backend?: BackendName | BackendName[];
  /** Weight download progress, 0–1. */
  onProgress?: (fraction: number) => void;
  /** Share a decoder pool between models (default: one per model). */
  decoder?: DecoderPool;
  /** Decoder limits applied to every classified file. */
  limits?: LimitOptions;
  /**
   * RGB baseline only: decode pixels with the browser's own decoder (createImageBitmap,
   * the default in pages) or with libjpeg in WebAssembly (the default in Node).
   */
  rgbDecoder?: 'browser' | 'wasm';
  /**
   * How model files are fetched (default: fetch(), or the file system for file: URLs in
   * Node). Every shard is still checked against its sha256, whatever serves it.
   */
  fetcher?: Fetcher;
  /**
   * Keep model files in the Cache API (browsers): no second download, works offline after
   * the first visit; a cached shard failing its sha256 is dropped and fetched again.
   */
  cache?: boolean;
}

export interface ModelInfo {
  network: string;
  width: number;
  classes: number;
  params: number;
  macs: number;
  /** Bytes of weight data downloaded (shards as stored, e.g. float16). */
  weightBytes: number;
}

export interface Prediction {
  className: string;
  probability: number;
}

export interface Timings {
  decode: number;
  prep: number;
  infer: number;
  total: number;
}

export interface Classification {
  predictions: Prediction[];
  timings: Timings;
}

export interface ClassifyOptions {
  topK?: number;
  signal?: AbortSignal;
}

export interface BatchOptions extends ClassifyOptions {
  /** Images per forward pass (default 16); longer lists run in chunks of this size. */
  batchSize?: number;
}

/** One image of a batch; `timings` are those of the whole chunk it ran in. */
export interface BatchClassification extends Classification {
  batchSize: number;
}

type Decoded = { kind: 'dct'; img: DctImage } | { kind: 'rgb'; data: Uint8Array; width: number; height: number; orientation: number };

/** `models/<id>/` relative to the page (Node: the working directory; script tag: the script). */
const defaultModelUrl = (id: string): URL => {
  const base = assetBase();
  return base ? new URL(`models/${id}/`, base) : resolveUrl(`models/${id}/`);
};

export class DctVisionModel {
  private readonly plans = new Map<string, { plan: PrepPlan; gpu?: GpuPrepPlan }>();
  private gpuPrep?: typeof import('../prep/webgpu.js');
  private disposed = false;

  private constructor(
    readonly id: string,
    private readonly loaded: LoadedModel,
    private readonly decoder: DecoderPool,
    private readonly ownsDecoder: boolean,
    private readonly choice: BackendChoice,
    private readonly limits: LimitOptions,
    private readonly rgbDecoder: 'browser' | 'wasm',
  ) {}

  /** The TensorFlow.js backend that runs this model. */
  get backend(): BackendName {
    return this.choice.name;
  }

  /** Backends tried before the one in use, and why they were not used. */
  get skippedBackends(): BackendChoice['skipped'] {
    return this.choice.skipped;
  }

  /** Size and cost of the loaded network. */
  get info(): ModelInfo {
    const j = this.loaded.json;
    const bytesPer: Record<string, number> = { float16: 2, uint8: 1, uint16: 2 };
    const weightBytes = j.weightsManifest.flatMap((g) => g.weights).reduce((a, w) => {
      const n = w.shape.reduce((x, y) => x * y, 1);
      return a + n * (bytesPer[w.quantization?.dtype ?? ''] ?? 4);
    }, 0);
    return { network: j.network, width: j.width, classes: j.classes, params: this.loaded.plan.params, macs: this.loaded.plan.macs, weightBytes };
  }

  get classNames(): string[] {
    return this.loaded.json.classNames;
  }

  /** 'dct' for the seven DCT networks, 'rgb' for the baseline. */
  get inputKind(): 'dct' | 'rgb' {
    return this.loaded.json.input.kind;
  }

  static async create(id: string, opts: LoadOptions = {}): Promise<DctVisionModel> {
    const choice = await chooseBackend(opts.backend);
    const loaded = await loadWeights(opts.modelUrl ?? defaultModelUrl(id), { onProgress: opts.onProgress, fetcher: opts.fetcher ?? (opts.cache && cacheAvailable() ? cachingFetcher() : undefined) });
    // A load that fails after the weights were uploaded must not leave them (or workers) behind.
    let model: DctVisionModel | undefined;
    try {
      if (loaded.json.network !== id) throw new WeightsError(`the model at ${opts.modelUrl ?? defaultModelUrl(id)} is '${loaded.json.network}', not '${id}'`);
      const browserDecode = typeof createImageBitmap === 'function' && typeof OffscreenCanvas === 'function';
      const rgbDecoder = opts.rgbDecoder ?? (browserDecode ? 'browser' : 'wasm');
      if (rgbDecoder === 'browser' && !browserDecode) throw new Error("rgbDecoder 'browser' needs createImageBitmap and OffscreenCanvas");
      const decoder = opts.decoder ?? new DecoderPool();
      model = new DctVisionModel(id, loaded, decoder, !opts.decoder, choice, opts.limits ?? {}, rgbDecoder);
      await model.warmUp();
      return model;
    } catch (e) {
      if (model) model.dispose();
      else tf.dispose(Object.values(loaded.weights));
      throw e;
    }
  }

  /**
   * Compile every shader before the first classify(): on WebGPU all pipelines are
   * first compiled in parallel (WEBGPU_ENGINE_COMPILE_ONLY), then one inference on
   * zeros uploads the weights.
   */
  private async warmUp(): Promise<void> {
    const zeros = () =>
      tf.tidy(() => Object.fromEntries(Object.entries(this.loaded.plan.inputs).map(([k, [h, w, c]]) => [k, tf.zeros([1, h, w, c]) as tf.Tensor4D])));
    if (this.backend === 'webgpu') {
      this.gpuPrep = await import('../prep/webgpu.js');
      const backend = tf.backend() as unknown as { checkCompileCompletionAsync(): Promise<void> };
      tf.env().set('WEBGPU_ENGINE_COMPILE_ONLY', true);
      try {
        const inputs = zeros();
        const logits = forward(this.loaded.plan, this.loaded.weights, inputs);
        tf.dispose([logits, ...Object.values(inputs)]);
        await backend.checkCompileCompletionAsync();
      } finally {
        tf.env().set('WEBGPU_ENGINE_COMPILE_ONLY', false);
      }
    }
    const inputs = zeros();
    const logits = forward(this.loaded.plan, this.loaded.weights, inputs);
    await logits.data();
    tf.dispose([logits, ...Object.values(inputs)]);
  }

  /** Logits for one image (Float32Array, one per class). */
  async infer(input: ImageInput, opts: { signal?: AbortSignal } = {}): Promise<Float32Array> {
    return (await this.run(input, opts.signal)).logits;
  }

  async classify(input: ImageInput, opts: ClassifyOptions = {}): Promise<Classification> {
    const r = await this.run(input, opts.signal);
    return { predictions: this.top(r.logits, opts.topK ?? 5), timings: r.timings };
  }

  /**
   * Several images through one forward pass per chunk of `batchSize`: files are decoded in
   * parallel by the worker pool, prepared, stacked and inferred together. Each entry is that
   * image's result or its own error (a bad file fails alone).
   */
  async classifyBatch(inputs: ImageInput[], opts: BatchOptions = {}): Promise<(BatchClassification | Error)[]> {
    const size = opts.batchSize ?? 16;
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`batchSize must be a positive integer, got ${size}`);
    const out: (BatchClassification | Error)[] = [];
    for (let i = 0; i < inputs.length; i += size) {
      const chunk = await this.runBatch(inputs.slice(i, i + size), opts.signal);
      for (const r of chunk) {
        out.push(r instanceof Error ? r : { predictions: this.top(r.logits, opts.topK ?? 5), timings: r.timings, batchSize: r.batchSize });
      }
    }
    return out;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    tf.dispose(Object.values(this.loaded.weights));
    for (const e of this.plans.values()) e.gpu?.dispose();
    this.plans.clear();
    if (this.ownsDecoder) this.decoder.terminate();
  }

  private top(logits: Float32Array, k: number): Prediction[] {
    const max = Math.max(...logits);
    const exp = Array.from(logits, (v) => Math.exp(v - max));
    const sum = exp.reduce((a, b) => a + b, 0);
    return exp
      .map((e, i) => ({ className: this.classNames[i], probability: e / sum }))
      .sort((a, b) => b.probability - a.probability)
      .slice(0, Math.max(1, Math.min(k, logits.length)));
  }

  private async enter(): Promise<void> {
    if (this.disposed) throw new Error('model is disposed');
    // tfjs has one active backend per page: models loaded on different ones take turns.
    if (tf.getBackend() !== this.backend) await tf.setBackend(this.backend);
  }

  private async run(input: ImageInput, signal?: AbortSignal): Promise<{ logits: Float32Array; timings: Timings }> {
    await this.enter();
    const t0 = performance.now();
    const decoded = await this.decodeInput(input, signal);
    const t1 = performance.now();
    const inputs = this.prepInputs(decoded);
    const t2 = performance.now();
    const out = forward(this.loaded.plan, this.loaded.weights, inputs);
    const logits = (await out.data()) as Float32Array;
    tf.dispose([out, ...Object.values(inputs)]);
    const t3 = performance.now();
    return { logits, timings: { decode: t1 - t0, prep: t2 - t1, infer: t3 - t2, total: t3 - t0 } };
  }

  private async runBatch(inputs: ImageInput[], signal?: AbortSignal) {
    await this.enter();
    const t0 = performance.now();
    const decoded = await Promise.all(inputs.map((i) => this.decodeInput(i, signal).catch((e: Error) => e)));
    const t1 = performance.now();
    const good = decoded.filter((d): d is Decoded => !(d instanceof Error));
    if (!good.length) return decoded as Error[];
    const parts = good.map((d) => this.prepInputs(d));
    const stacked: Record<string, tf.Tensor4D> = {};
    for (const name of Object.keys(parts[0])) stacked[name] = parts.length === 1 ? parts[0][name] : tf.concat(parts.map((p) => p[name]));
    if (parts.length > 1) tf.dispose(parts.flatMap((p) => Object.values(p)));
    const t2 = performance.now();
    const out = forward(this.loaded.plan, this.loaded.weights, stacked);
    const all = (await out.data()) as Float32Array;
    tf.dispose([out, ...Object.values(stacked)]);
    const t3 = performance.now();
    const timings = { decode: t1 - t0, prep: t2 - t1, infer: t3 - t2, total: t3 - t0 };
    const classes = all.length / good.length;
    let row = 0;
    return decoded.map((d) =>
      d instanceof Error ? d : { logits: all.slice(row * classes, ++row * classes), timings, batchSize: good.length },
    );
  }

  private async decodeInput(input: ImageInput, signal?: AbortSignal): Promise<Decoded> {
    const bytes = await inputBytes(input, signal);
    if (this.inputKind === 'rgb') {
      const rgb = this.rgbDecoder === 'browser' ? await browserRgb(bytes, this.limits) : await this.decoder.decodeRgb(bytes, { ...this.limits, signal, scale: 1 });
      return { kind: 'rgb', data: rgb.data, width: rgb.width, height: rgb.height, orientation: rgb.orientation };
    }
    // On WebGPU the kernels dequantize the raw int16 coefficients themselves.
    return { kind: 'dct', img: await this.decoder.decode(bytes, { ...this.limits, signal, dequantize: !this.gpuPrep }) };
  }

  private prepInputs(d: Decoded): Record<string, tf.Tensor4D> {
    if (d.kind === 'dct') return this.dctInputs(d.img);
    return { rgb: tf.tensor4d(prepareRgb(d.data, d.width, d.height, d.orientation), [1, 224, 224, 3]) };
  }

  private dctInputs(img: DctImage): Record<string, tf.Tensor4D> {
    const key = `${img.width}x${img.height}/${img.orientation}/${img.maxH}${img.maxV}/${img.components.map((c) => `${c.h}${c.v}`).join('')}`;
    let entry = this.plans.get(key);
    if (!entry) {
      const plan = planPrep(img);
      entry = { plan, gpu: this.gpuPrep ? new this.gpuPrep.GpuPrepPlan(plan) : undefined };
      if (this.plans.size >= 16) {
        const oldest = this.plans.keys().next().value!;
        this.plans.get(oldest)!.gpu?.dispose();
        this.plans.delete(oldest);
      }
      this.plans.set(key, entry);
    } else {
      this.plans.delete(key); // most recently used last
      this.plans.set(key, entry);
    }
    if (entry.gpu && this.gpuPrep) return { ...this.gpuPrep.prepareWebGPU(entry.gpu, img.components) };
    const plan = entry.plan;
    const planes = plan.identity
      ? { y: Float32Array.from(img.components[0].coefficients), cb: Float32Array.from(img.components[1].coefficients), cr: Float32Array.from(img.components[2].coefficients) }
      : prepareReference(plan, img.components);
    return {
      y: tf.tensor4d(planes.y, [1, 28, 28, 64]),
      cb: tf.tensor4d(planes.cb, [1, 14, 14, 64]),
      cr: tf.tensor4d(planes.cr, [1, 14, 14, 64]),
    };
  }
}

/**
 * The browser's decoder, with the EXIF orientation applied by it; the header is
 * checked first so the baseline refuses what the DCT path refuses, with the same errors.
 */
async function browserRgb(bytes: Uint8Array, limits: LimitOptions): Promise<{ data: Uint8Array; width: number; height: number; orientation: number }> {
  readJpegHeader(bytes, limits.maxPixels);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes as BlobPart], { type: 'image/jpeg' }), { imageOrientation: 'from-image' });
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

/** Load a network by id (`rgb-resnet50`, `upsampling`, …, `late-concat-rfa-thinner`). */
export function load(id: string, opts: LoadOptions = {}): Promise<DctVisionModel> {
  return DctVisionModel.create(id, opts);
}
