// The TypeScript engine computes the same function as the PyTorch builder: logits
// of exported random-weight models (fixtures written by training/make_parity_fixtures.py)
// must match PyTorch's within 1e-4 · max|logit| (float32, tfjs cpu backend).
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { forward } from '../src/engine/graph.js';
import { networkIds } from '../src/engine/plan.js';
import { loadWeights } from '../src/engine/weights.js';
import { root } from './helpers/paths.js';

describe.each(['cpu', 'wasm'])('TypeScript engine = PyTorch builder (tfjs %s backend)', (backend) => {
  it.each(networkIds)('%s', async (id) => {
    expect(await tf.setBackend(backend)).toBe(true);
    const dir = `${root}test/fixtures/parity/${id}/`;
    const model = await loadWeights(pathToFileURL(dir));
    const expected = JSON.parse(readFileSync(`${dir}expected.json`, 'utf8')) as {
      inputs: Record<string, number[]>;
      logits: number[][];
    };
    const raw = readFileSync(`${dir}inputs.bin`);
    const specs = Object.entries(expected.inputs).map(([name, shape]) => ({
      name,
      shape,
      dtype: 'float32' as const,
      quantization: { dtype: 'float16' as const },
    }));
    const inputs = tf.io.decodeWeights(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength), specs) as Record<string, tf.Tensor4D>;
    const before = tf.memory().numTensors;
    const logits = forward(model.plan, model.weights, inputs);
    expect(tf.memory().numTensors).toBe(before + 1); // only the result survives tidy()
    const got = (await logits.array()) as number[][];
    logits.dispose();
    const maxAbs = Math.max(...expected.logits.flat().map(Math.abs));
    const maxDiff = Math.max(...got.flat().map((v, i) => Math.abs(v - expected.logits.flat()[i])));
    expect(got.length).toBe(expected.logits.length);
    expect(maxAbs).toBeGreaterThan(0);
    expect(maxDiff).toBeLessThanOrEqual(1e-4 * maxAbs);
    console.log(`${backend} ${id}: max |Δ| / max |logit| = ${(maxDiff / maxAbs).toExponential(2)}`);
    tf.dispose([...Object.values(inputs), ...Object.values(model.weights)]);
  });
});
