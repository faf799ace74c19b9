/**
 * Typed decoder errors. Every failure of a decode request is one of these, so
 * callers can tell "not a JPEG" from "a JPEG we do not support" from "a broken
 * JPEG" from "a JPEG over a configured limit" without parsing messages.
 */
export class JpegError extends Error {
  override name = 'JpegError';
}

/** The bytes are not a JPEG at all (no SOI marker). */
export class NotAJpegError extends JpegError {
  override name = 'NotAJpegError';
}

/** A valid JPEG using a feature dctvision does not handle (CMYK, 12-bit, lossless, ...). */
export class UnsupportedJpegError extends JpegError {
  override name = 'UnsupportedJpegError';
  constructor(message: string, readonly feature: string = message) {
    super(message);
  }
}

/** Truncated or corrupt JPEG data (libjpeg's corrupt-data warnings count, unless `strict: false`). */
export class CorruptJpegError extends JpegError {
  override name = 'CorruptJpegError';
}

export type JpegLimit = 'maxPixels' | 'maxScans' | 'maxBytes' | 'memory';

/** A JPEG over one of the decoder's resource limits; refused before the large allocation. */
export class JpegLimitError extends JpegError {
  override name = 'JpegLimitError';
  constructor(message: string, readonly limit: JpegLimit) {
    super(message);
  }
}

/** A decoder worker died while handling the request (the pool replaces it). */
export class DecoderWorkerError extends JpegError {
  override name = 'DecoderWorkerError';
}

/** The decoder's WebAssembly could not be fetched, compiled or instantiated (a missing or
 * damaged .wasm, or glue and .wasm from different builds). */
export class DecoderLoadError extends JpegError {
  override name = 'DecoderLoadError';
}

/** Plain-object form that survives postMessage between a worker and the page. */
export interface SerializedError {
  name: string;
  message: string;
  feature?: string;
  limit?: JpegLimit;
}

export function serializeError(e: unknown): SerializedError {
  if (e instanceof UnsupportedJpegError) return { name: e.name, message: e.message, feature: e.feature };
  if (e instanceof JpegLimitError) return { name: e.name, message: e.message, limit: e.limit };
  if (e instanceof Error) return { name: e.name, message: e.message };
  return { name: 'Error', message: String(e) };
}

export function deserializeError(s: SerializedError): Error {
  switch (s.name) {
    case 'NotAJpegError':
      return new NotAJpegError(s.message);
    case 'UnsupportedJpegError':
      return new UnsupportedJpegError(s.message, s.feature);
    case 'CorruptJpegError':
      return new CorruptJpegError(s.message);
    case 'JpegLimitError':
      return new JpegLimitError(s.message, s.limit ?? 'memory');
    case 'DecoderWorkerError':
      return new DecoderWorkerError(s.message);
    case 'DecoderLoadError':
      return new DecoderLoadError(s.message);
    default: {
      const e = new Error(s.message);
      e.name = s.name;
      return e;
    }
  }
}
