/**
 * Loads a model folder written by training/dctvision_train/export.py: model.json
 * (network id, width, classes, class names, input contract, tfjs weights manifest,
 * sha256 of every shard) + binary shards. Every shard is verified and every tensor
 * checked against the plan before anything runs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { prepareWeights, type WeightMap } from './graph.js';
import { isNode, resolveUrl } from '../util/env.js';
import { readBody } from '../prep/input.js';
import { JpegLimitError } from '../decode/errors.js';
import { plan, specDocument, weightShapes, type NetworkSpec, type Plan } from './plan.js';

/**
 * Why weights could not be used: `not-found` (HTTP 404/410, no such file), `not-a-model`
 * (what came back is no dctvision model.json, e.g. a dev server's index.html), `network`
 * (unreachable or cut off), `http` (another HTTP error, see `status`), `integrity` (a shard
 * fails its sha256), `mismatch` (tensors or network do not fit what was asked for).
 */
export type WeightsFailure = 'not-found' | 'not-a-model' | 'network' | 'http' | 'integrity' | 'mismatch';

export class WeightsError extends Error {
  override name = 'WeightsError';
  readonly reason: WeightsFailure;
  readonly status?: number;
  constructor(message: string, opts: { reason: WeightsFailure; status?: number; cause?: unknown }) {
    super(message, { cause: opts.cause });
    this.reason = opts.reason;
    this.status = opts.status;
  }
}

export interface InputContract {
  kind: 'dct' | 'rgb';
  /** NHWC shapes of the named inputs, e.g. y [28,28,64]. */
  shapes: Record<string, [number, number, number]>;
  /** DCT: coefficients dequantized (× quantization table), channel 8·v+u. RGB: 0-255. */
  description: string;
}

export interface ModelJson {
  format: 'dctvision-model';
  version: 1;
  network: string;
  width: number;
  classes: number;
  classNames: string[];
  /** The network's row of networks.json, so a folder describes itself. */
  spec?: NetworkSpec;
  input: InputContract;
  weightsManifest: tf.io.WeightsManifestConfig;
  /** sha256 (hex) of each shard, parallel to weightsManifest[i].paths. */
  shardSha256: string[][];
}

export interface LoadedModel {
  json: ModelJson;
  plan: Plan;
  weights: WeightMap;
}

/**
 * Fetches one model file. `maxBytes`: the most the file may hold (model.json: MAX_MODEL_JSON_BYTES;
 * a shard: what the network's tensors need); a fetcher that honours it stops reading there.
 */
export type Fetcher = (url: URL, maxBytes?: number) => Promise<ArrayBuffer>;

/** A model.json is a few kB; anything much larger is not one (or a hostile server). */
export const MAX_MODEL_JSON_BYTES = 1 << 20;

const tooLarge = (url: URL, bytes: number, max: number) =>
  new WeightsError(`${url.href} is ${bytes} bytes, more than the ${max} a file of this model can hold`, { reason: 'mismatch' });

/** fetch() for http(s), the file system for file: URLs in Node; stops reading past `maxBytes`. */
export const defaultFetcher: Fetcher = async (url, maxBytes = Infinity) => {
  if (url.protocol === 'file:' && isNode) {
    const { readFile, stat } = await import(/* @vite-ignore */ 'node:fs/promises');
    let b: Uint8Array;
    try {
      const { size } = await stat(url);
      if (size > maxBytes) throw tooLarge(url, size, maxBytes);
      b = await readFile(url);
    } catch (e) {
      if (e instanceof WeightsError) throw e;
      const missing = (e as { code?: string }).code === 'ENOENT';
      throw new WeightsError(`cannot read ${url.href}: ${(e as Error).message}`, { reason: missing ? 'not-found' : 'network', cause: e });
    }
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  }
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    // fetch() rejects with a bare TypeError ("Failed to fetch"); say what was being loaded.
    throw new WeightsError(`network error while loading ${url.href}: ${(e as Error).message}`, { reason: 'network', cause: e });
  }
  if (!res.ok) {
    void res.body?.cancel().catch(() => {});
    const status = res.status;
    throw new WeightsError(`failed to load ${url.href}: HTTP ${status}`, { reason: status === 404 || status === 410 ? 'not-found' : 'http', status });
  }
  let body: Uint8Array;
  try {
    body = await readBody(res, url.href, undefined, maxBytes);
  } catch (e) {
    if (e instanceof JpegLimitError) throw new WeightsError(`${url.href} is larger than the ${maxBytes} bytes a file of this model can hold`, { reason: 'mismatch' });
    throw new WeightsError(`network error while loading ${url.href}: ${(e as Error).message}`, { reason: 'network', cause: e });
  }
  return body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
};

/** The fields loadWeights relies on, checked before any of them is used. */
function checkModelJson(json: unknown, href: string): asserts json is ModelJson {
  const j = json as Partial<ModelJson> | null;
  if (typeof j !== 'object' || j === null || j.format !== 'dctvision-model') {
    throw new WeightsError(`${href} is not a dctvision model.json`, { reason: 'not-a-model' });
  }
  const bad = (what: string) => new WeightsError(`${href}: ${what}`, { reason: 'not-a-model' });
  if (typeof j.network !== 'string') throw bad('no network id');
  if (typeof j.width !== 'number' || !(j.width > 0)) throw bad('width must be a positive number');
  if (!Number.isInteger(j.classes) || j.classes! < 1) throw bad('classes must be a positive integer');
  if (!Array.isArray(j.classNames) || j.classNames.length !== j.classes || !j.classNames.every((n) => typeof n === 'string')) {
    throw bad(`classNames must be ${j.classes} strings`);
  }
  const groups = j.weightsManifest;
  if (!Array.isArray(groups) || !groups.every((g) => Array.isArray(g?.paths) && Array.isArray(g?.weights))) throw bad('weightsManifest is malformed');
  if (!groups.every((g) => g.paths.every((p) => typeof p === 'string') && g.weights.every((w) => typeof w?.name === 'string' && Array.isArray(w.shape)))) {
    throw bad('weightsManifest is malformed');
  }
}

