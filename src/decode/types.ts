/** One colour component's coefficient plane, exactly as stored in the file. */
export interface DctComponent {
  /** Component identifier from the SOF marker (usually 1, 2, 3). */
  id: number;
  /** Horizontal and vertical sampling factors. */
  h: number;
  v: number;
  /** Blocks per row / column that carry image data (padding-only blocks dropped, as libjpeg does). */
  blocksX: number;
  blocksY: number;
  /**
   * Coefficients laid out `[blocksY][blocksX][64]`; channel `8*v + u` is vertical
   * frequency v, horizontal frequency u (libjpeg's natural order, not zigzag).
   * Raw quantized values, or multiplied by `quantTable` when decoded with `dequantize`
   * (saturated to the int16 range, which only a malicious file can reach).
   * Decoded with `keep` n < 8: `[blocksY][blocksX][n·n]`, channel `n*v + u`, v, u < n.
   */
  coefficients: Int16Array;
  /** Frequencies stored per block and axis: 8 (all), or the `keep` asked for (baseline files). */
  kept: number;
  /** Quantization table in natural order (64 entries). */
  quantTable: Uint16Array;
}

export type JpegColorSpace = 'unknown' | 'grayscale' | 'RGB' | 'YCbCr' | 'CMYK' | 'YCCK';

export interface DctImage {
  width: number;
  height: number;
  /** Largest sampling factors: 4:2:0 is maxH = maxV = 2 with chroma at 1×1. */
  maxH: number;
  maxV: number;
  components: DctComponent[];
  /** Whether the coefficients were multiplied by the quantization tables. */
  dequantized: boolean;
  progressive: boolean;
  arithmetic: boolean;
  /** EXIF orientation tag (1–8), 1 when absent. Not applied: the planes are as stored. */
  orientation: number;
  /** Colour space of the coded components as libjpeg determines it (JFIF/Adobe markers, component ids). */
  colorSpace: JpegColorSpace;
  /** Adobe APP14 colour transform code (0 none, 1 YCbCr, 2 YCCK) or null when there is no Adobe marker. */
  adobeTransform: number | null;
  jfif: boolean;
  restartInterval: number;
  /** Number of scans read (1 for baseline, several for progressive), skipped ones included. */
  scans: number;
  /** Scans whose entropy-coded data was stepped over (decoded with `skipScans`). */
  skippedScans: number;
  /**
   * What the stored coefficients hold, per component: 64 entries in zig-zag order, the low
   * bits still missing from that frequency (0: exact), or −1 when no decoded scan carried it
   * (its coefficients are zero). All 0 for a complete file decoded without `skipScans`.
   */
  bands: Int8Array[];
  /** libjpeg warnings accepted (only non-zero with `strict: false`). */
  warnings: number;
}

export interface RgbImage {
  width: number;
  height: number;
  /** Interleaved RGB, 3 bytes per pixel, row-major. */
  data: Uint8Array;
  orientation: number;
}

export interface LimitOptions {
  /** Refuse images with more pixels than this, from the header, before any large allocation. Default 50,000,000. */
  maxPixels?: number;
  /** Refuse files with more scans than this (scan bombs: each scan walks the whole image). Default 100; real progressive files use about 10. */
  maxScans?: number;
  /** Treat libjpeg's corrupt-data warnings as errors (default true); false accepts damaged files. */
  strict?: boolean;
  /** Refuse files larger than this many bytes before copying them anywhere. Default 64 MiB. */
  maxBytes?: number;
}

export interface DecodeOptions extends LimitOptions {
  /** Multiply coefficients by their quantization entries (default true, like jpeg2dct). */
  dequantize?: boolean;
  /**
   * Per component, store only each block's n×n lowest frequencies (n = 8, 4, 2 or 1): every
   * bit is still entropy-decoded, but nothing else is kept. Progressive files hold whole
   * blocks while their scans refine them and are cut down after the last scan; `kept` says
   * what was stored.
   */
  keep?: number[];
  /**
   * Progressive files decoded with `keep`: read only the scans the kept frequencies need.
   * A scan that adds nothing to them is stepped over to the next marker (never
   * Huffman-decoded); a refinement scan whose band reaches past them is skipped too (its bit
   * stream depends on coefficients that are not stored), so kept coefficients may miss their
   * lowest bits — `bands` says how many. Only the kept frequencies are stored.
   */
  skipScans?: boolean;
}

export interface RgbDecodeOptions extends LimitOptions {
  /** libjpeg's scaled IDCT: 1 (full size), 1/2, 1/4 or 1/8. Default 1. */
  scale?: 1 | 0.5 | 0.25 | 0.125;
}

export const DEFAULT_MAX_PIXELS = 50_000_000;
export const DEFAULT_MAX_SCANS = 100;
export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
