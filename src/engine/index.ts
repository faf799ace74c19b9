export { SpecError, networkIds, plan, specDocument, weightShapes, scaleWidth, padOf, baselineId, inputGeometry } from './plan.js';
export type { Plan, Step, NetworkSpec, LayerSpec, BlockSpec, SpecDocument, Shape, InputGeometry } from './plan.js';
export { forward, type WeightMap } from './graph.js';
export { loadWeights, WeightsError, defaultFetcher, sha256Hex, type WeightsFailure, type ModelJson, type LoadedModel, type Fetcher, type InputContract } from './weights.js';
export { cachingFetcher, cacheAvailable, MODEL_CACHE, type CachingFetcher } from './cache.js';
