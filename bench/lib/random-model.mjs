/**
 * A model folder made up in memory: the network's real shapes with random weights, served
 * through LoadOptions.fetcher. Speed does not depend on the values; this lets the
 * benchmarks run every network at any width (1.0, the paper's size, is not shipped).
 * `lib` is the library (src/ in pages, dist/lib/ in Node).
 */
export async function randomModelFetcher(lib, id, width, classes, seed = 1) {
  const p = lib.plan(id, width, classes);
  const shapes = [...lib.weightShapes(p)];
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
  const json = {
    format: 'dctvision-model',
    version: 1,
    network: id,
    width,
    classes,
    classNames: Array.from({ length: classes }, (_, i) => `class ${i}`),
    input: { kind: p.input.kind, shapes: p.inputs, description: 'random weights (benchmark)' },
    weightsManifest: [{ paths: ['weights.bin'], weights: shapes.map(([name, shape]) => ({ name, shape, dtype: 'float32' })) }],
    shardSha256: [[await lib.sha256Hex(shard)]],
  };
  const text = new TextEncoder().encode(JSON.stringify(json));
  return async (url) => (url.pathname.endsWith('model.json') ? text.buffer.slice(0) : shard.slice(0));
}
