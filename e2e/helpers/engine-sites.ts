// What the other engines' tests (Firefox, WebKit) open: the decode and classify test pages with
// their images, parity and shipped models; and the built demo as a static host serves it (its own
// CSP, no COOP/COEP) with the parity models as its models/. One folder per engine.
import { copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { expect } from 'vitest';
import { join } from 'node:path';
import { build } from 'vite';
import { load, specDocument } from '../../src/index.js';
import { badFixtures, imagenetteSample, validFixtures } from '../../test/helpers/fixtures.js';
import { imagenetteVal, root } from '../../test/helpers/paths.js';
import { shippedModels } from '../../test/helpers/shipped.js';
import { buildPages, serve, type StaticServer } from './browser.js';

export const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; img-src 'self' blob: data:";
export const images = [imagenetteSample(1)[0], validFixtures().find((f) => f.name === 'progressive-422')!.path];
export const bad = badFixtures();
export const shipped = shippedModels();
/** Shipped networks each engine classifies (the baseline and the default). */
export const checkedModels = ['late-concat', 'rgb-resnet50'].filter((i) => shipped[i]);

export async function engineSites(engine: string): Promise<{ pages: StaticServer; demo: StaticServer; close(): Promise<void> }> {
  const out = join(root, `build/e2e-${engine}`);
  const demoHost = join(root, `build/e2e-${engine}-demo`);
  await buildPages(out, ['e2e/pages/decode.html', 'e2e/pages/classify.html']);
  mkdirSync(join(out, 'img'), { recursive: true });
  images.forEach((p, i) => copyFileSync(p, join(out, 'img', `${i}.jpg`)));
  bad.forEach((f, i) => writeFileSync(join(out, 'img', `bad${i}.jpg`), f.bytes));
  cpSync(join(root, 'test/fixtures/parity'), join(out, 'parity'), { recursive: true });
  for (const id of checkedModels) {
    cpSync(join(root, 'models', id), join(out, 'models', id), { recursive: true });
    shipped[id].ci_sample.slice(0, 3).forEach((s, i) => copyFileSync(join(imagenetteVal, s.file), join(out, 'models', `${id}-${i}.jpg`)));
  }
  rmSync(demoHost, { recursive: true, force: true });
  await build({ root, logLevel: 'warn', build: { outDir: demoHost, emptyOutDir: true } });
  for (const id of Object.keys(specDocument.networks)) {
    rmSync(join(demoHost, 'models', id), { recursive: true, force: true });
    cpSync(join(root, 'test/fixtures/parity', id), join(demoHost, 'models', id), { recursive: true });
  }
  // the script-tag build as a drop-in: the library at /lib/ (its default models beside it), a plain page at /page/
  cpSync(join(root, 'dist/script'), join(out, 'lib'), { recursive: true });
  cpSync(join(root, 'test/fixtures/parity/late-concat'), join(out, 'lib/models/late-concat'), { recursive: true });
  mkdirSync(join(out, 'page'), { recursive: true });
  copyFileSync(join(root, 'e2e/pages/script-tag.html'), join(out, 'page/index.html'));
  copyFileSync(images[0], join(out, 'img/cat.jpg'));
  const pages = await serve(out);
  const demo = await serve(demoHost, { 'content-security-policy': CSP });
  return { pages, demo, close: async () => (await pages.close(), await demo.close()) };
}

/** Coefficient checksum of a decoded image, as the decode test page computes it. */
export function checksum(components: { coefficients: Int16Array }[]): number {
  let sum = 0;
  for (const c of components) for (let k = 0; k < c.coefficients.length; k++) sum = (sum * 31 + c.coefficients[k]) | 0;
  return sum;
}


/** Logits a page computed for `images` with the parity Late-Concat, against Node's (1e-3 of the largest). */
export async function expectNodeLogits(logits: number[][]): Promise<void> {
  const node = await load('late-concat', { modelUrl: pathToFileURL(join(root, 'test/fixtures/parity/late-concat') + '/'), backend: 'wasm' });
  for (const [k, path] of images.entries()) {
    const want = Array.from(await node.infer(new Uint8Array(readFileSync(path))));
    const scale = Math.max(...want.map(Math.abs));
    expect(Math.max(...want.map((v, j) => Math.abs(v - logits[k][j]))) / scale, path).toBeLessThan(1e-3);
  }
  node.dispose();
}

/** A shipped network's logits on its first 3 CI-sample files: PyTorch's top-1 on at least 2 (a file near a boundary may flip). */
export function expectPyTorchTop1(id: string, logits: number[][]): void {
  const top1 = logits.map((l) => l.indexOf(Math.max(...l)));
  expect(top1.filter((t, k) => t === shipped[id].ci_sample[k].top1).length, `${id}: ${JSON.stringify(top1)}`).toBeGreaterThanOrEqual(2);
}

/** What the script-tag page must show: the parity Late-Concat's top class for the page's picture, from Node. */
export async function scriptTagExpected(): Promise<string> {
  const node = await load('late-concat', { modelUrl: pathToFileURL(join(root, 'test/fixtures/parity/late-concat') + '/'), backend: 'wasm' });
  const top = (await node.classify(new Uint8Array(readFileSync(images[0])))).predictions[0].className;
  node.dispose();
  return top;
}

/** What the classify page's batchWorkers() returns: per file its predictions or its error's name. */
export interface BatchOutcome {
  results: (string | (readonly [string, number])[])[];
  memory: { tensorBytes: number; wasmBytes: number }[];
  isolated: boolean;
}

/** classifyBatch on `workers` inference workers gave what one worker (the page's thread) gave, file by file. */
export function expectSameAsOneWorker(one: BatchOutcome, many: BatchOutcome, workers: number): void {
  expect(one.memory).toEqual([]); // one worker: the page's own thread
  expect(many.memory).toHaveLength(workers);
  for (const w of many.memory) expect(w.tensorBytes).toBeGreaterThan(0), expect(w.wasmBytes).toBeGreaterThan(0);
  many.results.forEach((r, k) => {
    const ref = one.results[k];
    if (typeof ref === 'string') return expect(r, `file ${k}`).toBe(ref);
    expect(typeof r, `file ${k}`).toBe('object');
    const got = new Map(r as [string, number][]);
    expect((r as [string, number][])[0][0], `file ${k}: top-1`).toBe(ref[0][0]);
    for (const [name, p] of ref) expect(Math.abs(got.get(name)! - p), `file ${k} ${name}`).toBeLessThanOrEqual(1e-5);
  });
}
