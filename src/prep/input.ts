/** Everything classify() accepts, turned into the file's bytes. */
import { FetchError } from '../util/errors.js';
import { isNode, resolveUrl } from '../util/env.js';

export type ImageInput = Blob | ArrayBuffer | Uint8Array | string | URL | HTMLImageElement;

export async function inputBytes(input: ImageInput, signal?: AbortSignal): Promise<Uint8Array> {
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (typeof Blob !== 'undefined' && input instanceof Blob) return new Uint8Array(await input.arrayBuffer());
  if (typeof HTMLImageElement !== 'undefined' && input instanceof HTMLImageElement) {
    // The element's own source: the file's bytes, not its decoded pixels.
    return fetchBytes(input.currentSrc || input.src, signal);
  }
  if (typeof input === 'string' || input instanceof URL) return fetchBytes(String(input), signal);
  throw new TypeError('classify() takes a Blob, File, ArrayBuffer, Uint8Array, URL or an <img> whose source is a JPEG');
}

async function fetchBytes(url: string, signal?: AbortSignal): Promise<Uint8Array> {
  const u = resolveUrl(url);
  if (u.protocol === 'file:' && isNode) {
    const { readFile } = await import(/* @vite-ignore */ 'node:fs/promises');
    try {
      return new Uint8Array(await readFile(u));
    } catch (e) {
      throw new FetchError(`failed to read ${u.href}: ${(e as Error).message}`, u.href);
    }
  }
  let res: Response;
  try {
    res = await fetch(u, { signal });
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new FetchError(`failed to fetch ${u.href}: ${(e as Error).message}`, u.href);
  }
  if (!res.ok) throw new FetchError(`failed to fetch ${u.href}: HTTP ${res.status}`, u.href, res.status);
  return new Uint8Array(await res.arrayBuffer());
}
