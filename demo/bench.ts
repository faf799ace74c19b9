/** The benchmark panel: N images through each selected network, charts and a table. */
import type { Timings } from '../src/index.js';
import { barChart } from './chart.js';
import { baseline, getModel, metricsFor, networks, paperFor } from './models.js';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export interface BenchRow {
  id: string;
  throughput: number;
  p50: number;
  stages: Omit<Timings, 'total'>;
  speedup: number | null;
}

export async function runBenchmark(ids: string[], inputs: Uint8Array[], n: number, status: (s: string) => void): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const id of ids) {
    status(`${id}: loading…`);
    const model = await getModel(id);
    await model.classify(inputs[0]); // warm-up: first-use allocations
    const times: Timings[] = [];
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      status(`${id}: image ${i + 1} of ${n}`);
      times.push((await model.classify(inputs[i % inputs.length])).timings);
    }
    const wall = performance.now() - t0;
    rows.push({
      id,
      throughput: (n * 1000) / wall,
      p50: median(times.map((t) => t.total)),
      stages: { decode: median(times.map((t) => t.decode)), prep: median(times.map((t) => t.prep)), infer: median(times.map((t) => t.infer)) },
      speedup: null,
    });
  }
  const base = rows.find((r) => r.id === baseline);
  for (const r of rows) r.speedup = base ? r.throughput / base.throughput : null;
  return rows;
}

export async function renderBenchmark(out: HTMLElement, rows: BenchRow[], n: number): Promise<void> {
  out.textContent = '';
  const title = (id: string) => networks.find((x) => x.id === id)?.title ?? id;
  const charts = document.createElement('div');
  charts.className = 'charts';
  charts.append(
    barChart(`Throughput, ${n} images (img/s)`, rows.map((r) => ({ label: title(r.id), values: [r.throughput] })), { unit: 'img/s', testid: 'chart-throughput' }),
    barChart('Median latency split (ms)', rows.map((r) => ({ label: title(r.id), values: [r.stages.decode, r.stages.prep, r.stages.infer] })), {
      unit: 'ms',
      legend: ['decode', 'prep', 'infer'],
      testid: 'chart-latency',
    }),
  );
  const table = document.createElement('table');
  table.dataset.testid = 'bench-table';
  const head = table.createTHead().insertRow();
  for (const h of ['network', 'img/s', 'p50 ms', 'decode', 'prep', 'infer', 'speed-up vs RGB', "paper's FPS ratio", 'Imagenette top-1 (measured)', "paper's ImageNet top-1 error"]) {
    const th = document.createElement('th');
    th.textContent = h;
    head.append(th);
  }
  const body = table.createTBody();
  for (const r of rows) {
    const p = paperFor(r.id);
    const m = await metricsFor(r.id);
    const tr = body.insertRow();
    tr.dataset.variant = r.id;
    const cells = [
      title(r.id),
      r.throughput.toFixed(2),
      r.p50.toFixed(1),
      r.stages.decode.toFixed(2),
      r.stages.prep.toFixed(2),
      r.stages.infer.toFixed(1),
      r.speedup === null ? '–' : `${r.speedup.toFixed(2)}×`,
      p ? `${p.fpsRatio.toFixed(2)}×` : '–',
      m ? `${(m.top1 * 100).toFixed(1)}%${m.images ? ` of ${m.images}` : ''}` : 'not evaluated',
      p ? `${p.top1Error.toFixed(2)}%` : '–',
    ];
    for (const c of cells) tr.insertCell().textContent = c;
  }
  const note = document.createElement('p');
  note.className = 'muted';
  note.textContent = 'Speed-up: throughput ratio to the RGB baseline measured now, decode + prep + infer (end to end); the paper reports GPU inference only at full width on a 2018 GPU. Imagenette (10 classes) and ImageNet (1000) accuracies are not comparable figures; both are shown for context.';
  out.append(charts, table, note);
}
