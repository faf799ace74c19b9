// The WGSL preparation kernels (WebGPU through SwiftShader) equal the TypeScript reference.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imagenetteSample, validFixtures } from '../test/helpers/fixtures.js';
import { root } from '../test/helpers/paths.js';
import { withOrientation } from '../test/harness/exif.mjs';
import { buildPages, launchChromium, serve, type StaticServer } from './helpers/browser.js';

const out = join(root, 'build/e2e-prep');
let server: StaticServer;
let browser: Browser;
let page: Page;
const cases: [string, string, number][] = [
  ['imagenette 224 4:2:0', imagenetteSample(1)[0], 1],
  ['4:4:4 1023x701, orientation 6', validFixtures().find((f) => f.name === 'baseline-444')!.path, 6],
  ['4:2:2, orientation 3', validFixtures().find((f) => f.name === 'baseline-422')!.path, 3],
  ['4:1:1, orientation 8', validFixtures().find((f) => f.name === 'baseline-411')!.path, 8],
  ['grayscale, orientation 5', validFixtures().find((f) => f.name === 'grayscale')!.path, 5],
  ['17x9 4:2:0', validFixtures().find((f) => f.name === 'odd-17x9-420')!.path, 1],
  ['4000x3000 progressive', validFixtures().find((f) => f.name === 'large-progressive')!.path, 7],
];

beforeAll(async () => {
  await buildPages(out, ['e2e/pages/prep.html']);
  mkdirSync(join(out, 'img'), { recursive: true });
  cases.forEach(([, path, o], i) => writeFileSync(join(out, 'img', `${i}.jpg`), withOrientation(new Uint8Array(readFileSync(path)), o)));
  server = await serve(out);
  browser = await launchChromium({ webgpu: true });
  page = await browser.newPage();
  await page.goto(`${server.url}/e2e/pages/prep.html`);
  await page.waitForSelector('body[data-ready="1"]');
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('WGSL preparation kernels = TypeScript reference', () => {
  // truncated: what the library runs (large files decode and upload each block's n×n lowest
  // frequencies only); all 64: the exact operators
  it.each(cases.flatMap((c, i) => [[`${c[0]}, truncated`, i, true] as const, [`${c[0]}, all 64`, i, false] as const]))('%s', async (name, i, truncate) => {
    const r = await page.evaluate(([u, t]) => window.prep.compare(u, t), [`/img/${i}.jpg`, truncate] as const);
    console.log(`webgpu prep ${name}: relative L2 ${r.relL2.toExponential(2)}, ${r.ms.toFixed(1)} ms, kept ${r.kept.join(',')}, ${r.uploaded} bytes uploaded`);
    expect(r.shapes).toEqual([[1, 28, 28, 64], [1, 14, 14, 64], [1, 14, 14, 64]]);
    expect(r.relL2).toBeLessThanOrEqual(1e-5);
    expect(r.leaked).toBe(0);
    if (truncate && name.startsWith('4000x3000')) expect(r.kept).toEqual([2]); // (a grey picture: one plane, 2×2 of its 64 frequencies)
  });
});
