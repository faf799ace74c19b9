/**
 * What a decoded image's coefficients hold (DctImage.bands): after a progressive file's early
 * stop or a cut, some frequencies miss their lowest bits.
 */
import type { DctImage } from './types.js';

/** Zig-zag position → natural index (8·v + u). */
const NATURAL = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
  35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/** Some stored coefficient of this image misses low bits (scans that refine it were stepped over). */
export function lacksBits(img: DctImage): boolean {
  if (!img.skippedScans) return false;
  return img.components.some((c, i) => NATURAL.some((n, z) => img.bands[i]?.[z] > 0 && n >> 3 < c.kept && (n & 7) < c.kept));
}
