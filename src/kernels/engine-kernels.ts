/**
 * Every TensorFlow.js kernel the engine, the input pipeline and the public API run, on any
 * backend (test/kernels.test.ts runs all eight networks and checks this list is exactly what
 * they call). The browser bundles (script tag, demo) register only these for WebGPU and WASM
 * (src/kernels/*-subset.ts) instead of each backend's ~150 kernels.
 */
export const ENGINE_KERNELS = [
  'Add',
  'BatchMatMul',
  'Concat',
  'DepthToSpace',
  'FusedBatchNorm',
  'FusedConv2D',
  'MaxPool',
  'Mean',
  'Relu',
  'Reshape',
  'ResizeNearestNeighbor',
  'Transpose',
] as const;

export type EngineKernel = (typeof ENGINE_KERNELS)[number];
