// The public API in Node (tfjs wasm backend), with the random-weight test models of
// test/fixtures/parity (the trained ones are checked in models.test.ts): what it accepts, what it
// returns, that it computes the engine's function, typed errors, and flat memory.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { load, type BatchClassification, type DctVisionModel } from '../src/index.js';
import { DecoderPool, InputPipeline, WasmDecoder, forward, loadWeights, planPrep, prepareCpu, prepareRgb } from '../src/index.js';
import { withOrientation } from './harness/exif.mjs';
import { rgbScale } from '../src/prep/pipeline.js';
import { badFixtures, imagenetteSample, validFixtures } from './helpers/fixtures.js';
import { root } from './helpers/paths.js';

const fixture = (id: string) => pathToFileURL(join(root, 'test/fixtures/parity', id) + '/');
const files = imagenetteSample(2).map((p) => new Uint8Array(readFileSync(p)));
let dct: DctVisionModel;
let rgb: DctVisionModel;

beforeAll(async () => {
  dct = await load('late-concat', { modelUrl: fixture('late-concat') });
  rgb = await load('rgb-resnet50', { modelUrl: fixture('rgb-resnet50') });
});
afterAll(() => {
  dct?.dispose();
  rgb?.dispose();
});

describe('load()', () => {
  it('reports the backend actually used and why better ones were skipped', () => {
    expect(dct.backend).toBe('wasm');
    expect(dct.skippedBackends.map((s) => s.name)).toEqual(['webgpu', 'webgl']);
    expect(dct.skippedBackends[0].reason).toMatch(/not found/);
    expect(dct.inputKind).toBe('dct');
    expect(rgb.inputKind).toBe('rgb');
    expect(dct.classNames).toHaveLength(10);
  });
  it('refuses a folder holding another network, and frees the weights it read', async () => {
    const before = tf.memory().numTensors;
    await expect(load('upsampling', { modelUrl: fixture('late-concat') })).rejects.toThrow(/is 'late-concat', not 'upsampling'/);
    expect(tf.memory().numTensors).toBe(before);
  });
  it("RGB baseline in Node: libjpeg's scaled decoding as far as the short side stays ≥ 224, input within 2% of the full-size path", async () => {
    expect(rgbScale({ width: 4000, height: 3000 }, 224)).toBe(0.125);
    expect(rgbScale({ width: 1023, height: 701 }, 224)).toBe(0.5);
    expect(rgbScale({ width: 1600, height: 900 }, 224)).toBe(0.25);
    expect(rgbScale({ width: 300, height: 500 }, 224)).toBe(1);
    const bytes = new Uint8Array(readFileSync(validFixtures().find((f) => f.name === 'baseline-420')!.path)); // 1023×701
    const pool = new DecoderPool({ size: 1 });
    const pipeline = await InputPipeline.create({ kind: 'rgb', size: 224 }, { decoder: pool, rgbDecoder: 'wasm' });
    const decoded = await pipeline.decode(bytes);
    expect(decoded.kind === 'rgb' && [decoded.width, decoded.height]).toEqual([512, 351]);
    const scaled = pipeline.arrays(decoded).rgb;
    const px = (await WasmDecoder.create()).decodeRgb(bytes);
    const full = prepareRgb(px.data, px.width, px.height, px.orientation);
    let num = 0;
    let den = 0;
    for (let i = 0; i < full.length; i++) {
      num += (scaled[i] - full[i]) ** 2;
      den += full[i] ** 2;
    }
    expect(Math.sqrt(num / den)).toBeLessThan(0.02);
    pool.terminate();
  });

  it('DCT networks on the CPU: the decoder stores only the frequencies the plan reads; same inputs as from a full decode (progressive files: with allScans)', async () => {
    const pool = new DecoderPool({ size: 1 });
    const geometry = { kind: 'dct', size: 224, chromaSize: 112 } as const;
    const pipeline = await InputPipeline.create(geometry, { decoder: pool });
    const everyScan = await InputPipeline.create(geometry, { decoder: pool, allScans: true });
    const wasm = await WasmDecoder.create();
    const rel = (a: Float32Array, b: Float32Array) => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0) / b.reduce((s, v) => s + v * v, 0));
    for (const name of ['baseline-420', 'baseline-444', 'restart-422', 'progressive-420', 'arithmetic-411']) {
      const bytes = withOrientation(new Uint8Array(readFileSync(validFixtures().find((f) => f.name === name)!.path)), 6);
      const full = wasm.decode(bytes, { dequantize: false });
      const plan = planPrep(full);
      const ref = prepareCpu(plan, full.components, true);
      for (const [p, exact] of [[everyScan, true], [pipeline, !full.progressive]] as const) {
        const d = await p.decode(bytes);
        if (d.kind !== 'dct') throw new Error('not dct');
        expect(d.img.components.map((c) => c.kept), name).toEqual(plan.planes.map((x) => x.n));
        const got = p.arrays(d);
        if (exact) expect([got.y, got.cb, got.cr], name).toEqual([ref.y, ref.cb, ref.cr]);
        else {
          // the early stop: scans the kept frequencies cannot use are skipped, kept coefficients miss low bits
          expect(d.img.skippedScans, name).toBeGreaterThan(0);
          expect(rel(got.y, ref.y), name).toBeLessThan(0.05);
        }
      }
    }
    expect(planPrep(wasm.decode(new Uint8Array(readFileSync(validFixtures().find((f) => f.name === 'baseline-420')!.path)))).planes.map((p) => p.n)).toEqual([4, 4, 4]);
    pool.terminate();
  });

  it('honours an explicit backend', async () => {
    const m = await load('late-concat', { modelUrl: fixture('late-concat'), backend: 'cpu' });
    expect(m.backend).toBe('cpu');
    m.dispose();
    await tf.setBackend('wasm');
  });
});

