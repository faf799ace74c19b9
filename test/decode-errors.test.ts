// Every bad input gets its own typed error; nothing leaks or spoils later requests.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import codes from '../src/decode/codes.json' with { type: 'json' };
import { decoderError, featureName } from '../src/decode/codes.js';
import {
  CorruptJpegError,
  JpegLimitError,
  NotAJpegError,
  UnsupportedJpegError,
  WasmDecoder,
} from '../src/index.js';
import { badFixtures, dimensions, imagenetteSample, validFixtures } from './helpers/fixtures.js';
import { root } from './helpers/paths.js';

const classes = { NotAJpegError, UnsupportedJpegError, CorruptJpegError, JpegLimitError };
let decoder: WasmDecoder;
beforeAll(async () => {
  decoder = await WasmDecoder.create();
});

const good = new Uint8Array(readFileSync(imagenetteSample(1)[0]));

describe('failure codes: one table for the C shim and TypeScript', () => {
  it('wasm/shim/dct_codes.h is generated from src/decode/codes.json and current', () => {
    execFileSync('node', [join(root, 'wasm/codes.mjs'), '--check']);
    const header = readFileSync(join(root, 'wasm/shim/dct_codes.h'), 'utf8');
    expect(header).toContain(`#define DCT_LIMIT_MAX_SCANS ${codes.limit.maxScans}`);
    expect(header).toContain(`#define DCT_UNSUPPORTED_LOSSLESS ${codes.unsupported.lossless}`);
  });
  it('every limit code gives a JpegLimitError naming that limit', () => {
    for (const [name, code] of Object.entries(codes.limit)) {
      const e = decoderError(codes.kind.limit, code, 0, 'x');
      expect(e).toBeInstanceOf(JpegLimitError);
      expect((e as JpegLimitError).limit).toBe(name === 'none' ? 'memory' : name);
    }
  });
  it('every unsupported-feature code gives an UnsupportedJpegError naming the feature', () => {
    const expected: Record<string, string> = {
      none: 'not-compiled', cmyk: 'CMYK', precision: '12-bit', components: '12-component', lossless: 'lossless',
      hierarchical: 'hierarchical', arithmetic: 'arithmetic', notCompiled: 'not-compiled',
    };
    expect(Object.keys(codes.unsupported).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, code] of Object.entries(codes.unsupported)) {
      const e = decoderError(codes.kind.unsupported, code, 12, 'a message that says nothing useful');
      expect(e).toBeInstanceOf(UnsupportedJpegError);
      expect((e as UnsupportedJpegError).feature, name).toBe(expected[name]);
      expect(featureName(code, 12)).toBe(expected[name]);
    }
    expect(decoderError(codes.kind.notAJpeg, 0, 0, 'CMYK').name).toBe('NotAJpegError'); // text plays no part
    expect(decoderError(codes.kind.corrupt, 0, 0, '12-bit').name).toBe('CorruptJpegError');
  });
});

describe('typed errors (in-thread decoder)', () => {
  it.each(badFixtures().map((f) => [f.name, f]))('%s', (_, f) => {
    for (const op of [() => decoder.decode(f.bytes), () => decoder.decodeRgb(f.bytes)]) {
      let caught: unknown;
      try {
        op();
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(classes[f.error]);
      expect((caught as Error).name).toBe(f.error);
      expect((caught as Error).message.length).toBeGreaterThan(5);
      if (f.feature) expect((caught as UnsupportedJpegError).feature).toBe(f.feature);
      if (f.limit) expect((caught as JpegLimitError).limit).toBe(f.limit);
    }
  });

  it('names the unsupported feature in the message', () => {
    const cmyk = badFixtures().find((f) => f.name === 'cmyk')!;
    expect(() => decoder.decode(cmyk.bytes)).toThrow(/CMYK/);
    const twelve = badFixtures().find((f) => f.name === '12-bit')!;
    expect(() => decoder.decode(twelve.bytes)).toThrow(/12-bit/);
  });

  it('refuses a 30000×30000 header before allocating', () => {
    const before = decoder.memoryBytes();
    const baseline = decoder.heapInUse();
    expect(() => decoder.decode(dimensions(good, 30000, 30000))).toThrow(JpegLimitError);
    expect(() => decoder.decodeRgb(dimensions(good, 30000, 30000))).toThrow(JpegLimitError);
    expect(decoder.memoryBytes()).toBe(before);
    // Under the limit the planes are allocated, the data runs out, and all is freed.
    expect(() => decoder.decode(dimensions(good, 3000, 3000))).toThrow(CorruptJpegError);
    expect(decoder.heapInUse()).toBe(baseline);
  });

  it('maxPixels and maxScans are enforced', () => {
    expect(() => decoder.decode(good, { maxPixels: 224 * 224 - 1 })).toThrow(JpegLimitError);
    expect(decoder.decode(good, { maxPixels: 224 * 224 }).width).toBe(224);
    const progressive = new Uint8Array(readFileSync(validFixtures().find((f) => f.name === 'progressive-420')!.path));
    const scans = decoder.decode(progressive).scans;
    expect(scans).toBeGreaterThan(2);
    let caught: unknown;
    try {
      decoder.decode(progressive, { maxScans: scans - 1 });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(JpegLimitError);
    expect((caught as JpegLimitError).limit).toBe('maxScans');
    expect(decoder.decode(progressive, { maxScans: scans }).scans).toBe(scans);
  });

  it('maxBytes (default 64 MiB) refuses a file before copying it', () => {
    const before = decoder.heapInUse();
    let caught: unknown;
    try {
      decoder.decode(good, { maxBytes: good.length - 1 });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(JpegLimitError);
    expect((caught as JpegLimitError).limit).toBe('maxBytes');
    expect(decoder.decode(good, { maxBytes: good.length }).width).toBe(224);
    const huge = new Uint8Array(64 * 1024 * 1024 + 1);
    huge.set(good);
    expect(() => decoder.decode(huge)).toThrow(/more than maxBytes \(67108864\)/);
    expect(decoder.heapInUse()).toBe(before);
  });

  it('strict by default; strict: false accepts corrupt-data warnings', () => {
    const truncated = good.slice(0, Math.floor(good.length * 0.7));
    expect(() => decoder.decode(truncated)).toThrow(CorruptJpegError);
    const img = decoder.decode(truncated, { strict: false });
    expect(img.warnings).toBeGreaterThan(0);
    expect(img.components[0].blocksX).toBe(28);
  });

  it('after 1,000 bad inputs the decoder still decodes correctly and the heap is back to its baseline', () => {
    const reference = decoder.decode(good, { dequantize: false });
    const baseline = decoder.heapInUse();
    const bad = badFixtures();
    for (let i = 0; i < 1000; i++) {
      expect(() => decoder.decode(bad[i % bad.length].bytes)).toThrow();
    }
    expect(decoder.heapInUse()).toBe(baseline);
    expect(decoder.memoryBytes()).toBeLessThanOrEqual(64 * 1024 * 1024);
    const again = decoder.decode(good, { dequantize: false });
    expect(again.components.map((c) => [...c.coefficients])).toEqual(reference.components.map((c) => [...c.coefficients]));
  });

  it('does not accept non-bytes', () => {
    expect(() => decoder.decode('not bytes' as unknown as Uint8Array)).toThrow(TypeError);
  });
});
