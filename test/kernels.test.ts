// The kernel list the browser bundles register (src/kernels/engine-kernels.ts) must be
// exactly what the engine, the input pipeline and the API run: every network, one file by
// classify() and two by classifyBatch(), one of them needing resize and orientation.
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as lib from '../src/index.js';
import { ENGINE_KERNELS } from '../src/kernels/engine-kernels.js';
import { specDocument } from '../src/engine/plan.js';
import { randomModelFetcher } from '../bench/lib/random-model.mjs';
import { validFixtures } from './helpers/fixtures.js';
import { withOrientation } from './harness/exif.mjs';

describe('kernels the browser bundles register', () => {
  it('are exactly the kernels all eight networks run through classify() and classifyBatch()', async () => {
    const used = new Set<string>();
    const engine = tf.engine() as unknown as { runKernel: (...a: unknown[]) => unknown };
    const run = engine.runKernel.bind(engine);
    engine.runKernel = (...a: unknown[]) => (used.add(a[0] as string), run(...a));
    const decoder = new lib.DecoderPool({ size: 1 });
    const files = ['baseline-420', 'baseline-444'].map((n, i) => withOrientation(new Uint8Array(readFileSync(validFixtures().find((f) => f.name === n)!.path)), i ? 6 : 1));
    try {
      for (const id of Object.keys(specDocument.networks)) {
        const m = await lib.load(id, { modelUrl: `mem://${id}/`, fetcher: await randomModelFetcher(lib, id, 0.25, 10), decoder, backend: 'wasm' });
        await m.classify(files[0]);
        const batch = await m.classifyBatch(files);
        expect(batch.every((r) => !(r instanceof Error)), id).toBe(true);
        m.dispose();
      }
    } finally {
      engine.runKernel = run;
      decoder.terminate();
    }
    expect([...used].sort()).toEqual([...ENGINE_KERNELS].sort());
  });
});
