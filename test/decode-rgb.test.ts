// decodeRgb must equal Debian djpeg's output byte for byte (-rgb -dct int, same scale).
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { WasmDecoder } from '../src/index.js';
import { imagenetteSample, validFixtures } from './helpers/fixtures.js';
import { djpegRgb } from './helpers/native.js';

let decoder: WasmDecoder;
beforeAll(async () => {
  decoder = await WasmDecoder.create();
});

const fixtures = Object.fromEntries(validFixtures().map((f) => [f.name, f.path]));
const files: [string, string][] = [
  ['imagenette', imagenetteSample(1)[0]],
  ...['baseline-420', 'baseline-422', 'baseline-444', 'baseline-411', 'baseline-440', 'grayscale', 'progressive-420',
    'arithmetic-422', 'restart-420', 'odd-17x9-420', 'odd-1x1-420', 'odd-227x149-444-progressive', 'rgb-colorspace'].map(
    (n): [string, string] => [n, fixtures[n]],
  ),
];
const scales = [
  [1, []],
  [0.5, ['-scale', '1/2']],
  [0.25, ['-scale', '1/4']],
  [0.125, ['-scale', '1/8']],
] as const;

describe('decodeRgb equals djpeg', () => {
  for (const [name, path] of files) {
    it.each(scales)(`${name} at scale %s`, (scale, args) => {
      const ours = decoder.decodeRgb(new Uint8Array(readFileSync(path)), { scale });
      const ref = djpegRgb(path, [...args]);
      expect([ours.width, ours.height]).toEqual([ref.width, ref.height]);
      expect(ours.data.length).toBe(ref.data.length);
      expect(Buffer.compare(Buffer.from(ours.data), Buffer.from(ref.data))).toBe(0);
    });
  }
  it('rejects scales libjpeg has no IDCT for', () => {
    expect(() => decoder.decodeRgb(new Uint8Array(readFileSync(files[0][1])), { scale: 0.3 as 0.5 })).toThrow(RangeError);
  });
});
