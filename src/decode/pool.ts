/**
 * A pool of decoder workers (module workers in browsers, worker_threads in Node).
 * The WebAssembly is compiled once and shared with every worker; results come
 * back as transferred buffers. A request that fails, is aborted or loses its
 * worker rejects alone: the pool replaces a lost worker and carries on. Every request
 * settles: when replacement workers keep failing to start, the pool declares itself
 * broken and rejects what waits (DecoderWorkerError) instead of waiting forever.
 */
import { DecoderLoadError, DecoderWorkerError, deserializeError, type SerializedError } from './errors.js';
import type { PostedEvent, WorkerRequest, WorkerResponse, WorkerStats } from './protocol.js';
import type { DecodeEvent } from './wasm.js';
import type { DctImage, DecodeOptions, LimitOptions, RgbDecodeOptions, RgbImage } from './types.js';
import { checkSize, compileDecoderWasm } from './wasm.js';
import { assetBase } from '../util/assets.js';
import { isNode } from '../util/env.js';
import { workerScriptUrl } from '../util/worker-url.js';
import { nodeWorkerHandle, webWorkerHandle, type WorkerEvents, type WorkerHandle as Handle } from '../util/worker-handle.js';
import { Changes } from '../util/changes.js';

export interface DecoderPoolOptions {
  /** Number of workers; default hardware concurrency − 1, at least 1. */
  size?: number;
  /** URL of dctjpeg.wasm, when it is not served next to the library. */
  wasmUrl?: URL | string;
  /** An already compiled decoder module (skips fetching and compiling). */
  wasmModule?: WebAssembly.Module;
  /** URL of the decoder worker script, when it is not served next to the library. */
  workerUrl?: URL | string;
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** Transfer the caller's input buffer to the worker instead of copying it (it becomes detached). */
  transferInput?: boolean;
}

export type JpegInput = Uint8Array | ArrayBuffer;

type WorkerHandle = Handle<WorkerRequest>;

interface Slot {
  handle: WorkerHandle;
  ready: Promise<void>;
  isReady: boolean;
  /** Requests posted to this worker, in the order it runs them. */
  jobs: Job[];
  dead: boolean;
}

interface Job {
  id: number;
  request: WorkerRequest;
  transfer: Transferable[];
  resolve(v: unknown): void;
  reject(e: unknown): void;
  signal?: AbortSignal;
  onAbort?: () => void;
  /** Set for requests that must run on one particular worker (stats). */
  slot?: Slot;
}

/** Requests in flight per worker: enough to hide the message round trip. */
const PIPELINE_DEPTH = 4;

/** Worker start failures in a row (no worker became ready in between) after which the pool gives up. */
const MAX_START_FAILURES = 3;


async function defaultPoolSize(): Promise<number> {
  let n = 2;
  if (typeof navigator !== 'undefined' && navigator.hardwareConcurrency) n = navigator.hardwareConcurrency;
  else if (isNode) n = (await import(/* @vite-ignore */ 'node:os')).availableParallelism();
  return Math.max(1, n - 1);
}

async function spawn(events: WorkerEvents<WorkerResponse>, workerUrl?: URL | string): Promise<WorkerHandle> {
  if (!isNode) {
    const base = assetBase();
    // Written out literally so bundlers (Vite) find and emit the worker.
    const w = workerUrl
      ? new Worker(workerUrl, { type: 'module', name: 'dctvision-decoder' })
      : base
        ? new Worker(new URL('dctvision-worker.js', base), { type: 'module', name: 'dctvision-decoder' })
        : new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'dctvision-decoder' });
    return webWorkerHandle(w, events);
  }
  const { Worker: NodeWorker } = await import(/* @vite-ignore */ 'node:worker_threads');
  // Referenced while it starts up and while it has a job (see busy()), so an
  // idle pool never keeps a Node process alive.
  return nodeWorkerHandle(new NodeWorker(workerUrl ? new URL(workerUrl) : await nodeWorkerUrl()), events);
}

const nodeWorkerUrl = () => workerScriptUrl(import.meta.url, 'worker.js', '../../dist/lib/decode/worker.js');

