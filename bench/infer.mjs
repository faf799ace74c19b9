#!/usr/bin/env node
// npm run bench:infer [-- --quick] [--json] [--widths 0.25,1] [--ids a,b] [--rounds R] [--b16-full] [--out FILE]
//
// Every network in headless Chromium on WebGPU (here: SwiftShader, a CPU emulating a GPU),
// through the public API: steady-state latency at batch 1 and throughput at batch 16, each
// split into decode / prep / infer, as ratios to the RGB baseline measured in the same run
// (models take turns within each round). Width 0.25 is the shipped size, width 1.0 the
// paper's; both with random weights made up in the page (speed does not depend on the
// values). Prints a table, writes JSON; with --json the last line of stdout is the JSON,
// including speedup_end_to_end: { <id>: RGB time / network time, batch 16, width 0.25 }.
//
// SwiftShader runs the GPU's work on the CPU (about 0.2 GMAC/s on this 2-core machine), so
// at width 1.0 only batch 1 is measured unless --b16-full is given (one batch-16 pass of a
// full-size ResNet-50 takes minutes there). --quick: width 0.25 only, one round.
import { cpSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPages, launchChromium, serve } from '../test/harness/browser.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const opt = (name, def) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : def);
const quick = args.includes('--quick');
const json = args.includes('--json');
const widths = opt('widths', quick ? '0.25' : '0.25,1').split(',').map(Number);
const b16Full = args.includes('--b16-full');
const spec = JSON.parse((await import('node:fs')).readFileSync(join(root, 'src/engine/networks.json'), 'utf8'));
const allIds = Object.keys(spec.networks);
const ids = opt('ids', allIds.join(',')).split(',');
const baseline = Object.keys(spec.networks).find((id) => spec.networks[id].baseline);
if (!ids.includes(baseline)) ids.unshift(baseline);
const rounds = Number(opt('rounds', quick ? 1 : 2));
const outFile = opt('out', join(root, 'build/bench/infer.json'));
const valDir = opt('val', join(root, '../shared/data/imagenette-224/val'));
// The paper's FPS ratios to its ResNet-50.
const paperTable = JSON.parse((await import('node:fs')).readFileSync(join(root, 'src/engine/paper.json'), 'utf8')).networks;
const paper = Object.fromEntries(Object.entries(paperTable).filter(([id]) => id !== baseline).map(([id, p]) => [id, p.fpsRatio]));

const out = join(root, 'build/bench-infer');
await buildPages(out, ['bench/pages/infer.html']);
mkdirSync(join(out, 'img'), { recursive: true });
const classes = readdirSync(valDir).sort();
const files = Array.from({ length: 16 }, (_, i) => {
  const d = join(valDir, classes[i % classes.length]);
  return join(d, readdirSync(d).sort()[Math.floor(i / classes.length)]);
});
files.forEach((f, i) => cpSync(f, join(out, 'img', `${i}.jpg`)));
const server = await serve(out);
const browser = await launchChromium({ webgpu: true });
const log = (...a) => (json ? console.error : console.log)(...a);
const result = { date: new Date().toISOString(), machine: { cpus: cpus().length, cpu: cpus()[0]?.model }, rounds, quick, widths: {} };
try {
  for (const width of widths) {
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
    await page.goto(`${server.url}/bench/pages/infer.html`);
    await page.waitForSelector('body[data-ready="1"]');
    const cfg = {
      ids,
      width,
      classes: width === 1 ? 1000 : 10,
      urls: files.map((_, i) => `/img/${i}.jpg`),
      rounds,
      reps1: width === 1 ? 1 : quick ? 2 : 3,
      reps16: width === 1 && !b16Full ? 0 : 1,
      batch: 16,
    };
    const t0 = performance.now();
    const r = await page.evaluate((c) => window.bench.measure(c), cfg);
    await page.close();
    const rgb = r.results.find((x) => x.id === baseline);
    const rows = r.results.map((x) => ({
      id: x.id,
      b1: x.b1,
      b16: x.b16,
      throughput_b16: x.b16 ? 16000 / x.b16.total : null,
      latency_ratio_b1: rgb.b1.total / x.b1.total,
      infer_ratio_b1: rgb.b1.infer / x.b1.infer,
      throughput_ratio_b16: x.b16 ? rgb.b16.total / x.b16.total : null,
      infer_ratio_b16: x.b16 ? rgb.b16.infer / x.b16.infer : null,
      paper_fps_ratio: paper[x.id] ?? null,
      samples: x.samples,
    }));
    result.widths[width] = { backend: r.backend, adapter: r.adapter, classes: cfg.classes, seconds: (performance.now() - t0) / 1000, rows };
    log(`\nwidth ${width} (${cfg.classes} classes), backend ${r.backend}${r.adapter ? ` (${r.adapter.vendor} ${r.adapter.architecture} ${r.adapter.description})` : ''}, ${rounds} round(s):`);
    const f = (v, d = 1) => (v == null ? '-' : v.toFixed(d)).padStart(7);
    const b16 = (x) => x.b16 ?? {};
    log('network                   | b1 decode   prep  infer  total | b16 decode   prep  infer  total  img/s | ratio b1 (infer) | ratio b16 (infer) | paper');
    for (const x of rows) {
      log(`${x.id.padEnd(25)} | ${f(x.b1.decode, 2)}${f(x.b1.prep)}${f(x.b1.infer)}${f(x.b1.total)} | ${f(b16(x).decode)}${f(b16(x).prep)}${f(b16(x).infer)}${f(b16(x).total)}${f(x.throughput_b16, 2)} | ${f(x.latency_ratio_b1, 2)} (${f(x.infer_ratio_b1, 2)}) | ${f(x.throughput_ratio_b16, 2)} (${f(x.infer_ratio_b16, 2)})  | ${x.paper_fps_ratio ?? ''}`);
    }
  }
} finally {
  await browser.close();
  await server.close();
}
const shipped = result.widths[0.25] ?? result.widths[widths[0]];
result.speedup_end_to_end = Object.fromEntries(
  shipped.rows.filter((x) => x.id !== baseline).map((x) => [x.id, Number((x.throughput_ratio_b16 ?? x.latency_ratio_b1).toFixed(3))]),
);
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, JSON.stringify(result, null, 2) + '\n');
log(`\nwrote ${outFile}`);
if (json) console.log(JSON.stringify(result));
