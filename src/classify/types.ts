/** The public API's option and result types. */
import type { DecoderPool } from '../decode/pool.js';
import type { DctImage, LimitOptions } from '../decode/types.js';
import type { Fetcher } from '../engine/weights.js';
import type { ImageInput } from '../prep/input.js';
import type { BackendName } from './backend.js';

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
  /**
   * DCT networks: decode every scan of progressive files. By default a file's scans that
   * cannot change the network's input are stepped over (a 12 MP progressive photo bound for
   * 224 px decodes about 4× faster; docs/BENCHMARKS.md, progressive).
   */
  allScans?: boolean;
  /**
   * DCT networks, progressive files read with the early stop above: the scans that refine the
   * kept coefficients' lowest bits are stepped over too, which can tip a near tie. When the two
   * most probable classes are closer than this, the file is decoded again with every scan and
   * that verdict is returned. Default 0.1 (docs/BENCHMARKS.md, progressive JPEGs); 0 never does.
   */
  earlyStopMargin?: number;
  /**
   * DCT networks, files that lack bands (a progressive file cut short, a step of
   * `classifyProgressive`): each block's five lowest AC coefficients that no scan has sent are
   * estimated from the DC values around it, as libjpeg does to paint such files — networks
   * trained on whole files read that far better than zeros. Default true.
   */
  smoothing?: boolean;
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
  /**
   * Inference workers the chunks are spread over (WASM and CPU backends): worker threads in
   * Node, Web Workers in pages, each with its own single-threaded WASM engine and a copy of the
   * weights, so a long list uses every core — in pages without cross-origin isolation too.
   * Default: the core count (in pages at most 4), at most one per chunk; 1 runs in this thread.
   * The answers are the same whatever the number.
   */
  workers?: number;
}

/** One image of a batch; `timings` are those of the whole chunk it ran in. */
export interface BatchClassification extends Classification {
  batchSize: number;
}

/** A file (any ImageInput), or for a DCT network its coefficients decoded already (DecoderPool.decode). */
export type ClassifyInput = ImageInput | DctImage;


/** One verdict of classifyProgressive(). */
export interface ProgressiveClassification extends Classification {
  /** Bytes of the file received when the data behind this verdict was complete. */
  bytes: number;
  /** Scans read (for a progressive file; skipped ones included). */
  scans: number;
  /** No verdict follows. */
  final: boolean;
  /** The whole file through its end was read (the final verdict of a full transfer). */
  complete: boolean;
  /**
   * DCT networks: what the coefficients held, per component (Y, Cb, Cr): 64 entries in zig-zag
   * order, the low bits still missing from each frequency (0: exact) or −1 for a frequency no
   * scan has brought yet.
   */
  bands?: Int8Array[];
}
