/**
 * What classifyProgressive() reads as it arrives: a fetch Response, a ReadableStream, any
 * async iterable of byte chunks (a Node stream), or anything classify() takes (a URL is
 * fetched and its body read as it comes; a Blob is streamed; bytes in memory are one chunk).
 */
import { FetchError } from '../util/errors.js';
import { isNode, resolveUrl } from '../util/env.js';
import type { ImageInput } from './input.js';

export type StreamInput = ImageInput | Response | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

const isResponse = (x: unknown): x is Response => typeof Response !== 'undefined' && x instanceof Response;
const isReadable = (x: unknown): x is ReadableStream<Uint8Array> => typeof ReadableStream !== 'undefined' && x instanceof ReadableStream;
const isAsyncIterable = (x: unknown): x is AsyncIterable<Uint8Array> =>
  typeof x === 'object' && x !== null && typeof (x as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === 'function';

/**
 * The input's bytes chunk by chunk, as they arrive. A transfer that fails midway throws
 * FetchError after the chunks that came; an abort throws the signal's reason and stops reading.
 */
export async function* inputChunks(input: StreamInput, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  signal?.throwIfAborted();
  if (input instanceof Uint8Array) return yield input;
  if (input instanceof ArrayBuffer) return yield new Uint8Array(input);
  if (isResponse(input)) return yield* responseChunks(input, input.url || 'the response', signal);
  if (isReadable(input)) return yield* readerChunks(input, 'the stream', signal);
  if (typeof Blob !== 'undefined' && input instanceof Blob) return yield* readerChunks(input.stream() as ReadableStream<Uint8Array>, 'the file', signal);
  if (typeof HTMLImageElement !== 'undefined' && input instanceof HTMLImageElement) return yield* urlChunks(input.currentSrc || input.src, signal);
  if (typeof input === 'string' || input instanceof URL) return yield* urlChunks(String(input), signal);
  if (isAsyncIterable(input)) {
    for await (const chunk of input) {
      signal?.throwIfAborted();
      yield chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk as ArrayBuffer);
    }
    return;
  }
  throw new TypeError('classifyProgressive() takes a Response, a ReadableStream, an async iterable of Uint8Array, or what classify() takes');
}

async function* urlChunks(url: string, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const u = resolveUrl(url);
  if (u.protocol === 'file:' && isNode) {
    const { createReadStream } = await import(/* @vite-ignore */ 'node:fs');
    try {
      for await (const chunk of createReadStream(u, { signal })) yield new Uint8Array(chunk as Buffer);
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      throw new FetchError(`failed to read ${u.href}: ${(e as Error).message}`, u.href);
    }
    return;
  }
  let res: Response;
  try {
    res = await fetch(u, { signal });
  } catch (e) {
    if (signal?.aborted) throw signal.reason;
    throw new FetchError(`failed to fetch ${u.href}: ${(e as Error).message}`, u.href);
  }
  yield* responseChunks(res, u.href, signal);
}

function responseChunks(res: Response, href: string, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  if (!res.ok) {
    void res.body?.cancel().catch(() => {});
    throw new FetchError(`failed to fetch ${href}: HTTP ${res.status}`, href, res.status);
  }
  if (!res.body) throw new FetchError(`${href} has no body`, href);
  return readerChunks(res.body, href, signal);
}

async function* readerChunks(stream: ReadableStream<Uint8Array>, what: string, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  const onAbort = () => void reader.cancel(signal?.reason).catch(() => {});
  signal?.addEventListener('abort', onAbort, { once: true });
  let total = 0;
  try {
    for (;;) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch (e) {
        if (signal?.aborted) throw signal.reason;
        throw new FetchError(`failed to read ${what}: it broke off after ${total} bytes: ${(e as Error).message}`, what);
      }
      signal?.throwIfAborted();
      if (r.done) return;
      total += r.value.length;
      yield r.value;
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    // a consumer that stops early (an abort, a limit) cancels the transfer
    void reader.cancel().catch(() => {});
  }
}
