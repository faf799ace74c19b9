#!/usr/bin/env node
// npm run bench:infer [-- --backends node-wasm,chromium-wasm,chromium-webgpu] [--ids a,b] [--widths 0.25,1]
//                        [--rounds R] [--per-rung N] [--rungs 224,500,...] [--quick] [--json] [--out FILE]
//
// Every network through the public API (load/classify/classifyBatch), with random weights of
// the real shapes (speed does not depend on the values), on each backend this machine can run:
//   node-wasm        Node, TensorFlow.js WASM backend (the CLI's)
//   chromium-wasm    headless Chromium, WASM backend
//   chromium-webgpu  headless Chromium, WebGPU (here SwiftShader: a CPU emulating a GPU)
// Sets of files: "val224" (16 Imagenette val files, 224×224 4:2:0: batch-1 latency and batch-16
// throughput) and the size ladder (bench/lib/ladder.mjs: long side 224-4000 px, 4:2:0/4:4:4,
// baseline/progressive, EXIF 1/6: batch-1 latency per rung). Networks take turns within each
// round; every figure is split decode / prep / infer and given as a ratio to the RGB baseline
// measured in the same run. Prints tables, writes JSON; with --json the last line of stdout is
// the JSON summary: speedup_end_to_end (Chromium WebGPU, batch 16, val224),
// speedup_end_to_end_wasm (Chromium WASM, batch 1, val224), latency_ms_wasm (same, total ms),
// speedup_end_to_end_photos (Node WASM, median over the ladder's rungs), prep_ms_12mp
// (Node, the 4000×3000 4:2:0 files, mean prep ms), first_ratio (first classify() / steady state).
import { cpSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { buildPages, launchChromium, serve } from '../test/harness/browser.mjs';
import { benchArgs, root, writeResult } from './lib/cli.mjs';
import { makeLadder, RUNGS } from './lib/ladder.mjs';
import { measure, median } from './lib/measure.mjs';

const { opt, json, log, has } = benchArgs();
const quick = has('quick');
const spec = JSON.parse(readFileSync(join(root, 'src/engine/networks.json'), 'utf8'));
const baseline = Object.keys(spec.networks).find((id) => spec.networks[id].baseline);
const ids = opt('ids', Object.keys(spec.networks).join(',')).split(',');
if (!ids.includes(baseline)) ids.unshift(baseline);
const backends = opt('backends', 'node-wasm,chromium-wasm,chromium-webgpu').split(',');
const widths = opt('widths', '0.25').split(',').map(Number);
const rounds = Number(opt('rounds', quick ? 1 : 2));
const rungs = opt('rungs', RUNGS.join(',')).split(',').map(Number);
const outFile = opt('out', join(root, 'build/bench/infer.json'));
const valDir = opt('val', join(root, '../shared/data/imagenette-224/val'));
const paper = JSON.parse(readFileSync(join(root, 'src/engine/paper.json'), 'utf8')).networks;

// Files: 16 val files (two per class of the first eight), and the ladder (mosaics of val files).
const classes = readdirSync(valDir).sort();
const val = Array.from({ length: 16 }, (_, i) => {
  const d = join(valDir, classes[i % 8]);
  return join(d, readdirSync(d).sort()[Math.floor(i / 8)]);
});
// Tiles for the ladder's mosaics: 8 files of each class, classes interleaved.
const tiles = Array.from({ length: 80 }, (_, i) => {
  const d = join(valDir, classes[i % classes.length]);
  return join(d, readdirSync(d).sort()[2 + Math.floor(i / classes.length)]);
});
const ladder = makeLadder(tiles, join(root, 'build/bench-ladder-mosaic'), rungs);
// Per rung, how many of its 8 files each backend classifies (SwiftShader is slow).
const perRung = { 'node-wasm': 8, 'chromium-wasm': 4, 'chromium-webgpu': 2 };
// Subsets that still cover both chroma layouts, orientations and (from 4) progressive files;
// a rung's files are ordered 420/444 × baseline/progressive × o1/o6.
const SUBSET = { 1: [0], 2: [0, 5], 4: [0, 3, 5, 6], 8: [0, 1, 2, 3, 4, 5, 6, 7] };
const pick = (backend) => {
  const n = Number(opt('per-rung', quick ? 2 : perRung[backend]));
  const keep = SUBSET[n] ?? SUBSET[8].slice(0, n);
  return rungs.map((r) => ({ name: `${r}px`, files: keep.map((i) => ladder.filter((f) => f.rung === r)[i]) }));
};
const setsFor = (backend) => [{ name: 'val224', files: val, batch: true }, ...pick(backend).map((s) => ({ ...s, batch: false }))];
const cfgFor = (backend, width) => ({
  ids,
  width,
  classes: width === 1 ? 1000 : 10,
  backend: backend.endsWith('webgpu') ? 'webgpu' : 'wasm',
  rounds,
  reps1: 1,
  reps16: width === 1 && backend.endsWith('webgpu') ? 0 : 1,
  batch: 16,
});

const result = { date: new Date().toISOString(), machine: { cpus: cpus().length, cpu: cpus()[0]?.model }, rounds, quick, ladder: ladder.map(({ file, ...f }) => f), runs: {} };

async function nodeRun(width) {
  const lib = await import('../dist/lib/index.js');
  const sets = setsFor('node-wasm').map((s) => ({ name: s.name, batch: s.batch, images: s.files.map((f) => new Uint8Array(readFileSync(f.file ?? f))) }));
  return { ...(await measure(lib, { ...cfgFor('node-wasm', width), sets })), isolated: null };
}

let browser;
let server;
async function chromiumRun(backend, width) {
  const out = join(root, 'build/bench-infer');
  if (!server) {
    await buildPages(out, ['bench/pages/infer.html']);
    mkdirSync(join(out, 'img'), { recursive: true });
    val.forEach((f, i) => cpSync(f, join(out, 'img', `val${i}.jpg`)));
    for (const f of ladder) cpSync(f.file, join(out, 'img', `${f.name}.jpg`));
    // Served cross-origin isolated, as a page wanting threads must be: tfjs's WASM backend then
    // runs its threaded binary (one thread per core); the JSON records the thread count.
    server = await serve(out, { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' });
    browser = await launchChromium({ webgpu: true });
  }
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${server.url}/bench/pages/infer.html`);
  await page.waitForSelector('body[data-ready="1"]');
  const sets = setsFor(backend).map((s) => ({
    name: s.name,
    batch: s.batch,
    urls: s.files.map((f, i) => (typeof f === 'string' ? `/img/val${i}.jpg` : `/img/${f.name}.jpg`)),
  }));
  const r = await page.evaluate((c) => window.bench.run(c), { ...cfgFor(backend, width), sets });
  await page.close();
  return r;
}

const f = (v, d = 1) => (v == null ? '-' : v.toFixed(d)).padStart(8);
try {
  for (const width of widths) {
    for (const backend of backends) {
      const t0 = performance.now();
      const r = backend === 'node-wasm' ? await nodeRun(width) : await chromiumRun(backend, width);
      const base = r.results.find((x) => x.id === baseline);
      const rows = r.results.map((x) => ({
        id: x.id,
        paper_fps_ratio: x.id === baseline ? 1 : paper[x.id]?.fpsRatio ?? null,
        sets: Object.fromEntries(
          Object.entries(x.sets).map(([name, s]) => [
            name,
            {
              ...s,
              ratio_b1: base.sets[name].b1.total / s.b1.total,
              ratio_b16: s.b16 ? base.sets[name].b16.total / s.b16.total : null,
              first_ratio: r.first[x.id]?.[name] ? r.first[x.id][name].total / s.file0.total : null,
            },
          ]),
        ),
      }));
      result.runs[`${backend}@${width}`] = { backend, tfjsBackend: r.backend, threads: r.threads, width, isolated: r.isolated, adapter: r.adapter ?? null, seconds: (performance.now() - t0) / 1000, rows };
      log(`\n${backend} (tfjs ${r.backend}${r.threads ? `, ${r.threads} thread(s)` : ''}${r.isolated ? ', cross-origin isolated' : ''}), width ${width}: batch-1 ms total (decode/prep/infer) and speed-up over ${baseline}`);
      const names = Object.keys(rows[0].sets);
      log(`${'network'.padEnd(24)}${names.map((n) => n.padStart(26)).join('')}   b16 img/s (×)   paper`);
      for (const x of rows) {
        const cells = names.map((n) => {
          const s = x.sets[n];
          return `${s.b1.total.toFixed(1)} (${s.b1.decode.toFixed(1)}/${s.b1.prep.toFixed(1)}/${s.b1.infer.toFixed(1)}) ${s.ratio_b1.toFixed(2)}×`.padStart(26);
        });
        const b16 = x.sets.val224.b16;
        log(`${x.id.padEnd(24)}${cells.join('')}${b16 ? `${f(16000 / b16.total, 1)} (${x.sets.val224.ratio_b16.toFixed(2)}×)` : '        -'}   ${x.paper_fps_ratio ?? ''}`);
      }
    }
  }
} finally {
  await browser?.close();
  await server?.close();
}

// The summary fields (width 0.25).
const run = (b) => result.runs[`${b}@0.25`];
const others = ids.filter((id) => id !== baseline);
const pickRatio = (b, fn) => (run(b) ? Object.fromEntries(others.map((id) => [id, Number(fn(run(b).rows.find((x) => x.id === id)).toFixed(3))])) : undefined);
result.speedup_end_to_end = pickRatio('chromium-webgpu', (x) => x.sets.val224.ratio_b16 ?? x.sets.val224.ratio_b1);
result.speedup_end_to_end_wasm = pickRatio('chromium-wasm', (x) => x.sets.val224.ratio_b1);
result.latency_ms_wasm = run('chromium-wasm') ? Object.fromEntries(run('chromium-wasm').rows.map((x) => [x.id, Number(x.sets.val224.b1.total.toFixed(1))])) : undefined;
result.speedup_end_to_end_photos = pickRatio('node-wasm', (x) => median(rungs.map((r) => x.sets[`${r}px`].ratio_b1)));
// the 4000×3000 4:2:0 files of the rung (baseline and progressive, EXIF 1 and 6), mean prep
const rung4000 = pick('node-wasm').find((r) => r.name === '4000px')?.files ?? [];
const is420 = rung4000.map((f) => f.sampling === '420');
result.prep_ms_12mp = run('node-wasm') && rungs.includes(4000) && is420.some(Boolean)
  ? Object.fromEntries(run('node-wasm').rows.map((x) => {
      const v = x.sets['4000px'].files.filter((_, k) => is420[k]).map((t) => t.prep);
      return [x.id, Number((v.reduce((a, b) => a + b, 0) / v.length).toFixed(2))];
    }))
  : undefined;
result.first_ratio = Object.fromEntries(Object.entries(result.runs).map(([k, v]) => [k, Object.fromEntries(v.rows.map((x) => [x.id, { val224: Number((x.sets.val224.first_ratio ?? 0).toFixed(2)), ...(x.sets['2000px'] ? { '2000px': Number((x.sets['2000px'].first_ratio ?? 0).toFixed(2)) } : {}) }]))]));
const { speedup_end_to_end, speedup_end_to_end_wasm, latency_ms_wasm, speedup_end_to_end_photos, prep_ms_12mp, first_ratio } = result;
log('');
writeResult(outFile, result, { json, log, summary: { speedup_end_to_end, speedup_end_to_end_wasm, latency_ms_wasm, speedup_end_to_end_photos, prep_ms_12mp, first_ratio } });
