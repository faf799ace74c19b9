// Streams: a file fed as its bytes arrive gives, after each progressive scan, exactly what a
// one-shot decode of the file cut there (plus EOI) gives; any cut ends in a typed error after
// the scans that completed; limits apply as bytes arrive. And scan skipping against native libjpeg.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CorruptJpegError, JpegError, JpegLimitError, WasmDecoder, type DctImage, type DecodeEvent } from '../src/index.js';
import { cutAt, scanEnds } from '../src/decode/scans.js';
import { imagenetteSample, validFixtures } from './helpers/fixtures.js';
import { nativeCoefficients } from './helpers/native.js';
import { chunked, progressiveCopy } from './helpers/progressive.js';

let decoder: WasmDecoder;
beforeAll(async () => {
  decoder = await WasmDecoder.create();
});

const files = imagenetteSample(1).slice(0, 4);
const colour = (p: string) => nativeCoefficients(p).components.length === 3;

function feed(bytes: Uint8Array, seed: number, opts = {}, end = true): { events: DecodeEvent[]; error?: unknown } {
  const s = decoder.openStream({ dequantize: false, ...opts });
  const events: DecodeEvent[] = [];
  const parts = chunked(bytes, seed);
  const failed = () => events.at(-1)?.type === 'error';
  parts.forEach((c, i) => failed() || events.push(...s.push(c, end && i === parts.length - 1)));
  if ((!end || !parts.length) && !failed()) events.push(...s.push(new Uint8Array(0), true));
  s.close();
  const at = events.findIndex((e) => e.type === 'error');
  if (at >= 0) {
    expect(at, 'an error is the last event').toBe(events.length - 1);
    return { events: events.slice(0, at), error: (events[at] as { error: Error }).error };
  }
  return { events };
}

const coefficients = (img: DctImage) => img.components.map((c) => Array.from(c.coefficients));

describe('a progressive file fed in chunks', () => {
  it.each(files.map((f, i) => [f.split('/').slice(-2).join('/'), f, i]))('%s: each scan equals the file cut there', (_, path, seed) => {
    const bytes = progressiveCopy(path as string);
    const ends = scanEnds(bytes);
    const { events, error } = feed(bytes, seed as number);
    expect(error).toBeUndefined();
    expect(events[0].type).toBe('header');
    const scans = events.filter((e) => e.type === 'scan');
    // the last scan has an image of its own only when its EOI had not arrived with it
    expect([ends.length - 1, ends.length]).toContain(scans.length);
    scans.forEach((e, k) => {
      const want = decoder.decode(cutAt(bytes, ends[k]), { dequantize: false });
      expect(coefficients(e.image)).toEqual(coefficients(want));
      expect(e.bytes).toBeGreaterThanOrEqual(ends[k]);
      expect(e.bytes).toBeLessThanOrEqual(bytes.length);
    });
    const last = events.at(-1)!;
    expect(last.type).toBe('end');
    expect((last as { complete: boolean }).complete).toBe(true);
    expect(coefficients((last as { image: DctImage }).image)).toEqual(coefficients(decoder.decode(bytes, { dequantize: false })));
    expect(Array.from((last as { image: DctImage }).image.bands[0])).toEqual(new Array(64).fill(0));
  });

  it('an arithmetic-coded progressive file (its decoder cannot suspend) gives its image once all of it is there', () => {
    const f = validFixtures().find((x) => x.name === 'arithmetic-progressive')!;
    const bytes = new Uint8Array(readFileSync(f.path));
    const { events, error } = feed(bytes, 9);
    expect(error).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(['header', 'end']);
    expect(coefficients((events[1] as { image: DctImage }).image)).toEqual(coefficients(decoder.decode(bytes, { dequantize: false })));
  });

  it('a baseline file gives one image, at the end', () => {
    const bytes = new Uint8Array(readFileSync(files[0]));
    const { events, error } = feed(bytes, 7);
    expect(error).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(['header', 'end']);
  });

  it('bands say what each scan brought: after scan 2 of libjpeg’s script, luma AC 1–5 with 2 bits missing', () => {
    const path = files.find(colour)!;
    const { events } = feed(progressiveCopy(path), 3);
    const second = events.filter((e) => e.type === 'scan')[1] as { image: DctImage };
    const y = Array.from(second.image.bands[0]);
    expect(y.slice(0, 6)).toEqual([1, 2, 2, 2, 2, 2]);
    expect(y.slice(6).every((b) => b === -1)).toBe(true);
    expect(Array.from(second.image.bands[1]).every((b, k) => (k === 0 ? b === 1 : b === -1))).toBe(true);
  });
});

