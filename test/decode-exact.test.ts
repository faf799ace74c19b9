// The WASM decoder's coefficients must equal native libjpeg-turbo's bit for bit.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { WasmDecoder, type DctImage } from '../src/index.js';
import { imagenetteSample, validFixtures } from './helpers/fixtures.js';
import { nativeCoefficients } from './helpers/native.js';
import { jpeg2dctData } from './helpers/paths.js';

let decoder: WasmDecoder;
beforeAll(async () => {
  decoder = await WasmDecoder.create();
});

function expectSameAsNative(path: string): DctImage {
  const img = decoder.decode(new Uint8Array(readFileSync(path)), { dequantize: false });
  const ref = nativeCoefficients(path);
  expect({ w: img.width, h: img.height, progressive: img.progressive, arithmetic: img.arithmetic }).toEqual({
    w: ref.width,
    h: ref.height,
    progressive: ref.progressive === 1,
    arithmetic: ref.arithmetic === 1,
  });
  expect(img.components.map((c) => ({ h: c.h, v: c.v, blocksX: c.blocksX, blocksY: c.blocksY, qtable: [...c.quantTable] }))).toEqual(
    ref.components,
  );
  let offset = 0;
  for (const c of img.components) {
    const n = c.blocksX * c.blocksY * 64;
    const expected = ref.data.subarray(offset, offset + n);
    offset += n;
    // Compare as bytes: one call, and a mismatch reports where.
    const firstDiff = c.coefficients.findIndex((v, i) => v !== expected[i]);
    expect(firstDiff, `${path}: first differing coefficient`).toBe(-1);
  }
  expect(offset).toBe(ref.data.length);
  return img;
}

describe('coefficients equal native libjpeg-turbo', () => {
  it.each(imagenetteSample(30).map((p) => [p.split('/').slice(-2).join('/'), p]))('imagenette %s', (_, path) => {
    const img = expectSameAsNative(path);
    expect(img.components[0].blocksX).toBe(28);
  });

  it.each(readdirSync(jpeg2dctData).filter((f) => f.endsWith('.jpg')))('jpeg2dct %s', (f) => {
    expectSameAsNative(join(jpeg2dctData, f));
  });

  it.each(validFixtures().map((f) => [f.name, f.path]))('generated %s', (_, path) => {
    expectSameAsNative(path);
  });
});

describe('jpeg2dct test images, read natively (no transcoding)', () => {
  // These files are single-component (grayscale) JPEGs whose one component carries
  // the sampling factors named in the file name; jpeg2dct transcodes them to 4:2:0
  // and adds zero chroma, we report them as stored.
  const layouts: Record<string, [number, number]> = { '411': [4, 1], '420': [2, 2], '422': [2, 1], '440': [1, 2], '444': [1, 1] };
  it.each(Object.entries(layouts))('DCT_16_16_%s.jpg: Y 50×75 blocks', (name, [h, v]) => {
    const img = decoder.decode(new Uint8Array(readFileSync(join(jpeg2dctData, `DCT_16_16_${name}.jpg`))));
    expect([img.width, img.height]).toEqual([600, 400]);
    expect(img.components).toHaveLength(1);
    expect([img.components[0].blocksY, img.components[0].blocksX]).toEqual([50, 75]);
    expect([img.components[0].h, img.components[0].v]).toEqual([h, v]);
    expect(img.colorSpace).toBe('grayscale');
  });
  it('DCT_16_16.jpg: Y 205×205 blocks', () => {
    const img = decoder.decode(new Uint8Array(readFileSync(join(jpeg2dctData, 'DCT_16_16.jpg'))));
    expect([img.components[0].blocksY, img.components[0].blocksX]).toEqual([205, 205]);
  });
  it('a real 4:2:0 colour file has Y 28×28 and Cb/Cr 14×14 blocks (the paper geometry)', () => {
    const img = decoder.decode(new Uint8Array(readFileSync(imagenetteSample(1)[0])));
    expect(img.components.map((c) => [c.blocksY, c.blocksX, c.h, c.v])).toEqual([
      [28, 28, 2, 2],
      [14, 14, 1, 1],
      [14, 14, 1, 1],
    ]);
  });
});

