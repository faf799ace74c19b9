/**
 * Inference workers for bulk classification: N worker_threads in Node, N module Web Workers in
 * pages, each with its own single-threaded TensorFlow.js WASM engine and a copy of the weights,
 * fed prepared input arrays (the caller's decoder pool and preparation do the rest). tfjs-wasm
 * computes on one thread in Node and in pages that are not cross-origin isolated, so this is
 * how a batch uses every core. A worker that dies fails the work it held (typed) and is
 * replaced; workers that keep failing to start break the pool, which then rejects what waits.
 */
import { deserializeError } from '../decode/errors.js';
import { workerScriptUrl } from '../util/worker-url.js';
import { Changes } from '../util/changes.js';
import { nodeWorkerHandle, webWorkerHandle, type WorkerEvents, type WorkerHandle as Handle } from '../util/worker-handle.js';
import { assetBase } from '../util/assets.js';
import { isNode } from '../util/env.js';
import { InferenceWorkerError, type InferRequest, type InferResponse, type InputArray } from './infer-protocol.js';

/** Memory one inference worker holds: its tensors (the weights, mostly) and its WASM heap. */
export interface WorkerMemory {
  tensorBytes: number;
  wasmBytes: number;
}

interface Job {
  id: number;
  request: InferRequest;
  transfer: ArrayBuffer[];
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

type WorkerHandle = Handle<InferRequest>;

const nodeWorkerUrl = () => workerScriptUrl(import.meta.url, 'infer-worker.js', '../../dist/lib/classify/infer-worker.js');

async function spawnWorker(events: WorkerEvents<InferResponse>): Promise<WorkerHandle> {
  if (!isNode) {
    const base = assetBase();
    // Written out literally so bundlers (Vite) find and emit the worker.
    const w = base
      ? new Worker(new URL('dctvision-infer-worker.mjs', base), { type: 'module', name: 'dctvision-infer' })
      : new Worker(new URL('./infer-worker.js', import.meta.url), { type: 'module', name: 'dctvision-infer' });
    return webWorkerHandle(w, events);
  }
  const { Worker: NodeWorker } = await import(/* @vite-ignore */ 'node:worker_threads');
  return nodeWorkerHandle(new NodeWorker(await nodeWorkerUrl()), events);
}

interface Slot {
  worker: WorkerHandle;
  ready: boolean;
  dead: boolean;
  jobs: Job[];
}

/** Chunks in flight per worker: one computing, one waiting, so a worker never idles between chunks. */
const DEPTH = 2;
const MAX_START_FAILURES = 3;

export class InferencePool {
  private slots: Slot[] = [];
  private queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  private broken?: Error;
  private startFailures = 0;
  private readonly changes = new Changes();

  private constructor(
    private readonly modelUrl: string,
    private readonly backend: 'wasm' | 'cpu',
  ) {}

  /** N workers with the model at `modelUrl`; resolves once every one has loaded it. */
  static async create(modelUrl: URL, size: number, backend: 'wasm' | 'cpu' = 'wasm'): Promise<InferencePool> {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`workers must be a positive integer, got ${size}`);
    const pool = new InferencePool(modelUrl.href, backend);
    for (let i = 0; i < size; i++) await pool.spawn();
    await pool.ready();
    return pool;
  }

  get size(): number {
    return this.slots.filter((s) => !s.dead).length;
  }

  /** Logits for a stacked batch of prepared inputs (their buffers are transferred). */
  run(inputs: Record<string, InputArray>): Promise<Float32Array> {
    return this.submit((id) => ({ type: 'infer', id, inputs }), Object.values(inputs).map((v) => v.data.buffer as ArrayBuffer)) as Promise<Float32Array>;
  }

  /** Memory each ready worker holds, one request per worker. */
  async memory(): Promise<WorkerMemory[]> {
    return Promise.all(this.slots.filter((s) => !s.dead && s.ready).map((s) => this.submit((id) => ({ type: 'stats', id }), [], s) as Promise<WorkerMemory>));
  }

  terminate(): void {
    this.shutdown(new InferenceWorkerError('inference workers terminated'));
  }

  private async ready(): Promise<void> {
    await this.changes.until(() => {
      if (this.closed) return this.broken ?? new InferenceWorkerError('inference workers terminated');
      const live = this.slots.filter((s) => !s.dead);
      return live.length > 0 && live.every((s) => s.ready);
    });
  }


