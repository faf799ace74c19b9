#!/usr/bin/env node
// npm run bench:workers [-- --ids late-concat,rgb-resnet50] [--per-class 30] [--workers 1,2] [--rounds 2] [--json] [--out FILE]
//
// Bulk classification against the number of inference workers: `dctvision classify DIR --json
// --workers N` (the command users run; its own images/s, model load excluded) over a folder of
// --per-class val files of each class, for each network and each N, interleaved in rounds.
// Prints images/s (median over rounds), the speed-up over one worker, whether every file got
// the same top-1 as with one worker, and the memory each worker holds; writes JSON.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { median } from './lib/measure.mjs';
import { benchArgs, root, writeResult } from './lib/cli.mjs';

const { opt, json, log } = benchArgs();
const ids = opt('ids', 'late-concat,rgb-resnet50').split(',');
const perClass = Number(opt('per-class', 30));
const counts = opt('workers', `1,${availableParallelism()}`).split(',').map(Number);
const rounds = Number(opt('rounds', 2));
const outFile = opt('out', join(root, 'build/bench/workers.json'));
const valDir = opt('val', join(root, '../shared/data/imagenette-224/val'));

// The folder: the first --per-class files of each class, by name.
const folder = join(root, 'build/bench-workers');
rmSync(folder, { recursive: true, force: true });
mkdirSync(folder, { recursive: true });
for (const c of readdirSync(valDir).sort()) {
  for (const f of readdirSync(join(valDir, c)).sort().slice(0, perClass)) symlinkSync(join(valDir, c, f), join(folder, `${c}-${f}`));
}

function run(id, workers) {
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
    top1: Object.fromEntries(JSON.parse(r.stdout).map((x) => [x.file, x.predictions[0].className])),
  };
}

const runs = {};
for (let round = 0; round < rounds; round++) {
  for (const id of ids) {
    for (const w of counts) {
      const r = run(id, w);
      ((runs[id] ??= {})[w] ??= []).push(r);
      log(`round ${round + 1}: ${id} --workers ${w}: ${r.imagesPerSecond} images/s`);
    }
  }
}

const rows = [];
for (const id of ids) {
  const one = median(runs[id][counts[0]].map((r) => r.imagesPerSecond));
  const reference = runs[id][counts[0]][0].top1;
  for (const w of counts) {
    const ips = median(runs[id][w].map((r) => r.imagesPerSecond));
    const files = Object.keys(reference).length;
    const same = Math.min(...runs[id][w].map((r) => Object.entries(r.top1).filter(([f, c]) => reference[f] === c).length));
    rows.push({ id, workers: w, imagesPerSecond: ips, speedup: ips / one, sameTop1: same, files, workerMiB: runs[id][w][0].workerMiB });
  }
}
log(`\n${rows[0].files} val files (${perClass} per class), \`dctvision classify DIR --json --workers N\`, median of ${rounds} rounds; ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'}):\n`);
log('| network | workers | images/s | × one worker | same top-1 as one worker | memory per worker |');
log('|---|---:|---:|---:|---:|---:|');
for (const r of rows) {
  log(`| ${r.id} | ${r.workers} | ${r.imagesPerSecond.toFixed(1)} | ${r.speedup.toFixed(2)}× | ${r.sameTop1} / ${r.files} | ${r.workerMiB == null ? '— (in the main thread)' : `${r.workerMiB} MiB`} |`);
}
writeResult(outFile, { date: new Date().toISOString(), cores: availableParallelism(), cpu: cpus()[0]?.model, perClass, rounds, rows }, { json, log });
