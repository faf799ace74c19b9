import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { DecoderPool, planPrep, prepareCpu } from '../../src/index.js';
import { GpuPrepPlan, prepareWebGPU } from '../../src/prep/webgpu.js';

const pool = new DecoderPool({ size: 1 });

async function compare(url: string) {
  if (!(await tf.setBackend('webgpu'))) throw new Error('no webgpu');
  const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
  const raw = await pool.decode(bytes, { dequantize: false });
  const deq = await pool.decode(bytes, { dequantize: true });
  const plan = planPrep(raw, 224, 112, { truncate: false }); // the kernels read all 64 coefficients
  const gpu = new GpuPrepPlan(plan);
  const before = tf.memory().numTensors;
  const t0 = performance.now();
  const out = prepareWebGPU(gpu, raw.components);
  const got = await Promise.all([out.y.data(), out.cb.data(), out.cr.data()]);
  const ms = performance.now() - t0;
  tf.dispose([out.y, out.cb, out.cr]);
  const leaked = tf.memory().numTensors - before;
  gpu.dispose();
  const ref = prepareCpu(plan, deq.components);
  let num = 0;
  let den = 0;
  [ref.y, ref.cb, ref.cr].forEach((r, p) => r.forEach((v, i) => ((num += (v - got[p][i]) ** 2), (den += v * v))));
  return { relL2: Math.sqrt(num / den), ms, leaked, shapes: [out.y.shape, out.cb.shape, out.cr.shape] };
}

declare global {
  interface Window {
    prep: { compare: typeof compare };
  }
}
window.prep = { compare };
document.body.dataset.ready = '1';
