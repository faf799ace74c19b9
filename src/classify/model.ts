/**
 * The public API, in the style of tfjs-models:
 *
 *   const model = await load('late-concat', { modelUrl });
 *   const { predictions, timings } = await model.classify(file, { topK: 5 });
 *
 * A DCT network's path never decodes pixels: the WebAssembly decoder (worker pool)
 * reads the coefficients, src/prep brings them to the network's geometry, the engine
 * runs on the chosen TensorFlow.js backend. The RGB baseline decodes to pixels and
 * resizes in pixels, so the two can be compared honestly.
 */
import * as tf from '@tensorflow/tfjs-core';
import { PrepError } from '../prep/errors.js';
import type { InferencePool, WorkerMemory } from './infer-pool.js';
import type { InputArray } from './infer-protocol.js';
import { isNode, resolveUrl } from '../util/env.js';
import { DecoderPool } from '../decode/pool.js';
import { forward } from '../engine/graph.js';
import { loadWeights, WeightsError, type LoadedModel } from '../engine/weights.js';
import { cacheAvailable, cachingFetcher } from '../engine/cache.js';
import { InputPipeline, type Decoded } from '../prep/pipeline.js';
import { chooseBackend, onBackend, type BackendChoice, type BackendName } from './backend.js';
import type { BatchClassification, BatchOptions, Classification, ClassifyInput, ClassifyOptions, LoadOptions, ModelInfo, Prediction, ProgressiveClassification, Timings } from './types.js';
import type { StreamInput } from '../prep/stream-input.js';
import { defaultModelUrl, withLookupHint } from './model-url.js';

/** classify() on a model after dispose(). */
export class ModelDisposedError extends Error {
  override name = 'ModelDisposedError';
}

export class DctVisionModel {
  private disposed = false;
  /** classifyBatch's inference workers, started on first use. */
  private pool?: Promise<InferencePool>;

  private constructor(
    readonly id: string,
    private readonly loaded: LoadedModel,
    private readonly pipeline: InputPipeline,
    private readonly decoder: DecoderPool,
    private readonly ownsDecoder: boolean,
    private readonly choice: BackendChoice,
    /** Where the weights came from (inference workers load them again). */
    private readonly url: string | URL,
    private readonly earlyStopMargin: number,
  ) {}

  /** The TensorFlow.js backend that runs this model. */
  get backend(): BackendName {
    return this.choice.name;
  }

  /** Backends tried before the one in use, and why they were not used. */
  get skippedBackends(): BackendChoice['skipped'] {
    return this.choice.skipped;
  }

