/**
 * Everything classify() accepts, turned into the file's bytes, with `maxBytes` enforced while
 * reading: a Blob or a local file is measured before it is read, a response is refused by its
 * Content-Length or, without one, as soon as its body passes the limit, so an oversized input
 * never sits whole in memory.
 */
import { JpegLimitError } from '../decode/errors.js';
import { DEFAULT_MAX_BYTES } from '../decode/types.js';
import { FetchError } from '../util/errors.js';
import { isNode, resolveUrl } from '../util/env.js';

export type ImageInput = Blob | ArrayBuffer | Uint8Array | string | URL | HTMLImageElement;

const tooLarge = (bytes: number, maxBytes: number) =>
  new JpegLimitError(`file is ${bytes} bytes, more than maxBytes (${maxBytes})`, 'maxBytes');

export async function inputBytes(input: ImageInput, signal?: AbortSignal, maxBytes = DEFAULT_MAX_BYTES): Promise<Uint8Array> {
  let bytes: Uint8Array;
  if (input instanceof Uint8Array) bytes = input;
  else if (input instanceof ArrayBuffer) bytes = new Uint8Array(input);
  else if (typeof Blob !== 'undefined' && input instanceof Blob) {
    if (input.size > maxBytes) throw tooLarge(input.size, maxBytes);
    bytes = new Uint8Array(await input.arrayBuffer());
  } else if (typeof HTMLImageElement !== 'undefined' && input instanceof HTMLImageElement) {
    // The element's own source: the file's bytes, not its decoded pixels.
    bytes = await fetchBytes(input.currentSrc || input.src, signal, maxBytes);
  } else if (typeof input === 'string' || input instanceof URL) bytes = await fetchBytes(String(input), signal, maxBytes);
  else throw new TypeError('classify() takes a Blob, File, ArrayBuffer, Uint8Array, URL or an <img> whose source is a JPEG');
  if (bytes.length > maxBytes) throw tooLarge(bytes.length, maxBytes);
  return bytes;
}

async function fetchBytes(url: string, signal: AbortSignal | undefined, maxBytes: number): Promise<Uint8Array> {
  const u = resolveUrl(url);
  if (u.protocol === 'file:' && isNode) {
    const { open } = await import(/* @vite-ignore */ 'node:fs/promises');
    let file;
    try {
      file = await open(u);
    } catch (e) {
      throw new FetchError(`failed to read ${u.href}: ${(e as Error).message}`, u.href);
    }
    try {
      const { size } = await file.stat();
      if (size > maxBytes) throw tooLarge(size, maxBytes);
      return new Uint8Array(await file.readFile());
    } catch (e) {
      if (e instanceof JpegLimitError) throw e;
      throw new FetchError(`failed to read ${u.href}: ${(e as Error).message}`, u.href);
    } finally {
      await file.close();
    }
  }
  let res: Response;
  try {
    res = await fetch(u, { signal });
  } catch (e) {
    if (signal?.aborted) throw signal.reason;
    throw new FetchError(`failed to fetch ${u.href}: ${(e as Error).message}`, u.href);
  }
  if (!res.ok) {
    void res.body?.cancel().catch(() => {});
    throw new FetchError(`failed to fetch ${u.href}: HTTP ${res.status}`, u.href, res.status);
  }
  return readBody(res, u.href, signal, maxBytes);
}

/**
 * A response body, at most `maxBytes` of it; a body cut off mid-way (the connection dropped,
 * a Content-Length longer than what came) is a FetchError, an abort rejects with its reason.
 */
export async function readBody(res: Response, href: string, signal: AbortSignal | undefined, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length'));
  if (declared > maxBytes) {
    void res.body?.cancel().catch(() => {});
    throw tooLarge(declared, maxBytes);
  }
  if (!res.body) return new Uint8Array(await res.arrayBuffer());
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) {
        void reader.cancel().catch(() => {});
        throw tooLarge(total, maxBytes);
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof JpegLimitError) throw e;
    if (signal?.aborted) throw signal.reason;
    throw new FetchError(`failed to read ${href}: the response ended early (${total} bytes): ${(e as Error).message}`, href);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
