// The engine in Chromium on the WebGPU (SwiftShader), WebGL and CPU backends: the same
// logits as PyTorch for exported models, within 1e-3 of the largest logit.
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { networkIds } from '../src/engine/plan.js';
import { root } from '../test/helpers/paths.js';
import { buildPages, launchChromium, serve, type StaticServer } from './helpers/browser.js';

const out = join(root, 'build/e2e-engine');
let server: StaticServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  await buildPages(out, ['e2e/pages/engine.html']);
  cpSync(join(root, 'test/fixtures/parity'), join(out, 'parity'), { recursive: true });
  server = await serve(out);
  browser = await launchChromium({ webgpu: true });
  page = await browser.newPage();
  await page.goto(`${server.url}/e2e/pages/engine.html`);
  await page.waitForSelector('body[data-ready="1"]');
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe.each(['webgpu', 'webgl', 'cpu'])('engine in Chromium, tfjs %s backend', (backend) => {
  it.each(backend === 'cpu' ? ['late-concat-rfa'] : networkIds)('%s', async (id) => {
    const expected = JSON.parse(readFileSync(join(root, 'test/fixtures/parity', id, 'expected.json'), 'utf8')).logits as number[][];
    const r = await page.evaluate(([dir, b]) => window.engine.run(dir, b), [`/parity/${id}/`, backend] as const);
    expect(r.backend).toBe(backend);
    const maxAbs = Math.max(...expected.flat().map(Math.abs));
    const maxDiff = Math.max(...r.logits.flat().map((v, i) => Math.abs(v - expected.flat()[i])));
    console.log(`${backend} ${id}: max |Δ| / max |logit| = ${(maxDiff / maxAbs).toExponential(2)}`);
    expect(maxDiff).toBeLessThanOrEqual(1e-3 * maxAbs);
    expect(r.tensors).toBe(0);
  });
});