describe('a stream cut anywhere ends in a typed error after the scans that completed', () => {
  const bytes = progressiveCopy(files.find(colour)!);
  const ends = scanEnds(bytes);

  it.each(ends.map((e, k) => [k + 1, e]))('cut after scan %i (no EOI): the image of the scans that arrived', (k, end) => {
    const { events, error } = feed(bytes.subarray(0, end as number), k as number, {}, false);
    expect(error).toBeUndefined();
    const last = events.at(-1) as { type: string; image: DctImage; complete: boolean };
    expect([last.type, last.complete]).toEqual(['end', false]);
    expect(coefficients(last.image)).toEqual(coefficients(decoder.decode(cutAt(bytes, end as number), { dequantize: false })));
  });

  it.each([1, 2, 5, 9].map((k) => [k]))('cut inside scan %i: a typed error after the scans before it', (k) => {
    const end = ends[k - 1] + Math.floor((ends[k] - ends[k - 1]) / 2);
    const { events, error } = feed(bytes.subarray(0, end), k, {}, false);
    expect(error).toBeInstanceOf(CorruptJpegError);
    expect((error as Error).message).toMatch(/stream ended after \d+ bytes, inside a scan/);
    expect(events.filter((e) => e.type === 'scan').length).toBe(k);
  });

  it('cut at 60 random bytes, inside markers and scans: never a hang, never an untyped error', () => {
    let s = 12345;
    for (let i = 0; i < 60; i++) {
      s = (s * 1103515245 + 12345) >>> 0;
      const end = i < 10 ? i * 7 : s % bytes.length;
      const { events, error } = feed(bytes.subarray(0, end), i, {}, false);
      const complete = ends.filter((e) => e <= end).length;
      if (ends.includes(end)) expect(events.at(-1)?.type, `cut at ${end}`).toBe('end');
      else expect(error, `cut at ${end}`).toBeInstanceOf(JpegError);
      expect(events.filter((e) => e.type === 'scan').length).toBeLessThanOrEqual(complete);
    }
  });

  it('a failed stream stays failed and the decoder goes on', () => {
    const st = decoder.openStream();
    st.push(bytes.subarray(0, 100));
    const first = st.push(new Uint8Array([0, 1, 2, 3, 0xff, 0xd8]), true);
    expect(first.at(-1)?.type).toBe('error');
    expect(st.push(new Uint8Array(0))).toEqual([first.at(-1)]);
    st.close();
    expect(decoder.decode(bytes).components.length).toBe(3);
  });
});

describe('limits as bytes arrive', () => {
  const bytes = progressiveCopy(files.find(colour)!);

  it('maxBytes mid-stream', () => {
    const { events, error } = feed(bytes, 1, { maxBytes: Math.floor(bytes.length / 2) });
    expect(error).toBeInstanceOf(JpegLimitError);
    expect((error as JpegLimitError).limit).toBe('maxBytes');
    expect(events.filter((e) => e.type === 'scan').length).toBeGreaterThan(0);
  });

  it('maxScans mid-stream', () => {
    const { events, error } = feed(bytes, 2, { maxScans: 3 });
    expect(error).toBeInstanceOf(JpegLimitError);
    expect((error as JpegLimitError).limit).toBe('maxScans');
    expect(events.filter((e) => e.type === 'scan').length).toBe(3);
  });

  it('maxPixels at the frame header, before any coefficient', () => {
    const { events, error } = feed(bytes, 3, { maxPixels: 1000 });
    expect((error as JpegLimitError).limit).toBe('maxPixels');
    expect(events).toEqual([]);
  });

  it('the heap returns to its baseline after streams, failed ones included', () => {
    const before = decoder.heapInUse();
    feed(bytes, 4);
    feed(bytes.subarray(0, 5000), 5, {}, false);
    feed(bytes, 6, { maxScans: 2 });
    expect(decoder.heapInUse()).toBe(before);
  });
});

