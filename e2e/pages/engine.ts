// Test page: run a parity fixture (model folder + float16 inputs) on a tfjs backend.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { forward, loadWeights } from '../../src/index.js';

async function run(dir: string, backend: string) {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} unavailable`);
  await tf.ready();
  const model = await loadWeights(new URL(dir, location.href));
  const expected = (await (await fetch(`${dir}expected.json`)).json()) as { inputs: Record<string, number[]> };
  const raw = await (await fetch(`${dir}inputs.bin`)).arrayBuffer();
  const specs = Object.entries(expected.inputs).map(([name, shape]) => ({
    name,
    shape,
    dtype: 'float32' as const,
    quantization: { dtype: 'float16' as const },
  }));
  const inputs = tf.io.decodeWeights(raw, specs) as Record<string, tf.Tensor4D>;
  const logits = forward(model.plan, model.weights, inputs);
  const out = (await logits.array()) as number[][];
  tf.dispose([logits, ...Object.values(inputs), ...Object.values(model.weights)]);
  return { backend: tf.getBackend(), logits: out, tensors: tf.memory().numTensors };
}

declare global {
  interface Window {
    engine: { run: typeof run };
  }
}
window.engine = { run };
document.body.dataset.ready = '1';