  private async spawn(): Promise<void> {
    if (this.closed) return;
    // (a starting slot holds a stand-in: nothing is posted to a worker before it is ready)
    const slot: Slot = { worker: { post: () => {}, terminate: () => {}, busy: () => {} }, ready: false, dead: false, jobs: [] };
    this.slots.push(slot);
    let worker: WorkerHandle;
    try {
      worker = await spawnWorker({
        message: (m) => this.message(slot, m),
        failure: (reason) => this.lose(slot, new InferenceWorkerError(`inference worker failed: ${reason}`)),
      });
    } catch (e) {
      this.lose(slot, new InferenceWorkerError(`inference worker failed to start: ${(e as Error)?.message ?? e}`));
      return;
    }
    if (slot.dead) return worker.terminate(); // the pool closed meanwhile
    slot.worker = worker;
    slot.worker.busy(true); // while it starts up
    const base = assetBase();
    slot.worker.post({ type: 'init', modelUrl: this.modelUrl, backend: this.backend, ...(base ? { assetBase: base.href } : {}) });
  }

  private message(slot: Slot, m: InferResponse): void {
    if (slot.dead) return;
    if (m.type === 'ready') {
      slot.ready = true;
      this.startFailures = 0;
      slot.worker.busy(false); // an idle pool never keeps the process alive; work in flight does
      this.pump();
      this.changes.notify();
    } else if (m.type === 'init-error') {
      this.lose(slot, new InferenceWorkerError(`inference worker failed to start: ${deserializeError(m.error).message}`));
    } else {
      const i = slot.jobs.findIndex((j) => j.id === m.id);
      if (i < 0) return;
      const [job] = slot.jobs.splice(i, 1);
      if (!slot.jobs.length) slot.worker.busy(false);
      if (m.type === 'logits') job.resolve(m.logits);
      else if (m.type === 'stats') job.resolve({ tensorBytes: m.tensorBytes, wasmBytes: m.wasmBytes });
      else job.reject(deserializeError(m.error));
      this.pump();
    }
  }

  /** A worker died: the work it held fails, queued work waits for its replacement. */
  private lose(slot: Slot, error: Error): void {
    if (slot.dead) return;
    slot.dead = true;
    slot.worker.terminate();
    if (this.slots.includes(slot)) this.slots.splice(this.slots.indexOf(slot), 1);
    for (const job of slot.jobs.splice(0)) job.reject(error);
    if (this.closed) return;
    if (!slot.ready && ++this.startFailures >= MAX_START_FAILURES) {
      if (!this.slots.length) {
        this.broken = new InferenceWorkerError(`inference workers are broken: ${this.startFailures} in a row failed to start (${error.message})`);
        this.shutdown(this.broken);
      }
      this.changes.notify();
      return;
    }
    void this.spawn().then(() => this.changes.notify());
  }

  private shutdown(error: Error): void {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(error);
    for (const slot of this.slots.splice(0)) {
      slot.dead = true;
      for (const job of slot.jobs.splice(0)) job.reject(error);
      slot.worker.terminate();
    }
    this.changes.notify();
  }

  private submit(make: (id: number) => InferRequest, transfer: ArrayBuffer[], pinned?: Slot): Promise<unknown> {
    if (this.closed) return Promise.reject(this.broken ?? new InferenceWorkerError('inference workers terminated'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const job: Job = { id, request: make(id), transfer, resolve, reject };
      if (pinned) {
        pinned.jobs.push(job);
        pinned.worker.busy(true);
        pinned.worker.post(job.request);
        return;
      }
      this.queue.push(job);
      this.pump();
    });
  }

  /** Queued work to the least busy ready workers. */
  private pump(): void {
    while (this.queue.length) {
      let slot: Slot | undefined;
      for (const s of this.slots) if (s.ready && !s.dead && s.jobs.length < DEPTH && (!slot || s.jobs.length < slot.jobs.length)) slot = s;
      if (!slot) return;
      const job = this.queue.shift()!;
      slot.jobs.push(job);
      slot.worker.busy(true);
      slot.worker.post(job.request, job.transfer);
    }
  }
}
