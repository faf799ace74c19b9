// The demo as built by `npm run build:demo` (the project's own Vite config), served from a
// sub-path, in headless Chromium with WebGPU through SwiftShader. The site's models/ holds the
// random-weight parity models (class names "class N"), the same for every checkout, for the
// page's behaviour and the library's real answers; the trained models (models/, as the build
// copied them) are served at ?models=shipped/ for their evaluated answers and the benchmark.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { build, createServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { load, networkIds } from '../src/index.js';
import { badFixtures, imagenetteSample } from '../test/helpers/fixtures.js';
import { root } from '../test/helpers/paths.js';
import { shippedModels } from '../test/helpers/shipped.js';
import { launchChromium, serve, type StaticServer } from './helpers/browser.js';
import { supportRow } from './helpers/support-matrix.js';

const host = join(root, 'build/e2e-demo-host');
const sub = '/some/sub/path/';
const site = join(host, sub);
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; img-src 'self' blob: data:";
let plain: StaticServer;
let strict: StaticServer;
let browser: Browser;
const valFile = imagenetteSample(1)[1];
const shipped = shippedModels();
const allShipped = networkIds.every((id) => id in shipped);

beforeAll(async () => {
  rmSync(host, { recursive: true, force: true });
  await build({ root, logLevel: 'warn', build: { outDir: site, emptyOutDir: true } });
  // The trained models as the build copied them (vite.config.ts), kept aside for ?models=shipped/;
  // the site's own models/ then holds the parity fixtures alone (no trained model's metrics.json).
  for (const id of Object.keys(shipped)) cpSync(join(root, 'models', id), join(site, 'shipped', id), { recursive: true });
  for (const id of networkIds) {
    rmSync(join(site, 'models', id), { recursive: true, force: true });
    cpSync(join(root, 'test/fixtures/parity', id), join(site, 'models', id), { recursive: true });
  }
  plain = await serve(host);
  strict = await serve(host, { 'content-security-policy': CSP });
  browser = await launchChromium({ webgpu: true });
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await plain?.close();
  await strict?.close();
});

async function open(server: StaticServer, b = browser, query = ''): Promise<{ page: Page; errors: string[] }> {
  const page = await b.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text()) && errors.push(m.text()));
  await page.goto(`${server.url}${sub}${query}`);
  await page.waitForSelector('body[data-ready="1"]', { state: 'attached' });
  return { page, errors };
}

const doneSection = (page: Page, file: string) =>
  page.waitForSelector(`[data-testid="image-result"][data-file="${file}"][data-done="1"]`, { timeout: 600_000 });

/** Keep only these networks selected (fewer networks: quicker). */
async function keepOnly(page: Page, keep: string[]): Promise<void> {
  for (const id of networkIds.filter((i) => !keep.includes(i))) await page.click(`[data-testid="network-toggle"][value="${id}"]`);
}

/** Click the first sample and wait until every selected network has answered; its file name. */
async function classifyFirstSample(page: Page): Promise<string> {
  await page.click('[data-testid="sample"]');
  const first = await page.$eval('[data-testid="sample"] img', (e) => (e as HTMLImageElement).src.split('/').pop()!);
  await doneSection(page, first);
  return first;
}

/** Sample pictures checked per trained network: 2 in the test suite (each is eight SwiftShader
 *  classifications, about 2-3 s each); `npm run screenshot:demo` checks all of them. */
const samplePictures = Number(process.env.DEMO_SAMPLE_PICTURES ?? 2);

/** The first `samplePictures` sample pictures through every selected trained network: each gets
 *  the class PyTorch gave it in the network's evaluation (metrics.json's demo_samples). */
