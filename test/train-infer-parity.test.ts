// Training and inference see images the same way: the PyTorch data pipeline's resize/crop
// (training/dctvision_train/data.py resize_crop, used by load_pixels) equals the library's
// pixel path (src/prep/pixels.ts prepareRgb) on inputs that are not already 224×224.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareRgb } from '../src/prep/pixels.js';
import { root } from './helpers/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'parity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pythonResize(rgb: Uint8Array, width: number, height: number, size: number): Float64Array {
  writeFileSync(join(dir, 'in.bin'), rgb);
  execFileSync(
    '/usr/bin/python3',
    [
      '-c',
      `import numpy as np
from dctvision_train.data import resize_crop
a = np.fromfile(${JSON.stringify(join(dir, 'in.bin'))}, np.uint8).reshape(${height}, ${width}, 3)
resize_crop(a, ${size}).astype("<f8").tofile(${JSON.stringify(join(dir, 'out.bin'))})`,
    ],
    { cwd: join(root, 'training') },
  );
  const b = readFileSync(join(dir, 'out.bin'));
  return new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8);
}

describe('train/inference preprocessing parity', () => {
  for (const [width, height] of [[457, 301], [300, 533], [225, 224], [640, 480], [97, 150]]) {
    it(`${width}×${height}: PyTorch resize_crop = library prepareRgb`, () => {
      const rgb = new Uint8Array(width * height * 3);
      let seed = width * 7919 + height;
      for (let i = 0; i < rgb.length; i++) rgb[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
      const py = pythonResize(rgb, width, height, 224);
      const ts = prepareRgb(rgb, width, height, 1, 224);
      expect(py.length).toBe(ts.length);
      let maxDiff = 0;
      for (let i = 0; i < ts.length; i++) maxDiff = Math.max(maxDiff, Math.abs(py[i] - ts[i]));
      expect(maxDiff).toBeLessThan(1e-3); // float32 accumulation in TypeScript
      // and it is a real resize: not a copy of the top-left corner
      expect(Math.abs(ts[0] - rgb[0]) + Math.abs(ts[ts.length - 1] - rgb[rgb.length - 1])).toBeGreaterThan(0);
    });
  }
});
