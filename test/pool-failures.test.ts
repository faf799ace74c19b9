// Every request settles, whatever happens to the workers: a replacement that fails to start
// (its script throws, or it reports an init error) is retried a few times, then the pool says
// it is broken and rejects what waits instead of leaving it pending forever.
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DecoderPool, DecoderWorkerError } from '../src/index.js';
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

  it('a worker script that cannot be loaded: the first requests reject instead of hanging', async () => {
    const pool = new DecoderPool({ size: 1, workerUrl: new URL('./helpers/no-such-worker.mjs', import.meta.url) });
    const outcomes = await settleWithin(files.map((f) => pool.decode(f)));
    for (const o of outcomes) expect(o.status).toBe('rejected');
    pool.terminate();
  });
});
