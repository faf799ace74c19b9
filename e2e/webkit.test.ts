// WebKitGTK (Debian's MiniBrowser through WebKitWebDriver, under a private Xvfb display): the decoder
// in a module worker gives Node's coefficients, the networks on WASM give Node's logits and the
// shipped ones PyTorch's top-1, bad files fail alone and typed, and the built demo — served with a
// CSP and no COOP/COEP — is cross-origin isolated under its service worker (with SharedArrayBuffer
// hidden, as WebKitGTK does) and classifies a sample picture.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { WebDriver } from 'selenium-webdriver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WasmDecoder, specDocument } from '../src/index.js';
import { launchWebKit } from './helpers/browser.js';
import { bad, checkedModels, checksum, engineSites, expectNodeLogits, expectPyTorchTop1, expectSameAsOneWorker, images, scriptTagExpected, type BatchOutcome } from './helpers/engine-sites.js';
import { supportRow } from './helpers/support-matrix.js';

/** WebKitGTK's major.minor version, as Debian's package says. */
const webkitVersion = () => execFileSync('dpkg-query', ['-W', '-f', '${Version}', 'libwebkit2gtk-4.1-0'], { encoding: 'utf8' }).match(/^(\d+\.\d+)/)![1];

let sites: Awaited<ReturnType<typeof engineSites>>;
let webkit: Awaited<ReturnType<typeof launchWebKit>>;
let driver: WebDriver;

/** Runs `script` (a function body; it may return a promise) in the page. */
const run = <T>(script: string, ...args: unknown[]) => driver.executeScript(script, ...args) as Promise<T>;
const waitFor = (selector: string, ms = 120_000) =>
  driver.wait(() => run<boolean>('return !!document.querySelector(arguments[0])', selector), ms, `no ${selector} after ${ms} ms`);

beforeAll(async () => {
  sites = await engineSites('webkit');
  webkit = await launchWebKit();
  driver = webkit.driver;
}, 300_000);
afterAll(async () => {
  await webkit?.close();
  await sites?.close();
});

describe('WebKitGTK', () => {
  it("is the version the README's table of browsers names, which says its WebGL and WASM are checked", () => {
    expect(supportRow(`WebKitGTK ${webkitVersion()}`).slice(2, 4).map((c) => c[0])).toEqual(['✓', '✓']);
  });

  it('decodes in a module worker: the same coefficients as Node; each bad file its typed error', async () => {
    await driver.get(`${sites.pages.url}/e2e/pages/decode.html`);
    await waitFor('[data-testid="result"][data-done="1"]');
    const decoder = await WasmDecoder.create();
    for (const [i, path] of images.entries()) {
      const r = await run('return window.dct.decodeUrl(arguments[0])', `/img/${i}.jpg`);
      const img = decoder.decode(new Uint8Array(readFileSync(path)), { dequantize: false });
      expect(r).toMatchObject({ ok: true, width: img.width, height: img.height, checksum: checksum(img.components) });
    }
    for (const [i, f] of bad.entries()) {
      expect(await run('return window.dct.decodeUrl(arguments[0])', `/img/bad${i}.jpg`), f.name).toMatchObject({ ok: false, name: f.error });
    }
  }, 120_000);

  it("classifies with Node's logits on WASM and WebGL; shipped networks give PyTorch's top-1; a bad file fails alone", async () => {
    await driver.get(`${sites.pages.url}/e2e/pages/classify.html`);
    await waitFor('body[data-ready="1"]');
    const urls = images.map((_, i) => `/img/${i}.jpg`);
    const r = await run<{ backend: string; logits: number[][] }>("return window.api.logits('late-concat', 'wasm', arguments[0])", urls);
    expect(r.backend).toBe('wasm');
    await expectNodeLogits(r.logits);
    // WebGL (under Xvfb): the same logits
    const gl = await run<{ backend: string; logits: number[][] }>("return window.api.logits('late-concat', 'webgl', arguments[0])", urls);
    expect(gl.backend).toBe('webgl');
    await expectNodeLogits(gl.logits);
    for (const id of checkedModels) {
      const files = [0, 1, 2].map((i) => `/models/${id}-${i}.jpg`);
      const s = await run<{ logits: number[][] }>("return window.api.logits(arguments[0], 'wasm', arguments[1], undefined, '/models/')", id, files);
      expectPyTorchTop1(id, s.logits);
    }
    for (const [i, f] of bad.entries()) {
      if (f.error !== 'NotAJpegError' && f.error !== 'CorruptJpegError') continue;
      expect(await run("return window.api.classify('late-concat', 'wasm', arguments[0])", `/img/bad${i}.jpg`), f.name).toMatchObject({ ok: false, name: f.error });
    }
    expect(await run("return window.api.classify('late-concat', 'wasm', arguments[0])", urls[0])).toMatchObject({ ok: true });
    // classifyBatch over two Web Workers: one worker's answers
    const list = [...urls, ...urls];
    const one = await run<BatchOutcome>("return window.api.batchWorkers('late-concat', arguments[0], 1)", list);
    const two = await run<BatchOutcome>("return window.api.batchWorkers('late-concat', arguments[0], 2)", list);
    expectSameAsOneWorker(one, two, 2);
  }, 300_000);

  it('the script tag, dropped into a plain page served from another path, classifies its picture', async () => {
    await driver.get(`${sites.pages.url}/page/`);
    await waitFor('body[data-result]');
    const r = JSON.parse(await run<string>('return document.body.dataset.result'));
    expect(r.error).toBeUndefined();
    expect(r.top.className).toBe(await scriptTagExpected());
  }, 120_000);

  it('the demo, served with its CSP and no COOP/COEP, is isolated under its service worker, says so, and classifies a sample picture', async () => {
    await driver.get(`${sites.demo.url}/`);
    await waitFor('body[data-ready="1"]');
    // WebKitGTK isolates the page under the worker's headers but hides SharedArrayBuffer there
    expect(await run('return [crossOriginIsolated, document.body.dataset.isolated, typeof SharedArrayBuffer]')).toEqual([true, 'true', 'undefined']);
    expect(await run('return document.querySelector(\'[data-testid="isolation"]\').textContent')).toMatch(/is cross-origin isolated/);
    for (const id of Object.keys(specDocument.networks).filter((i) => i !== 'late-concat')) {
      await run(`document.querySelector('[data-testid="network-toggle"][value="${id}"]').click()`);
    }
    await waitFor('[data-testid="sample"] img');
    const file = await run<string>('const b = document.querySelector(\'[data-testid="sample"]\'); b.click(); return b.querySelector("img").src.split("/").pop()');
    await waitFor(`[data-testid="image-result"][data-file="${file}"][data-done="1"]`, 180_000);
    expect(await run('return document.querySelector(\'[data-testid="result-card"][data-variant="late-concat"]\').dataset.state')).toBe('done');
    // no WebGPU in WebKitGTK: its WebGL runs the demo's networks
    expect(await run('return document.querySelector(\'[data-testid="backend-banner"]\').dataset.backend')).toBe('webgl');
  }, 300_000);
});
