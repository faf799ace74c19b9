/**
 * The shim's failure codes (one table, src/decode/codes.json, compiled into the C side as
 * wasm/shim/dct_codes.h) turned into typed errors: told apart by code, never by message text.
 */
import codes from './codes.json' with { type: 'json' };
import { CorruptJpegError, JpegLimitError, NotAJpegError, UnsupportedJpegError, type JpegLimit } from './errors.js';

export const FLAG = codes.flag;

const nameOf = (table: Record<string, number>, value: number): string | undefined =>
  Object.keys(table).find((k) => table[k] === value);

/** UnsupportedJpegError.feature for a DCT_UNSUPPORTED_* code and its detail (bits, component count). */
export function featureName(reason: number, detail: number): string {
  switch (nameOf(codes.unsupported, reason)) {
    case 'cmyk':
      return 'CMYK';
    case 'precision':
      return `${detail}-bit`;
    case 'components':
      return `${detail}-component`;
    case 'lossless':
      return 'lossless';
    case 'hierarchical':
      return 'hierarchical';
    case 'arithmetic':
      return 'arithmetic';
    default:
      return 'not-compiled';
  }
}

/** The typed error for a failure the shim reported as (kind, reason, detail, message). */
export function decoderError(kind: number, reason: number, detail: number, message: string): Error {
  switch (kind) {
    case codes.kind.notAJpeg:
      return new NotAJpegError(message);
    case codes.kind.unsupported:
      return new UnsupportedJpegError(message, featureName(reason, detail));
    case codes.kind.limit: {
      const limit = nameOf(codes.limit, reason);
      return new JpegLimitError(message, (limit && limit !== 'none' ? limit : 'memory') as JpegLimit);
    }
    default:
      return new CorruptJpegError(message);
  }
}
