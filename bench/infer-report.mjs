#!/usr/bin/env node
// node bench/infer-report.mjs [build/bench/infer.json]
//
// The tables of docs/BENCHMARKS.md ("Inference, end to end") from a bench:infer JSON file:
// per backend, batch-1 latency on the val files and the size ladder with each network's
// speed-up over the RGB baseline per rung, batch-16 throughput, the first call's ratio to
// the steady state, and the paper's FPS ratio and the MAC ratio beside them. Markdown on stdout.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const file = process.argv[2] ?? join(root, 'build/bench/infer.json');
const r = JSON.parse(readFileSync(file, 'utf8'));
const lib = await import('../dist/lib/index.js');
const spec = JSON.parse(readFileSync(join(root, 'src/engine/networks.json'), 'utf8'));
const baseline = Object.keys(spec.networks).find((id) => spec.networks[id].baseline);
const macs = (id, width) => lib.plan(id, width, width === 1 ? 1000 : 10).macs;
const x2 = (v) => (v == null ? '–' : v.toFixed(2));
const ms = (v) => (v < 10 ? v.toFixed(1) : v.toFixed(0));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const out = [];
out.push(`Run of ${r.date.slice(0, 16).replace('T', ' ')} UTC on ${r.machine.cpus} × ${r.machine.cpu}; ${r.rounds} measured round(s).`, '');
for (const [key, run] of Object.entries(r.runs)) {
  const base = run.rows.find((x) => x.id === baseline);
  const rungs = Object.keys(base.sets).filter((s) => s !== 'val224');
  const setsFiles = (s) => base.sets[s].samples.b1 / r.rounds;
  out.push(`#### ${run.backend} (tfjs \`${run.tfjsBackend}\`${run.isolated ? ', page cross-origin isolated' : ''}${run.adapter ? `, adapter: ${[run.adapter.vendor, run.adapter.architecture, run.adapter.description].filter(Boolean).join(" ")}` : ''}), width ${run.width}`, '');
  out.push(
    `Batch 1, ms per file (decode / prep / infer), mean over each set's files of their medians: val224 = ${setsFiles('val224')} Imagenette val files (224², 4:2:0); each ladder rung = ${setsFiles(rungs[0] ?? 'val224')} file(s). Speed-up = RGB ÷ network, same run.`,
    '',
  );
  out.push(`| network | val224 b1 | ×RGB | ${rungs.map((s) => `${s} ×RGB`).join(' | ')}${rungs.length ? ' | ladder median' : ''} | b16 img/s | ×RGB | first call ÷ steady | paper FPS ratio | RGB ÷ network MACs |`);
  out.push(`|---|---|---:|${rungs.map(() => '---:|').join('')}${rungs.length ? '---:|' : ''}---:|---:|---:|---:|---:|`);
  for (const x of run.rows) {
    const v = x.sets.val224;
    const b = v.b1;
    const rungRatios = rungs.map((s) => x.sets[s].ratio_b1);
    const cells = [
      x.id === baseline ? `${x.id} (baseline)` : x.id,
      `${ms(b.total)} (${ms(b.decode)} / ${ms(b.prep)} / ${ms(b.infer)})`,
      x2(v.ratio_b1),
      ...rungs.map((s) => `${x2(x.sets[s].ratio_b1)} <sub>${ms(x.sets[s].b1.total)} ms</sub>`),
      ...(rungs.length ? [`**${x2(median(rungRatios))}**`] : []),
      v.b16 ? (16000 / v.b16.total).toFixed(1) : '–',
      x2(v.ratio_b16),
      [v.first_ratio, x.sets['2000px']?.first_ratio].filter((f) => f != null).map(x2).join(' / '),
      x2(x.paper_fps_ratio),
      x2(macs(baseline, run.width) / macs(x.id, run.width)),
    ];
    out.push(`| ${cells.join(' | ')} |`);
  }
  out.push('');
  if (rungs.length) {
    out.push(`Where the time goes per rung (ms, decode / prep / infer):`, '');
    out.push(`| network | ${rungs.join(' | ')} |`);
    out.push(`|---|${rungs.map(() => '---|').join('')}`);
    for (const x of run.rows) out.push(`| ${x.id} | ${rungs.map((s) => { const b = x.sets[s].b1; return `${ms(b.decode)} / ${ms(b.prep)} / ${ms(b.infer)}`; }).join(' | ')} |`);
    out.push('');
  }
}
// Prep per file of the ladder (Node: the path the prep targets are set for).
const node = r.runs['node-wasm@0.25'];
if (node) {
  const names = (rung) => r.ladder.filter((f) => f.rung === rung).map((f) => f.name);
  const rungs = Object.keys(node.rows[0].sets).filter((s) => s !== 'val224');
  out.push(`DCT prep per file, Node (ms, median over rounds; ${node.rows.filter((x) => x.id !== baseline).length} DCT networks: min–max):`, '');
  out.push('| file | prep ms |', '|---|---:|');
  for (const s of rungs) {
    const files = node.rows[0].sets[s].files ?? [];
    const n = files.length;
    const all = names(Number(s.replace('px', '')));
    const picked = n === all.length ? all : n === 4 ? [0, 3, 5, 6].map((i) => all[i]) : n === 2 ? [0, 5].map((i) => all[i]) : n === 1 ? [all[0]] : all.slice(0, n);
    for (let k = 0; k < n; k++) {
      const v = node.rows.filter((x) => x.id !== baseline).map((x) => x.sets[s].files[k].prep);
      out.push(`| ${picked[k]} | ${Math.min(...v).toFixed(2)}–${Math.max(...v).toFixed(2)} |`);
    }
  }
  out.push('');
}
out.push('Summary fields of the JSON (width 0.25):', '', '```json');
for (const k of ['speedup_end_to_end', 'speedup_end_to_end_wasm', 'latency_ms_wasm', 'speedup_end_to_end_photos', 'prep_ms_12mp']) if (r[k]) out.push(`"${k}": ${JSON.stringify(r[k])}`);
out.push('```');
console.log(out.join('\n'));
