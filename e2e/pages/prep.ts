import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { DecoderPool, planPrep, prepareCpu } from '../../src/index.js';
import { GpuPrepPlan, prepareWebGPU } from '../../src/prep/webgpu.js';

const pool = new DecoderPool({ size: 1 });

/** WGSL kernels vs the TypeScript reference on one file; `truncate`: the plan the library uses (each block's n×n lowest frequencies decoded and uploaded), else all 64. */
async function compare(url: string, truncate: boolean) {
  if (!(await tf.setBackend('webgpu'))) throw new Error('no webgpu');
  const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
  const full = await pool.decode(bytes, { dequantize: false });
  const deq = await pool.decode(bytes, { dequantize: true });
  const plan = planPrep(full, 224, 112, { truncate });
  const keep = full.components.map((_, i) => plan.planes.find((p) => p.component === i)?.n ?? 8);
  const raw = truncate ? await pool.decode(bytes, { dequantize: false, keep }) : full;
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
  const uploaded = raw.components.reduce((a, c) => a + c.coefficients.byteLength, 0);
  return { relL2: Math.sqrt(num / den), ms, leaked, uploaded, kept: raw.components.map((c) => c.kept), shapes: [out.y.shape, out.cb.shape, out.cr.shape] };
}

declare global {
  interface Window {
    prep: { compare: typeof compare };
  }
}
window.prep = { compare };
document.body.dataset.ready = '1';