/** Hex sha256, as written in model.json's shardSha256. */
export async function sha256Hex(data: ArrayBuffer): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', data);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Load and verify a model folder; `base` is the folder URL (ending in /) or the model.json URL. */
export async function loadWeights(
  base: string | URL,
  opts: {
    fetcher?: Fetcher;
    onProgress?: (fraction: number) => void;
    /** Runs the (synchronous) creation of the weight tensors, e.g. in the model's backend turn; default: at once. */
    allocate?: (make: () => WeightMap) => Promise<WeightMap>;
  } = {},
): Promise<LoadedModel> {
  // decodeWeights needs a backend: on its own, the CPU one, registered on first use (no import
  // side effects); load() passes `allocate`, which runs on the backend it chose.
  if (!opts.allocate) await import('@tensorflow/tfjs-backend-cpu');
  const fetcher = opts.fetcher ?? defaultFetcher;
  const folder = resolveUrl(base);
  const jsonUrl = folder.pathname.endsWith('.json') ? folder : new URL('model.json', folder.href.replace(/\/?$/, '/'));
  let json: unknown;
  try {
    const raw = await fetcher(jsonUrl, MAX_MODEL_JSON_BYTES);
    if (raw.byteLength > MAX_MODEL_JSON_BYTES) throw tooLarge(jsonUrl, raw.byteLength, MAX_MODEL_JSON_BYTES);
    json = JSON.parse(new TextDecoder().decode(raw));
  } catch (e) {
    if (e instanceof WeightsError) throw e;
    // e.g. a dev server or SPA host answering a missing file with its index.html
    throw new WeightsError(`${jsonUrl.href} is not a dctvision model.json (not JSON: ${(e as Error).message})`, { reason: 'not-a-model' });
  }
  checkModelJson(json, jsonUrl.href);
  const doc = json.spec ? { ...specDocument, networks: { ...specDocument.networks, [json.network]: json.spec } } : specDocument;
  let p: Plan;
  try {
    p = plan(json.network, json.width, json.classes, doc);
  } catch (e) {
    throw new WeightsError(`${jsonUrl.href} describes no network this library can build: ${(e as Error).message}`, { reason: 'mismatch', cause: e });
  }
  const expected = weightShapes(p);
  // every shard together holds at most the network's tensors in float32
  const maxShardBytes = 4 * [...expected.values()].reduce((sum, shape) => sum + shape.reduce((a, b) => a * b, 1), 0);

  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: ArrayBuffer[] = [];
  const paths = json.weightsManifest.flatMap((g, gi) => g.paths.map((path, pi) => ({ path, sha: json.shardSha256?.[gi]?.[pi] })));
  let done = 0;
  for (const group of json.weightsManifest) specs.push(...group.weights);
  const invalidate = (fetcher as { invalidate?: (url: URL) => Promise<void> }).invalidate;
  for (const { path, sha } of paths) {
    const url = new URL(path, jsonUrl);
    if (!sha) throw new WeightsError(`shard '${path}' has no sha256 in model.json`, { reason: 'integrity' });
    const fetchShard = async () => {
      const data = await fetcher(url, maxShardBytes);
      if (data.byteLength > maxShardBytes) throw tooLarge(url, data.byteLength, maxShardBytes);
      return data;
    };
    let data = await fetchShard();
    let actual = await sha256Hex(data);
    if (actual !== sha && invalidate) {
      // A stale or damaged cached copy: drop it and fetch once more.
      await invalidate(url);
      data = await fetchShard();
      actual = await sha256Hex(data);
    }
    if (actual !== sha) throw new WeightsError(`shard '${path}' of ${jsonUrl.href} fails its sha256 check (expected ${sha}, got ${actual})`, { reason: 'integrity' });
    buffers.push(data);
    opts.onProgress?.(++done / paths.length);
  }
  for (const spec of specs) {
    const shape = expected.get(spec.name);
    if (!shape) throw new WeightsError(`unexpected tensor '${spec.name}' in ${jsonUrl.href} (not part of ${json.network})`, { reason: 'mismatch' });
    if (shape.join(',') !== spec.shape.join(',')) {
      throw new WeightsError(`tensor '${spec.name}' has shape [${spec.shape}] but ${json.network} needs [${shape}]`, { reason: 'mismatch' });
    }
  }
  const names = new Set(specs.map((s) => s.name));
  for (const name of expected.keys()) if (!names.has(name)) throw new WeightsError(`missing tensor '${name}' in ${jsonUrl.href}`, { reason: 'mismatch' });

  const total = buffers.reduce((a, b) => a + b.byteLength, 0);
  const all = new Uint8Array(total);
  let offset = 0;
  for (const b of buffers) {
    all.set(new Uint8Array(b), offset);
    offset += b.byteLength;
  }
  const make = (): WeightMap => {
    let decoded: WeightMap;
    try {
      decoded = tf.io.decodeWeights(all.buffer, specs) as WeightMap;
    } catch (e) {
      throw new WeightsError(`cannot decode the weights of ${jsonUrl.href}: ${(e as Error).message}`, { reason: 'mismatch' });
    }
    return prepareWeights(p, decoded);
  };
  const weights = opts.allocate ? await opts.allocate(make) : make();
  return { json, plan: p, weights };
}
