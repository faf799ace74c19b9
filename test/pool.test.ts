// The worker pool in Node (worker_threads), from the sources (its worker is the one npm run build:lib makes),
// so tests exercise the code as it is now (vitest's global setup rebuilds dist/lib when it is stale).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecoderPool, WasmDecoder, type DctImage } from '../src/index.js';
import { badFixtures, imagenetteSample, validFixtures } from './helpers/fixtures.js';

const files = imagenetteSample(3).map((p) => new Uint8Array(readFileSync(p)));
const bad = badFixtures();
let pool: DecoderPool;
let reference: DctImage[];

beforeAll(async () => {
  pool = new DecoderPool({ size: 2 });
  await pool.ready();
  const d = await WasmDecoder.create();
  reference = files.map((f) => d.decode(f));
});
afterAll(() => pool.terminate());

const same = (a: DctImage, b: DctImage) =>
  a.components.every((c, i) => Buffer.from(c.coefficients.buffer).equals(Buffer.from(b.components[i].coefficients.buffer)));

describe('DecoderPool (Node worker_threads)', () => {
  it('default size is hardware concurrency − 1, at least 1', async () => {
    const p = new DecoderPool();
    await p.ready();
    const { availableParallelism } = await import('node:os');
    expect(p.size).toBe(Math.max(1, availableParallelism() - 1));
    p.terminate();
  });

  it('decodes many files concurrently, identical to the in-thread decoder', async () => {
    const results = await Promise.all(files.map((f) => pool.decode(f)));
    results.forEach((r, i) => expect(same(r, reference[i])).toBe(true));
  });

  it('hands results back as transferred, non-shared buffers and leaves the input intact', async () => {
    const input = files[0].slice();
    const img = await pool.decode(input);
    expect(img.components[0].coefficients.buffer).toBeInstanceOf(ArrayBuffer);
    // All planes share one buffer: one transfer, no per-plane copies.
    expect(img.components[1].coefficients.buffer).toBe(img.components[0].coefficients.buffer);
    expect(input.byteLength).toBe(files[0].byteLength);
    const moved = files[1].slice();
    await pool.decode(moved, { transferInput: true });
    expect(moved.byteLength).toBe(0); // detached: it was transferred, not copied
  });

  it('one typed error per failed request; the others succeed', async () => {
    const mixed = [files[0], bad[0].bytes, files[1], bad[8].bytes, bad[5].bytes, files[2]];
    const settled = await Promise.allSettled(mixed.map((b) => pool.decode(b)));
    expect(settled.map((s) => (s.status === 'fulfilled' ? 'ok' : (s.reason as Error).name))).toEqual([
      'ok',
      bad[0].error,
      'ok',
      bad[8].error,
      bad[5].error,
      'ok',
    ]);
  });

  it('maxBytes is checked before the file is posted to a worker', async () => {
    await expect(pool.decode(files[0], { maxBytes: 100 })).rejects.toMatchObject({ name: 'JpegLimitError', limit: 'maxBytes' });
    await expect(pool.decodeRgb(files[0], { maxBytes: 100 })).rejects.toMatchObject({ name: 'JpegLimitError', limit: 'maxBytes' });
  });

  it('decodeRgb in a worker', async () => {
    const rgb = await pool.decodeRgb(files[0], { scale: 0.5 });
    expect([rgb.width, rgb.height, rgb.data.length]).toEqual([112, 112, 112 * 112 * 3]);
  });

  it('AbortSignal: a queued request is cancelled, the rest complete', async () => {
    const p = new DecoderPool({ size: 1 });
    await p.ready();
    const ac = new AbortController();
    const first = p.decode(files[0]);
    const queued = p.decode(files[1], { signal: ac.signal });
    const after = p.decode(files[2]);
    ac.abort();
    await expect(queued).rejects.toMatchObject({ name: 'AbortError' });
    expect(same(await first, reference[0])).toBe(true);
    expect(same(await after, reference[2])).toBe(true);
    await expect(p.decode(files[0], { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    p.terminate();
  });

  it('AbortSignal: a running request rejects at once; its worker is replaced', async () => {
    const p = new DecoderPool({ size: 1 });
    await p.ready();
    // A 12-megapixel progressive file keeps the worker busy long enough to abort mid-decode.
    const big = new Uint8Array(readFileSync(validFixtures().find((f) => f.name === 'large-progressive')!.path));
    const ac = new AbortController();
    const running = p.decode(big, { signal: ac.signal });
    await new Promise((r) => setTimeout(r, 5));
    ac.abort();
    await expect(running).rejects.toMatchObject({ name: 'AbortError' });
    expect(same(await p.decode(files[0]), reference[0])).toBe(true);
    expect(p.size).toBe(1);
    p.terminate();
  });

  it('after 1,000 bad inputs the same worker decodes correctly; its WASM heap is at its baseline', async () => {
    const p = new DecoderPool({ size: 1 });
    await p.ready();
    await p.decode(files[0]);
    const [before] = await p.stats();
    const settled = await Promise.allSettled(Array.from({ length: 1000 }, (_, i) => p.decode(bad[i % bad.length].bytes)));
    expect(settled.every((s) => s.status === 'rejected')).toBe(true);
    const [after] = await p.stats();
    expect(after.handled - before.handled).toBe(1000);
    expect(after.heapInUse).toBe(before.heapInUse);
    expect(after.memoryBytes).toBeLessThanOrEqual(64 * 1024 * 1024);
    expect(same(await p.decode(files[0]), reference[0])).toBe(true);
    p.terminate();
  });

  it('terminate() rejects pending work and further requests', async () => {
    const p = new DecoderPool({ size: 1 });
    const pending = p.decode(files[0]);
    p.terminate();
    await expect(pending).rejects.toMatchObject({ name: 'DecoderWorkerError' });
    await expect(p.decode(files[0])).rejects.toMatchObject({ name: 'DecoderWorkerError' });
  });
});