export class DecoderPool {
  private slots: Slot[] = [];
  private queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  /** Set when workers keep failing to start: every request then rejects with it. */
  private broken?: DecoderWorkerError;
  private startFailures = 0;
  /** Replacement workers being created. */
  private pending = 0;
  private readonly module: Promise<WebAssembly.Module>;
  /** Settles once the first workers are created (never rejects: a failure breaks the pool instead). */
  private readonly started: Promise<void>;
  private readonly changes = new Changes();

  constructor(private readonly options: DecoderPoolOptions = {}) {
    this.module = options.wasmModule ? Promise.resolve(options.wasmModule) : compileDecoderWasm(options.wasmUrl);
    this.module.catch(() => {});
    this.started = this.start();
  }

  /**
   * Resolves when every worker has loaded the decoder (requests may be made before); rejects
   * with the pool's error if it cannot start (DecoderLoadError, FetchError, DecoderWorkerError).
   */
  async ready(): Promise<void> {
    await this.started;
    await this.changes.until(() => {
      if (this.closed) return this.broken ?? new DecoderWorkerError('decoder pool terminated');
      const live = this.slots.filter((s) => !s.dead);
      return live.length > 0 && live.every((s) => s.isReady);
    });
  }


  get size(): number {
    return this.slots.length;
  }

  decode(input: JpegInput, options: DecodeOptions & RequestOptions = {}): Promise<DctImage> {
    return this.request<DctImage, DecodeOptions>(input, options, (id, bytes, opts) => ({ type: 'dct', id, bytes, options: opts }));
  }

  decodeRgb(input: JpegInput, options: RgbDecodeOptions & RequestOptions = {}): Promise<RgbImage> {
    return this.request<RgbImage, RgbDecodeOptions>(input, options, (id, bytes, opts) => ({ type: 'rgb', id, bytes, options: opts }));
  }