async function samplesGetEvaluatedClasses(page: Page): Promise<void> {
  await page.waitForSelector('[data-testid="sample"] img');
  const samples = await page.$$eval('[data-testid="sample"] img', (els) => els.map((e) => (e as HTMLImageElement).src.split('/').pop()!));
  expect(samples.length).toBeGreaterThanOrEqual(samplePictures);
  const selected = await page.$$eval('[data-testid="network-toggle"]:checked', (els) => els.map((e) => (e as HTMLInputElement).value));
  for (const [i, file] of samples.slice(0, samplePictures).entries()) {
    await page.locator('[data-testid="sample"]').nth(i).click();
    await doneSection(page, file);
    for (const id of selected) {
      const card = `[data-testid="image-result"][data-file="${file}"] [data-testid="result-card"][data-variant="${id}"]`;
      const state = await page.$eval(card, (e) => `${(e as HTMLElement).dataset.state}: ${e.textContent}`);
      expect(state, `${id} on ${file}`).toMatch(/^done/);
      const top1 = await page.$eval(`${card} [data-testid="top1"]`, (e) => (e as HTMLElement).dataset.class);
      expect(top1, `${id} on ${file}`).toBe(shipped[id].demo_samples[file]);
    }
  }
}

/** Images per network in the benchmark panel: 1 in the test suite (SwiftShader WebGPU takes about
 *  2 s per classification: eight networks × (n + 1 warm-up)); `npm run screenshot:demo` runs 8 for
 *  the screenshot in docs/screenshots/. */
const benchImages = Number(process.env.DEMO_BENCH_IMAGES ?? 1);

/** Run the benchmark panel through all eight networks; check its table and charts (the accuracy
 *  column is each model's metrics.json when the page serves the trained models, else "not
 *  evaluated"); save screenshots of the whole page and of the panel, and the table as JSON. */
