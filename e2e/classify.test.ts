// The public API in Chromium: WebGPU (SwiftShader) by default, the same top-5 and
// logits (1e-3 relative) as the CPU backend, typed errors, and repeated classifications
// with flat tensor count and GPU memory. Test models: the random-weight parity fixtures,
// and the shipped models (models/) on a few val files each, on WASM (e2e/demo.test.ts runs them on WebGPU).
import { cpSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withOrientation } from '../test/harness/exif.mjs';
import { badFixtures, imagenetteSample, validFixtures } from '../test/helpers/fixtures.js';
import { imagenetteVal, root } from '../test/helpers/paths.js';
import { shippedModels } from '../test/helpers/shipped.js';
import { buildPages, launchChromium, serve, type StaticServer } from './helpers/browser.js';
import { progressiveCopy } from '../test/helpers/progressive.js';
import { expectSameAsOneWorker } from './helpers/engine-sites.js';
import { readJpegHeader } from '../src/index.js';

const out = join(root, 'build/e2e-classify');
let server: StaticServer;
let browser: Browser;
let page: Page;
const fixture = (n: string) => validFixtures().find((f) => f.name === n)!.path;
const images = [
  ...imagenetteSample(1).slice(0, 4),
  fixture('baseline-444'),
  fixture('odd-227x149-444-progressive'),
  fixture('grayscale'),
];
const urls = images.map((_, i) => `/img/${i}.jpg`);
const shipped = shippedModels();

