import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDctref } from '../harness/native.mjs';

export interface NativeCoefficients {
  width: number;
  height: number;
  progressive: number;
  arithmetic: number;
  components: { h: number; v: number; blocksX: number; blocksY: number; qtable: number[] }[];
  /** All components' quantized coefficients back to back, [blocksY][blocksX][64] each. */
  data: Int16Array;
}

/** Coefficients as Debian's native libjpeg-turbo (jpeg_read_coefficients) reads them. */
export function nativeCoefficients(path: string): NativeCoefficients {
  const tool = buildDctref();
  const dir = mkdtempSync(join(tmpdir(), 'dctref-'));
  try {
    const meta = JSON.parse(execFileSync(tool, ['coef', path, join(dir, 'c.bin')], { encoding: 'utf8' }));
    const raw = readFileSync(join(dir, 'c.bin'));
    return { ...meta, data: new Int16Array(raw.buffer, raw.byteOffset, raw.byteLength / 2) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Debian djpeg's RGB output (PPM body) with the given extra arguments. */
export function djpegRgb(path: string, args: string[] = []): { width: number; height: number; data: Uint8Array } {
  const ppm = execFileSync('djpeg', ['-rgb', '-dct', 'int', ...args, '-ppm', path], { maxBuffer: 1 << 30 });
  // Header: "P6\n<w> <h>\n255\n"
  const text = ppm.subarray(0, 64).toString('latin1');
  const m = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(text);
  if (!m) throw new Error(`unexpected djpeg output for ${path}`);
  const width = Number(m[1]);
  const height = Number(m[2]);
  return { width, height, data: new Uint8Array(ppm.buffer, ppm.byteOffset + m[0].length, width * height * 3) };
}
