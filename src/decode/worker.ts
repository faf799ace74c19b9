/**
 * Decoder worker: a browser module worker or a Node worker_thread. Holds one
 * WasmDecoder; answers one request at a time; every failure is answered as a
 * typed error for that request only, and the decoder stays usable.
 */
import { serializeError } from './errors.js';
import type { WorkerRequest, WorkerResponse, WorkerStats } from './protocol.js';
import type { DctImage, RgbImage } from './types.js';
import { WasmDecoder } from './wasm.js';

interface Port {
  post(msg: WorkerResponse, transfer?: Transferable[]): void;
  listen(handler: (msg: WorkerRequest) => void): void;
}

async function connect(): Promise<Port> {
  const g = globalThis as unknown as { WorkerGlobalScope?: unknown; postMessage?: unknown };
  if (typeof g.WorkerGlobalScope !== 'undefined') {
    const scope = globalThis as unknown as {
      postMessage(msg: unknown, transfer: Transferable[]): void;
      addEventListener(type: 'message', h: (e: MessageEvent<WorkerRequest>) => void): void;
    };
    return {
      post: (msg, transfer = []) => scope.postMessage(msg, transfer),
      listen: (h) => scope.addEventListener('message', (e: MessageEvent<WorkerRequest>) => h(e.data)),
    };
  }
  const { parentPort } = await import(/* @vite-ignore */ 'node:worker_threads');
  if (!parentPort) throw new Error('decoder worker started outside a worker');
  return {
    post: (msg, transfer = []) => parentPort.postMessage(msg, transfer as never[]),
    listen: (h) => parentPort.on('message', h),
  };
}

/** Planes and quantization tables share one buffer: one transfer, no copy. */
function dctTransfers(img: DctImage): Transferable[] {
  return [...new Set<ArrayBufferLike>(img.components.flatMap((c) => [c.coefficients.buffer, c.quantTable.buffer]))] as Transferable[];
}

const port = await connect();
let decoder: WasmDecoder | undefined;
let handled = 0;

port.listen(async (msg) => {
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
    if (!decoder) throw new Error('decoder worker used before init');
    if (msg.type === 'dct') {
      const img = decoder.decode(msg.bytes, msg.options);
      handled++;
      port.post({ type: 'result', id: msg.id, ok: true, value: img }, dctTransfers(img));
    } else if (msg.type === 'rgb') {
      const img: RgbImage = decoder.decodeRgb(msg.bytes, msg.options);
      handled++;
      port.post({ type: 'result', id: msg.id, ok: true, value: img }, [img.data.buffer as ArrayBuffer]);
    } else if (msg.type === 'stats') {
      const value: WorkerStats = { heapInUse: decoder.heapInUse(), memoryBytes: decoder.memoryBytes(), handled };
      port.post({ type: 'result', id: msg.id, ok: true, value });
    }
  } catch (e) {
    handled++;
    port.post({ type: 'result', id: (msg as { id: number }).id, ok: false, error: serializeError(e) });
  }
});