describe('classify()', () => {
  it('accepts Uint8Array, ArrayBuffer, Blob and a file URL alike', async () => {
    const path = imagenetteSample(1)[0];
    const bytes = new Uint8Array(readFileSync(path));
    const results = await Promise.all([
      dct.classify(bytes),
      dct.classify(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)),
      dct.classify(new Blob([bytes])),
      dct.classify(pathToFileURL(path).href),
    ]);
    for (const r of results) expect(r.predictions).toEqual(results[0].predictions);
  });
  it('returns the top k classes with probabilities, and stage timings', async () => {
    const r = await dct.classify(files[0], { topK: 3 });
    expect(r.predictions).toHaveLength(3);
    expect(r.predictions[0].probability).toBeGreaterThanOrEqual(r.predictions[1].probability);
    const start = performance.now();
    const all = await dct.classify(files[0], { topK: 10 });
    const wall = performance.now() - start;
    expect(all.predictions.reduce((a, p) => a + p.probability, 0)).toBeCloseTo(1, 5);
    // every stage is timed (a decode in a worker and an inference take time), and the stages
    // are parts of this very call: together no longer than it took
    for (const k of ['decode', 'infer', 'total'] as const) expect(all.timings[k]).toBeGreaterThan(0);
    expect(all.timings.prep).toBeGreaterThanOrEqual(0);
    expect(all.timings.decode + all.timings.prep + all.timings.infer).toBeCloseTo(all.timings.total, 6);
    expect(all.timings.total).toBeLessThanOrEqual(wall + 0.01);
  });
  it('computes the engine on the decoded planes (DCT) and on the decoded pixels (RGB)', async () => {
    const decoder = await WasmDecoder.create();
    const img = decoder.decode(files[0]);
    const m = await loadWeights(fixture('late-concat'));
    const [y, cb, cr] = img.components.map((c) => tf.tensor4d(Float32Array.from(c.coefficients), [1, c.blocksY, c.blocksX, 64]));
    const expected = await forward(m.plan, m.weights, { y, cb, cr }).data();
    expect(Array.from(await dct.infer(files[0]))).toEqual(Array.from(expected));
    const px = decoder.decodeRgb(files[1]);
    const mr = await loadWeights(fixture('rgb-resnet50'));
    const t = tf.tensor4d(prepareRgb(px.data, px.width, px.height, px.orientation), [1, 224, 224, 3]);
    expect(Array.from(prepareRgb(px.data, 224, 224, 1)).slice(0, 6)).toEqual(Array.from(px.data.slice(0, 6)));
    expect(Array.from(await rgb.infer(files[1]))).toEqual(Array.from(await forward(mr.plan, mr.weights, { rgb: t }).data()));
  });
  it('takes any size, layout and orientation', async () => {
    for (const name of ['baseline-444', 'odd-1001x3-420', 'grayscale', 'progressive-422', 'large-progressive']) {
      const bytes = new Uint8Array(readFileSync(validFixtures().find((f) => f.name === name)!.path));
      for (const m of [dct, rgb]) {
        const r = await m.classify(bytes);
        expect(r.predictions, `${name} on ${m.id}`).toHaveLength(5);
        expect(Number.isFinite(r.predictions[0].probability)).toBe(true);
      }
    }
  });
  it('bad input rejects with the decoder’s typed error, and the next call works', async () => {
    const wanted = ['png', 'truncated', 'cmyk', '30000x30000 header'];
    for (const f of badFixtures().filter((b) => wanted.includes(b.name))) {
      for (const m of [dct, rgb]) {
        await expect(m.classify(f.bytes)).rejects.toMatchObject({ name: f.error });
        expect((await m.classify(files[0])).predictions).toHaveLength(5);
      }
    }
    const results = await dct.classifyBatch([files[0], badFixtures()[0].bytes, files[1]]);
    expect(results.map((r) => (r instanceof Error ? r.name : 'ok'))).toEqual(['ok', 'NotAJpegError', 'ok']);
  });
  it('classifyBatch: one forward pass per chunk, same probabilities as one by one, bad files fail alone', async () => {
    const mixed = [files[0], badFixtures()[0].bytes, files[1], new Uint8Array(readFileSync(validFixtures().find((f) => f.name === 'progressive-422')!.path)), files[0]];
    for (const m of [dct, rgb]) {
      const before = tf.memory().numTensors;
      const batch = await m.classifyBatch(mixed, { batchSize: 3, topK: 10 });
      expect(tf.memory().numTensors).toBe(before);
      expect(batch.map((r) => (r instanceof Error ? r.name : r.batchSize))).toEqual([2, 'NotAJpegError', 2, 2, 2]);
      for (const [i, r] of batch.entries()) {
        if (r instanceof Error) continue;
        const single = await m.classify(mixed[i], { topK: 10 });
        expect(r.predictions.map((p) => p.className)).toEqual(single.predictions.map((p) => p.className));
        r.predictions.forEach((p, k) => expect(p.probability).toBeCloseTo(single.predictions[k].probability, 5));
      }
      const t = (batch[0] as BatchClassification).timings;
      for (const k of ['decode', 'infer', 'total'] as const) expect(t[k], k).toBeGreaterThan(0);
      expect(t.decode + t.prep + t.infer).toBeCloseTo(t.total, 6);
    }
    await expect(dct.classifyBatch(files, { batchSize: 0 })).rejects.toThrow(RangeError);
    await expect(dct.classifyBatch(files, { workers: 0 })).rejects.toThrow(RangeError);
  });
  it('classifyBatch on inference workers: the same answers as in this thread, their memory reported; a worker lost mid-run fails only its chunk', async () => {
    const inputs = [...files.slice(0, 12), badFixtures()[0].bytes];
    for (const m of [dct, rgb]) {
      const here = await m.classifyBatch(inputs, { batchSize: 2, topK: 10, workers: 1 });
      const spread = await m.classifyBatch(inputs, { batchSize: 2, topK: 10, workers: 2 });
      expect(spread.map((r) => (r instanceof Error ? r.name : r.predictions))).toEqual(here.map((r) => (r instanceof Error ? r.name : r.predictions)));
      const memory = await m.workerMemory();
      expect(memory).toHaveLength(2);
      for (const w of memory) expect(w.tensorBytes).toBeGreaterThan(m.info.weightBytes);
    }
    // a worker dies (from outside, as a crashed thread would) while chunks are in flight
    type Pool = { slots: { worker: { terminate(): Promise<number> } }[]; run(x: unknown): Promise<Float32Array> };
    const pool = await (dct as unknown as { pool: Promise<Pool> }).pool;
    const run = pool.run.bind(pool);
    pool.run = (x) => {
      const p = run(x); // the first chunk goes to the first worker, which then dies
      void pool.slots[0].worker.terminate();
      pool.run = run;
      return p;
    };
    const outcome = await dct.classifyBatch(inputs, { batchSize: 2, workers: 2 });
    // the chunks the dying worker held (its first, and at most one queued behind it) fail, typed; the rest are classified
    expect(outcome.slice(0, 2).map((r) => (r as Error).name)).toEqual(['InferenceWorkerError', 'InferenceWorkerError']);
    const lost = outcome.slice(0, 12).filter((r) => r instanceof Error);
    expect(lost.every((r) => (r as Error).name === 'InferenceWorkerError')).toBe(true);
    expect(lost.length).toBeLessThanOrEqual(4);
    const again = await dct.classifyBatch(inputs, { batchSize: 2, workers: 2 });
    expect(again.filter((r) => r instanceof Error).map((r) => (r as Error).name)).toEqual(['NotAJpegError']);
  });
  it('inference workers that cannot load the weights: classifyBatch rejects typed instead of waiting, and one worker still classifies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dctvision-workers-'));
    try {
      cpSync(join(root, 'test/fixtures/parity/late-concat'), dir, { recursive: true });
      const m = await load('late-concat', { modelUrl: pathToFileURL(dir + '/') });
      rmSync(join(dir, 'model.json')); // the workers load the weights again, from the same place
      await expect(m.classifyBatch(files.slice(0, 4), { batchSize: 1, workers: 2 })).rejects.toMatchObject({ name: 'InferenceWorkerError', message: expect.stringMatching(/failed to start/) });
      const here = await m.classifyBatch(files.slice(0, 4), { batchSize: 1, workers: 1 });
      expect(here.filter((r) => r instanceof Error)).toEqual([]);
      m.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('300 classifications in a row: tensor count and bytes flat after warm-up', async () => {
    const mixed = [...files.slice(0, 4), new Uint8Array(readFileSync(validFixtures().find((f) => f.name === 'baseline-422')!.path))];
    for (let i = 0; i < 5; i++) await dct.classify(mixed[i % mixed.length]);
    const before = tf.memory();
    for (let i = 0; i < 300; i++) await (i % 2 ? dct : rgb).classify(mixed[i % mixed.length]);
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
  });
});

