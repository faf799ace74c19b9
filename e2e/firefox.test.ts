// Firefox ESR (Debian's firefox-esr via puppeteer-core; headless for WASM, on an Xvfb display for
// WebGL2 and WebGPU): the decoder in a module worker gives Node's coefficients, the networks give
// Node's logits on every backend and the shipped ones PyTorch's top-1, bad files fail alone and
// typed, and the built demo — served with a CSP and no COOP/COEP — becomes cross-origin isolated
// under its service worker and classifies a dropped file.
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WasmDecoder, specDocument } from '../src/index.js';
import { launchFirefox } from './helpers/browser.js';
import { bad, checkedModels, checksum, engineSites, expectNodeLogits, expectPyTorchTop1, expectSameAsOneWorker, images, scriptTagExpected, type BatchOutcome } from './helpers/engine-sites.js';
import { supportRow } from './helpers/support-matrix.js';

type Api = { api: { logits(...a: unknown[]): Promise<{ backend: string; logits: number[][] }>; classify(...a: unknown[]): Promise<{ ok: boolean; name?: string }> } };
type Batch = { api: { batchWorkers(id: string, urls: string[], workers: number): Promise<BatchOutcome> } };
type Dct = { dct: { decodeUrl(u: string): Promise<unknown> } };
let sites: Awaited<ReturnType<typeof engineSites>>;
let browser: Browser;
const errors: string[] = [];

async function open(url: string, ready: string): Promise<Page> {
  const page = await browser.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  await page.waitForSelector(ready, { timeout: 120_000 });
  return page;
}

beforeAll(async () => {
  sites = await engineSites('firefox');
  browser = await launchFirefox();
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await sites?.close();
});

describe('Firefox ESR', () => {
  it("is the version the README's table of browsers names, which says its WebGPU, WebGL and WASM are checked", async () => {
    const major = (await browser.version()).match(/(\d+)\./)![1];
    const row = supportRow(`Firefox ESR ${major}`);
    expect(row.slice(1, 4).map((c) => c[0])).toEqual(['✓', '✓', '✓']);
  });

  it('decodes in a module worker: the same coefficients as Node; each bad file its typed error', async () => {
    const page = await open(`${sites.pages.url}/e2e/pages/decode.html`, '[data-testid="result"][data-done="1"]');
    const decoder = await WasmDecoder.create();
    for (const [i, path] of images.entries()) {
      const r = await page.evaluate((u) => (window as unknown as Dct).dct.decodeUrl(u), `/img/${i}.jpg`);
      const img = decoder.decode(new Uint8Array(readFileSync(path)), { dequantize: false });
      expect(r).toMatchObject({ ok: true, width: img.width, height: img.height, checksum: checksum(img.components) });
    }
    for (const [i, f] of bad.entries()) {
      const r = await page.evaluate((u) => (window as unknown as Dct).dct.decodeUrl(u), `/img/bad${i}.jpg`);
      expect(r, f.name).toMatchObject({ ok: false, name: f.error });
    }
    await page.close();
  }, 120_000);

  it("classifies on WASM with Node's logits; shipped networks give PyTorch's top-1; a bad file fails alone", async () => {
    const page = await open(`${sites.pages.url}/e2e/pages/classify.html`, 'body[data-ready="1"]');
    const urls = images.map((_, i) => `/img/${i}.jpg`);
    const r = await page.evaluate((u) => (window as unknown as Api).api.logits('late-concat', 'wasm', u), urls);
    expect(r.backend).toBe('wasm');
    await expectNodeLogits(r.logits);
    for (const id of checkedModels) {
      const files = [0, 1, 2].map((i) => `/models/${id}-${i}.jpg`);
      const s = await page.evaluate(([i, u]) => (window as unknown as Api).api.logits(i, 'wasm', u, undefined, '/models/'), [id, files] as const);
      expectPyTorchTop1(id, s.logits);
    }
    for (const [i, f] of bad.entries()) {
      if (f.error !== 'NotAJpegError' && f.error !== 'CorruptJpegError') continue;
      const e = await page.evaluate((u) => (window as unknown as Api).api.classify('late-concat', 'wasm', u), `/img/bad${i}.jpg`);
      expect(e, f.name).toMatchObject({ ok: false, name: f.error });
    }
    expect(await page.evaluate((u) => (window as unknown as Api).api.classify('late-concat', 'wasm', u), urls[0])).toMatchObject({ ok: true });
    // classifyBatch over two Web Workers: one worker's answers
    const [one, two] = await page.evaluate((u) => Promise.all([1, 2].map((n) => (window as unknown as Batch).api.batchWorkers('late-concat', [...u, ...u], n))), urls);
    expectSameAsOneWorker(one, two, 2);
    await page.close();
  }, 300_000);

  it("on a display: WebGL2 and WebGPU (wgpu on Mesa's lavapipe) give Node's logits, WGSL preparation included", async () => {
    const shown = await launchFirefox({ display: true });
    try {
      const page = await shown.newPage();
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`${sites.pages.url}/e2e/pages/classify.html`);
      await page.waitForSelector('body[data-ready="1"]', { timeout: 120_000 });
      const urls = images.map((_, i) => `/img/${i}.jpg`); // the second needs the WGSL preparation (4:2:2, progressive)
      for (const backend of ['webgl', 'webgpu']) {
        const r = await page.evaluate(([b, u]) => (window as unknown as Api).api.logits('late-concat', b, u), [backend, urls] as const);
        expect(r.backend).toBe(backend);
        await expectNodeLogits(r.logits);
      }
      expect(errors).toEqual([]);
    } finally {
      await shown.close();
    }
  }, 300_000);

  it('the script tag, dropped into a plain page served from another path, classifies its picture', async () => {
    const page = await open(`${sites.pages.url}/page/`, 'body[data-result]');
    const r = JSON.parse((await page.$eval('body', (b) => (b as HTMLElement).dataset.result))!);
    expect(r.error).toBeUndefined();
    expect(r.top.className).toBe(await scriptTagExpected());
    await page.close();
  }, 120_000);

  it('the demo, served with its CSP and no COOP/COEP, is cross-origin isolated under its service worker and classifies a dropped file', async () => {
    const page = await open(`${sites.demo.url}/`, 'body[data-ready="1"]');
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await page.$eval('[data-testid="isolation"]', (e) => e.textContent)).toMatch(/is cross-origin isolated/);
    for (const id of Object.keys(specDocument.networks).filter((i) => i !== 'late-concat')) await page.click(`[data-testid="network-toggle"][value="${id}"]`);
    const input = await page.$('[data-testid="file-input"]');
    await (input as unknown as { uploadFile(p: string): Promise<void> }).uploadFile(images[0]);
    const name = images[0].split('/').pop()!;
    await page.waitForSelector(`[data-testid="image-result"][data-file="${name}"][data-done="1"]`, { timeout: 180_000 });
    expect(await page.$eval('[data-testid="result-card"][data-variant="late-concat"]', (e) => (e as HTMLElement).dataset.state)).toBe('done');
    expect(await page.$eval('[data-testid="backend-banner"]', (e) => (e as HTMLElement).dataset.backend)).toBe('wasm');
    // threads would need blob: scripts, which this CSP forbids in Firefox: the library's one try
    // (a reported violation) makes the backend run on one thread instead of waiting forever
    expect(await page.$eval('[data-testid="backend-banner"]', (e) => e.textContent)).toMatch(/on one thread/);
    expect(errors.filter((e) => !/blocked a script \(script-src-elem\) at blob:/.test(e))).toEqual([]);
    await page.close();
  }, 300_000);
});