  /** Size check on this thread (a refusal costs no worker round trip), then one queued request. */
  private request<T, O extends LimitOptions>(
    input: JpegInput,
    options: O & RequestOptions,
    make: (id: number, bytes: Uint8Array, opts: O) => WorkerRequest,
  ): Promise<T> {
    const { signal, transferInput, ...rest } = options;
    const opts = rest as unknown as O;
    const bytes = toBytes(input);
    try {
      checkSize(bytes, opts);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.submit<T>((id) => make(id, bytes, opts), transferInput ? [bytes.buffer] : [], signal);
  }

  /**
   * A decoder for one file fed as its bytes arrive, on one worker (see WasmDecodeStream):
   * push() chunks, get each completed scan's image. It pauses after the 'header' event
   * until resume(keep) says which frequencies to keep. close() it when done.
   */
  async openStream(options: DecodeOptions = {}): Promise<PoolDecodeStream> {
    await this.started;
    await this.changes.until(() => (this.closed ? (this.broken ?? new DecoderWorkerError('decoder pool terminated')) : this.slots.some((s) => !s.dead && s.isReady)));
    let slot!: Slot;
    for (const s of this.slots) if (!s.dead && s.isReady && (!slot || s.jobs.length < slot.jobs.length)) slot = s;
    const sid = this.nextId++;
    const call = <T>(make: (id: number) => WorkerRequest, transfer: Transferable[] = []) => this.submit<T>(make, transfer, undefined, slot);
    await call((id) => ({ type: 'stream-open', id, sid, options }));
    return new PoolDecodeStream(sid, call);
  }

  /** Per-worker heap figures, gathered by queueing one request per worker. */
  async stats(): Promise<WorkerStats[]> {
    await this.started;
    return Promise.all(
      this.slots.map((slot) => this.submit<WorkerStats>((id) => ({ type: 'stats', id }), [], undefined, slot)),
    );
  }

  /** True once the pool has given up on starting workers (see DecoderWorkerError). */
  get isBroken(): boolean {
    return !!this.broken;
  }

  /** Stop every worker; pending and queued requests reject. */
  terminate(): void {
    this.shutdown(new DecoderWorkerError('decoder pool terminated'));
  }

  private shutdown(err: Error): void {
    this.closed = true;
    this.changes.notify();
    for (const job of this.queue.splice(0)) this.settle(job, err, false);
    for (const slot of this.slots) {
      slot.dead = true;
      for (const job of slot.jobs.splice(0)) this.settle(job, err, false);
      slot.handle.terminate();
    }
  }

  /**
   * Creates the workers. A worker that fails to start is replaced like any lost worker (a
   * replacement takes its place, and the queue goes to whichever workers are ready); only a
   * decoder that cannot be loaded at all breaks the pool, rejecting every request with its error.
   */
  private async start(): Promise<void> {
    const size = this.options.size ?? (await defaultPoolSize());
    if (!Number.isInteger(size) || size < 1) {
      this.breakWith(new RangeError(`pool size must be a positive integer, got ${size}`));
      return;
    }
    try {
      await this.module;
    } catch (e) {
      this.breakWith(e instanceof Error ? e : new DecoderLoadError(String(e)));
      return;
    }
    const made = await Promise.allSettled(Array.from({ length: size }, () => this.createSlot()));
    for (const m of made) {
      if (m.status === 'rejected') {
        this.startFailures++;
        this.respawn(undefined, m.reason as Error);
      } else if (this.closed) m.value.handle.terminate();
      else if (!m.value.dead) this.slots.push(m.value); // an early init failure was replaced already
    }
    this.pump();
  }

  private breakWith(error: Error): void {
    this.broken = error;
    this.shutdown(error);
  }

  private async createSlot(): Promise<Slot> {
    const module = await this.module;
    let readyResolve!: () => void;
    let readyReject!: (e: unknown) => void;
    const slot: Slot = {
      handle: undefined as unknown as WorkerHandle,
      ready: new Promise<void>((res, rej) => ((readyResolve = res), (readyReject = rej))),
      isReady: false,
      jobs: [],
      dead: false,
    };
    slot.ready.catch(() => {});
    slot.handle = await spawn({
      message: (m) => {
        if (m.type === 'ready') {
          slot.isReady = true;
          this.startFailures = 0;
          slot.handle.busy(false);
          readyResolve();
          this.pump();
          this.changes.notify();
        } else if (m.type === 'init-error') {
          const e = deserializeError(m.error);
          readyReject(e);
          this.replace(slot, new DecoderWorkerError(`decoder worker failed to start: ${e.message}`));
        } else {
          const i = slot.jobs.findIndex((j) => j.id === m.id);
          if (i < 0) return; // aborted meanwhile: its result is dropped
          const [job] = slot.jobs.splice(i, 1);
          if (slot.jobs.length === 0) slot.handle.busy(false);
          if (m.ok) this.settle(job, m.value, true);
          else this.settle(job, deserializeError(m.error as SerializedError), false);
          this.pump();
        }
      },
      failure: (reason) => {
        readyReject(new DecoderWorkerError(`decoder worker failed to start: ${reason}`));
        this.replace(slot, new DecoderWorkerError(`decoder worker failed: ${reason}`));
      },
    }, this.options.workerUrl);
    slot.handle.post({ type: 'init', module });
    return slot;
  }

  /**
   * A worker died or was cut off: the request it was running fails; requests
   * that were only waiting in it go back to the queue (unless their input was
   * transferred to it); a new worker takes its place.
   */
  private replace(slot: Slot, error: Error): void {
    if (slot.dead) return;
    slot.dead = true;
    slot.handle.terminate();
    const [running, ...waiting] = slot.jobs.splice(0);
    if (running) this.settle(running, error, false);
    for (const job of waiting.reverse()) {
      if (job.transfer.length || job.slot) this.settle(job, error, false);
      else this.queue.unshift(job);
    }
    for (const job of this.queue.filter((j) => j.slot === slot)) {
      this.queue.splice(this.queue.indexOf(job), 1);
      this.settle(job, error, false);
    }
    if (this.closed) return;
    if (!slot.isReady) this.startFailures++;
    this.respawn(slot, error);
  }

  /** A new worker in the dead one's place, unless workers keep failing to start. */
  private respawn(dead: Slot | undefined, error: Error): void {
    if (dead) {
      const i = this.slots.indexOf(dead);
      if (i >= 0) this.slots.splice(i, 1);
    }
    this.pending++;
    if (this.startFailures >= MAX_START_FAILURES) {
      this.pending--;
      // Workers that still run carry on without this one; with none left (and none starting), nothing would ever run.
      if (!this.slots.some((s) => !s.dead) && this.pending === 0) {
        this.breakWith(new DecoderWorkerError(`decoder pool is broken: ${this.startFailures} workers in a row failed to start (${error.message})`));
      }
      this.changes.notify();
      return;
    }
    this.createSlot().then(
      (fresh) => {
        this.pending--;
        if (this.closed) return fresh.handle.terminate();
        if (!fresh.dead) this.slots.push(fresh);
        this.changes.notify();
      },
      (e: Error) => {
        // spawn itself failed (no worker script, no Worker support): count it like a failed start.
        this.pending--;
        if (this.closed) return;
        this.startFailures++;
        this.respawn(undefined, e);
      },
    );
  }

  private submit<T>(make: (id: number) => WorkerRequest, transfer: Transferable[], signal?: AbortSignal, pinned?: Slot): Promise<T> {
    if (this.closed) return Promise.reject(this.broken ?? new DecoderWorkerError('decoder pool terminated'));
    if (signal?.aborted) return Promise.reject(signal.reason);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const job: Job = { id, request: make(id), transfer, resolve: resolve as (v: unknown) => void, reject, signal, slot: pinned };
      if (signal) {
        job.onAbort = () => this.abort(job);
        signal.addEventListener('abort', job.onAbort, { once: true });
      }
      this.queue.push(job);
      void this.started.then(() => this.pump());
    });
  }

  private abort(job: Job): void {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      this.settle(job, job.signal?.reason, false);
      return;
    }
    const slot = this.slots.find((s) => s.jobs.includes(job));
    if (!slot) return;
    const i = slot.jobs.indexOf(job);
    slot.jobs.splice(i, 1);
    this.settle(job, job.signal?.reason, false);
    // The worker may be running it: WASM cannot be interrupted, so the worker is
    // replaced. A request still waiting behind another one just has its result dropped.
    if (i === 0) this.replace(slot, new DecoderWorkerError('aborted'));
  }

  private settle(job: Job, value: unknown, ok: boolean): void {
    if (job.onAbort) job.signal?.removeEventListener('abort', job.onAbort);
    if (ok) job.resolve(value);
    else job.reject(value);
  }

  /** Hand queued requests to the least busy ready workers. */
  private pump(): void {
    for (let i = 0; i < this.queue.length; i++) {
      const job = this.queue[i];
      const candidates = job.slot ? [job.slot] : this.slots;
      let slot: Slot | undefined;
      for (const s of candidates) {
        if (s.dead || !s.isReady || s.jobs.length >= PIPELINE_DEPTH) continue;
        if (!slot || s.jobs.length < slot.jobs.length) slot = s;
      }
      if (!slot) continue;
      this.queue.splice(i--, 1);
      if (slot.jobs.length === 0) slot.handle.busy(true);
      slot.jobs.push(job);
      slot.handle.post(job.request, job.transfer);
    }
  }
}

