/**
 * A JPEG's frame header read in JavaScript, without decoding: for paths that hand
 * the file to another decoder (the browser's, for the RGB baseline) but must refuse
 * what the WebAssembly decoder refuses, with the same typed errors.
 */
import { CorruptJpegError, JpegLimitError, NotAJpegError, UnsupportedJpegError } from './errors.js';
import { DEFAULT_MAX_PIXELS } from './types.js';

export interface JpegHeader {
  width: number;
  height: number;
  components: number;
  precision: number;
  /** SOF marker (0xc0 baseline, 0xc2 progressive, …). */
  sof: number;
  /** Sampling factors of each component, in SOF order. */
  sampling: { h: number; v: number }[];
  /** EXIF orientation of the first Exif APP1 before the frame header (1 when absent or malformed). */
  orientation: number;
}

/** Orientation tag (0x0112) of IFD0 of an Exif APP1 payload, as the decoder reads it (1 if malformed). */
function exifOrientation(d: Uint8Array): number {
  if (d.length < 14 || String.fromCharCode(...d.subarray(0, 4)) !== 'Exif' || d[4] || d[5]) return 0;
  const t = d.subarray(6);
  const le = t[0] === 0x49 && t[1] === 0x49;
  if (!le && !(t[0] === 0x4d && t[1] === 0x4d)) return 1;
  const r16 = (o: number) => (le ? t[o] | (t[o + 1] << 8) : (t[o] << 8) | t[o + 1]);
  const r32 = (o: number) => (le ? (r16(o) | (r16(o + 2) << 16)) >>> 0 : ((r16(o) << 16) | r16(o + 2)) >>> 0);
  if (r16(2) !== 42) return 1;
  const ifd = r32(4);
  if (ifd > t.length - 2) return 1;
  const count = r16(ifd);
  for (let k = 0; k < count; k++) {
    const e = ifd + 2 + k * 12;
    if (e > t.length - 12) return 1;
    if (r16(e) === 0x0112 && r16(e + 2) === 3) {
      const v = r16(e + 8);
      return v >= 1 && v <= 8 ? v : 1;
    }
  }
  return 1;
}

export function readJpegHeader(bytes: Uint8Array, maxPixels = DEFAULT_MAX_PIXELS): JpegHeader {
  if (bytes.length < 2 || bytes[0] !== 0xff || bytes[1] !== 0xd8) {
    throw new NotAJpegError(bytes.length < 2 ? `Not a JPEG file: ${bytes.length} byte(s)` : `Not a JPEG file: starts with 0x${bytes[0].toString(16).padStart(2, '0')} 0x${bytes[1].toString(16).padStart(2, '0')}`);
  }
  let i = 2;
  let orientation = 0;
  while (i + 4 <= bytes.length) {
    if (bytes[i] !== 0xff) throw new CorruptJpegError(`Corrupt JPEG data: marker expected at byte ${i}`);
    const m = bytes[i + 1];
    if (m === 0xff) {
      i++;
      continue;
    }
    if (m === 0xd9 || m === 0xda) break;
    const len = (bytes[i + 2] << 8) | bytes[i + 3];
    if (len < 2) throw new CorruptJpegError(`Corrupt JPEG data: bad marker length at byte ${i}`);
    if (m === 0xe1 && !orientation) orientation = exifOrientation(bytes.subarray(i + 4, Math.min(bytes.length, i + 2 + len)));
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      if (i + 10 > bytes.length) break;
      const precision = bytes[i + 4];
      const height = (bytes[i + 5] << 8) | bytes[i + 6];
      const width = (bytes[i + 7] << 8) | bytes[i + 8];
      const components = bytes[i + 9];
      if ([0xc3, 0xc7, 0xcb, 0xcf].includes(m)) throw new UnsupportedJpegError(`Unsupported JPEG process: SOF type 0x${m.toString(16)}`, 'lossless');
      if ([0xc5, 0xc6, 0xcd, 0xce].includes(m)) throw new UnsupportedJpegError(`Unsupported JPEG process: SOF type 0x${m.toString(16)}`, 'hierarchical');
      if (precision !== 8) throw new UnsupportedJpegError(`${precision}-bit sample precision is not supported`, `${precision}-bit`);
      if (components === 4) throw new UnsupportedJpegError('CMYK JPEG (4 components) is not supported', 'CMYK');
      if (components !== 1 && components !== 3) throw new UnsupportedJpegError(`${components}-component JPEG is not supported`, `${components}-component`);
      if (!width || !height) throw new CorruptJpegError('Empty JPEG image (DNL not supported)');
      if (width * height > maxPixels) {
        throw new JpegLimitError(`image is ${width}x${height} = ${width * height} pixels, more than maxPixels (${maxPixels})`, 'maxPixels');
      }
      const sampling = Array.from({ length: components }, (_, c) => {
        const hv = bytes[i + 11 + 3 * c] ?? 0x11;
        return { h: hv >> 4 || 1, v: hv & 15 || 1 };
      });
      return { width, height, components, precision, sof: m, sampling, orientation: orientation || 1 };
    }
    i += 2 + len;
  }
  throw new CorruptJpegError('Invalid JPEG file structure: no frame header (SOF) before the image data');
}
