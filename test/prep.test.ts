// DCT-domain preparation (src/prep) against the pixel-domain reference: every chroma
// layout, EXIF orientations 1–8, sizes from 224 to 4000 px.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PrepError, WasmDecoder } from '../src/index.js';
import { planPrep } from '../src/prep/geometry.js';
import { prepareCpu } from '../src/prep/cpu.js';
import { fixtureDir, imagenetteSample } from './helpers/fixtures.js';
import { pixelReference } from './helpers/pixel-reference.js';
import { withOrientation } from './harness/exif.mjs';

let decoder: WasmDecoder;
beforeAll(async () => {
  decoder = await WasmDecoder.create();
});

const dir = join(fixtureDir, 'prep');
function source(name: string, w: number, h: number, cjpegArgs: string[]): string {
  const path = join(dir, `${name}.jpg`);
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true });
    const ppm = execFileSync('convert', [imagenetteSample(1)[4], '-resize', `${w}x${h}!`, 'ppm:-'], { maxBuffer: 1 << 28 });
    writeFileSync(path, execFileSync('cjpeg', ['-quality', '90', ...cjpegArgs], { input: ppm, maxBuffer: 1 << 28 }));
  }
  return path;
}

const cases: [string, number, number, string[], number[]][] = [
  ['224-420', 224, 224, ['-sample', '2x2'], [1, 2, 3, 4, 5, 6, 7, 8]],
  ['300x225-420', 300, 225, ['-sample', '2x2'], [1, 2, 3, 4, 5, 6, 7, 8]],
  ['640x480-444', 640, 480, ['-sample', '1x1'], [1, 6, 8]],
  ['1001x667-422', 1001, 667, ['-sample', '2x1'], [1, 3, 6]],
  ['333x500-411', 333, 500, ['-sample', '4x1'], [1, 5, 8]],
  ['500x333-440', 500, 333, ['-sample', '1x2'], [1, 2, 7]],
  ['800x600-gray', 800, 600, ['-grayscale'], [1, 6]],
  ['257x1023-420-progressive', 257, 1023, ['-sample', '2x2', '-progressive'], [1, 4]],
  ['4000x3000-420', 4000, 3000, ['-sample', '2x2'], [1, 6]],
  ['4000x3000-444', 4000, 3000, ['-sample', '1x1'], [1, 8]],
  ['3000x4000-422', 3000, 4000, ['-sample', '2x1'], [1, 3]],
  ['1000x750-420', 1000, 750, ['-sample', '2x2'], [1, 6]],
];

const relL2 = (a: Float32Array[], b: Float32Array[]) => {
  let num = 0;
  let den = 0;
  a.forEach((x, p) => x.forEach((v, i) => ((num += (v - b[p][i]) ** 2), (den += b[p][i] ** 2))));
  return Math.sqrt(num / den);
};

describe('DCT-domain preparation matches the pixel-domain reference', () => {
  const measured: string[] = [];
  for (const [name, w, h, args, orientations] of cases) {
    it.each(orientations)(`${name}, orientation %i`, (o) => {
      const base = source(name, w, h, args);
      const bytes = withOrientation(new Uint8Array(readFileSync(base)), o);
      const oriented = join(dir, `${name}-o${o}.jpg`);
      writeFileSync(oriented, bytes);
      const img = decoder.decode(bytes);
      expect(img.orientation).toBe(o);
      const ref = pixelReference(oriented, o);
      // what the CPU path runs (only the frequencies the output can use) and the full operators (WebGPU's)
      const plan = planPrep(img);
      const ours = prepareCpu(plan, img.components);
      const err = relL2([ours.y, ours.cb, ours.cr], [ref.y, ref.cb, ref.cr]);
      const full = prepareCpu(planPrep(img, 224, 112, { truncate: false }), img.components);
      const errFull = relL2([full.y, full.cb, full.cr], [ref.y, ref.cb, ref.cr]);
      measured.push(`${name} o${o}: ${err.toExponential(2)} (kept ${plan.planes.map((p) => `${p.n}×${p.n}`).join('/')}; all 64: ${errFull.toExponential(2)})`);
      expect(err).toBeLessThanOrEqual(1e-2);
      expect(errFull).toBeLessThanOrEqual(1e-2);
    });
  }
  it('the comparison is sensitive: the wrong orientation or no resampling is far off', () => {
    const path = join(dir, 'sensitivity-o6.jpg');
    writeFileSync(path, withOrientation(new Uint8Array(readFileSync(source('300x225-420', 300, 225, ['-sample', '2x2']))), 6));
    const img = decoder.decode(new Uint8Array(readFileSync(path)));
    const ref = pixelReference(path, 6);
    for (const wrong of [8, 5, 1]) {
      const ours = prepareCpu(planPrep({ ...img, orientation: wrong }), img.components);
      expect(relL2([ours.y, ours.cb, ours.cr], [ref.y, ref.cb, ref.cr])).toBeGreaterThan(0.1);
    }
  });
  it('refuses a plan that reads more frequencies than were decoded', () => {
    const bytes = new Uint8Array(readFileSync(source('1000x750-420', 1000, 750, ['-sample', '2x2'])));
    const img = decoder.decode(bytes);
    const plan = planPrep(img);
    const keep = plan.planes.map((p) => p.n);
    expect(Math.max(...keep)).toBeLessThan(8);
    const asPlanned = decoder.decode(bytes, { keep });
    expect(() => prepareCpu(plan, asPlanned.components)).not.toThrow();
    expect(() => prepareCpu(planPrep(img, 224, 112, { truncate: false }), asPlanned.components)).toThrow(PrepError);
    const fewer = decoder.decode(bytes, { keep: keep.map((n) => n / 2) });
    expect(() => prepareCpu(plan, fewer.components)).toThrow(/only \d×\d were decoded/);
  });
  it('reports the measured errors', () => {
    console.log(`relative L2 error, DCT domain vs pixel domain:\n  ${measured.join('\n  ')}`);
    expect(measured.length).toBe(cases.reduce((a, c) => a + c[4].length, 0));
  });
});