describe('layouts and metadata', () => {
  const byName = Object.fromEntries(validFixtures().map((f) => [f.name, f.path]));
  const dec = (name: string) => decoder.decode(new Uint8Array(readFileSync(byName[name])));
  const sof = (name: string) => {
    const b = readFileSync(byName[name]);
    for (let i = 2; i + 3 < b.length; i += 2 + b.readUInt16BE(i + 2)) {
      const m = b[i + 1];
      if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) return m;
    }
    return -1;
  };
  it('the generated files cover every coding process libjpeg-turbo reads (SOF0/1/2/9/10)', () => {
    expect(sof('baseline-420')).toBe(0xc0); // baseline
    expect(sof('quality-10')).toBe(0xc1); // extended sequential (16-bit quantization tables)
    expect(sof('progressive-420')).toBe(0xc2); // progressive Huffman
    expect(sof('arithmetic-420')).toBe(0xc9); // extended sequential arithmetic
    expect(sof('arithmetic-progressive')).toBe(0xca); // progressive arithmetic
    expect(dec('quality-10').components[0].quantTable.some((q) => q > 255)).toBe(true);
    expect(dec('arithmetic-progressive')).toMatchObject({ progressive: true, arithmetic: true });
  });
  it('reports sampling layouts', () => {
    expect(dec('baseline-444').components.map((c) => [c.h, c.v])).toEqual([[1, 1], [1, 1], [1, 1]]);
    expect(dec('baseline-422').components.map((c) => [c.h, c.v])).toEqual([[2, 1], [1, 1], [1, 1]]);
    expect(dec('baseline-411').components.map((c) => [c.h, c.v])).toEqual([[4, 1], [1, 1], [1, 1]]);
    expect(dec('baseline-440').components.map((c) => [c.h, c.v])).toEqual([[1, 2], [1, 1], [1, 1]]);
    const g = dec('grayscale');
    expect(g.components).toHaveLength(1);
    expect(g.colorSpace).toBe('grayscale');
  });
  it('reports coding flags, scans and restart interval', () => {
    expect(dec('progressive-420')).toMatchObject({ progressive: true, arithmetic: false });
    expect(dec('progressive-420').scans).toBeGreaterThan(1);
    expect(dec('arithmetic-420')).toMatchObject({ progressive: false, arithmetic: true, scans: 1 });
    expect(dec('restart-420').restartInterval).toBeGreaterThan(0);
    expect(dec('baseline-420')).toMatchObject({ colorSpace: 'YCbCr', jfif: true, orientation: 1, adobeTransform: null });
    expect(dec('rgb-colorspace').colorSpace).toBe('RGB');
  });
  it('odd sizes: blocks cover the image, padding-only blocks dropped', () => {
    const tiny = dec('odd-1x1-420');
    expect(tiny.components.map((c) => [c.blocksX, c.blocksY])).toEqual([[1, 1], [1, 1], [1, 1]]);
    const wide = dec('odd-1001x3-420');
    expect(wide.components.map((c) => [c.blocksX, c.blocksY])).toEqual([[126, 1], [63, 1], [63, 1]]);
    const tall = dec('odd-3x1001-411-restart');
    expect(tall.components.map((c) => [c.blocksX, c.blocksY])).toEqual([[1, 126], [1, 126], [1, 126]]);
  });
  it('dequantize multiplies each coefficient by its quantization entry', () => {
    const bytes = new Uint8Array(readFileSync(byName['baseline-420']));
    const raw = decoder.decode(bytes, { dequantize: false });
    const deq = decoder.decode(bytes);
    expect(deq.dequantized).toBe(true);
    let nonzero = 0;
    let mismatches = 0;
    for (let c = 0; c < raw.components.length; c++) {
      const q = raw.components[c].quantTable;
      const r = raw.components[c].coefficients;
      const d = deq.components[c].coefficients;
      for (let i = 0; i < r.length; i++) {
        if (d[i] !== r[i] * q[i % 64]) mismatches++;
        if (r[i] && q[i % 64] > 1) nonzero++;
      }
    }
    expect(mismatches).toBe(0);
    expect(nonzero).toBeGreaterThan(1000);
  });
});

describe('keep: only each block\'s n×n lowest frequencies are stored', () => {
  const topLeft = (full: Int16Array, blocks: number, n: number) => {
    const out = new Int16Array(blocks * n * n);
    for (let b = 0; b < blocks; b++) for (let v = 0; v < n; v++) for (let u = 0; u < n; u++) out[(b * n + v) * n + u] = full[b * 64 + v * 8 + u];
    return out;
  };
  it('every fixture, sequential and progressive: equal to the top-left of the full decode, raw and dequantized', () => {
    const files = validFixtures();
    const progressive = files.filter((f) => decoder.decode(new Uint8Array(readFileSync(f.path))).progressive);
    expect(files.length - progressive.length).toBeGreaterThan(20);
    expect(progressive.length).toBeGreaterThan(1);
    for (const f of files) checkKeep(new Uint8Array(readFileSync(f.path)));
  });
  let pattern = 0;
  function checkKeep(bytes: Uint8Array) {
    // one keep pattern raw and another dequantized per file, cycling over the files
    for (const dequantize of [false, true]) {
      const full = decoder.decode(bytes, { dequantize });
      const keep = [[1, 2, 4], [2, 2, 2], [4, 1, 1], [2, 4, 4]][pattern++ % 4];
      const img = decoder.decode(bytes, { dequantize, keep });
      img.components.forEach((c, i) => {
        expect(c.kept).toBe(keep[i]);
        expect(c.coefficients).toEqual(topLeft(full.components[i].coefficients, c.blocksX * c.blocksY, keep[i]));
        expect(c.quantTable).toEqual(full.components[i].quantTable);
      });
    }
  }
  it('progressive files (whose later scans refine what earlier ones stored) are cut down after their last scan', () => {
    const path = validFixtures().find((f) => f.name === 'progressive-420')!.path;
    const bytes = new Uint8Array(readFileSync(path));
    const full = decoder.decode(bytes);
    const img = decoder.decode(bytes, { keep: [2, 1, 4] });
    expect(img.progressive).toBe(true);
    expect(img.components.map((c) => c.kept)).toEqual([2, 1, 4]);
    img.components.forEach((c, i) => expect(c.coefficients).toEqual(topLeft(full.components[i].coefficients, c.blocksX * c.blocksY, c.kept)));
  });
  it('keeping 2×2 stores 1/16 of the coefficients', () => {
    const bytes = new Uint8Array(readFileSync(validFixtures().find((f) => f.name === 'baseline-420')!.path));
    const full = decoder.decode(bytes);
    const kept = decoder.decode(bytes, { keep: [2, 2, 2] });
    const count = (i: DctImage) => i.components.reduce((a, c) => a + c.coefficients.length, 0);
    expect(count(kept) * 16).toBe(count(full));
  });
});
