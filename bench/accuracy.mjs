#!/usr/bin/env node
// npm run bench:accuracy [-- --ids a,b] [--backends node-wasm,chromium-wasm,chromium-webgpu]
//                           [--per-class N] [--webgpu-per-class K] [--merge FILE] [--json] [--out FILE]
//
// Top-1 of every trained model in models/ through classify() itself, on each backend this
// machine runs (Node WASM: the CLI's; Chromium WASM; Chromium WebGPU, here SwiftShader), on two
// sets: N val files of each class as they are (224×224 4:2:0; a fixed pseudo-random sample,
// whose first n files are the same for any N), and the re-encoded variants made from those
// same files by scripts/make-variants.mjs (long side 256-1024 px, other aspect ratios, q50-95,
// 4:2:0/4:2:2/4:4:4, progressive, EXIF-rotated; the evaluation script's own set when N = 100).
// Beside each: the model's metrics.json (full val split, PyTorch) and the agreement of each
// backend's top-1 with Node WASM's, file by file. WebGPU here is SwiftShader (a CPU emulating
// a GPU, 1-3 s per classification): it takes the first K files of each class of both sets
// (default 5: 100 files per network), the others all.
// Prints the table MODELS.md shows (bench/lib/accuracy-table.mjs), writes JSON; with --json the last line of stdout is the summary
// {id: {backend: {val, variants, agree}}}. --merge FILE keeps the other models' runs of an earlier
// result (same files, same backends): a newly trained model is measured alone.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildPages, launchChromium, serve } from '../test/harness/browser.mjs';
import { accuracyTable } from './lib/accuracy-table.mjs';
import { benchArgs, root, writeResult } from './lib/cli.mjs';

const { opt, json, log } = benchArgs();
const valDir = opt('val', join(root, '../shared/data/imagenette-224/val'));
const perClass = Number(opt('per-class', '30'));
const webgpuPerClass = Math.min(perClass, Number(opt('webgpu-per-class', '5')));
const backends = opt('backends', 'node-wasm,chromium-wasm,chromium-webgpu').split(',');
const outFile = opt('out', join(root, 'build/bench/accuracy.json'));
const modelsDir = join(root, 'models');
const trained = readdirSync(modelsDir).filter((id) => existsSync(join(modelsDir, id, 'metrics.json')));
const ids = opt('ids', trained.join(',')).split(',').filter(Boolean);
if (!ids.length) throw new Error('no trained model in models/ (no metrics.json): nothing to measure');
for (const id of ids) if (!trained.includes(id)) throw new Error(`models/${id}/metrics.json not found`);

// The sets: the variants (made once, shared with the evaluation script) and the val files they were made from.
const variantDir = join(root, 'build', `variants-${perClass}`);
execFileSync('node', [join(root, 'scripts/make-variants.mjs'), '--val', valDir, '--out', variantDir, '--per-class', String(perClass)], { stdio: 'inherit' });
const manifest = JSON.parse(readFileSync(join(variantDir, 'manifest.json'), 'utf8'));
const variants = manifest.map((e, i) => ({ file: e.file, label: e.label, k: i % perClass }));
const sources = manifest.map((e, i) => ({ file: e.source, label: e.label, k: i % perClass }));
const variantSet = JSON.parse(readFileSync(join(variantDir, 'set.json'), 'utf8')).version;
const sets = { val: sources, variants };
/** Per set, the indices of the files a backend classifies (the first K of each class). */
const pick = (backend) => {
  const k = backend === 'chromium-webgpu' ? webgpuPerClass : perClass;
  return Object.fromEntries(Object.entries(sets).map(([name, files]) => [name, files.flatMap((f, i) => (f.k < k ? [i] : []))]));
};

const result = { date: new Date().toISOString(), variant_set: variantSet, per_class: perClass, webgpu_per_class: webgpuPerClass, files: { val: sources.length, variants: variants.length }, runs: {}, measured: {} };
const mergeFile = opt('merge');
if (mergeFile) {
  const earlier = JSON.parse(readFileSync(mergeFile, 'utf8'));
  const same = earlier.variant_set === variantSet && earlier.per_class === perClass && earlier.webgpu_per_class === webgpuPerClass && Object.values(earlier.runs).every((r) => Object.keys(r).join() === backends.join());
  if (!same) throw new Error(`--merge ${mergeFile}: measured on other files or backends`);
  for (const [id, r] of Object.entries(earlier.runs)) {
    if (ids.includes(id)) continue;
    result.runs[id] = r;
    result.measured[id] = earlier.measured?.[id] ?? earlier.date;
  }
}