  /** WASM backend: threads it computes with (1 unless the page is cross-origin isolated). */
  get threads(): number | undefined {
    return this.choice.threads;
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

  /** What the network reads (from its spec): 'dct' coefficient planes or 'rgb' pixels. */
  get inputKind(): 'dct' | 'rgb' {
    return this.loaded.plan.input.kind;
  }

  static async create(id: string, opts: LoadOptions = {}): Promise<DctVisionModel> {
    const margin = opts.earlyStopMargin ?? EARLY_STOP_MARGIN;
    if (!(margin >= 0 && margin <= 1)) throw new RangeError(`earlyStopMargin must be between 0 and 1, got ${opts.earlyStopMargin}`);
    const choice = await chooseBackend(opts.backend);
    const url = opts.modelUrl ?? (await defaultModelUrl(id));
    const loaded = await loadWeights(url, {
      onProgress: opts.onProgress,
      fetcher: opts.fetcher ?? (opts.cache && cacheAvailable() ? cachingFetcher() : undefined),
      allocate: (make) => onBackend(choice.name, make),
    }).catch((e: unknown) => {
      throw opts.modelUrl ? e : withLookupHint(e, id);
    });
    // A load that fails after the weights were uploaded must not leave them (or workers) behind.
    let model: DctVisionModel | undefined;
    const decoder = opts.decoder ?? new DecoderPool();
    try {
      if (loaded.json.network !== id) throw new WeightsError(`the model at ${url} is '${loaded.json.network}', not '${id}'`, { reason: 'mismatch' });
      const pipeline = await InputPipeline.create(loaded.plan.input, { decoder, limits: opts.limits, rgbDecoder: opts.rgbDecoder, webgpu: choice.name === 'webgpu', allScans: opts.allScans, smoothing: opts.smoothing });
      model = new DctVisionModel(id, loaded, pipeline, decoder, !opts.decoder, choice, url, margin);
      await model.warmUp();
      return model;
    } catch (e) {
      if (model) model.dispose();
      else {
        tf.dispose(Object.values(loaded.weights));
        if (!opts.decoder) decoder.terminate();
      }
      throw e;
    }
  }

  /**
   * Compile every shader before the first classify(): on WebGPU all pipelines are
   * first compiled in parallel (WEBGPU_ENGINE_COMPILE_ONLY), then one inference on
   * zeros uploads the weights.
   */
  private async warmUp(): Promise<void> {
    const shapes = this.pipeline.shapes;
    const zeros = () => tf.tidy(() => Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, tf.zeros([1, ...s]) as tf.Tensor4D])));
    await onBackend(this.backend, async () => {
      if (this.backend === 'webgpu') {
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
    });
    const logits = await onBackend(this.backend, () => {
      const inputs = zeros();
      const out = forward(this.loaded.plan, this.loaded.weights, inputs);
      tf.dispose(Object.values(inputs));
      return out;
    });
    await logits.data();
    logits.dispose();
  }

  /** Logits for one image (Float32Array, one per class). */
  async infer(input: ClassifyInput, opts: { signal?: AbortSignal } = {}): Promise<Float32Array> {
    return (await this.run(input, opts.signal)).logits;
  }

  async classify(input: ClassifyInput, opts: ClassifyOptions = {}): Promise<Classification> {
    const r = await this.run(input, opts.signal);
    return { predictions: this.top(r.logits, opts.topK ?? 5), timings: r.timings };
  }
  /**
   * Classify a file while it downloads: a verdict after each scan of a progressive JPEG that
   * changes what the network sees, then a final one (a sequential JPEG gives only the final
   * one). Takes a fetch Response, a ReadableStream, an async iterable of byte chunks, or
   * anything classify() takes:
   *
   *   for await (const v of model.classifyProgressive(await fetch(url))) show(v.predictions, v.bytes);
   *
   * Verdicts the loop has not taken yet are replaced by newer ones. A transfer that stops
   * short ends with the verdict of its last complete scan (`complete` false). `timings.decode`
   * is the wait for this verdict's data (the download included), `total` the time since the call.
   */
  async *classifyProgressive(input: StreamInput, opts: ClassifyOptions = {}): AsyncGenerator<ProgressiveClassification> {
    this.checkOpen();
    const t0 = performance.now();
    let since = t0;
    let previous: { scans: number; logits: Float32Array } | undefined;
    for await (const step of this.pipeline.decodeProgressive(input, opts.signal)) {
      const t1 = performance.now();
      let logits: Float32Array;
      let t2 = t1;
      if (step.final && previous?.scans === step.scans) logits = previous.logits; // the EOI after the last scan: nothing new
      else {
        const { inputs, errors } = await this.prepare([step.decoded]);
        if (!inputs) throw errors[0]!;
        t2 = performance.now();
        logits = await this.forwardPass(inputs);
      }
      previous = { scans: step.scans, logits };
      const exact = this.tooClose(step.decoded, logits);
      if (exact) logits = await this.logitsOf(await exact(), { decode: 0, prep: 0, infer: 0, total: 0 });
      const t3 = performance.now();
      const timings = { decode: t1 - since, prep: t2 - t1, infer: t3 - t2, total: t3 - t0 };
      since = t3;
      yield { predictions: this.top(logits, opts.topK ?? 5), timings, bytes: step.bytes, scans: step.scans, final: step.final, complete: step.complete, bands: step.bands };
    }
  }

  /**
   * Several images through one forward pass per chunk of `batchSize`: files are decoded in
   * parallel by the worker pool, prepared, stacked and inferred together. Each entry is that
   * image's result or its own error (a bad file fails alone).
   */
  async classifyBatch(inputs: ClassifyInput[], opts: BatchOptions = {}): Promise<(BatchClassification | Error)[]> {
    const size = opts.batchSize ?? 16;
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`batchSize must be a positive integer, got ${size}`);
    const chunks: ClassifyInput[][] = [];
    for (let i = 0; i < inputs.length; i += size) chunks.push(inputs.slice(i, i + size));
    const workers = await this.workerCount(opts.workers, chunks.length);
    const done: Awaited<ReturnType<DctVisionModel['runBatch']>>[] = new Array(chunks.length);
    if (workers === 1) {
      for (const [i, chunk] of chunks.entries()) done[i] = await this.runBatch(chunk, opts.signal);
    } else {
      const pool = await this.inferencePool(workers);
      // chunks in flight: enough to keep every worker busy while the next ones decode
      let next = 0;
      const lane = async () => {
        for (let i = next++; i < chunks.length; i = next++) done[i] = await this.runBatch(chunks[i], opts.signal, pool);
      };
      await Promise.all(Array.from({ length: Math.min(chunks.length, 2 * pool.size) }, lane));
    }
    return done.flat().map((r) => (r instanceof Error ? r : { predictions: this.top(r.logits, opts.topK ?? 5), timings: r.timings, batchSize: r.batchSize }));
  }

  /**
   * Starts classifyBatch's inference workers now rather than on its first long list (each
   * loads the weights and runs once, which takes a moment); resolves with how many run.
   * Default: one per core (in pages at most 4). 1 on WebGPU and WebGL, which need none.
   */
  async startWorkers(workers?: number): Promise<number> {
    const n = await this.workerCount(workers, Infinity);
    if (n > 1) await this.inferencePool(n);
    return n;
  }

  /**
   * Memory held by each inference worker of classifyBatch (empty until it has used workers):
   * tensor bytes (the weights, mostly) and the WASM heap.
   */
  async workerMemory(): Promise<WorkerMemory[]> {
    return this.pool ? (await this.pool).memory() : [];
  }

  private async workerCount(asked: number | undefined, chunks: number): Promise<number> {
    if (asked !== undefined && (!Number.isInteger(asked) || asked < 1)) throw new RangeError(`workers must be a positive integer, got ${asked}`);
    // GPU backends already compute in parallel; workers run the WASM or CPU engine on CPU cores
    // (inferencePool relies on this)
    if (this.backend !== 'wasm' && this.backend !== 'cpu') return 1;
    if (!isNode && typeof Worker === 'undefined') return 1;
    const cores = isNode ? (await import(/* @vite-ignore */ 'node:os')).availableParallelism() : Math.min(navigator.hardwareConcurrency || 1, PAGE_WORKERS);
    return Math.max(1, Math.min(asked ?? cores, chunks));
  }

  /** The inference workers, started on first use with `size` workers (more are added if asked). */
  private async inferencePool(size: number): Promise<InferencePool> {
    if (this.pool) {
      const pool = await this.pool;
      if (pool.size >= size) return pool;
      pool.terminate();
    }
    // loaded on first use: a page that never classifies a long list never downloads it
    const pool = import('./infer-pool.js').then(({ InferencePool }) => InferencePool.create(resolveUrl(this.url), size, this.backend === 'cpu' ? 'cpu' : 'wasm'));
    this.pool = pool;
    pool.catch(() => {
      if (this.pool === pool) this.pool = undefined; // a later call starts afresh
    });
    return pool;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    void this.pool?.then((p) => p.terminate(), () => {});
    tf.dispose(Object.values(this.loaded.weights));
    this.pipeline.dispose();
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

  private checkOpen(): void {
    if (this.disposed) throw new ModelDisposedError(`model '${this.id}' is disposed`);
  }

  /**
   * Decoded files → input tensors (stacked), then → logits: each step in this model's backend
   * turn, so no other model can switch the backend under it. Tensors keep their backend between turns.
   * A file that cannot be prepared gets its own error (PrepError) and leaves no tensor behind;
   * the others are stacked without it.
   */
  private prepare(decoded: Decoded[]): Promise<{ inputs?: Record<string, tf.Tensor4D>; errors: (Error | undefined)[] }> {
    return onBackend(this.backend, () => {
      this.checkOpen();
      // (the preparation checks everything before it makes a tensor: a failure leaves none behind)
      const { parts, errors } = eachPrepared(decoded, (d) => this.pipeline.tensors(d));
      if (parts.length <= 1) return { inputs: parts[0], errors };
      try {
        return { inputs: Object.fromEntries(Object.keys(parts[0]).map((name) => [name, tf.concat(parts.map((p) => p[name]))])), errors };
      } finally {
        tf.dispose(parts.flatMap((p) => Object.values(p)));
      }
    });
  }

  /** Decoded files → stacked NHWC arrays for an inference worker (the CPU preparation, no tensors). */
  private prepareArrays(decoded: Decoded[]): { inputs?: Record<string, InputArray>; errors: (Error | undefined)[] } {
    this.checkOpen();
    const { parts, errors } = eachPrepared(decoded, (d) => this.pipeline.arrays(d));
    if (!parts.length) return { errors };
    const shapes = this.pipeline.shapes;
    const inputs = Object.fromEntries(
      Object.entries(shapes).map(([name, shape]) => {
        const per = shape[0] * shape[1] * shape[2];
        const data = new Float32Array(parts.length * per);
        parts.forEach((p, i) => data.set(p[name], i * per));
        return [name, { data, shape: [parts.length, ...shape] as InputArray['shape'] }];
      }),
    );
    return { inputs, errors };
  }

  private async forwardPass(inputs: Record<string, tf.Tensor4D>): Promise<Float32Array> {
    const out = await onBackend(this.backend, () => {
      try {
        this.checkOpen();
        return forward(this.loaded.plan, this.loaded.weights, inputs);
      } finally {
        tf.dispose(Object.values(inputs));
      }
    });
    try {
      return (await out.data()) as Float32Array;
    } finally {
      out.dispose();
    }
  }

  private async run(input: ClassifyInput, signal?: AbortSignal): Promise<{ logits: Float32Array; timings: Timings }> {
    this.checkOpen();
    const t0 = performance.now();
    const timings = { decode: 0, prep: 0, infer: 0, total: 0 };
    const decoded = await this.pipeline.decode(input, signal);
    timings.decode = performance.now() - t0;
    let logits = await this.logitsOf(decoded, timings);
    const exact = this.tooClose(decoded, logits);
    if (exact) {
      const t1 = performance.now();
      const every = await exact();
      timings.decode += performance.now() - t1;
      logits = await this.logitsOf(every, timings);
    }
    timings.total = timings.decode + timings.prep + timings.infer;
    return { logits, timings };
  }

  /** One decoded file → its logits in this thread, the time taken added to `timings`. */
  private async logitsOf(decoded: Decoded, timings: Timings): Promise<Float32Array> {
    const t0 = performance.now();
    const { inputs, errors } = await this.prepare([decoded]);
    if (!inputs) throw errors[0]!;
    const t1 = performance.now();
    const logits = await this.forwardPass(inputs);
    timings.prep += t1 - t0;
    timings.infer += performance.now() - t1;
    return logits;
  }

  /**
   * The early stop's verdict is too close to call: the file was read without the scans that
   * refine its kept coefficients and its two most probable classes are nearer than
   * `earlyStopMargin`. Gives the way to the same file decoded with every scan, or undefined.
   */
  private tooClose(decoded: Decoded, logits: Float32Array): (() => Promise<Decoded>) | undefined {
    if (decoded.kind !== 'dct' || !decoded.exact) return undefined;
    const [a, b] = this.top(logits, 2);
    return b && a.probability - b.probability < this.earlyStopMargin ? decoded.exact : undefined;
  }

  /**
   * One chunk: decoded in parallel, prepared, inferred in one pass (in this thread, or by
   * `pool`); files whose early-stop verdict is too close to call, again from every scan.
   */
  private async runBatch(files: ClassifyInput[], signal?: AbortSignal, pool?: InferencePool) {
    this.checkOpen();
    const t0 = performance.now();
    const decoded = await Promise.all(files.map((i) => this.pipeline.decode(i, signal).catch((e: Error) => e)));
    const timings = { decode: performance.now() - t0, prep: 0, infer: 0, total: 0 };
    const first = await this.inferChunk(decoded, timings, pool);
    const close = decoded.flatMap((d, i) => {
      const logits = first.out[i];
      const exact = !(d instanceof Error) && !(logits instanceof Error) && this.tooClose(d, logits);
      return exact ? [{ i, exact }] : [];
    });
    if (close.length) {
      const t1 = performance.now();
      const again = await Promise.all(close.map((c) => c.exact().catch((e: Error) => e)));
      timings.decode += performance.now() - t1;
      const second = await this.inferChunk(again, timings, pool);
      close.forEach((c, k) => (first.out[c.i] = second.out[k]));
    }
    timings.total = timings.decode + timings.prep + timings.infer;
    return first.out.map((o) => (o instanceof Error ? o : { logits: o, timings, batchSize: first.size }));
  }

  /** Decoded files (or their errors) → each one's logits or its own error, the time taken added to `timings`. */
  private async inferChunk(decoded: (Decoded | Error)[], timings: Timings, pool?: InferencePool): Promise<{ out: (Float32Array | Error)[]; size: number }> {
    const t0 = performance.now();
    const read = decoded.filter((d): d is Decoded => !(d instanceof Error));
    const { inputs, errors } = pool ? this.prepareArrays(read) : await this.prepare(read);
    let k = 0;
    const failed = decoded.map((d) => (d instanceof Error ? d : (errors[k++] ?? d)));
    const size = failed.filter((d) => !(d instanceof Error)).length;
    if (!inputs) return { out: failed as Error[], size };
    const t1 = performance.now();
    timings.prep += t1 - t0;
    let all: Float32Array | Error;
    // a worker lost with this chunk fails the chunk's files, not the whole list
    if (pool) all = await pool.run(inputs as Record<string, InputArray>).catch((e: Error) => e);
    else all = await this.forwardPass(inputs as Record<string, tf.Tensor4D>);
    timings.infer += performance.now() - t1;
    const classes = all instanceof Error ? 0 : all.length / size;
    let row = 0;
    const out = failed.map((d) => (d instanceof Error ? d : all instanceof Error ? all : all.slice(row * classes, ++row * classes)));
    return { out, size };
  }
}