async function benchmarkPanel(page: Page, evaluated?: typeof shipped): Promise<void> {
  await page.fill('[data-testid="bench-n"]', String(benchImages));
  await page.click('[data-testid="bench-run"]');
  await page.waitForSelector('[data-testid="bench-out"][data-done]', { state: 'attached', timeout: 1_200_000 });
  expect(await page.getAttribute('[data-testid="bench-out"]', 'data-done')).toBe('1');
  const rows = await page.$$eval('[data-testid="bench-table"] tbody tr', (trs) =>
    trs.map((tr) => ({ id: (tr as HTMLElement).dataset.variant!, cells: [...tr.querySelectorAll('td')].map((td) => td.textContent) })),
  );
  expect(rows.map((r) => r.id).sort()).toEqual([...networkIds].sort());
  for (const { id, cells } of rows) {
    expect(Number(cells[1])).toBeGreaterThan(0); // img/s
    expect(cells[7]).toMatch(/^\d\.\d\d×$|^1\.00×$/); // paper's ratio shown
    const m = evaluated?.[id];
    expect(cells[8], id).toBe(m ? `${(m.top1 * 100).toFixed(1)}% of ${m.val_images}` : 'not evaluated');
  }
  expect(rows.find((r) => r.id === 'rgb-resnet50')!.cells[6]).toBe('1.00×');
  for (const id of ['chart-throughput', 'chart-latency']) {
    const bars = await page.$$eval(`[data-testid="${id}"] rect[data-value]`, (els) => els.map((e) => Number(e.getAttribute('data-value'))));
    expect(bars.length, id).toBe(id === 'chart-throughput' ? 8 : 24);
    expect(bars.every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
  }
  mkdirSync(join(root, 'build/screenshots'), { recursive: true });
  await page.screenshot({ path: join(root, 'build/screenshots/demo.png'), fullPage: true });
  await page.locator('[data-testid="bench"]').screenshot({ path: join(root, 'build/screenshots/demo-benchmark.png') });
  const columns = await page.$$eval('[data-testid="bench-table"] thead th', (ths) => ths.map((th) => th.textContent));
  const table = rows.map(({ id, cells }) => ({ id, ...Object.fromEntries(columns.map((c, i) => [c, cells[i]])) }));
  writeFileSync(join(root, 'build/screenshots/demo-benchmark.json'), JSON.stringify({ images: benchImages, userAgent: await page.evaluate(() => navigator.userAgent), table }, null, 2));
}

describe('demo (built site)', () => {
  it('dropping a val JPEG shows eight cards, each with a top-1, top-5 bars and timings — the library’s own answers', async () => {
    const { page, errors } = await open(plain);
    await page.setInputFiles('[data-testid="file-input"]', valFile);
    const name = valFile.split('/').pop()!;
    await doneSection(page, name);
    const cards = await page.$$eval('[data-testid="result-card"]', (els) =>
      els.map((e) => ({
        variant: (e as HTMLElement).dataset.variant,
        state: (e as HTMLElement).dataset.state,
        top1: e.querySelector<HTMLElement>('[data-testid="top1"]')?.dataset.class,
        bars: e.querySelectorAll('.bars > div').length,
        timings: e.querySelector('[data-testid="timings"]')?.textContent ?? '',
      })),
    );
    expect(cards.map((c) => c.variant).sort()).toEqual([...networkIds].sort());
    // the ten classes the networks know, named where a visitor drops a file
    expect(await page.$$eval('[data-testid="classes"] li', (els) => els.length)).toBe(10);
    expect(await page.isVisible('[data-testid="classes"]')).toBe(true);
    // the parity models answer near chance (≈ 11%): every card says it is unsure
    expect(await page.$$eval('[data-testid="result-card"] [data-testid="unsure"]', (els) => els.length)).toBe(8);
    for (const c of cards) {
      expect(c.state, c.variant).toBe('done');
      expect(c.top1).toMatch(/^class \d$/);
      expect(c.bars).toBe(5);
      expect(c.timings).toMatch(/^decode [\d.]+ · prep [\d.]+ · infer [\d.]+ · total [\d.]+ ms$/);
    }
    // The page shows what the library computes: same model, same file, in Node.
    for (const id of ['late-concat', 'rgb-resnet50']) {
      const m = await load(id, { modelUrl: pathToFileURL(join(root, 'test/fixtures/parity', id) + '/') });
      const top = (await m.classify(new Uint8Array(readFileSync(valFile)))).predictions[0].className;
      m.dispose();
      expect(cards.find((c) => c.variant === id)!.top1, id).toBe(top);
    }
    expect(await page.getAttribute('[data-testid="backend-banner"]', 'data-backend')).toBe('webgpu');
    // the README's table of browsers names this Chromium and its WebGPU
    expect(supportRow(`Chromium ${browser.version().split('.')[0]}`)[1]).toMatch(/^✓/);
    expect(await page.$$eval('[data-testid="model-status"] [data-state="ready"]', (els) => els.length)).toBe(8);
    expect(await page.$('[data-testid="dct-view"] canvas')).not.toBeNull();
    expect(errors).toEqual([]);
    await page.close();
  }, 900_000);

  it('a PNG, a corrupt JPEG and a CMYK JPEG each get a clear message; the page keeps working', async () => {
    const { page, errors } = await open(plain);
    await keepOnly(page, ['late-concat']);
    const bad = badFixtures();
    const files = [
      { name: 'photo.png', fixture: 'png', says: /photo\.png is not a JPEG file — NotAJpegError/ },
      { name: 'broken.jpg', fixture: 'truncated', says: /broken\.jpg is a damaged JPEG — CorruptJpegError/ },
      { name: 'print.jpg', fixture: 'cmyk', says: /print\.jpg uses a JPEG feature the networks cannot take \(CMYK\) — UnsupportedJpegError/ },
    ];
    await page.setInputFiles(
      '[data-testid="file-input"]',
      files.map((f) => ({ name: f.name, mimeType: 'image/jpeg', buffer: Buffer.from(bad.find((b) => b.name === f.fixture)!.bytes) })),
    );
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="error-message"]').length === 3, undefined, { timeout: 120_000 });
    const said = await page.$$eval('[data-testid="error-message"]', (els) => els.map((e) => e.textContent ?? ''));
    for (const f of files) expect(said.some((s) => f.says.test(s)), `${f.name}: ${said.join(' | ')}`).toBe(true);
    // A file that cannot be read (gone from the disk between picking and reading) says so, and
    // the queue goes on: the next file works.
    await page.evaluate(() => {
      const read = Blob.prototype.arrayBuffer;
      Blob.prototype.arrayBuffer = function (this: Blob) {
        return (this as File).name === 'gone.jpg' ? Promise.reject(new DOMException('the file is gone', 'NotReadableError')) : read.call(this);
      };
    });
    await page.setInputFiles('[data-testid="file-input"]', { name: 'gone.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(bad.find((b) => b.name === 'truncated')!.bytes) });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="error-message"]').length === 4, undefined, { timeout: 60_000 });
    expect(await page.textContent('[data-testid="error-message"]')).toMatch(/gone\.jpg could not be read — NotReadableError/);
    await classifyFirstSample(page);
    expect(await page.$$eval('[data-testid="result-card"][data-state="done"]', (els) => els.length)).toBe(1);
    // at a phone's width (390 × 844) the page reflows: nothing wider than the screen
    await page.setViewportSize({ width: 390, height: 844 });
    const widths = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth,
      widest: Math.max(...[...document.querySelectorAll('main *')].map((e) => e.getBoundingClientRect().right)),
    }));
    expect(widths.page).toBeLessThanOrEqual(390);
    expect(widths.widest).toBeLessThanOrEqual(390);
    mkdirSync(join(root, 'build/screenshots'), { recursive: true });
    await page.screenshot({ path: join(root, 'build/screenshots/demo-phone.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 600_000);

  // With all eight trained, one page visit (eight network loads) serves both the trained networks'
  // answers and the benchmark panel, whose screenshot is docs/screenshots/demo-benchmark.png.
  if (allShipped) {
    it(`trained networks: the first ${samplePictures} sample pictures get the class their evaluation gave them; the benchmark panel shows their measured accuracy (screenshot saved)`, async () => {
      const { page, errors } = await open(plain, browser, '?models=shipped/');
      await samplesGetEvaluatedClasses(page);
      await benchmarkPanel(page, shipped);
      expect(errors).toEqual([]);
      await page.close();
    }, 1_500_000);
  } else {
    it(`the benchmark panel completes on ${benchImages} images and draws its charts (parity models; screenshot saved)`, async () => {
      const { page, errors } = await open(plain);
      await benchmarkPanel(page);
      expect(errors).toEqual([]);
      await page.close();
    }, 1_500_000);
    if (Object.keys(shipped).length) {
      it(`trained networks (${Object.keys(shipped).join(', ')}): the first ${samplePictures} sample pictures get the class their evaluation gave them`, async () => {
        const { page } = await open(plain, browser, '?models=shipped/');
        await keepOnly(page, Object.keys(shipped));
        await samplesGetEvaluatedClasses(page);
        await page.close();
      }, 600_000);
    }
  }

  it(`works under ${CSP}`, async () => {
    const { page, errors } = await open(strict);
    await keepOnly(page, ['late-concat']);
    await classifyFirstSample(page);
    expect(await page.$$eval('[data-testid="result-card"][data-state="done"] [data-testid="top1"]', (els) => els.length)).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  }, 600_000);

  it('served without COOP/COEP headers, it is cross-origin isolated once its service worker takes control, under the same CSP', async () => {
    const { page, errors } = await open(strict);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await page.getAttribute('body', 'data-isolated')).toBe('true');
    expect(await page.textContent('[data-testid="isolation"]')).toMatch(/is cross-origin isolated/);
    expect(await page.evaluate(() => typeof SharedArrayBuffer)).toBe('function');
    // the page's own Content-Security-Policy is kept on what the worker serves, and in force
    expect(await page.evaluate(async () => (await fetch(location.href)).headers.get('content-security-policy'))).toBe(CSP);
    expect(await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.inlineRan = true';
      document.head.append(s);
      return (window as unknown as { inlineRan?: boolean }).inlineRan ?? false;
    })).toBe(false);
    await page.waitForTimeout(100);
    expect(errors.every((e) => /inline script/.test(e))).toBe(true); // the one refusal asked for above
    errors.length = 0;
    await keepOnly(page, ['late-concat']);
    await classifyFirstSample(page);
    expect(errors).toEqual([]);
    await page.close();
  }, 600_000);

  it('works offline after the first visit (service worker + sha256-checked model cache)', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${plain.url}${sub}`);
    await page.waitForFunction(async () => (await navigator.serviceWorker.ready).active?.state === 'activated');
    await page.reload(); // now controlled by the service worker, which keeps what this visit loads
    await page.waitForSelector('body[data-ready="1"]', { state: 'attached' });
    await keepOnly(page, ['late-concat']);
    const first = await classifyFirstSample(page);
    const cached = await page.evaluate(async () => (await (await caches.open('dctvision-models-v1')).keys()).map((r) => r.url.split('/').slice(-2).join('/')));
    expect(cached).toEqual(expect.arrayContaining(['late-concat/model.json', 'late-concat/group1-shard1of1.bin']));

    await context.setOffline(true);
    await page.reload();
    await page.waitForSelector('body[data-ready="1"]', { state: 'attached' });
    await keepOnly(page, ['late-concat']);
    expect(await classifyFirstSample(page)).toBe(first);
    expect(await page.$$eval('[data-testid="result-card"][data-state="done"]', (els) => els.length)).toBe(1);
    await context.close();
  }, 600_000);

  it('with no weights at its models/ URL every card says where it looked and what to do', async () => {
    const page = await browser.newPage();
    await page.goto(`${plain.url}${sub}?models=./nowhere/`);
    await page.click('[data-testid="sample"]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="result-card"][data-state="error"]').length === 8, undefined, { timeout: 120_000 });
    const texts = await page.$$eval('[data-testid="result-card"]', (els) => els.map((e) => e.textContent ?? ''));
    for (const t of texts) expect(t).toMatch(/No weights for this network at http:\/\/127\.0\.0\.1:\d+\/some\/sub\/path\/nowhere\/: train them/);
    await page.close();
  }, 300_000);

  it('npm start (the Vite dev server) serves a working demo', async () => {
    const dev = await createServer({ root, logLevel: 'warn', server: { host: '127.0.0.1', port: 0 } });
    await dev.listen();
    try {
      const url = dev.resolvedUrls!.local[0];
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      // The dev server serves the repository, so the parity models can stand in for trained ones.
      await page.goto(`${url}?models=/test/fixtures/parity/`);
      await page.waitForSelector('body[data-ready="1"]', { state: 'attached', timeout: 120_000 });
      await keepOnly(page, ['late-concat']);
      await classifyFirstSample(page);
      expect(await page.$$eval('[data-testid="result-card"][data-state="done"] [data-testid="top1"]', (els) => els.length)).toBe(1);
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await dev.close();
    }
  }, 600_000);

  // (on the WASM backend: SwiftShader's WebGPU takes seconds per verdict, a GPU or the CPU tens of milliseconds)
  it('slow-network mode: a sample streamed at 32 kbit/s as a progressive JPEG; verdicts while it arrives, the last one the evaluated class (screenshot saved)', async () => {
    if (!('late-concat' in shipped && 'rgb-resnet50' in shipped)) return expect(Object.keys(shipped)).toEqual([]);
    const { page, errors } = await open(plain, browser, '?models=shipped/&backend=wasm');
    await keepOnly(page, ['late-concat', 'rgb-resnet50']);
    await page.check('[data-testid="slow-toggle"]');
    await page.selectOption('[data-testid="slow-rate"]', '32000');
    await page.waitForSelector('[data-testid="sample"] img');
    const file = await page.$eval('[data-testid="sample"] img', (e) => (e as HTMLImageElement).src.split('/').pop()!);
    await page.click('[data-testid="sample"]');
    const card = (id: string) => `[data-testid="image-result"][data-file="${file}"] [data-testid="result-card"][data-variant="${id}"]`;
    // mid-way: verdicts from part of the bytes, the picture painted from the scans so far
    // (at least two verdicts before the last byte; how many depends on timing: a verdict not yet
    // taken is replaced by a newer one)
    await page
      .waitForFunction(
        (sel) => {
          const c = document.querySelector<HTMLElement>(sel);
          return c?.dataset.state === 'streaming' && Number(c.dataset.verdicts) >= 2;
        },
        card('late-concat'),
        { timeout: 120_000 },
      )
      .catch(async (e: Error) => {
        const seen = await page.$eval(card('late-concat'), (c) => ({ ...(c as HTMLElement).dataset, text: c.textContent })).catch(() => 'no card');
        throw new Error(`${e.message}; the Late-Concat card: ${JSON.stringify(seen)}`);
      });
    mkdirSync(join(root, 'build/screenshots'), { recursive: true });
    await page.locator(`[data-testid="image-result"][data-file="${file}"]`).screenshot({ path: join(root, 'build/screenshots/demo-slow-network.png') });
    await doneSection(page, file);
    const size = readFileSync(join(root, 'public/samples/progressive', file)).length;
    for (const id of ['late-concat', 'rgb-resnet50']) {
      const c = await page.$eval(card(id), (e) => ({ final: (e as HTMLElement).dataset.final, share: (e as HTMLElement).dataset.share, verdicts: (e as HTMLElement).dataset.verdicts, top1: e.querySelector<HTMLElement>('[data-testid="top1"]')?.dataset.class, line: e.querySelector('[data-testid="stream-progress"]')?.textContent }));
      expect([c.final, c.share], id).toEqual(['complete', '100']);
      expect(Number(c.verdicts), id).toBeGreaterThanOrEqual(2);
      expect(c.top1, id).toBe(shipped[id].demo_samples[file]);
      expect(c.line).toMatch(/100% of the bytes · final verdict · verdict \d+ at [\d.]+ s/);
    }
    expect(await page.getAttribute(`[data-testid="image-result"][data-file="${file}"] .image-head img`, 'data-bytes')).toBe(String(size));
    expect(errors).toEqual([]);
    await page.close();
  }, 600_000);

  it('without WebGPU the page says so and names the fallback that runs', async () => {
    const noGpu = await launchChromium({ webgpu: false });
    try {
      const { page, errors } = await open(plain, noGpu);
      await page.waitForFunction(() => /offers no WebGPU/.test(document.querySelector('[data-testid="backend-banner"]')?.textContent ?? ''));
      await keepOnly(page, ['late-concat']);
      await classifyFirstSample(page);
      const banner = await page.textContent('[data-testid="backend-banner"]');
      const backend = await page.getAttribute('[data-testid="backend-banner"]', 'data-backend');
      expect(['webgl', 'wasm', 'cpu']).toContain(backend);
      expect(banner).toContain(`The networks run on ${{ webgl: 'WebGL', wasm: 'the CPU (WebAssembly)', cpu: 'the CPU (JavaScript)' }[backend!]}`);
      expect(banner).toMatch(/because this browser does not offer WebGPU/);
      // written for a visitor: the library's own reasons only in the tooltip
      expect(banner).not.toMatch(/registry|Backend name/);
      expect(errors).toEqual([]);
    } finally {
      await noGpu.close();
    }
  }, 600_000);
});
