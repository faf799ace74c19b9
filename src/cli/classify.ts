/** `dctvision classify FILE... [--model ID] [--model-url URL] [--top K] [--backend B] [--json]` */
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { load } from '../classify/model.js';
import type { BackendName } from '../classify/backend.js';

export const classifyUsage = 'usage: dctvision classify FILE... [--model ID] [--model-url DIR|URL] [--top K] [--backend wasm|cpu] [--json]';

export async function classifyCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: 'string', default: 'late-concat-rfa' },
      'model-url': { type: 'string' },
      top: { type: 'string', default: '5' },
      backend: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals.length === 0) {
    console.error(classifyUsage);
    return 2;
  }
  const url = values['model-url'];
  const model = await load(values.model!, {
    modelUrl: url ? (/^[a-z]+:/.test(url) ? url : pathToFileURL(url.replace(/\/?$/, '/'))) : undefined,
    backend: values.backend as BackendName | undefined,
  });
  const results = [];
  let failed = 0;
  for (const file of positionals) {
    try {
      const r = await model.classify(new Uint8Array(await readFile(file)), { topK: Number(values.top) });
      results.push({ file, ...r });
      if (!values.json) {
        console.log(`${file}: ${r.predictions.map((p) => `${p.className} ${(p.probability * 100).toFixed(1)}%`).join(', ')}  (${r.timings.total.toFixed(1)} ms)`);
      }
    } catch (e) {
      failed++;
      const err = e as Error;
      console.error(`${file}: ${err.name}: ${err.message}`);
    }
  }
  if (values.json) console.log(JSON.stringify(results));
  else console.error(`${model.id} on ${model.backend}`);
  model.dispose();
  return failed ? 1 : 0;
}
