/**
 * The pixel-domain reference for the DCT-domain preparation, written independently
 * of src/prep: native libjpeg decodes to full-resolution Y, Cb, Cr; the EXIF
 * orientation is applied by moving pixels; each plane is resized so the short side
 * is 224 by area averaging and centre-cropped; chroma is 2×2-averaged to 4:2:0;
 * then a blockwise orthonormal 8×8 DCT of (sample − 128).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDctref } from '../harness/native.mjs';

interface Plane {
  w: number;
  h: number;
  data: Float64Array;
}

export function nativeYcc(path: string): Plane[] {
  const dir = mkdtempSync(join(tmpdir(), 'ycc-'));
  try {
    execFileSync(buildDctref(), ['ycc', path, join(dir, 'p.bin')]);
    const b = readFileSync(join(dir, 'p.bin'));
    const [w, h, n] = [b.readInt32LE(0), b.readInt32LE(4), b.readInt32LE(8)];
    return Array.from({ length: n }, (_, c) => ({ w, h, data: Float64Array.from(b.subarray(12 + c * w * h, 12 + (c + 1) * w * h)) }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function orient(p: Plane, o: number): Plane {
  const swap = o >= 5;
  const w = swap ? p.h : p.w;
  const h = swap ? p.w : p.h;
  const data = new Float64Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // source pixel for displayed (x, y), per the EXIF definitions
      const [sx, sy] = {
        1: [x, y], 2: [p.w - 1 - x, y], 3: [p.w - 1 - x, p.h - 1 - y], 4: [x, p.h - 1 - y],
        5: [y, x], 6: [y, p.h - 1 - x], 7: [p.w - 1 - y, p.h - 1 - x], 8: [p.w - 1 - y, x],
      }[o as 1]!;
      data[y * w + x] = p.data[sy * p.w + sx];
    }
  }
  return { w, h, data };
}

/** Area-average resize so the short side is `size`, then centre crop size × size. */
function resizeCrop(p: Plane, size: number): Plane {
  const s = size / Math.min(p.w, p.h);
  const offX = (p.w * s - size) / 2;
  const offY = (p.h * s - size) / 2;
  const weights = (off: number, len: number) =>
    Array.from({ length: size }, (_, i) => {
      const a = (off + i) / s;
      const b = (off + i + 1) / s;
      const ws: [number, number][] = [];
      for (let q = Math.floor(a); q < Math.min(len, Math.ceil(b)); q++) {
        const o = Math.min(b, q + 1) - Math.max(a, q);
        if (o > 0) ws.push([q, o / (b - a)]);
      }
      return ws;
    });
  const wy = weights(offY, p.h);
  const wx = weights(offX, p.w);
  const data = new Float64Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let v = 0;
      for (const [qy, ay] of wy[y]) for (const [qx, ax] of wx[x]) v += ay * ax * p.data[qy * p.w + qx];
      data[y * size + x] = v;
    }
  }
  return { w: size, h: size, data };
}

function halve(p: Plane): Plane {
  const w = p.w / 2;
  const data = new Float64Array(w * (p.h / 2));
  for (let y = 0; y < p.h / 2; y++) {
    for (let x = 0; x < w; x++) {
      data[y * w + x] = (p.data[2 * y * p.w + 2 * x] + p.data[2 * y * p.w + 2 * x + 1] + p.data[(2 * y + 1) * p.w + 2 * x] + p.data[(2 * y + 1) * p.w + 2 * x + 1]) / 4;
    }
  }
  return { w, h: p.h / 2, data };
}

function blockDct(p: Plane): Float32Array {
  const c = (k: number, n: number) => Math.cos(((2 * n + 1) * k * Math.PI) / 16) * Math.sqrt(k ? 2 / 8 : 1 / 8);
  const bw = p.w / 8;
  const out = new Float32Array(p.w * p.h);
  for (let by = 0; by < p.h / 8; by++) {
    for (let bx = 0; bx < bw; bx++) {
      for (let v = 0; v < 8; v++) {
        for (let u = 0; u < 8; u++) {
          let s = 0;
          for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) s += c(v, y) * c(u, x) * (p.data[(by * 8 + y) * p.w + bx * 8 + x] - 128);
          out[(by * bw + bx) * 64 + v * 8 + u] = s;
        }
      }
    }
  }
  return out;
}

/** The network input (y, cb, cr NHWC) computed in the pixel domain from native libjpeg's decode. */
export function pixelReference(path: string, orientation: number, size = 224): { y: Float32Array; cb: Float32Array; cr: Float32Array } {
  const planes = nativeYcc(path).map((p) => resizeCrop(orient(p, orientation), size));
  const y = blockDct(planes[0]);
  if (planes.length === 1) return { y, cb: new Float32Array((size / 16) ** 2 * 64), cr: new Float32Array((size / 16) ** 2 * 64) };
  return { y, cb: blockDct(halve(planes[1])), cr: blockDct(halve(planes[2])) };
}