/** Each file prepared by `prepare`, or its own PrepError: the prepared ones in order, and per file its error or nothing. */
function eachPrepared<T>(decoded: Decoded[], prepare: (d: Decoded) => T): { parts: T[]; errors: (Error | undefined)[] } {
  const parts: T[] = [];
  const errors = decoded.map((d) => {
    try {
      parts.push(prepare(d));
      return undefined;
    } catch (e) {
      return e instanceof PrepError ? e : new PrepError(`this image could not be prepared for the network: ${(e as Error)?.message ?? e}`, { cause: e });
    }
  });
  return { parts, errors };
}

/**
 * The network `load()` gives without an id, the CLI's and the demo's default: more accurate than
 * the RGB baseline at 1.6× its speed on the WASM backend (README, "Which network").
 */
export const DEFAULT_MODEL = 'late-concat';

/**
 * Default inference workers in a page, whatever its core count: each holds its own weights and a
 * WASM heap grown by batch-16 activations (250–450 MiB: docs/BENCHMARKS.md, bulk classification),
 * which a phone's eight cores could not all afford. `workers` asks for more.
 */
const PAGE_WORKERS = 4;

/**
 * LoadOptions.earlyStopMargin's default: the early stop alone changes the top-1 only of verdicts
 * whose top two are within a few hundredths; a margin of 0.1 decodes about one photo in ten
 * again (most of them scenes of several subjects) and keeps every network's top-1 on ≥ 99% of
 * the photos, on bench:progressive's set and on a second one (docs/BENCHMARKS.md, the early stop).
 */
export const EARLY_STOP_MARGIN = 0.1;

/** Load a network by id (`late-concat`, the default; `rgb-resnet50`, `upsampling`, …, `late-concat-rfa-thinner`). */
export function load(id: string = DEFAULT_MODEL, opts: LoadOptions = {}): Promise<DctVisionModel> {
  return DctVisionModel.create(id, opts);
}
