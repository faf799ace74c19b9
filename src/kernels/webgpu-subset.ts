/**
 * @tensorflow/tfjs-backend-webgpu for the browser bundles, with only the kernels the engine runs
 * (ENGINE_KERNELS) instead of all of them: the bundles resolve the package name here
 * (scripts/build-script.mjs, vite.config.ts). Node keeps the whole package (its deep ESM
 * files are not importable there), which costs nothing but disk.
 */
import { registerKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { addConfig } from '@tensorflow/tfjs-backend-webgpu/dist/kernels/Add';
import { batchMatMulConfig } from '@tensorflow/tfjs-backend-webgpu/dist/kernels/BatchMatMul';
import { concatConfig } from '@tensorflow/tfjs-backend-webgpu/dist/kernels/Concat';
import { depthToSpaceConfig } from '@tensorflow/tfjs-backend-webgpu/dist/kernels/DepthToSpace';
import { fusedBatchNormConfig } from '@tensorflow/tfjs-backend-webgpu/dist/kernels/FusedBatchNorm';
import { fusedConv2DConfig } from '@tensorflow/tfjs-backend-webgpu/dist/kernels/FusedConv2D';
import { maxPoolConfig } from '@tensorflow/tfjs-backend-webgpu/dist/kernels/MaxPool';
import { meanConfig } from '@tensorflow/tfjs-backend-webgpu/dist/kernels/Mean';
import { reluConfig } from '@tensorflow/tfjs-backend-webgpu/dist/kernels/Relu';
import { reshapeConfig } from '@tensorflow/tfjs-backend-webgpu/dist/kernels/Reshape';
import { resizeNearestNeighborConfig } from '@tensorflow/tfjs-backend-webgpu/dist/kernels/ResizeNearestNeighbor';
import { transposeConfig } from '@tensorflow/tfjs-backend-webgpu/dist/kernels/Transpose';
import type { EngineKernel } from './engine-kernels.js';

export * from '@tensorflow/tfjs-backend-webgpu/dist/base';

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
for (const c of Object.values(configs)) registerKernel(c);
