// The decoder in Chromium: a Vite-built page decodes JPEGs in a module worker.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WasmDecoder } from '../src/index.js';
import { badFixtures, imagenetteSample, validFixtures } from '../test/helpers/fixtures.js';
import { root } from '../test/helpers/paths.js';
import { buildPages, launchChromium, serve, type StaticServer } from './helpers/browser.js';

const out = join(root, 'build/e2e-decode');
const bad = badFixtures();
let server: StaticServer;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  await buildPages(out, ['e2e/pages/decode.html']);
  const pages = join(out, 'e2e/pages');
  copyFileSync(imagenetteSample(1)[0], join(pages, 'sample.jpg'));
  copyFileSync(validFixtures().find((f) => f.name === 'progressive-422')!.path, join(pages, 'progressive.jpg'));
  mkdirSync(join(pages, 'bad'), { recursive: true });
  bad.forEach((f, i) => writeFileSync(join(pages, 'bad', `${i}.bin`), f.bytes));
  server = await serve(out);
  browser = await launchChromium();
  page = await browser.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${server.url}/e2e/pages/decode.html`);
  await page.waitForSelector('[data-testid="result"][data-done="1"]', { timeout: 60_000 });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('decoder in Chromium (module worker)', () => {
  it('the page decodes a JPEG in a worker and shows its block counts', async () => {
    expect(await page.textContent('[data-testid="result"]')).toBe('224x224 blocks 28x28 14x14 14x14');
  });

  it('gives the same coefficients as in Node, transferred as ArrayBuffers', async () => {
    const decoder = await WasmDecoder.create();
    const { readFileSync } = await import('node:fs');
    for (const [url, path] of [
      ['./sample.jpg', imagenetteSample(1)[0]],
      ['./progressive.jpg', validFixtures().find((f) => f.name === 'progressive-422')!.path],
    ]) {
      const r = await page.evaluate((u) => window.dct.decodeUrl(u), url);
      const img = decoder.decode(new Uint8Array(readFileSync(path)), { dequantize: false });
      let checksum = 0;
      for (const c of img.components) for (let i = 0; i < c.coefficients.length; i++) checksum = (checksum * 31 + c.coefficients[i]) | 0;
      expect(r).toMatchObject({ ok: true, width: img.width, height: img.height, checksum, transferred: true });
    }
  });

  it('each bad-input class gets its typed error', async () => {
    for (let i = 0; i < bad.length; i++) {
      const r = await page.evaluate((u) => window.dct.decodeUrl(u), `./bad/${i}.bin`);
      expect(r, bad[i].name).toMatchObject({ ok: false, name: bad[i].error });
      if (bad[i].feature) expect(r).toMatchObject({ feature: bad[i].feature });
      if (bad[i].limit) expect(r).toMatchObject({ limit: bad[i].limit });
    }
  });

  it('after 1,000 bad inputs the same worker decodes correctly, with its WASM heap at its baseline', async () => {
    const result = await page.evaluate(async (n) => {
      const [before] = await window.dct.stats();
      const names: string[] = [];
      for (let i = 0; i < 1000; i++) {
        const r = await window.dct.decodeUrl(`./bad/${i % n}.bin`);
        if (!r.ok) names.push(r.name);
      }
      const [after] = await window.dct.stats();
      const good = await window.dct.decodeUrl('./sample.jpg');
      return { rejected: names.length, before, after, good };
    }, bad.length);
    expect(result.rejected).toBe(1000);
    expect(result.after.handled - result.before.handled).toBe(1000);
    expect(result.after.heapInUse).toBe(result.before.heapInUse);
    expect(result.after.memoryBytes).toBeLessThanOrEqual(64 * 1024 * 1024);
    expect(result.good).toMatchObject({ ok: true, width: 224, blocks: [[28, 28], [14, 14], [14, 14]] });
    expect(pageErrors).toEqual([]);
  });

  it("works under a strict Content-Security-Policy (no 'unsafe-eval', only 'wasm-unsafe-eval')", async () => {
    const csp = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; img-src 'self' blob: data:";
    const strict = await serve(out, { 'content-security-policy': csp });
    const p = await browser.newPage();
    const violations: string[] = [];
    p.on('console', (m) => /Content.Security.Policy|Refused/i.test(m.text()) && violations.push(m.text()));
    try {
      await p.goto(`${strict.url}/e2e/pages/decode.html`);
      await p.waitForSelector('[data-testid="result"][data-done="1"]', { timeout: 60_000 });
      expect(await p.textContent('[data-testid="result"]')).toBe('224x224 blocks 28x28 14x14 14x14');
      expect(violations).toEqual([]);
    } finally {
      await p.close();
      await strict.close();
    }
  });
});