async function nodeRun(id) {
  const lib = await import('../dist/lib/index.js');
  const model = await lib.load(id, { modelUrl: pathToFileURL(join(modelsDir, id) + '/'), backend: 'wasm' });
  const out = { backend: model.backend, top1: {}, errors: [] };
  const t0 = performance.now();
  try {
    for (const [name, picked] of Object.entries(pick('node-wasm'))) {
      out.top1[name] = [];
      for (const f of picked.map((i) => sets[name][i])) {
        try {
          out.top1[name].push((await model.classify(new Uint8Array(readFileSync(f.file)), { topK: 1 })).predictions[0].className);
        } catch (e) {
          out.top1[name].push(null);
          out.errors.push(`${relative(root, f.file)}: ${e.name}`);
        }
      }
    }
  } finally {
    model.dispose();
  }
  return { ...out, seconds: (performance.now() - t0) / 1000 };
}

let browser;
let server;
const pageDir = join(root, 'build/bench-accuracy');
async function chromiumRun(id, backend) {
  if (!server) {
    await buildPages(pageDir, ['bench/pages/accuracy.html']);
    for (const [name, files] of Object.entries(sets)) {
      mkdirSync(join(pageDir, 'img', name), { recursive: true });
      files.forEach((f, i) => cpSync(f.file, join(pageDir, 'img', name, `${i}.jpg`)));
    }
    for (const m of ids) cpSync(join(modelsDir, m), join(pageDir, 'models', m), { recursive: true });
    server = await serve(pageDir);
    browser = await launchChromium({ webgpu: true });
  }
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  try {
    await page.goto(`${server.url}/bench/pages/accuracy.html`);
    await page.waitForSelector('body[data-ready="1"]');
    const out = { top1: {}, errors: [], seconds: 0 };
    for (const [name, picked] of Object.entries(pick(backend))) {
      const urls = picked.map((i) => `/img/${name}/${i}.jpg`);
      const r = await page.evaluate((c) => window.accuracy.run(c), { id, modelUrl: `/models/${id}/`, backend: backend.replace('chromium-', ''), urls });
      out.backend = r.backend;
      out.top1[name] = r.top1;
      out.errors.push(...r.errors);
      out.seconds += r.seconds;
    }
    return out;
  } finally {
    await page.close();
  }
}

try {
  for (const id of ids) {
    const names = JSON.parse(readFileSync(join(modelsDir, id, 'model.json'), 'utf8')).classNames;
    const classIds = JSON.parse(readFileSync(join(modelsDir, id, 'metrics.json'), 'utf8')).class_ids;
    const labelOf = (f) => names[classIds.indexOf(f.label)];
    const runs = {};
    for (const backend of backends) {
      const r = backend === 'node-wasm' ? await nodeRun(id) : await chromiumRun(id, backend);
      if (!backend.endsWith(r.backend)) throw new Error(`${id} asked for ${backend}, ran on ${r.backend}`);
      runs[backend] = r;
    }
    result.measured[id] = new Date().toISOString();
    const ref = runs['node-wasm'];
    result.runs[id] = Object.fromEntries(Object.entries(runs).map(([backend, r]) => {
      const picked = pick(backend);
      const score = (name) => r.top1[name].filter((c, j) => c === labelOf(sets[name][picked[name][j]])).length / picked[name].length;
      // node-wasm classifies every file, so its answer at set index i is top1[name][i]
      let same = 0;
      let n = 0;
      if (ref && backend !== 'node-wasm') for (const name of Object.keys(sets)) r.top1[name].forEach((c, j) => ((same += c === ref.top1[name][picked[name][j]] ? 1 : 0), n++));
      return [backend, { files: Object.fromEntries(Object.entries(picked).map(([k, v]) => [k, v.length])), tfjs_backend: r.backend, val: score('val'), variants: score('variants'), agree_node_wasm: n ? same / n : null, errors: r.errors, seconds: Number(r.seconds.toFixed(1)), top1: r.top1 }];
    }));
  }
} finally {
  await browser?.close();
  await server?.close();
}

log(`\n${accuracyTable(result, root)}`);
const summary = Object.fromEntries(Object.keys(result.runs).map((id) => [id, Object.fromEntries(Object.entries(result.runs[id]).map(([b, x]) => [b, { val: x.val, variants: x.variants, agree: x.agree_node_wasm }]))]));
writeResult(outFile, { ...result, summary }, { json, log, summary });
