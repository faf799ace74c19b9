/**
 * The accuracy sweep's table (Markdown) from a bench:accuracy result, beside each model's
 * metrics.json: printed by the sweep and written into docs/MODELS.md by accuracy-report.mjs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** modelsDir: where each model's metrics.json is. */
export function accuracyTable(r, root, modelsDir = join(root, 'models')) {
  const spec = JSON.parse(readFileSync(join(root, 'src/engine/networks.json'), 'utf8')).networks;
  const pct = (v) => (v == null ? '—' : (100 * v).toFixed(1));
  const backends = [...new Set(Object.values(r.runs).flatMap((x) => Object.keys(x)))];
  const files = (b) => Object.values(r.runs)[0][b].files;
  const out = [
    `val = a fixed sample of ${r.per_class} files of each class as they are, variants = the re-encoded files made from them; ` +
      backends.map((b) => `${b} ${files(b).val} + ${files(b).variants} files`).join(', ') + '. "agrees": same top-1 as Node WASM, file by file, over both sets.',
    '',
    `| network | metrics.json: full val | ${backends.map((b) => `${b}: val / variants${b === 'node-wasm' ? '' : ' / agrees'}`).join(' | ')} |`,
    `|---|---:|${backends.map(() => '---:').join('|')}|`,
  ];
  for (const id of Object.keys(spec).filter((k) => r.runs[k])) {
    const runs = r.runs[id];
    const m = JSON.parse(readFileSync(join(modelsDir, id, 'metrics.json'), 'utf8'));
    const cells = backends.map((b) => {
      const x = runs[b];
      const failed = x.errors.length ? ` (${x.errors.length} failed)` : '';
      return `${pct(x.val)} / ${pct(x.variants)}${x.agree_node_wasm == null ? '' : ` / ${x.agree_node_wasm.toFixed(3)}`}${failed}`;
    });
    out.push(`| ${spec[id].title} | ${pct(m.top1)} | ${cells.join(' | ')} |`);
  }
  return out.join('\n');
}
