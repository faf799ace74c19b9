// The demo page (npm start / npm run build:demo), built as shipped.
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { badFixtures, imagenetteSample } from '../test/helpers/fixtures.js';
import { root } from '../test/helpers/paths.js';
import { buildPages, launchChromium, serve, type StaticServer } from './helpers/browser.js';

const out = join(root, 'build/e2e-demo');
let server: StaticServer;
let browser: Browser;

beforeAll(async () => {
  await buildPages(out, ['index.html']);
  server = await serve(out);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('demo page', () => {
  it('shows block counts for a picked JPEG and a clear error for a PNG, and keeps working', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/index.html`);
    const png = badFixtures().find((f) => f.name === 'png')!;
    await page.setInputFiles('[data-testid="file-input"]', [
      { name: 'picture.png', mimeType: 'image/png', buffer: Buffer.from(png.bytes) },
    ]);
    await page.waitForSelector('.card.error');
    expect(await page.textContent('.card.error')).toMatch(/^picture\.png: NotAJpegError: /);
    await page.setInputFiles('[data-testid="file-input"]', imagenetteSample(1)[0]);
    await page.waitForSelector('.card:not(.error) table');
    const text = await page.textContent('.card:not(.error) table');
    expect(text).toContain('224×224');
    expect(text).toContain('2×2: 28×28 blocks, 1×1: 14×14 blocks, 1×1: 14×14 blocks');
    expect(errors).toEqual([]);
    await page.close();
  });
});