describe('streams interleaved with other decodes', () => {
  it('two streams and one-shot decodes in between stay exact (private Huffman tables)', () => {
    const [a, b] = files.filter(colour).slice(0, 2).map((p) => progressiveCopy(p));
    const other = validFixtures().find((f) => f.name.startsWith('progressive-444'))!;
    const sa = decoder.openStream({ dequantize: false });
    const sb = decoder.openStream({ dequantize: false });
    const ca = chunked(a, 11, 700);
    const cb = chunked(b, 12, 900);
    let ea: DecodeEvent[] = [];
    let eb: DecodeEvent[] = [];
    for (let i = 0; i < Math.max(ca.length, cb.length); i++) {
      if (i < ca.length) ea = ea.concat(sa.push(ca[i], i === ca.length - 1));
      decoder.decode(new Uint8Array(readFileSync(other.path)));
      if (i < cb.length) eb = eb.concat(sb.push(cb[i], i === cb.length - 1));
    }
    sa.close();
    sb.close();
    for (const [events, bytes] of [[ea, a], [eb, b]] as const) {
      const end = events.at(-1) as { type: string; image: DctImage };
      expect(end.type).toBe('end');
      expect(coefficients(end.image)).toEqual(coefficients(decoder.decode(bytes, { dequantize: false })));
    }
  });
});

describe('skipScans: only the scans the kept frequencies need', () => {
  // What libjpeg holds after the decoded scans: each stored coefficient with its missing low bits
  // cleared (AC: magnitude truncated, DC: arithmetic shift), from native libjpeg's full decode.
  const truncate = (v: number, bits: number, dc: boolean) =>
    bits <= 0 ? v : dc ? (v >> bits) << bits : Math.sign(v) * ((Math.abs(v) >> bits) << bits);
  const ZIGZAG_OF_NATURAL = (() => {
    const zz = [0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63];
    const out = new Array(64);
    zz.forEach((nat, k) => (out[nat] = k));
    return out;
  })();

  it.each([
    ['keep 2/1/1', [2, 1, 1]],
    ['keep 4/2/2', [4, 2, 2]],
    ['keep 1/1/1', [1, 1, 1]],
  ])('%s on the 1023×701 progressive fixtures: the kept coefficients are native libjpeg’s, less the bits `bands` names', (_, keep) => {
    for (const f of validFixtures().filter((x) => x.name.startsWith('progressive-'))) {
      const img = decoder.decode(new Uint8Array(readFileSync(f.path)), { dequantize: false, keep: keep as number[], skipScans: true });
      expect(img.skippedScans, f.name).toBeGreaterThan(0);
      const ref = nativeCoefficients(f.path);
      let offset = 0;
      img.components.forEach((c, ci) => {
        const n = c.kept;
        expect(n).toBe((keep as number[])[ci]);
        const full = ref.data.subarray(offset, offset + c.blocksX * c.blocksY * 64);
        offset += c.blocksX * c.blocksY * 64;
        const bands = img.bands[ci];
        for (let b = 0; b < c.blocksX * c.blocksY; b += 7) {
          for (let v = 0; v < n; v++)
            for (let u = 0; u < n; u++) {
              const nat = v * 8 + u;
              const bits = bands[ZIGZAG_OF_NATURAL[nat]];
              const want = bits < 0 ? 0 : truncate(full[b * 64 + nat], bits, nat === 0);
              if (c.coefficients[b * n * n + v * n + u] !== want) {
                expect(`${f.name} component ${ci} block ${b} (${v},${u}): ${c.coefficients[b * n * n + v * n + u]}`).toBe(`${want} (bits ${bits})`);
              }
            }
        }
      });
    }
  });
});
