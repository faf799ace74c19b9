/**
 * Browser harness shared by the e2e tests and the browser benchmarks: build pages with
 * Vite, serve them from http://127.0.0.1 (a real origin: module workers and WebGPU need
 * one), drive Debian's Chromium with playwright-core (its own browser download cannot
 * work on these machines).
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build } from 'vite';

const root = fileURLToPath(new URL('../..', import.meta.url));

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.bin': 'application/octet-stream',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/** Build the given HTML entry points (relative to the repo) into outDir. */
export async function buildPages(outDir, entries) {
  await build({
    configFile: false,
    root,
    base: './',
    logLevel: 'warn',
    worker: { format: 'es' },
    build: {
      outDir,
      emptyOutDir: true,
      assetsInlineLimit: (file) => (file.endsWith('.wasm') ? false : undefined),
      rollupOptions: { input: entries.map((e) => join(root, e)) },
    },
  });
}

/** Serve a folder on 127.0.0.1 (random port); `headers` are added to every response. */
export async function serve(dir, headers = {}) {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    let file = join(dir, path);
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!file.startsWith(dir) || !existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', ...headers });
    createReadStream(file).pipe(res);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Headless Chromium; WebGPU through SwiftShader when asked. */
export function launchChromium(opts = {}) {
  const args = [
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-quic',
    '--no-first-run',
  ];
  if (opts.webgpu) args.push('--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--enable-features=Vulkan');
  args.push(...(opts.extraArgs ?? []));
  return chromium.launch({ executablePath: chromiumPath, headless: true, args });
}

/** Debian's Firefox ESR (`firefox-esr`). */
export const firefoxPath = '/usr/bin/firefox-esr';

/**
 * Firefox ESR driven by puppeteer-core over WebDriver BiDi (Debian has no geckodriver, and
 * playwright-core's BiDi mode does not speak to this Firefox), headless: its WASM backend (WebGL2
 * and WebGPU need a display).
 */
export async function launchFirefox() {
  const { default: puppeteer } = await import('puppeteer-core');
  return puppeteer.launch({ browser: 'firefox', executablePath: firefoxPath, headless: true });
}
