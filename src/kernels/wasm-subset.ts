/**
 * @tensorflow/tfjs-backend-wasm for the browser bundles, with only the kernels the engine runs
 * (ENGINE_KERNELS) instead of all of them: the bundles resolve the package name here
 * (scripts/build-script.mjs, vite.config.ts). Node keeps the whole package (its deep ESM
 * files are not importable there), which costs nothing but disk.
 */
import { registerKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { addConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/Add';
import { batchMatMulConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/BatchMatMul';
import { concatConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/Concat';
import { depthToSpaceConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/DepthToSpace';
import { fusedBatchNormConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/FusedBatchNorm';
import { fusedConv2DConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/FusedConv2D';
import { maxPoolConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/MaxPool';
import { meanConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/Mean';
import { reluConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/Relu';
import { reshapeConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/Reshape';
import { resizeNearestNeighborConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/ResizeNearestNeighbor';
import { castConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/Cast';
import { identityConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/Identity';
import { transposeConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/Transpose';
import type { EngineKernel } from './engine-kernels.js';

export * from '@tensorflow/tfjs-backend-wasm/dist/base';

const configs: Record<EngineKernel, KernelConfig> = {
  Add: addConfig,
  BatchMatMul: batchMatMulConfig,
  Concat: concatConfig,
  DepthToSpace: depthToSpaceConfig,
  FusedBatchNorm: fusedBatchNormConfig,
  FusedConv2D: fusedConv2DConfig,
  MaxPool: maxPoolConfig,
  Mean: meanConfig,
  Relu: reluConfig,
  Reshape: reshapeConfig,
  ResizeNearestNeighbor: resizeNearestNeighborConfig,
  Transpose: transposeConfig,
};
// Kernels the ones above call inside the backend (Mean casts, Concat and the resize use
// Identity / Cast): registered so the backend binds their WebAssembly functions.
const internal = [castConfig, identityConfig];
for (const c of [...Object.values(configs), ...internal]) registerKernel(c);
