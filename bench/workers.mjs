#!/usr/bin/env node
// npm run bench:workers [-- --ids late-concat,rgb-resnet50] [--per-class 30] [--workers 1,2] [--where node,page] [--rounds 2] [--json] [--out FILE]
//
// Bulk classification against the number of inference workers, over --per-class val files of
// each class, for each network and each N, interleaved in rounds:
//   node: `dctvision classify DIR --json --workers N` (the command users run; its own images/s,
//         model load excluded), worker_threads;
//   page: classifyBatch in headless Chromium on the WASM backend, a page without cross-origin
//         isolation (tfjs on one thread), Web Workers started before the clock, files in memory.
// Prints images/s (median over rounds), the speed-up over one worker, whether every file got
// the same top-1 as with one worker, and the memory each worker holds; writes JSON.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { median } from './lib/measure.mjs';
import { benchArgs, root, writeResult } from './lib/cli.mjs';
import { buildPages, launchChromium, serve } from '../test/harness/browser.mjs';

const { opt, json, log } = benchArgs();
const ids = opt('ids', 'late-concat,rgb-resnet50').split(',');
const perClass = Number(opt('per-class', 30));
const counts = opt('workers', `1,${availableParallelism()}`).split(',').map(Number);
const rounds = Number(opt('rounds', 2));
const wheres = opt('where', 'node,page').split(',');
const outFile = opt('out', join(root, 'build/bench/workers.json'));
const valDir = opt('val', join(root, '../shared/data/imagenette-224/val'));

// The folder: the first --per-class files of each class, by name.
const folder = join(root, 'build/bench-workers');
rmSync(folder, { recursive: true, force: true });
mkdirSync(folder, { recursive: true });
for (const c of readdirSync(valDir).sort()) {
  for (const f of readdirSync(join(valDir, c)).sort().slice(0, perClass)) symlinkSync(join(valDir, c, f), join(folder, `${c}-${f}`));
}

function runNode(id, workers) {
  const r = spawnSync('node', [join(root, 'bin/dctvision.js'), 'classify', folder, '--model', id, '--json', '--top', '1', '--workers', String(workers)], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    cwd: root,
  });
  if (r.status !== 0) throw new Error(`${id} --workers ${workers}: exit ${r.status}: ${r.stderr.slice(-2000)}`);
  const summary = r.stderr.match(/([\d.]+) images\/s\)(?:, (\d+) inference workers of (\d+) MiB each)?/);
  if (!summary) throw new Error(`no summary line: ${r.stderr.slice(-500)}`);
  return {
    imagesPerSecond: Number(summary[1]),
    workerMiB: summary[3] ? Number(summary[3]) : null,
    top1: Object.fromEntries(JSON.parse(r.stdout).map((x) => [x.file.split('/').pop(), x.predictions[0].className])),
  };
}

// The page: built from bench/pages/workers.html, served with the shipped models and the files.
let page, browser, server;
if (wheres.includes('page')) {
  const site = join(root, 'build/bench-workers-page');
  await buildPages(site, ['bench/pages/workers.html']);
  for (const id of ids) cpSync(join(root, 'models', id), join(site, 'models', id), { recursive: true });
  cpSync(folder, join(site, 'img'), { recursive: true, dereference: true });
  server = await serve(site);
  browser = await launchChromium();
  page = await browser.newPage();
  await page.goto(`${server.url}/bench/pages/workers.html`);
  await page.waitForSelector('body[data-ready="1"]');
}
const names = readdirSync(folder).sort();

async function runPage(id, workers) {
  const r = await page.evaluate(([i, u, w]) => window.benchWorkers.run(i, u, w, 16), [id, names.map((f) => `/img/${f}`), workers]);
  if (r.isolated) throw new Error('the page is cross-origin isolated; it should not be');
  return { imagesPerSecond: r.imagesPerSecond, workerMiB: r.workerMiB, top1: Object.fromEntries(names.map((f, k) => [f, r.top1[k]])) };
}

const runs = {};
for (let round = 0; round < rounds; round++) {
  for (const where of wheres) {
    for (const id of ids) {
      for (const w of counts) {
        const r = where === 'node' ? runNode(id, w) : await runPage(id, w);
        (((runs[where] ??= {})[id] ??= {})[w] ??= []).push(r);
        log(`round ${round + 1}: ${where} ${id} workers ${w}: ${r.imagesPerSecond.toFixed(1)} images/s`);
      }
    }
  }
}
await browser?.close();
await server?.close();

const rows = [];
for (const where of wheres) {
  for (const id of ids) {
    const byN = runs[where][id];
    const one = median(byN[counts[0]].map((r) => r.imagesPerSecond));
    const reference = byN[counts[0]][0].top1;
    for (const w of counts) {
      const ips = median(byN[w].map((r) => r.imagesPerSecond));
      const files = Object.keys(reference).length;
      const same = Math.min(...byN[w].map((r) => Object.entries(r.top1).filter(([f, c]) => reference[f] === c).length));
      rows.push({ where, id, workers: w, imagesPerSecond: ips, speedup: ips / one, sameTop1: same, files, workerMiB: byN[w][0].workerMiB });
    }
  }
}
log(`\n${rows[0].files} val files (${perClass} per class); node: \`dctvision classify DIR --json --workers N\`, page: classifyBatch in Chromium (WASM, not isolated); median of ${rounds} rounds; ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'}):\n`);
log('| where | network | workers | images/s | × one worker | same top-1 as one worker | memory per worker |');
log('|---|---|---:|---:|---:|---:|---:|');
for (const r of rows) {
  log(`| ${r.where} | ${r.id} | ${r.workers} | ${r.imagesPerSecond.toFixed(1)} | ${r.speedup.toFixed(2)}× | ${r.sameTop1} / ${r.files} | ${r.workerMiB == null ? '— (in the main thread)' : `${r.workerMiB} MiB`} |`);
}
writeResult(outFile, { date: new Date().toISOString(), cores: availableParallelism(), cpu: cpus()[0]?.model, perClass, rounds, wheres, rows }, { json, log });
