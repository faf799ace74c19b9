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
 * A private Xvfb display (for browsers without a headless mode, or whose GPU backends need a
 * display). Resolves with { display, stop() }.
 */
export async function startXvfb() {
  const { spawn } = await import('node:child_process');
  const { existsSync } = await import('node:fs');
  for (let tries = 0; tries < 20; tries++) {
    const n = 90 + Math.floor(Math.random() * 800);
    if (existsSync(`/tmp/.X11-unix/X${n}`) || existsSync(`/tmp/.X${n}-lock`)) continue;
    const xvfb = spawn('Xvfb', [`:${n}`, '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], { stdio: 'ignore' });
    for (let i = 0; i < 50 && !existsSync(`/tmp/.X11-unix/X${n}`) && xvfb.exitCode === null; i++) await new Promise((r) => setTimeout(r, 100));
    if (xvfb.exitCode === null && existsSync(`/tmp/.X11-unix/X${n}`)) return { display: `:${n}`, stop: () => xvfb.kill() };
    xvfb.kill();
  }
  throw new Error('no Xvfb display could be started');
}

/**
 * Firefox ESR driven by puppeteer-core over WebDriver BiDi (Debian has no geckodriver, and
 * playwright-core's BiDi mode does not speak to this Firefox). Headless, with WebGPU switched
 * off, it runs on WASM; `{ display: true }` runs it on a private Xvfb display with WebGPU on,
 * where WebGL2 and WebGPU (Mesa's lavapipe through Vulkan) work. Resolves with the browser; closing it stops the display.
 */
export async function launchFirefox(opts = {}) {
  const { default: puppeteer } = await import('puppeteer-core');
  const x = opts.display ? await startXvfb() : undefined;
  try {
    const browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: firefoxPath,
      headless: !x,
      ...(x ? { env: { ...process.env, DISPLAY: x.display } } : {}),
      // WebGPU only with the display: headless, the page then runs (and is tested) on WASM
      extraPrefsFirefox: x ? { 'dom.webgpu.enabled': true, 'gfx.webgpu.ignore-blocklist': true } : { 'dom.webgpu.enabled': false },
    });
    if (x) browser.on('disconnected', x.stop);
    return browser;
  } catch (e) {
    x?.stop();
    throw e;
  }
}

/** WebKitGTK's MiniBrowser, as Debian's webkit2gtk-driver installs it. */
export const miniBrowserPath = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

/**
 * WebKitGTK through WebKitWebDriver and selenium-webdriver (`usingServer`: nothing is downloaded).
 * MiniBrowser has no headless mode and, without a display, session creation hangs silently: a
 * private Xvfb display is started for it, and the session is given a deadline.
 * Resolves with { driver, close() }.
 */
export async function launchWebKit() {
  const { spawn } = await import('node:child_process');
  const { Builder } = await import('selenium-webdriver');
  const net = await import('node:net');
  const freePort = () =>
    new Promise((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address();
        s.close(() => resolve(port));
      });
    });
  const x = await startXvfb();
  const port = await freePort();
  const server = spawn('WebKitWebDriver', [`--port=${port}`], { stdio: 'ignore', env: { ...process.env, DISPLAY: x.display } });
  const stop = () => {
    server.kill();
    x.stop();
  };
  try {
    await new Promise((r) => setTimeout(r, 1000));
    const caps = { browserName: 'MiniBrowser', 'webkitgtk:browserOptions': { binary: miniBrowserPath, args: ['--automation'] } };
    const session = new Builder().usingServer(`http://127.0.0.1:${port}`).withCapabilities(caps).build();
    const driver = await Promise.race([
      session,
      new Promise((_, reject) => setTimeout(() => reject(new Error('WebKitWebDriver gave no session within 30 s')), 30_000)),
    ]);
    return {
      driver,
      close: async () => {
        await driver.quit().catch(() => {});
        stop();
      },
    };
  } catch (e) {
    stop();
    throw e;
  }
}
