// Faults from outside: a decoder worker that disappears mid-request, and weights that
// fail to arrive (network cut, HTTP error, tampered shard). Each fails its own request
// with a clear error and leaves nothing behind; the next attempt works.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecoderPool, WasmDecoder, load, type DctImage } from '../src/index.js';
import { imagenetteSample, validFixtures } from './helpers/fixtures.js';
import { root } from './helpers/paths.js';

const files = imagenetteSample(2).map((p) => new Uint8Array(readFileSync(p)));
const same = (a: DctImage, b: DctImage) =>
  a.components.every((c, i) => Buffer.from(c.coefficients.buffer).equals(Buffer.from(b.components[i].coefficients.buffer)));

describe('decoder worker lost mid-request', () => {
  it('only the running request rejects; queued requests complete on its replacement', async () => {
    const reference = await WasmDecoder.create().then((d) => files.map((f) => d.decode(f)));
    const pool = new DecoderPool({ size: 1 });
    await pool.ready();
    const big = new Uint8Array(readFileSync(validFixtures().find((f) => f.name === 'large-progressive')!.path));
    const running = pool.decode(big);
    const queued = files.map((f) => pool.decode(f));
    await new Promise((r) => setTimeout(r, 5));
    // What a browser does to a worker under memory pressure, or a crashed thread in Node:
    // the worker stops from outside, without a word to the pool.
    const internals = pool as unknown as { slots: { handle: { terminate(): void } }[] };
    internals.slots[0].handle.terminate();
    await expect(running).rejects.toMatchObject({ name: 'DecoderWorkerError', message: expect.stringMatching(/decoder worker failed/) });
    const done = await Promise.all(queued);
    done.forEach((img, i) => expect(same(img, reference[i])).toBe(true));
    expect(pool.size).toBe(1);
    expect(internals.slots[0].handle).not.toBeUndefined();
    expect(same(await pool.decode(files[0]), reference[0])).toBe(true);
    pool.terminate();
  });
});

describe('weights that fail to arrive', () => {
  const id = 'late-concat';
  const folder = join(root, 'test/fixtures/parity', id);
  /** What the server does to the next shard request. */
  let mode: 'ok' | 'cut' | 'tamper' | 'missing' = 'ok';
  let server: Server;
  let base: string;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    server = createServer((req, res) => {
      const name = (req.url ?? '/').split('/').pop()!;
      let body: Buffer;
      try {
        body = readFileSync(join(folder, name));
      } catch {
        res.writeHead(404).end();
        return;
      }
      if (name.endsWith('.bin') && mode !== 'ok') {
        const m = mode;
        mode = 'ok'; // fail once, as a flaky network does
        if (m === 'missing') return void res.writeHead(404).end();
        if (m === 'tamper') body = Buffer.from(body.map((b, i) => (i === 100 ? b ^ 1 : b)));
        if (m === 'cut') {
          // Promise the whole shard, send half of it, then drop the connection.
          res.writeHead(200, { 'content-length': String(body.length) });
          res.write(body.subarray(0, body.length >> 1));
          setTimeout(() => req.socket.destroy(), 20);
          return;
        }
      }
      res.writeHead(200, { 'content-length': String(body.length) }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/${id}/`;
  });
  afterAll(() => server?.close());

  const attempt = async (m: typeof mode) => {
    mode = m;
    const before = tf.memory().numTensors;
    const err = await load(id, { modelUrl: base }).then(
      (model) => (model.dispose(), undefined),
      (e: Error) => e,
    );
    expect(tf.memory().numTensors).toBe(before); // nothing left behind
    return err;
  };

  it('a connection cut while a shard downloads rejects load() with a WeightsError; a retry succeeds', async () => {
    const err = await attempt('cut');
    expect(err).toMatchObject({ name: 'WeightsError', reason: 'network', message: expect.stringMatching(/network error while loading http:.*group1-shard1of1\.bin/) });
    const model = await load(id, { modelUrl: base });
    const r = await model.classify(files[0]);
    expect(r.predictions[0].className).toEqual(expect.any(String));
    model.dispose();
  });

  it('a shard failing its sha256 is refused, naming the shard; a retry succeeds', async () => {
    const err = await attempt('tamper');
    expect(err).toMatchObject({ name: 'WeightsError', reason: 'integrity', message: expect.stringMatching(/group1-shard1of1\.bin' of .*model\.json fails its sha256/) });
    expect(await attempt('ok')).toBeUndefined();
  });

  it('an HTTP error names the URL and status', async () => {
    const err = await attempt('missing');
    expect(err).toMatchObject({ name: 'WeightsError', reason: 'not-found', status: 404, message: expect.stringMatching(/failed to load http:.*: HTTP 404/) });
  });

  it('no server at all', async () => {
    const err = await load(id, { modelUrl: 'http://127.0.0.1:9/nothing/' }).catch((e: Error) => e);
    expect(err).toMatchObject({ name: 'WeightsError', reason: 'network', message: expect.stringMatching(/network error while loading http:\/\/127\.0\.0\.1:9\/nothing\/model\.json/) });
  });
});
