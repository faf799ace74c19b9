// Firefox ESR (Debian's firefox-esr via puppeteer-core, headless: its WASM backend): the decoder in
// a module worker gives Node's coefficients, the networks give Node's logits and the shipped ones
// PyTorch's top-1, bad files fail alone and typed, and the built demo — served with a CSP and no
// COOP/COEP — becomes cross-origin isolated under its service worker and classifies a dropped file.
import { copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'puppeteer-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WasmDecoder, load, specDocument } from '../src/index.js';
import { badFixtures, imagenetteSample, validFixtures } from '../test/helpers/fixtures.js';
import { imagenetteVal, root } from '../test/helpers/paths.js';
import { shippedModels } from '../test/helpers/shipped.js';
import { buildPages, launchFirefox, serve, type StaticServer } from './helpers/browser.js';

const out = join(root, 'build/e2e-firefox');
const demoHost = join(root, 'build/e2e-firefox-demo');
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; img-src 'self' blob: data:";
const bad = badFixtures();
const images = [imagenetteSample(1)[0], validFixtures().find((f) => f.name === 'progressive-422')!.path];
const shipped = shippedModels();
let server: StaticServer;
let demo: StaticServer;
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
  await buildPages(out, ['e2e/pages/decode.html', 'e2e/pages/classify.html']);
  mkdirSync(join(out, 'img'), { recursive: true });
  images.forEach((p, i) => copyFileSync(p, join(out, 'img', `${i}.jpg`)));
  bad.forEach((f, i) => writeFileSync(join(out, 'img', `bad${i}.jpg`), f.bytes));
  cpSync(join(root, 'test/fixtures/parity'), join(out, 'parity'), { recursive: true });
  for (const id of ['late-concat', 'rgb-resnet50'].filter((i) => shipped[i])) {
    cpSync(join(root, 'models', id), join(out, 'models', id), { recursive: true });
    shipped[id].ci_sample.slice(0, 3).forEach((s, i) => copyFileSync(join(imagenetteVal, s.file), join(out, 'models', `${id}-${i}.jpg`)));
  }
  server = await serve(out);
  // the demo as a static host serves it: its own CSP, no COOP/COEP; the parity models as its models/
  rmSync(demoHost, { recursive: true, force: true });
  await build({ root, logLevel: 'warn', build: { outDir: demoHost, emptyOutDir: true } });
  for (const id of Object.keys(specDocument.networks)) {
    rmSync(join(demoHost, 'models', id), { recursive: true, force: true });
    cpSync(join(root, 'test/fixtures/parity', id), join(demoHost, 'models', id), { recursive: true });
  }
  demo = await serve(demoHost, { 'content-security-policy': CSP });
  browser = await launchFirefox();
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await demo?.close();
});