/** DecoderPool.openStream's stream: every call runs on the worker that holds the decoder. */
export class PoolDecodeStream {
  private closed = false;

  constructor(
    private readonly sid: number,
    private readonly call: <T>(make: (id: number) => WorkerRequest, transfer?: Transferable[]) => Promise<T>,
  ) {}

  /** Chunks in order, the last with `end`; `transfer` hands the chunk's buffer over (it becomes detached). */
  async push(bytes: Uint8Array, end = false, transfer = false): Promise<DecodeEvent[]> {
    const sid = this.sid;
    return received(await this.call<PostedEvent[]>((id) => ({ type: 'stream-push', id, sid, bytes, end }), transfer ? [bytes.buffer as ArrayBuffer] : []));
  }

  async resume(keep: number[] | undefined): Promise<DecodeEvent[]> {
    const sid = this.sid;
    return received(await this.call<PostedEvent[]>((id) => ({ type: 'stream-resume', id, sid, keep })));
  }

  /** Frees the worker's decoder; never rejects (a worker lost meanwhile took it along). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const sid = this.sid;
    await this.call((id) => ({ type: 'stream-close', id, sid })).catch(() => {});
  }
}

const received = (events: PostedEvent[]): DecodeEvent[] =>
  events.map((e) => (e.type === 'error' ? { type: 'error', error: deserializeError(e.error) } : e));

function toBytes(input: JpegInput): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  throw new TypeError('expected the JPEG as a Uint8Array or ArrayBuffer');
}
