// Every request settles with a result or a typed error, and the model keeps working: cut
// response bodies, inputs over maxBytes (refused while reading, not after), model files that
// are too large or malformed, a file that cannot be prepared inside a batch, bad CLI arguments.
import { spawnSync } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FetchError, JpegLimitError, PrepError, WasmDecoder, WeightsError, load, type DctVisionModel } from '../src/index.js';
import { imagenetteSample } from './helpers/fixtures.js';
import { root } from './helpers/paths.js';

const files = imagenetteSample(3).map((p) => new Uint8Array(readFileSync(p)));
const parity = (id: string) => join(root, 'test/fixtures/parity', id);
const MAX = 200_000; // maxBytes of the model under test: the val files are ~20 kB
const tmp = mkdtempSync(join(tmpdir(), 'dctv-settle-'));

let server: Server;
let base: string;
/** Bytes the endless routes have written: a refused download must stop early. */
const written: Record<string, number> = {};

/** Writes 64 KiB chunks (as the socket drains) until `limit` bytes or the client goes away. */
function stream(res: import('node:http').ServerResponse, key: string, limit: number, headers: Record<string, string> = {}) {
  res.writeHead(200, headers);
  written[key] = 0;
  const chunk = Buffer.alloc(65536, 0x20);
  const pump = () => {
    while (written[key] < limit && !res.destroyed) {
      written[key] += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    res.end();
  };
  pump();
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    if (path === '/cut.jpg') {
      // promise the whole file, send half of it, then drop the connection
      res.writeHead(200, { 'content-length': String(files[0].length) });
      res.write(files[0].subarray(0, files[0].length >> 1));
      setTimeout(() => req.socket.destroy(), 20);
    } else if (path === '/declared-large.jpg') {
      res.writeHead(200, { 'content-length': String(50 * MAX) });
      res.write(files[0].subarray(0, 1000)); // and then nothing: only the header can refuse it
    } else if (path === '/endless.jpg') {
      stream(res, 'endless.jpg', 64 << 20);
    } else if (path === '/good.jpg') {
      res.writeHead(200, { 'content-length': String(files[1].length) }).end(files[1]);
    } else if (path === '/huge-json/model.json') {
      stream(res, 'model.json', 64 << 20, { 'content-type': 'application/json' });
    } else if (path.startsWith('/big-shard/')) {
      const name = path.split('/').pop()!;
      if (name.endsWith('.bin')) stream(res, 'shard', 256 << 20);
      else res.end(readFileSync(join(parity('late-concat'), name)));
    } else if (path === '/malformed/model.json') {
      res.end(JSON.stringify({ format: 'dctvision-model', network: 'late-concat', width: 0.25, classes: 10 }));
    } else if (path === '/unknown/model.json') {
      const json = JSON.parse(readFileSync(join(parity('late-concat'), 'model.json'), 'utf8'));
      delete json.spec;
      res.end(JSON.stringify({ ...json, network: 'no-such-network' }));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('classify() settles typed, and the model keeps working', () => {
  let model: DctVisionModel;
  beforeAll(async () => {
    model = await load('late-concat', { modelUrl: pathToFileURL(parity('late-concat') + '/'), backend: 'cpu', limits: { maxBytes: MAX } });
  });
  afterAll(() => model?.dispose());

  /** The request's error; then a good file still classifies, and no tensor was left behind. */
  async function failsAlone(request: () => Promise<unknown>): Promise<Error> {
    const before = tf.memory().numTensors;
    const err = await request().then(
      () => new Error('resolved'),
      (e: Error) => e,
    );
    expect(tf.memory().numTensors).toBe(before);
    expect((await model.classify(files[2])).predictions).toHaveLength(5);
    return err;
  }

  it('a URL whose body is cut off mid-way: FetchError, not a bare TypeError', async () => {
    const err = await failsAlone(() => model.classify(`${base}/cut.jpg`));
    expect(err).toBeInstanceOf(FetchError);
    expect(err.message).toMatch(/cut\.jpg: the response ended early/);
    expect((await model.classify(`${base}/good.jpg`)).predictions[0].className).toEqual(expect.any(String));
  });

  it('a URL declaring more than maxBytes is refused by its header, before the body', async () => {
    const err = await failsAlone(() => model.classify(`${base}/declared-large.jpg`));
    expect(err).toBeInstanceOf(JpegLimitError);
    expect((err as JpegLimitError).limit).toBe('maxBytes');
  });

  it('a URL streaming without a length is cut off once past maxBytes', async () => {
    const err = await failsAlone(() => model.classify(`${base}/endless.jpg`));
    expect(err).toBeInstanceOf(JpegLimitError);
    // the download stopped: far less than the 64 MiB the server would send was written
    expect(written['endless.jpg']).toBeLessThan(16 << 20);
  });

  it('a Blob or a local file over maxBytes is refused before it is read', async () => {
    class Unreadable extends Blob {
      override arrayBuffer(): Promise<ArrayBuffer> {
        throw new Error('read although it is over maxBytes');
      }
    }
    expect(await failsAlone(() => model.classify(new Unreadable([new Uint8Array(MAX + 1)])))).toBeInstanceOf(JpegLimitError);
    const big = join(tmp, 'big.jpg');
    writeFileSync(big, new Uint8Array(MAX + 1));
    expect(await failsAlone(() => model.classify(pathToFileURL(big)))).toBeInstanceOf(JpegLimitError);
    expect(await failsAlone(() => model.classify(new Uint8Array(MAX + 1)))).toBeInstanceOf(JpegLimitError);
  });

  it('coefficients the network cannot be prepared from: PrepError, alone in its batch, no tensor left', async () => {
    const decoder = await WasmDecoder.create();
    const starved = decoder.decode(files[0], { keep: [1, 1, 1] }); // 1×1 frequencies: the network reads 8×8
    expect(await failsAlone(() => model.classify(starved))).toBeInstanceOf(PrepError);
    const before = tf.memory().numTensors;
    const results = await model.classifyBatch([files[0], starved, files[1]], { batchSize: 3 });
    expect(tf.memory().numTensors).toBe(before);
    expect(results[1]).toBeInstanceOf(PrepError);
    for (const [i, file] of [[0, files[0]], [2, files[1]]] as const) {
      const alone = await model.classify(file);
      expect((results[i] as { predictions: unknown[] }).predictions).toEqual(alone.predictions);
    }
  });
});

describe('load() settles typed on model files that are too large or malformed', () => {
  it('a model.json that never ends is cut off at 1 MiB: WeightsError', async () => {
    const err = await load('late-concat', { modelUrl: `${base}/huge-json/`, backend: 'cpu' }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(WeightsError);
    expect(written['model.json']).toBeLessThan(16 << 20);
  });

  it('a shard far larger than the network needs: WeightsError (mismatch), without reading it all', async () => {
    const err = await load('late-concat', { modelUrl: `${base}/big-shard/`, backend: 'cpu' }).catch((e: Error) => e);
    expect(err).toMatchObject({ name: 'WeightsError', reason: 'mismatch' });
    expect(written.shard).toBeLessThan(64 << 20);
  });

  it('a model.json without weights, or of a network no library knows: WeightsError, not a TypeError', async () => {
    const malformed = await load('late-concat', { modelUrl: `${base}/malformed/`, backend: 'cpu' }).catch((e: Error) => e);
    expect(malformed).toMatchObject({ name: 'WeightsError', reason: 'not-a-model' });
    const unknown = await load('no-such-network', { modelUrl: `${base}/unknown/`, backend: 'cpu' }).catch((e: Error) => e);
    expect(unknown).toMatchObject({ name: 'WeightsError', reason: 'mismatch' });
  });
});

describe('dctvision classify: bad arguments', () => {
  const bin = join(root, 'bin/dctvision.js');
  const file = imagenetteSample(1)[0];
  for (const [args, message] of [
    [['--top', 'abc'], /--top must be a positive integer, got 'abc'/],
    [['--top', '0'], /--top must be a positive integer/],
    [['--batch', '2.5'], /--batch must be a positive integer/],
    [['--backend', 'webgpu'], /--backend must be wasm or cpu/],
    [['--no-such-option'], /Unknown option/],
  ] as [string[], RegExp][]) {
    it(`${args.join(' ')}: exit 2, saying what is wrong, nothing on stdout`, () => {
      const r = spawnSync('node', [bin, 'classify', file, ...args, '--model-url', parity('late-concat')], { encoding: 'utf8' });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    });
  }
});