describe(`Firefox ESR`, () => {
  it('decodes in a module worker: the same coefficients as Node; each bad file its typed error', async () => {
    const page = await open(`${server.url}/e2e/pages/decode.html`, '[data-testid="result"][data-done="1"]');
    const decoder = await WasmDecoder.create();
    for (const [i, path] of images.entries()) {
      const r = await page.evaluate((u) => (window as unknown as { dct: { decodeUrl(u: string): Promise<unknown> } }).dct.decodeUrl(u), `/img/${i}.jpg`);
      const img = decoder.decode(new Uint8Array(readFileSync(path)), { dequantize: false });
      let checksum = 0;
      for (const c of img.components) for (let k = 0; k < c.coefficients.length; k++) checksum = (checksum * 31 + c.coefficients[k]) | 0;
      expect(r).toMatchObject({ ok: true, width: img.width, height: img.height, checksum });
    }
    for (const [i, f] of bad.entries()) {
      const r = await page.evaluate((u) => (window as unknown as { dct: { decodeUrl(u: string): Promise<unknown> } }).dct.decodeUrl(u), `/img/bad${i}.jpg`);
      expect(r, f.name).toMatchObject({ ok: false, name: f.error });
    }
    await page.close();
  }, 120_000);

  it("classifies on WASM with Node's logits; shipped networks give PyTorch's top-1; a bad file fails alone", async () => {
    const page = await open(`${server.url}/e2e/pages/classify.html`, 'body[data-ready="1"]');
    type Api = { api: { logits(...a: unknown[]): Promise<{ backend: string; logits: number[][] }>; classify(...a: unknown[]): Promise<{ ok: boolean; name?: string }> } };
    const urls = images.map((_, i) => `/img/${i}.jpg`);
    const r = await page.evaluate((u) => (window as unknown as Api).api.logits('late-concat', 'wasm', u), urls);
    expect(r.backend).toBe('wasm');
    const node = await load('late-concat', { modelUrl: pathToFileURL(join(root, 'test/fixtures/parity/late-concat') + '/'), backend: 'wasm' });
    for (const [k, path] of images.entries()) {
      const want = Array.from(await node.infer(new Uint8Array(readFileSync(path))));
      const scale = Math.max(...want.map(Math.abs));
      expect(Math.max(...want.map((v, j) => Math.abs(v - r.logits[k][j]))) / scale, path).toBeLessThan(1e-3);
    }
    node.dispose();
    for (const id of ['late-concat', 'rgb-resnet50'].filter((i) => shipped[i])) {
      const files = [0, 1, 2].map((i) => `/models/${id}-${i}.jpg`);
      const s = await page.evaluate(([i, u]) => (window as unknown as Api).api.logits(i, 'wasm', u, undefined, '/models/'), [id, files] as const);
      const top1 = s.logits.map((l) => l.indexOf(Math.max(...l)));
      expect(top1.filter((t, k) => t === shipped[id].ci_sample[k].top1).length, `${id}: ${JSON.stringify(top1)}`).toBeGreaterThanOrEqual(2);
    }
    for (const [i, f] of bad.entries()) {
      if (f.error === 'NotAJpegError' || f.error === 'CorruptJpegError') {
        const e = await page.evaluate((u) => (window as unknown as Api).api.classify('late-concat', 'wasm', u), `/img/bad${i}.jpg`);
        expect(e, f.name).toMatchObject({ ok: false, name: f.error });
      }
    }
    expect(await page.evaluate((u) => (window as unknown as Api).api.classify('late-concat', 'wasm', u), urls[0])).toMatchObject({ ok: true });
    await page.close();
  }, 300_000);

  it('the demo, served with its CSP and no COOP/COEP, is cross-origin isolated under its service worker and classifies a dropped file', async () => {
    const page = await open(`${demo.url}/`, 'body[data-ready="1"]');
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await page.$eval('[data-testid="isolation"]', (e) => e.textContent)).toMatch(/is cross-origin isolated/);
    for (const id of Object.keys(specDocument.networks).filter((i) => i !== 'late-concat')) {
      await page.click(`[data-testid="network-toggle"][value="${id}"]`);
    }
    const input = await page.$('[data-testid="file-input"]');
    await (input as unknown as { uploadFile(p: string): Promise<void> }).uploadFile(images[0]);
    const name = images[0].split('/').pop()!;
    await page.waitForSelector(`[data-testid="image-result"][data-file="${name}"][data-done="1"]`, { timeout: 180_000 });
    const card = await page.$eval('[data-testid="result-card"][data-variant="late-concat"]', (e) => (e as HTMLElement).dataset.state);
    expect(card).toBe('done');
    expect(await page.$eval('[data-testid="backend-banner"]', (e) => (e as HTMLElement).dataset.backend)).toBe('wasm');
    // threads would need blob: scripts, which this CSP forbids in Firefox: the library's one try
    // (a reported violation) makes the backend run on one thread instead of waiting forever
    expect(await page.$eval('[data-testid="backend-banner"]', (e) => e.textContent)).toMatch(/on one thread/);
    expect(errors.filter((e) => !/blocked a script \(script-src-elem\) at blob:/.test(e))).toEqual([]);
    await page.close();
  }, 300_000);
});
