/**
 * `dctvision classify FILE|DIR... [--model ID] [--model-url URL] [--top K] [--backend B] [--batch N] [--workers N] [--json]`
 *
 * Folders are searched for .jpg/.jpeg files (recursively). Files go through classifyBatch in
 * chunks of --batch (decoded in parallel by the decoder pool, one forward pass per chunk, the
 * chunks spread over --workers inference workers: default one per core); a bad file fails
 * alone. On a terminal, progress goes to stderr; --json prints only the JSON.
 * Without --model-url the weights are `models/ID/` of the working directory, else those of an
 * installed dctvision-models package.
 */
import { readdir, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_MODEL, load } from '../classify/model.js';
import type { Classification } from '../classify/types.js';
import type { BackendName } from '../classify/backend.js';

export const classifyUsage =
  `usage: dctvision classify FILE|DIR... [--model ID (default ${DEFAULT_MODEL})] [--model-url DIR|URL] [--top K] [--backend wasm|cpu] [--batch N] [--workers N (default: cores)] [--json]`;

/** A positive integer option, or a message naming what is wrong with it. */
function positiveInt(name: string, value: string): number | string {
  const n = Number(value);
  return /^\d+$/.test(value) && n >= 1 ? n : `--${name} must be a positive integer, got '${value}'`;
}

async function expand(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const s = await stat(p).catch(() => undefined);
    if (s?.isDirectory()) {
      const entries = (await readdir(p, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
      for (const e of entries) {
        if (e.isDirectory()) out.push(...(await expand([join(p, e.name)])));
        else if (/\.jpe?g$/i.test(e.name)) out.push(join(p, e.name));
      }
    } else out.push(p); // a missing file fails on its own, below
  }
  return out;
}

export async function classifyCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: 'string', default: DEFAULT_MODEL },
      'model-url': { type: 'string' },
      top: { type: 'string', default: '5' },
      backend: { type: 'string' },
      batch: { type: 'string', default: '16' },
      workers: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const batch = positiveInt('batch', values.batch!);
  const top = positiveInt('top', values.top!);
  const workers = values.workers === undefined ? undefined : positiveInt('workers', values.workers);
  const backend = values.backend;
  const wrong = [
    positionals.length === 0 ? 'no files given' : undefined,
    typeof batch === 'string' ? batch : undefined,
    typeof top === 'string' ? top : undefined,
    typeof workers === 'string' ? workers : undefined,
    backend !== undefined && backend !== 'wasm' && backend !== 'cpu' ? `--backend must be wasm or cpu in Node, got '${backend}'` : undefined,
  ].filter(Boolean);
  // (the typeof tests repeat `wrong` for the type checker: past here each is a number)
  if (wrong.length || typeof batch === 'string' || typeof top === 'string' || typeof workers === 'string') {
    console.error(`dctvision classify: ${wrong.join('; ')}\n${classifyUsage}`);
    return 2;
  }
  const url = values['model-url'];
  const model = await load(values.model!, {
    modelUrl: url ? (/^[a-z]+:/.test(url) ? url : pathToFileURL(url.replace(/\/?$/, '/'))) : undefined,
    backend: backend as BackendName | undefined,
  });
  const files = await expand(positionals);
  const progress = process.stderr.isTTY && !values.json;
  const results: ({ file: string } & Classification)[] = [];
  let failed = 0;
  const lanes = workers ?? availableParallelism();
  if (files.length > batch) await model.startWorkers(lanes); // like the weights, loaded before the clock starts
  const t0 = performance.now();
  // Files go to classifyBatch as file: URLs, each read when its chunk is decoded (never the whole
  // folder in memory), in rounds large enough that the inference workers seldom wait between them.
  const group = batch * lanes * 16;
  for (let i = 0; i < files.length; i += group) {
    const chunk = files.slice(i, i + group);
    const classified = await model.classifyBatch(chunk.map((f) => pathToFileURL(resolve(f))), { batchSize: batch, topK: top, workers: lanes });
    chunk.forEach((file, j) => {
      const r = classified[j];
      if (r instanceof Error) {
        failed++;
        console.error(`${file}: ${r.name}: ${r.message}`);
        return;
      }
      const { batchSize: _, ...one } = r;
      results.push({ file, ...one });
      if (!values.json) console.log(`${file}: ${r.predictions.map((p) => `${p.className} ${(p.probability * 100).toFixed(1)}%`).join(', ')}`);
    });
    if (progress) process.stderr.write(`\r${Math.min(i + group, files.length)}/${files.length} files`);
  }
  const seconds = (performance.now() - t0) / 1000;
  if (progress) process.stderr.write('\n');
  if (values.json) console.log(JSON.stringify(results));
  // the summary goes to stderr, also with --json (stdout then holds only the JSON)
  {
    const memory = await model.workerMemory();
    const perWorker = memory.length ? `, ${memory.length} inference workers of ${(Math.max(...memory.map((m) => m.tensorBytes + m.wasmBytes)) / 2 ** 20).toFixed(0)} MiB each` : '';
    console.error(`${model.id} on ${model.backend}: ${files.length} files in ${seconds.toFixed(1)} s (${(files.length / seconds).toFixed(1)} images/s)${perWorker}, ${failed} failed`);
  }
  model.dispose();
  return failed ? 1 : 0;
}
