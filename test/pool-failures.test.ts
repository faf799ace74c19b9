// Every request settles, whatever happens to the workers: a replacement that fails to start
// (its script throws, or it reports an init error) is retried a few times, then the pool says
// it is broken and rejects what waits instead of leaving it pending forever.
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DecoderLoadError, DecoderPool, DecoderWorkerError, WasmDecoder } from '../src/index.js';
import { imagenetteSample, validFixtures } from './helpers/fixtures.js';

const flaky = new URL('./helpers/flaky-worker.mjs', import.meta.url);
const files = imagenetteSample(3).map((p) => new Uint8Array(readFileSync(p)));
const big = new Uint8Array(readFileSync(validFixtures().find((f) => f.name === 'large-progressive')!.path));

/** Resolves with every outcome, or fails the test if any request is still pending after `ms`. */
async function settleWithin<T>(promises: Promise<T>[], ms = 20_000): Promise<PromiseSettledResult<T>[]> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`requests still pending after ${ms} ms`)), ms)));
  try {
    return await Promise.race([Promise.allSettled(promises), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Kills the pool's only worker from outside while it decodes `big`, with more work queued behind. */
async function loseWorker(pool: DecoderPool) {
  const running = pool.decode(big);
  const queued = files.map((f) => pool.decode(f));
  await new Promise((r) => setTimeout(r, 5));
  (pool as unknown as { slots: { handle: { terminate(): void } }[] }).slots[0].handle.terminate();
  return [running, ...queued];
}

afterEach(() => {
  delete process.env.DCTV_FLAKY;
  delete process.env.DCTV_FLAKY_ONCE;
});

describe('worker start failures', () => {
  for (const mode of ['throw', 'init-error']) {
    it(`replacements that keep failing to start (${mode}): every request rejects, the pool says it is broken`, async () => {
      const pool = new DecoderPool({ size: 1, workerUrl: flaky });
      await pool.ready();
      expect((await pool.decode(files[0])).width).toBe(224); // the first worker is fine
      process.env.DCTV_FLAKY = mode;
      const outcomes = await settleWithin(await loseWorker(pool));
      for (const o of outcomes) {
        expect(o.status).toBe('rejected');
        expect((o as PromiseRejectedResult).reason).toBeInstanceOf(DecoderWorkerError);
      }
      expect((outcomes.at(-1) as PromiseRejectedResult).reason.message).toMatch(/decoder pool is broken: 3 workers in a row failed to start/);
      expect(pool.isBroken).toBe(true);
      await expect(pool.decode(files[0])).rejects.toThrow(/decoder pool is broken/);
      pool.terminate();
    });
  }

  it('a replacement that fails once is retried: queued requests complete', async () => {
    const pool = new DecoderPool({ size: 1, workerUrl: flaky });
    await pool.ready();
    const marker = join(tmpdir(), `dctv-flaky-${process.pid}`);
    writeFileSync(marker, '');
    process.env.DCTV_FLAKY_ONCE = marker;
    const [running, ...queued] = await settleWithin(await loseWorker(pool));
    expect(running.status).toBe('rejected');
    expect(queued.map((q) => q.status)).toEqual(files.map(() => 'fulfilled'));
    expect(pool.isBroken).toBe(false);
    pool.terminate();
  });

  it('a worker script that cannot be loaded: the first requests reject, typed, instead of hanging', async () => {
    const pool = new DecoderPool({ size: 1, workerUrl: new URL('./helpers/no-such-worker.mjs', import.meta.url) });
    const outcomes = await settleWithin(files.map((f) => pool.decode(f)));
    for (const o of outcomes) {
      expect(o.status).toBe('rejected');
      expect((o as PromiseRejectedResult).reason).toBeInstanceOf(DecoderWorkerError);
    }
    await expect(pool.ready()).rejects.toBeInstanceOf(DecoderWorkerError);
    await expect(pool.decode(files[0])).rejects.toThrow(/decoder pool is broken/);
    pool.terminate();
  });

  it('a first worker that fails to start: requests made at once go to its replacement and the other worker; the pool recovers', async () => {
    const marker = join(tmpdir(), `dctv-flaky-first-${process.pid}`);
    writeFileSync(marker, '');
    process.env.DCTV_FLAKY_ONCE = marker; // the first worker created throws, the next ones start
    const pool = new DecoderPool({ size: 2, workerUrl: flaky });
    const outcomes = await settleWithin(files.map((f) => pool.decode(f)));
    expect(outcomes.map((o) => o.status)).toEqual(files.map(() => 'fulfilled'));
    await pool.ready();
    expect(pool.size).toBe(2);
    expect(pool.isBroken).toBe(false);
    expect((await pool.decode(files[1])).width).toBe(224);
    // both workers really serve: each answers its own stats request
    expect((await pool.stats()).length).toBe(2);
    pool.terminate();
  });
});

/** A valid WebAssembly module that imports a function no decoder glue provides: it compiles, but cannot be instantiated. */
function foreignModule(): WebAssembly.Module {
  const name = [...'dctv_missing'].map((c) => c.charCodeAt(0));
  const imports = [1, 3, ...[...'env'].map((c) => c.charCodeAt(0)), name.length, ...name, 0, 0];
  const bytes = [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 2, imports.length, ...imports];
  return new WebAssembly.Module(new Uint8Array(bytes));
}

describe('a decoder that cannot be loaded', () => {
  it('a module that compiles but does not instantiate (another build): WasmDecoder.create rejects with DecoderLoadError', async () => {
    const [outcome] = await settleWithin([WasmDecoder.create(foreignModule())], 5_000);
    expect(outcome.status).toBe('rejected');
    expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(DecoderLoadError);
    expect((outcome as PromiseRejectedResult).reason.message).toMatch(/could not be instantiated/);
  });

  it('the same module given to a pool: its requests and ready() reject instead of waiting forever', async () => {
    const pool = new DecoderPool({ size: 1, wasmModule: foreignModule() });
    const outcomes = await settleWithin<unknown>([...files.map((f) => pool.decode(f)), pool.ready()]);
    for (const o of outcomes) {
      expect(o.status).toBe('rejected');
      expect((o as PromiseRejectedResult).reason).toBeInstanceOf(DecoderWorkerError);
      expect((o as PromiseRejectedResult).reason.message).toMatch(/could not be instantiated/);
    }
    pool.terminate();
  });

  it('a .wasm that is not WebAssembly: every request rejects with DecoderLoadError', async () => {
    const pool = new DecoderPool({ size: 1, wasmUrl: new URL('./pool-failures.test.ts', import.meta.url) });
    const outcomes = await settleWithin<unknown>([...files.map((f) => pool.decode(f)), pool.ready()]);
    for (const o of outcomes) expect((o as PromiseRejectedResult).reason).toBeInstanceOf(DecoderLoadError);
    pool.terminate();
  });
});
