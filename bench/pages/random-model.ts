/**
 * A model folder made up in memory: the network's real shapes with random weights, served
 * through LoadOptions.fetcher. Speed does not depend on the values; this lets the
 * benchmark run every network at any width (1.0, the paper's size, is not shipped).
 */
import { plan, sha256Hex, weightShapes, type Fetcher, type ModelJson } from '../../src/index.js';

export async function randomModelFetcher(id: string, width: number, classes: number, seed = 1): Promise<Fetcher> {
  const p = plan(id, width, classes);
  const shapes = [...weightShapes(p)];
  const total = shapes.reduce((a, [, s]) => a + s.reduce((x, y) => x * y, 1), 0);
  const data = new Float32Array(total);
  let state = seed >>> 0;
  const uniform = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 4294967296) * 2 - 1;
  let o = 0;
  for (const [, shape] of shapes) {
    const n = shape.reduce((x, y) => x * y, 1);
    // He-uniform on fan-in for weights (keeps activations finite through 50 layers); 1-D tensors are biases/scales.
    const fanIn = shape.length > 1 ? shape.slice(0, -1).reduce((x, y) => x * y, 1) : 0;
    const a = fanIn ? Math.sqrt(6 / fanIn) : 0;
    for (let i = 0; i < n; i++) data[o + i] = fanIn ? a * uniform() : 1;
    o += n;
  }
  const shard = data.buffer;
  const json: ModelJson = {
    format: 'dctvision-model',
    version: 1,
    network: id,
    width,
    classes,
    classNames: Array.from({ length: classes }, (_, i) => `class ${i}`),
    input: { kind: p.input.kind, shapes: p.inputs as ModelJson['input']['shapes'], description: 'random weights (benchmark)' },
    weightsManifest: [{ paths: ['weights.bin'], weights: shapes.map(([name, shape]) => ({ name, shape, dtype: 'float32' as const })) }],
    shardSha256: [[await sha256Hex(shard)]],
  };
  const text = new TextEncoder().encode(JSON.stringify(json));
  return async (url) => (url.pathname.endsWith('model.json') ? text.buffer.slice(0) as ArrayBuffer : shard.slice(0));
}