beforeAll(async () => {
  await buildPages(out, ['e2e/pages/classify.html']);
  cpSync(join(root, 'test/fixtures/parity'), join(out, 'parity'), { recursive: true });
  for (const id of Object.keys(shipped)) {
    cpSync(join(root, 'models', id), join(out, 'models', id), { recursive: true });
    shipped[id].ci_sample.slice(0, 3).forEach((s, i) => cpSync(join(imagenetteVal, s.file), join(out, 'models', `${id}-${i}.jpg`)));
  }
  mkdirSync(join(out, 'img'), { recursive: true });
  images.forEach((p, i) => writeFileSync(join(out, 'img', `${i}.jpg`), withOrientation(new Uint8Array(readFileSync(p)), (i % 8) + 1)));
  badFixtures().forEach((f, i) => writeFileSync(join(out, 'img', `bad${i}.jpg`), f.bytes));
  writeFileSync(join(out, 'img', 'progressive.jpg'), progressiveCopy(imagenetteSample(3).find((f) => f.includes('n03028079') && readJpegHeader(new Uint8Array(readFileSync(f))).sampling.length === 3)!));
  server = await serve(out);
  browser = await launchChromium({ webgpu: true });
  page = await browser.newPage();
  await page.goto(`${server.url}/e2e/pages/classify.html`);
  await page.waitForSelector('body[data-ready="1"]');
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const top5 = (l: number[]) => l.map((v, i) => [v, i]).sort((a, b) => b[0] - a[0]).slice(0, 5).map((x) => x[1]);

// (only when trained models are in models/: a describe without tests would fail)
// WebGPU: e2e/demo.test.ts runs every shipped network on it (SwiftShader, 5-20 s per network
// here) and holds each to its evaluation's exact class on the sample pictures; one such pass
// is enough for CI's 15 minutes. npm run bench:accuracy compares the backends on 600 files.
if (Object.keys(shipped).length) describe('shipped models in Chromium: PyTorch\'s top-1 on 3 val files, WASM backend', () => {
  for (const id of Object.keys(shipped)) {
    it(`${id} on wasm`, async () => {
      const files = [0, 1, 2].map((i) => `/models/${id}-${i}.jpg`);
      const r = await page.evaluate(([i, u]) => window.api.logits(i, 'wasm', u, undefined, '/models/'), [id, files] as const);
      expect(r.backend).toBe('wasm');
      const top1 = r.logits.map((l) => l.indexOf(Math.max(...l)));
      // ≥ 2 of 3: a file near a decision boundary may flip between float paths (agreement is ≥ 0.995 over 1,000 files)
      expect(top1.filter((t, k) => t === shipped[id].ci_sample[k].top1).length, JSON.stringify(top1)).toBeGreaterThanOrEqual(2);
    });
  }
});

describe('public API in Chromium', () => {
  it.each(['late-concat-rfa', 'downsampling', 'rgb-resnet50'])('%s: WebGPU by default; same top-5 and logits as the CPU backend', async (id) => {
    const gpu = await page.evaluate(([i, u]) => window.api.logits(i, undefined, u), [id, urls] as const);
    const cpu = await page.evaluate(([i, u]) => window.api.logits(i, 'cpu', u), [id, urls] as const);
    expect(gpu.backend).toBe('webgpu');
    expect(gpu.skipped).toEqual([]);
    expect(cpu.backend).toBe('cpu');
    gpu.logits.forEach((l, k) => {
      const ref = cpu.logits[k];
      const scale = Math.max(...ref.map(Math.abs));
      const diff = Math.max(...l.map((v, j) => Math.abs(v - ref[j])));
      expect(diff / scale, `${id} image ${k}`).toBeLessThanOrEqual(1e-3);
      expect(top5(l)).toEqual(top5(ref));
    });
  });

  it("the RGB baseline decodes with the browser's decoder by default, close to libjpeg's pixels", async () => {
    const browser = await page.evaluate(([u]) => window.api.logits('rgb-resnet50', 'webgpu', u), [urls] as const);
    const wasm = await page.evaluate(([u]) => window.api.logits('rgb-resnet50', 'webgpu', u, 'wasm'), [urls] as const);
    browser.logits.forEach((l, k) => {
      const ref = wasm.logits[k];
      const scale = Math.max(...ref.map(Math.abs));
      expect(Math.max(...l.map((v, j) => Math.abs(v - ref[j]))) / scale, `image ${k}`).toBeLessThan(0.05);
    });
    const bad = badFixtures();
    for (const name of ['png', 'cmyk', '30000x30000 header']) {
      const i = bad.findIndex((b) => b.name === name);
      const r = await page.evaluate((u) => window.api.classify('rgb-resnet50', 'webgpu', u), `/img/bad${i}.jpg`);
      expect(r).toMatchObject({ ok: false, name: bad[i].error });
    }
  });

  it("maxBytes holds on the RGB baseline's browser decoder too: a URL or Blob over it is refused, one under it classifies", async () => {
    const sizes = urls.map((_, i) => statSync(join(out, 'img', `${i}.jpg`)).size);
    const big = sizes.indexOf(Math.max(...sizes));
    const small = sizes.indexOf(Math.min(...sizes));
    const r = await page.evaluate(([b, s, max]) => window.api.overLimit(b, s, max), [urls[big], urls[small], Math.floor((sizes[big] + sizes[small]) / 2)] as const);
    expect(r).toEqual({ url: 'JpegLimitError:maxBytes', blob: 'JpegLimitError:maxBytes', small: 'ok' });
  });

  it('an <img> whose source is a JPEG is classified from that JPEG', async () => {
    const r = await page.evaluate((u) => window.api.imgVsUrl('late-concat-rfa', u), urls[0]);
    expect(r.img).toHaveLength(10);
    expect(r.img).toEqual(r.url);
  });

  it('two models on two backends (WebGPU, CPU) classifying at once each run on their own', async () => {
    const r = await page.evaluate(([u]) => window.api.twoBackends('late-concat', u.slice(0, 4)), [urls] as const);
    expect(r.backends).toEqual(['webgpu', 'cpu']);
    expect(r.weightsOnWebGPU).toBe(true); // the WebGPU model's weights never migrated
    for (const side of ['gpu', 'cpu'] as const) {
      r[side].forEach((l, k) => {
        const ref = r.alone[side][k];
        const scale = Math.max(...ref.map(Math.abs));
        expect(Math.max(...l.map((v, j) => Math.abs(v - ref[j]))) / scale, `${side} image ${k}`).toBeLessThanOrEqual(1e-6);
      });
    }
  });

  it('bad input rejects with the typed error, and the next call works', async () => {
    const bad = badFixtures();
    for (const name of ['png', 'truncated', 'cmyk', '30000x30000 header']) {
      const i = bad.findIndex((b) => b.name === name);
      const r = await page.evaluate((u) => window.api.classify('late-concat-rfa', undefined, u), `/img/bad${i}.jpg`);
      expect(r).toMatchObject({ ok: false, name: bad[i].error });
      const good = await page.evaluate((u) => window.api.classify('late-concat-rfa', undefined, u), urls[0]);
      expect(good.ok).toBe(true);
    }
  });

  it.each(['late-concat', 'rgb-resnet50'])('%s: classifyBatch over 2 Web Workers gives one worker\'s answers, a bad file failing alone, on a page without cross-origin isolation', async (id) => {
    const bad = badFixtures().findIndex((b) => b.name === 'truncated');
    const list = [...urls.slice(0, 3), `/img/bad${bad}.jpg`, ...urls.slice(3)];
    const one = await page.evaluate(([i, u]) => window.api.batchWorkers(i, u, 1), [id, list] as const);
    const two = await page.evaluate(([i, u]) => window.api.batchWorkers(i, u, 2), [id, list] as const);
    expect(two.isolated).toBe(false);
    expect(two.results[3]).toBe(badFixtures()[bad].error);
    expectSameAsOneWorker(one, two, 2);
  });

  // Sized for CI (SwiftShader runs ~0.3-0.5 s per call here): a few rounds of the 7 geometries,
  // after a warm-up pass over every geometry, sampled after each round. Every sample must equal
  // the first, so one tensor or GPU buffer kept per call fails it. The 10,000-call soak is `npm run bench:longrun`.
  const rounds = 3;
  it(`${rounds} rounds of the 7 sizes/layouts/orientations: tensors and GPU bytes flat after warm-up`, async () => {
    const r = await page.evaluate(([u, k]) => window.api.longRun('late-concat', 'webgpu', u, u.length * k, u.length), [urls, rounds] as const);
    console.log(`long run on WebGPU/SwiftShader: p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms; per round: ${JSON.stringify(r.samples)}`);
    expect(r.samples).toHaveLength(rounds);
    expect(r.samples[0].gpuAllocated).toBeGreaterThan(0); // the WebGPU backend's own figure, not undefined
    for (const s of r.samples) {
      expect(s.tensors).toBe(r.samples[0].tensors);
      expect(s.bytes).toBe(r.samples[0].bytes);
      expect(s.gpuUsed).toBe(r.samples[0].gpuUsed);
      expect(s.gpuAllocated).toBe(r.samples[0].gpuAllocated);
    }
  }, 300_000);
});

describe('classifyProgressive() in Chromium: a fetch Response streamed one scan at a time', () => {
  // the DCT network: the decoder's stream in a Web Worker; the RGB baseline: the browser's own decoder on each cut
  it.each([
    ['late-concat', 'wasm'],
    ['rgb-resnet50', 'wasm'],
  ] as const)('%s on %s: each verdict is classify() of the file cut at its scan, the last the whole file’s', async (id, backend) => {
    const r = await page.evaluate(([i, b]) => window.api.progressive(i, b, '/img/progressive.jpg', '/models/'), [id, backend] as const);
    expect(r.backend).toBe(backend);
    expect(r.error).toBeUndefined();
    expect(r.verdicts.length).toBeGreaterThanOrEqual(3);
    for (const v of r.verdicts) {
      expect(v.top, `after scan ${v.scans}`).toBe(v.cut.top);
      expect(Math.abs(v.p - v.cut.p)).toBeLessThan(1e-3);
    }
    const last = r.verdicts.at(-1)!;
    expect([last.final, last.complete, last.scans]).toEqual([true, true, r.scans]);
  });

  it('a stream that stops inside scan 6 ends with scan 5’s verdict; an abort after two verdicts rejects and the model goes on', async () => {
    const cut = await page.evaluate(() => window.api.progressive('late-concat', 'wasm', '/img/progressive.jpg', '/models/', { stopInside: 6 }));
    expect(cut.error).toBeUndefined();
    expect([cut.verdicts.at(-1)!.final, cut.verdicts.at(-1)!.complete, cut.verdicts.at(-1)!.scans]).toEqual([true, false, 5]);
    const aborted = await page.evaluate(() => window.api.progressive('late-concat', 'wasm', '/img/progressive.jpg', '/models/', { abortAfter: 2 }));
    expect(aborted.error).toBe('AbortError');
    expect(aborted.verdicts.length).toBe(2);
    expect(aborted.after).toBe(cut.after);
  });
});
