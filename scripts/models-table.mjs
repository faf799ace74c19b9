#!/usr/bin/env node
// The shipped models beside the paper, generated from models/*/metrics.json (written by the
// evaluation script) and src/engine/paper.json: never typed by hand. Prints Markdown (with
// --variants the table of the re-encoded variants through the CLI); `--write` replaces both
// blocks between their markers in docs/MODELS.md. --pick: the README's table for choosing a
// network (top-1, latency on Chromium's WASM backend from docs/results/infer-wasm.json, which
// `npm run bench:infer` writes, and the size of the weights); --write updates it in README.md too.
//
//   node scripts/models-table.mjs [--variants | --pick] [--write]
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { writeDocBlock } from './doc-block.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const spec = JSON.parse(readFileSync(`${root}src/engine/networks.json`, 'utf8')).networks;
const paper = JSON.parse(readFileSync(`${root}src/engine/paper.json`, 'utf8')).networks;
const baseline = Object.keys(spec).find((id) => spec[id].baseline);
const argv = process.argv.slice(2);
const logsDir = `${root}training/checkpoints/`;
const modelsDir = `${root}models/`;
const metrics = Object.fromEntries(
  Object.keys(spec).map((id) => [id, existsSync(`${modelsDir}${id}/metrics.json`) ? JSON.parse(readFileSync(`${modelsDir}${id}/metrics.json`, 'utf8')) : undefined]),
);
/**
 * Training time of the network alone: per resolution, the median epoch time in its log times
 * the number of epochs at that resolution. The wall-clock sum (train_seconds) also counts epochs
 * slowed by other work on the same cores, or paused.
 */
function logSeconds(path) {
  if (!existsSync(path)) return undefined;
  const bySize = {};
  for (const line of readFileSync(path, 'utf8').split('\n').filter(Boolean)) {
    const e = JSON.parse(line);
    (bySize[e.size] ??= []).push(e.epoch_seconds);
  }
  return Object.values(bySize).reduce((sum, v) => {
    const s = [...v].sort((a, b) => a - b);
    const med = s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    return sum + med * v.length;
  }, 0);
}
/** The fine-tunes a network went through, earliest first (fine_tune.before holds the earlier ones). */
function fineTunes(m) {
  const chain = [];
  for (let ft = m?.fine_tune; ft; ft = ft.before?.fine_tune) chain.unshift(ft);
  return chain;
}
/**
 * The network's own log, and for a network fine-tuned on progressive cuts that fine-tune's too;
 * a fine-tune taught again (fine_tune.before) counts the earlier ones' wall clock, its run folder
 * holding only the latest log.
 */
function aloneSeconds(id) {
  const own = logSeconds(`${logsDir}${id}/log.jsonl`);
  const tune = metrics[id]?.fine_tune ? logSeconds(`${logsDir}progressive/${id}/log.jsonl`) : 0;
  const before = fineTunes(metrics[id]).slice(0, -1).reduce((sum, ft) => sum + (ft.train_seconds ?? 0), 0);
  return own === undefined || tune === undefined ? undefined : own + tune + before;
}
/** "88 + 12 + 12": the recipe's epochs, then each fine-tune's. */
function epochsCell(m) {
  const chain = fineTunes(m);
  if (!chain.length) return m?.epochs ?? '—';
  const tuned = chain.reduce((sum, ft) => sum + ft.epochs, 0);
  return [m.epochs - tuned, ...chain.map((ft) => ft.epochs)].join(' + ');
}
const pct = (x) => (x == null ? '—' : (100 * x).toFixed(1));
/** A difference in points, with its sign. */
const points = (d) => {
  const r = Math.round(d * 10) / 10; // -0.03 reads 0.0, not -0.0
  return r === 0 ? '0.0' : `${r > 0 ? '+' : ''}${r.toFixed(1)}`;
};
const base = metrics[baseline];
const rows = [
  '| network | Imagenette top-1 % | top-5 % | Δ top-1 vs RGB | library agrees | params | MMACs | epochs | training | paper ImageNet top-1 % (Δ vs RGB) |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---|---:|',
];
for (const id of Object.keys(spec)) {
  const m = metrics[id];
  const p = paper[id];
  const pTop1 = 100 - p.top1Error;
  const pDelta = pTop1 - (100 - paper[baseline].top1Error);
  const d = m && base ? 100 * (m.top1 - base.top1) : 0;
  const delta = m && base && id !== baseline ? points(d) : '—';
  const alone = aloneSeconds(id);
  const train = m?.train_seconds
    ? `${alone ? `${(alone / 3600).toFixed(2)} h (wall ${(m.train_seconds / 3600).toFixed(2)} h)` : `${(m.train_seconds / 3600).toFixed(2)} h`}, ${m.hardware}`
    : '—';
  rows.push(
    `| ${spec[id].title} | ${m ? pct(m.top1) : 'not trained yet'} | ${pct(m?.top5)} | ${delta} | ${m?.ts_top1_agreement != null ? m.ts_top1_agreement.toFixed(3) : '—'} | ${m ? (m.params / 1e6).toFixed(2) + ' M' : '—'} | ${m ? (m.macs / 1e6).toFixed(0) : '—'} | ${epochsCell(m)} | ${train} | ${pTop1.toFixed(1)} (${id === baseline ? '—' : points(pDelta)}) |`,
  );
}
const table = rows.join('\n');