describe('dctvision classify (CLI)', () => {
  it('--json prints file, readable class names, probabilities and timings; a bad file fails alone', () => {
    const good = imagenetteSample(1).slice(0, 2);
    const r = spawnSync('node', [join(root, 'bin/dctvision.js'), 'classify', ...good, '/etc/hostname', '--model', 'late-concat',
      '--model-url', join(root, 'test/fixtures/parity/late-concat'), '--top', '3', '--json'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/\/etc\/hostname: NotAJpegError/);
    const out = JSON.parse(r.stdout);
    expect(out.map((o: { file: string }) => o.file)).toEqual(good);
    expect(out[0].predictions).toHaveLength(3);
    expect(out[0].predictions[0]).toEqual({ className: expect.stringMatching(/^class \d$/), probability: expect.any(Number) });
    expect(Object.keys(out[0].timings).sort()).toEqual(['decode', 'infer', 'prep', 'total']);
  });

  it('a folder (recursively): every JPEG in it, in batches through classifyBatch; a summary with images/s on stderr', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-folder-'));
    mkdirSync(join(dir, 'sub'));
    const sample = imagenetteSample(1).slice(0, 7);
    sample.forEach((f, i) => cpSync(f, join(dir, i < 4 ? '' : 'sub', `${i}.jpg`)));
    writeFileSync(join(dir, 'notes.txt'), 'not an image');
    const expected = sample.map((_, i) => join(dir, i < 4 ? '' : 'sub', `${i}.jpg`));
    const args = ['classify', dir, '--model', 'late-concat', '--model-url', join(root, 'test/fixtures/parity/late-concat'), '--batch', '3'];
    const r = spawnSync('node', [join(root, 'bin/dctvision.js'), ...args], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => l.split(': ')[0])).toEqual(expected);
    expect(r.stderr).toMatch(/late-concat on (wasm|cpu): 7 files in [\d.]+ s \([\d.]+ images\/s\)(, \d+ inference workers of \d+ MiB each)?, 0 failed/);
    // spread over two inference workers or in one thread: the same answers, file by file
    for (const workers of ['1', '2']) {
      const w = spawnSync('node', [join(root, 'bin/dctvision.js'), ...args, '--workers', workers], { encoding: 'utf8' });
      expect(w.status, w.stderr).toBe(0);
      expect(w.stdout).toBe(r.stdout);
      expect(w.stderr).toMatch(workers === '2' ? /, 2 inference workers of \d+ MiB each, 0 failed/ : /images\/s\), 0 failed/);
    }
    // batched or alone, the same top-1
    const one = spawnSync('node', [join(root, 'bin/dctvision.js'), 'classify', expected[5], ...args.slice(2, 6)], { encoding: 'utf8' });
    const top1 = (line: string) => line.split(': ')[1].split(',')[0].replace(/ [\d.]+%$/, '');
    expect(top1(one.stdout)).toMatch(/^class \d$/);
    expect(top1(one.stdout)).toBe(top1(r.stdout.trim().split('\n')[5]));
    rmSync(dir, { recursive: true });
  });

  it('without --model-url: models/ID/ of the working directory, else an installed dctvision-models; neither: load() says what to install', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-default-model-'));
    const file = imagenetteSample(1)[0];
    const run = () => spawnSync('node', [join(root, 'bin/dctvision.js'), 'classify', file, '--model', 'late-concat', '--json'], { cwd: dir, encoding: 'utf8' });
    const missing = run();
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*models\/late-concat\/model\.json/);
    expect(missing.stderr).toContain("no models/late-concat/ in the working directory and no dctvision-models installed: `npm install dctvision-models`, or give the weights' URL");

    // The package as npm installs it into an app (models/package.json + one network).
    const installed = join(dir, 'node_modules/dctvision-models');
    mkdirSync(installed, { recursive: true });
    cpSync(join(root, 'models/package.json'), join(installed, 'package.json'));
    cpSync(join(root, 'test/fixtures/parity/late-concat'), join(installed, 'late-concat'), { recursive: true });
    const fromPackage = run();
    expect(fromPackage.status, fromPackage.stderr).toBe(0);
    const explicit = spawnSync('node', [join(root, 'bin/dctvision.js'), 'classify', file, '--model', 'late-concat', '--model-url', join(installed, 'late-concat'), '--json'], { encoding: 'utf8' });
    const top = (stdout: string) => JSON.parse(stdout)[0].predictions[0];
    expect(top(fromPackage.stdout)).toEqual(top(explicit.stdout));

    // The working directory's models/ comes first: a damaged copy there is what gets read.
    cpSync(join(root, 'test/fixtures/parity/late-concat'), join(dir, 'models/late-concat'), { recursive: true });
    const shard = join(dir, 'models/late-concat/group1-shard1of1.bin');
    const bytes = readFileSync(shard);
    bytes[100] ^= 0xff;
    writeFileSync(shard, bytes);
    const local = run();
    expect(local.status).toBe(2);
    expect(local.stderr).toMatch(/sha256/);
    expect(local.stderr).toContain(join(dir, 'models/late-concat'));
    rmSync(dir, { recursive: true });
  });
});
