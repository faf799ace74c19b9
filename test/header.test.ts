// readJpegHeader refuses what the WebAssembly decoder refuses at the header, with the same errors.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { WasmDecoder, readJpegHeader } from '../src/index.js';
import { badFixtures, validFixtures } from './helpers/fixtures.js';
import { withOrientation } from './harness/exif.mjs';

let decoder: WasmDecoder;
beforeAll(async () => {
  decoder = await WasmDecoder.create();
});

describe('readJpegHeader', () => {
  it('reads the size and components of every valid fixture like the decoder', () => {
    for (const f of validFixtures()) {
      const bytes = new Uint8Array(readFileSync(f.path));
      const h = readJpegHeader(bytes);
      const img = decoder.decode(bytes);
      expect([h.width, h.height, h.components], f.name).toEqual([img.width, img.height, img.components.length]);
      expect(h.sampling, f.name).toEqual(img.components.map((c) => ({ h: c.h, v: c.v })));
      expect(h.orientation, f.name).toBe(img.orientation);
    }
  });
  it('reads the EXIF orientation like the decoder (what the pipeline plans with before decoding)', () => {
    const bytes = new Uint8Array(readFileSync(validFixtures()[0].path));
    for (let o = 1; o <= 8; o++) {
      const tagged = withOrientation(bytes, o);
      expect(readJpegHeader(tagged).orientation).toBe(o);
      expect(decoder.decode(tagged).orientation).toBe(o);
    }
  });
  it('throws the decoder’s typed error for header-level problems', () => {
    const headerLevel = ['png', 'gif', 'empty', 'one byte', 'text', 'cmyk', '12-bit', 'lossless', 'SOI then EOI', '30000x30000 header'];
    for (const f of badFixtures().filter((b) => headerLevel.includes(b.name))) {
      let caught: unknown;
      try {
        readJpegHeader(f.bytes);
      } catch (e) {
        caught = e;
      }
      expect((caught as Error)?.name, f.name).toBe(f.error);
      if (f.feature) expect((caught as { feature: string }).feature).toBe(f.feature);
    }
  });
});
