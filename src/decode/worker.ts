/**
 * Decoder worker: a browser module worker or a Node worker_thread. Holds one
 * WasmDecoder; answers one request at a time; every failure is answered as a
 * typed error for that request only, and the decoder stays usable.
 */
import { DecoderWorkerError, serializeError } from './errors.js';
import type { PostedEvent, WorkerRequest, WorkerResponse, WorkerStats } from './protocol.js';
import type { DctImage, RgbImage } from './types.js';
import { WasmDecoder, type DecodeEvent, type WasmDecodeStream } from './wasm.js';

interface Port {
  post(msg: WorkerResponse, transfer?: Transferable[]): void;
  listen(handler: (msg: WorkerRequest) => void): void;
}

/**
 * No top-level await here: bundlers build workers as classic scripts by default (Vite:
 * worker.format 'iife'), which cannot hold one. In a page the listener is attached
 * synchronously, before the pool's first message can arrive.
 */
function start(): void {
  const g = globalThis as unknown as { WorkerGlobalScope?: unknown };
  if (typeof g.WorkerGlobalScope !== 'undefined') {
    const scope = globalThis as unknown as {
      postMessage(msg: unknown, transfer: Transferable[]): void;
      addEventListener(type: 'message', h: (e: MessageEvent<WorkerRequest>) => void): void;
    };
    serve({
      post: (msg, transfer = []) => scope.postMessage(msg, transfer),
      listen: (h) => scope.addEventListener('message', (e: MessageEvent<WorkerRequest>) => h(e.data)),
    });
    return;
  }
  // worker_threads queue messages until a listener is attached.
  void import(/* @vite-ignore */ 'node:worker_threads').then(({ parentPort }) => {
    if (!parentPort) throw new Error('decoder worker started outside a worker');
    serve({
      post: (msg, transfer = []) => parentPort.postMessage(msg, transfer as never[]),
      listen: (h) => parentPort.on('message', h),
    });
  });
}

/** Planes and quantization tables share one buffer: one transfer, no copy. */
function dctTransfers(img: DctImage): Transferable[] {
  return [...new Set<ArrayBufferLike>(img.components.flatMap((c) => [c.coefficients.buffer, c.quantTable.buffer]))] as Transferable[];
}

/** A stream's events for posting: typed errors serialized, image buffers transferred. */
function postable(events: DecodeEvent[]): { events: PostedEvent[]; transfer: Transferable[] } {
  const transfer: Transferable[] = [];
  const out = events.map((e): PostedEvent => {
    if (e.type === 'error') return { type: 'error', error: serializeError(e.error) };
    if (e.type !== 'header') transfer.push(...dctTransfers(e.image), ...e.image.bands.map((b) => b.buffer as ArrayBuffer));
    return e;
  });
  return { events: out, transfer };
}

function serve(port: Port): void {
  let decoder: WasmDecoder | undefined;
  let handled = 0;
  const streams = new Map<number, WasmDecodeStream>();
  port.listen((msg) => void handle(msg));

  async function handle(msg: WorkerRequest): Promise<void> {
    if (msg.type === 'init') {
      try {
        decoder = await WasmDecoder.create(msg.module);
        port.post({ type: 'ready' });
      } catch (e) {
        port.post({ type: 'init-error', error: serializeError(e) });
      }
      return;
    }
    try {
      if (!decoder) throw new DecoderWorkerError('decoder worker used before init');
      if (msg.type === 'dct') {
        const img = decoder.decode(msg.bytes, msg.options);
        handled++;
        port.post({ type: 'result', id: msg.id, ok: true, value: img }, dctTransfers(img));
      } else if (msg.type === 'rgb') {
        const img: RgbImage = decoder.decodeRgb(msg.bytes, msg.options);
        handled++;
        port.post({ type: 'result', id: msg.id, ok: true, value: img }, [img.data.buffer as ArrayBuffer]);
      } else if (msg.type === 'stream-open') {
        // the pool decides what to keep once it has seen the header
        streams.set(msg.sid, decoder.openStream({ ...msg.options, pauseAtHeader: true }));
        port.post({ type: 'result', id: msg.id, ok: true, value: null });
      } else if (msg.type === 'stream-push' || msg.type === 'stream-resume') {
        const stream = streams.get(msg.sid);
        if (!stream) throw new DecoderWorkerError(`no stream ${msg.sid} on this worker`);
        const { events, transfer } = postable(msg.type === 'stream-push' ? stream.push(msg.bytes, msg.end) : stream.resume(msg.keep));
        port.post({ type: 'result', id: msg.id, ok: true, value: events }, transfer);
      } else if (msg.type === 'stream-close') {
        streams.get(msg.sid)?.close();
        streams.delete(msg.sid);
        port.post({ type: 'result', id: msg.id, ok: true, value: null });
      } else if (msg.type === 'stats') {
        const value: WorkerStats = { heapInUse: decoder.heapInUse(), memoryBytes: decoder.memoryBytes(), handled };
        port.post({ type: 'result', id: msg.id, ok: true, value });
      }
    } catch (e) {
      handled++;
      port.post({ type: 'result', id: (msg as { id: number }).id, ok: false, error: serializeError(e) });
    }
  }
}

start();
