/**
 * The inference benchmark's measurement, the same in a page and in Node: every network
 * loaded (random weights, real shapes) on one backend, then rounds in which the networks take
 * turns, so the machine's noise hits all alike. For each set of files: batch-1 latency
 * (per file the median over rounds, then the mean over the set's files; split decode / prep /
 * infer / total) through classify(); for sets marked `batch`,
 * throughput at batch 16 through classifyBatch(). `lib` is the library (src/ in pages,
 * dist/lib/ in Node).
 */
import { randomModelFetcher } from './random-model.mjs';

const STAGES = ['decode', 'prep', 'infer', 'total'];
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const summary = (runs) => Object.fromEntries(STAGES.map((s) => [s, median(runs.map((t) => t[s]))]));
// A set of different files (sizes, layouts, progressive or not): each file's median over the
// rounds, then the mean over files — the time per file of classifying the whole set (a
// median over a set mixing 15 ms and 130 ms files would pick one file's time or an average
// of two, and hide what the rest cost).
const perFile = (byFile) => {
  const meds = byFile.filter((runs) => runs.length).map(summary);
  return Object.fromEntries(STAGES.map((s) => [s, meds.reduce((a, m) => a + m[s], 0) / meds.length]));
};

/**
 * cfg: { ids, width, classes, backend?, rounds, reps1, reps16, batch,
 *        sets: [{ name, images: Uint8Array[], batch?: boolean }] }
 * Returns { backend, first: {id: {set: Timings}}, results: [{ id, sets: {name: {b1, b16, samples}} }] };
 * `first` is each network's first classify() of each set (a new geometry builds prep plans).
 */
export async function measure(lib, cfg) {
  const decoder = new lib.DecoderPool();
  const models = new Map();
  for (const id of cfg.ids) {
    const fetcher = await randomModelFetcher(lib, id, cfg.width, cfg.classes);
    models.set(id, await lib.load(id, { modelUrl: `mem://${id}/`, fetcher, decoder, backend: cfg.backend }));
  }
  const runs = new Map(cfg.ids.map((id) => [id, Object.fromEntries(cfg.sets.map((s) => [s.name, { b1: s.images.map(() => []), b16: [] }]))]));
  const first = Object.fromEntries(cfg.ids.map((id) => [id, {}]));
  for (let round = -1; round < cfg.rounds; round++) {
    for (const [id, m] of models) {
      for (const set of cfg.sets) {
        const r = runs.get(id)[set.name];
        for (let rep = 0; rep < cfg.reps1; rep++) {
          for (const [k, img] of set.images.entries()) {
            const t = (await m.classify(img)).timings;
            if (round < 0 && first[id][set.name] === undefined) first[id][set.name] = t;
            if (round >= 0) r.b1[k].push(t);
          }
        }
        if (!set.batch) continue;
        for (let rep = 0; rep < cfg.reps16; rep++) {
          const batch = Array.from({ length: cfg.batch }, (_, i) => set.images[i % set.images.length]);
          const res = await m.classifyBatch(batch, { batchSize: cfg.batch });
          if (res[0] instanceof Error) throw res[0];
          if (round >= 0) r.b16.push(res[0].timings);
        }
      }
    }
  }
  const backend = models.get(cfg.ids[0]).backend;
  const threads = models.get(cfg.ids[0]).threads ?? null;
  for (const m of models.values()) m.dispose();
  decoder.terminate();
  const results = cfg.ids.map((id) => ({
    id,
    sets: Object.fromEntries(
      cfg.sets.map((s) => {
        const r = runs.get(id)[s.name];
        // file0: the set's first file at steady state, what its first call (`first`) compares with
        return [s.name, { b1: perFile(r.b1), file0: summary(r.b1[0]), files: r.b1.map(summary), b16: r.b16.length ? summary(r.b16) : null, samples: { b1: r.b1.flat().length, b16: r.b16.length } }];
      }),
    ),
  }));
  return { backend, threads, first, results };
}
