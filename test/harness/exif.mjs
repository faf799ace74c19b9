// EXIF orientation for test files and benchmark variants (plain JavaScript: the benchmarks
// and scripts are Node programs without a TypeScript step).

/** The JPEG with an APP1 Exif segment carrying `orientation`, right after SOI. */
export function withOrientation(jpeg, orientation) {
  const tiff = [0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, 0, 0, 0, 0];
  const payload = [...new TextEncoder().encode('Exif'), 0, 0, ...tiff];
  const seg = [0xff, 0xe1, (payload.length + 2) >> 8, (payload.length + 2) & 255, ...payload];
  const out = new Uint8Array(jpeg.length + seg.length);
  out.set(jpeg.subarray(0, 2));
  out.set(seg, 2);
  out.set(jpeg.subarray(2), 2 + seg.length);
  return out;
}