// Files as people have them: `dctvision classify --json` on re-encoded,
// resized, rotated val files against the val top-1, and against the same files as they are.
const vrows = [
  '| network | val top-1 % (full split) | variants | their sources as they are % | variants through the CLI % | Δ vs val | Δ vs sources | CLI = PyTorch | exact operators % |',
  '|---|---:|---|---:|---:|---:|---:|---:|---:|',
];
for (const id of Object.keys(spec)) {
  const m = metrics[id];
  const v = m?.variants;
  if (!v) {
    vrows.push(`| ${spec[id].title} | ${m ? pct(m.top1) : 'not trained yet'} | — | — | — | — | — | — | — |`);
    continue;
  }
  vrows.push(
    `| ${spec[id].title} | ${pct(m.top1)} | ${v.files.toLocaleString('en-US')} (${v.per_class}/class, set ${v.set ?? 1}) | ${pct(v.top1_sources)} | ${pct(v.top1_cli)} | ${points(100 * (v.top1_cli - m.top1))} | ${v.top1_sources == null ? '—' : points(100 * (v.top1_cli - v.top1_sources))} | ${v.cli_pytorch_agreement.toFixed(3)} | ${pct(v.top1_pytorch_exact_prep)} |`,
  );
}
const variantsTable = vrows.join('\n');

// Choosing a network: accuracy, speed in a page without a GPU, download size.
const infer = JSON.parse(readFileSync(`${root}docs/results/infer-wasm.json`, 'utf8'));
const weightMiB = (id) =>
  readdirSync(`${modelsDir}${id}`).filter((f) => f.endsWith('.bin')).reduce((s, f) => s + statSync(`${modelsDir}${id}/${f}`).size, 0) / 2 ** 20;
const prow = [
  '| network | id | Imagenette top-1 % | ms per image, WASM | speed vs RGB | weights MiB |',
  '|---|---|---:|---:|---:|---:|',
];
for (const id of Object.keys(spec).filter((i) => metrics[i])) {
  const ms = infer.latency_ms_wasm[id];
  prow.push(
    `| ${spec[id].title} | \`${id}\` | ${pct(metrics[id].top1)} | ${ms.toFixed(0)} | ${(infer.latency_ms_wasm[baseline] / ms).toFixed(2)}× | ${weightMiB(id).toFixed(1)} |`,
  );
}
const pickTable = prow.join('\n');

if (argv.includes('--write')) {
  writeDocBlock(`${root}README.md`, '<!-- pick-table:start (node scripts/models-table.mjs --write) -->', '<!-- pick-table:end -->', pickTable);
  const command = 'node scripts/models-table.mjs --write';
  for (const [name, content] of [['models-table', table], ['variants-table', variantsTable]]) {
    writeDocBlock(`${root}docs/MODELS.md`, `<!-- ${name}:start (${command}) -->`, `<!-- ${name}:end -->`, content);
  }
} else console.log(argv.includes('--variants') ? variantsTable : argv.includes('--pick') ? pickTable : table);
