// The package as people get it: `npm pack` → installed into a fresh Vite app that is built
// and opened in Chromium; the script-tag build on a page served from another path than the
// library; the WASM backend in a bundled page; what is (not) in the tarball; and the trained
// weights' own package (models/ as dctvision-models) found by the command line in that app.
import { availableParallelism } from 'node:os';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { load } from '../dist/lib/index.js';
import { imagenetteSample } from '../test/helpers/fixtures.js';
import { root } from '../test/helpers/paths.js';
import { shippedModels } from '../test/helpers/shipped.js';
import { launchChromium, serve } from './helpers/browser.js';

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const parity = join(root, 'test/fixtures/parity/late-concat');
const image = imagenetteSample(1)[0];
let expected: { className: string; probability: number };
let webgpu: Browser;

/** Open a page and wait for the result it writes into body[data-result]; `requests` collects the URLs it fetched. */
async function result(browser: Browser, url: string, requests: string[] = []): Promise<Record<string, unknown>> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(url);
  await page.waitForSelector('body[data-result]', { state: 'attached', timeout: 240_000 });
  const r = JSON.parse((await page.getAttribute('body', 'data-result'))!);
  await page.close();
  expect(errors).toEqual([]);
  return r;
}

beforeAll(async () => {
  // The same model and file in Node: what the pages must agree with.
  const m = await load('late-concat', { modelUrl: pathToFileURL(parity + '/') });
  expected = (await m.classify(new Uint8Array(readFileSync(image)))).predictions[0];
  m.dispose();
  webgpu = await launchChromium({ webgpu: true });
}, 300_000);
afterAll(async () => {
  await webgpu?.close();
});

describe('script tag', () => {
  it('a plain page with only the script tag, served from another path than the library, classifies a JPEG', async () => {
    const site = join(root, 'build/e2e-script-tag');
    rmSync(site, { recursive: true, force: true });
    cpSync(join(root, 'dist/script'), join(site, 'lib'), { recursive: true });
    cpSync(parity, join(site, 'lib/models/late-concat'), { recursive: true });
    mkdirSync(join(site, 'page'), { recursive: true });
    cpSync(join(root, 'e2e/pages/script-tag.html'), join(site, 'page/index.html'));
    mkdirSync(join(site, 'img'));
    cpSync(image, join(site, 'img/cat.jpg'));
    const server = await serve(site);
    try {
      const requests: string[] = [];
      const r = await result(webgpu, `${server.url}/page/`, requests);
      expect(r.error).toBeUndefined();
      // the page includes a few hundred bytes; on WebGPU only that backend's chunk is fetched
      expect(statSync(join(site, 'lib/dctvision.js')).size).toBeLessThan(2000);
      const chunks = requests.filter((u) => u.includes('/lib/chunks/')).map((u) => u.split('/').pop()!);
      const fetched = (pkg: string) => chunks.some((c) => c.startsWith(`${pkg}-`));
      expect(fetched('tfjs-backend-webgpu'), chunks.join(' ')).toBe(true);
      expect(fetched('tfjs-backend-webgl'), chunks.join(' ')).toBe(false);
      expect(fetched('tfjs-backend-wasm'), chunks.join(' ')).toBe(false);
      expect(requests.some((u) => u.endsWith('.wasm') && u.includes('tfjs-backend-wasm'))).toBe(false);
      const top = r.top as typeof expected;
      expect(top.className).toBe(expected.className);
      expect(Math.abs(top.probability - expected.probability)).toBeLessThan(1e-3);
      // classifyBatch's inference workers come from beside the script too
      const batch = await result(webgpu, `${server.url}/page/?workers=2`);
      expect(batch.error).toBeUndefined();
      expect(batch.workers).toBe(2);
      for (const t of batch.tops as (typeof expected)[]) {
        expect(t.className).toBe(expected.className);
        expect(Math.abs(t.probability - expected.probability)).toBeLessThan(1e-3);
      }
    } finally {
      await server.close();
    }
  }, 400_000);
});

