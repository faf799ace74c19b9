/**
 * Where a JPEG's scans end, read from its markers without decoding: what a page holds of a
 * progressive file after each scan (the bytes up to there plus an EOI are a valid, shorter
 * file — the pixel path decodes those), and how far a partial download has come.
 */

/**
 * Offsets just past each complete scan's entropy-coded data (where the next marker starts)
 * in `bytes`, which may be a file's first bytes only: a scan counts once the marker after
 * it has arrived. Stops at EOI or at anything that is not a marker where one should be.
 */
export function scanEnds(bytes: Uint8Array): number[] {
  const ends: number[] = [];
  const n = bytes.length;
  if (n < 2 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return ends;
  let pos = 2;
  while (pos + 1 < n) {
    if (bytes[pos] !== 0xff) return ends;
    const marker = bytes[pos + 1];
    if (marker === 0xff) {
      pos++; // fill byte
      continue;
    }
    if (marker === 0xd9) return ends;
    if (pos + 3 >= n) return ends;
    pos += 2 + ((bytes[pos + 2] << 8) | bytes[pos + 3]);
    if (marker !== 0xda) continue;
    // entropy-coded data: up to the next marker that is neither a stuffed zero nor RSTn
    for (;;) {
      const ff = bytes.indexOf(0xff, pos);
      if (ff < 0 || ff + 1 >= n) return ends;
      const b = bytes[ff + 1];
      if (b === 0x00 || (b >= 0xd0 && b <= 0xd7)) pos = ff + 2;
      else if (b === 0xff) pos = ff + 1;
      else {
        pos = ff;
        break;
      }
    }
    ends.push(pos);
  }
  return ends;
}

/** The file's first `end` bytes and an EOI: a valid file holding the scans that ended there. */
export function cutAt(bytes: Uint8Array, end: number): Uint8Array {
  const out = new Uint8Array(end + 2);
  out.set(bytes.subarray(0, end));
  out[end] = 0xff;
  out[end + 1] = 0xd9;
  return out;
}