describe('npm pack → a fresh Vite app', () => {
  const app = join(root, 'build/scratch-app');
  let tarball: string;
  let modelsTarball: string;
  let server: Awaited<ReturnType<typeof serve>>;
  let isolated: Awaited<ReturnType<typeof serve>>;

  beforeAll(async () => {
    const dest = join(root, 'build/pack');
    rmSync(dest, { recursive: true, force: true });
    mkdirSync(dest, { recursive: true });
    // npm test has just built dist/; packing must not rebuild it (prepare) mid-test.
    const name = execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dest], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop()!;
    tarball = join(dest, name);
    const modelsName = execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dest], { cwd: join(root, 'models'), encoding: 'utf8' }).trim().split('\n').pop()!;
    modelsTarball = join(dest, modelsName);
    rmSync(app, { recursive: true, force: true });
    cpSync(join(root, 'e2e/scratch-app'), app, { recursive: true });
    cpSync(parity, join(app, 'public/models/late-concat'), { recursive: true });
    mkdirSync(join(app, 'public/img'), { recursive: true });
    cpSync(image, join(app, 'public/img/cat.jpg'));
    const vite = pkg.devDependencies.vite;
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball, modelsTarball, `vite@${vite}`], { cwd: app, stdio: 'pipe' });
    execFileSync('npx', ['vite', 'build'], { cwd: app, stdio: 'pipe' });
    server = await serve(join(app, 'dist'));
    isolated = await serve(join(app, 'dist'), { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' });
  }, 600_000);
  afterAll(async () => {
    await server?.close();
    await isolated?.close();
  });

  it('the tarball holds the built library, its types, the WebAssembly and the worker as files, and no sources or tests', () => {
    const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
    for (const f of ['package.json', 'README.md', 'dist/lib/index.js', 'dist/lib/index.d.ts', 'dist/lib/decode/worker.js', 'dist/wasm/dist/dctjpeg.js', 'dist/wasm/dist/dctjpeg.wasm', 'dist/wasm/tfjs/tfjs-backend-wasm.wasm', 'dist/script/dctvision.js', 'dist/script/dctvision.mjs', 'dist/script/dctvision-worker.js', 'dist/lib/classify/infer-worker.js', 'dist/script/dctvision-infer-worker.mjs', 'bin/dctvision.js']) {
      expect(files, f).toContain(f);
    }
    expect(files.filter((f) => /^(src|test|e2e|training|wasm\/shim|models)\//.test(f))).toEqual([]);
    expect(pkg.sideEffects).toBe(false);
    expect(Object.keys(pkg.exports['.'])[0]).toBe('types');
  });

  it('dctvision-models holds every trained network (model.json, shards, metrics.json) and nothing else; same version as the library', () => {
    const files = execFileSync('tar', ['tzf', modelsTarball], { encoding: 'utf8' }).split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
    const trained = Object.keys(shippedModels());
    expect(trained.length).toBeGreaterThan(0);
    const expected = trained.flatMap((id) => readdirSync(join(root, 'models', id)).map((f) => `${id}/${f}`));
    expect(expected.filter((f) => f.endsWith('.bin')).length).toBeGreaterThanOrEqual(trained.length);
    expect(files.sort()).toEqual(['README.md', 'package.json', ...expected].sort());
    expect(JSON.parse(readFileSync(join(root, 'models/package.json'), 'utf8')).version).toBe(pkg.version);
  });

  it('in the app, `npx dctvision classify` finds a trained network in the installed dctvision-models (no --model-url)', async () => {
    const [id] = Object.keys(shippedModels());
    const r = execFileSync('npx', ['dctvision', 'classify', 'public/img/cat.jpg', '--model', id, '--json'], { cwd: app, encoding: 'utf8' });
    const top = JSON.parse(r)[0].predictions[0];
    const m = await load(id, { modelUrl: pathToFileURL(join(root, 'models', id) + '/') });
    const direct = (await m.classify(new Uint8Array(readFileSync(image)))).predictions[0];
    m.dispose();
    expect(top.className).toBe(direct.className);
    expect(Math.abs(top.probability - direct.probability)).toBeLessThan(1e-5);
  }, 120_000);

  it('the bundled app keeps the decoder’s .wasm and worker as files (not inlined) and classifies a JPEG on WebGPU', async () => {
    const assets = readdirSync(join(app, 'dist/assets'));
    expect(assets.some((f) => /^dctjpeg-.*\.wasm$/.test(f))).toBe(true);
    expect(assets.some((f) => /^worker-.*\.js$/.test(f))).toBe(true);
    const r = await result(webgpu, `${server.url}/`);
    expect(r.error).toBeUndefined();
    expect(r.backend).toBe('webgpu');
    expect((r.top as typeof expected).className).toBe(expected.className);
  }, 400_000);

  it('the WASM backend works in the bundled app (its binaries are found), asked for or as the fallback', async () => {
    const asked = await result(webgpu, `${server.url}/?backend=wasm`);
    expect(asked.error).toBeUndefined();
    expect(asked.backend).toBe('wasm');
    expect(asked.threads).toBe(1); // not cross-origin isolated: single-threaded, and it says so
    expect((asked.top as typeof expected).className).toBe(expected.className);
    // Served cross-origin isolated (COOP/COEP): tfjs's threaded binary, its pthread workers started
    // (the library gives them the glue's original source), same answer; tfjs sizes its pool to
    // half the logical cores, 1 to 8.
    const requests: string[] = [];
    const isolatedPage = await result(webgpu, `${isolated.url}/?backend=wasm`, requests);
    expect(isolatedPage.error).toBeUndefined();
    expect(requests.some((u) => /tfjs-backend-wasm-threaded-simd.*\.wasm$/.test(u)), requests.join(' ')).toBe(true);
    expect(isolatedPage.threads).toBe(Math.min(8, Math.max(1, Math.floor(availableParallelism() / 2))));
    expect((isolatedPage.top as typeof expected).className).toBe(expected.className);
    // No WebGPU (no flag) and no WebGL: the fallback order lands on WASM and says why.
    const plain = await launchChromium({ webgpu: false, extraArgs: ['--disable-gpu', '--disable-software-rasterizer'] });
    try {
      const fallback = await result(plain, `${server.url}/`);
      expect(fallback.error).toBeUndefined();
      expect(fallback.backend).toBe('wasm');
      expect((fallback.skipped as { name: string }[]).map((s) => s.name)).toEqual(['webgpu', 'webgl']);
      expect((fallback.top as typeof expected).className).toBe(expected.className);
    } finally {
      await plain.close();
    }
  }, 600_000);

  it('classifyBatch spreads over 2 bundled Web Workers, on a plain and on a cross-origin isolated page, with the single file\'s answer', async () => {
    // the inference worker is its own file, without the WebGL and WebGPU backends (1.8 MB with them)
    const worker = readdirSync(join(app, 'dist/assets')).filter((f) => /^infer-worker-.*\.js$/.test(f));
    expect(worker).toHaveLength(1);
    expect(statSync(join(app, 'dist/assets', worker[0])).size).toBeLessThan(1_000_000);
    for (const site of [server, isolated]) {
      const r = await result(webgpu, `${site.url}/?backend=wasm&workers=2`);
      expect(r.error).toBeUndefined();
      expect(r.workers).toBe(2);
      for (const t of r.tops as (typeof expected)[]) {
        expect(t.className).toBe((r.top as typeof expected).className);
        expect(Math.abs(t.probability - (r.top as typeof expected).probability)).toBeLessThan(1e-5);
      }
    }
  }, 300_000);
});
