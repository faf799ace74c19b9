export { load, DctVisionModel, ModelDisposedError, DEFAULT_MODEL, EARLY_STOP_MARGIN } from './model.js';
export type { ClassifyInput, LoadOptions, Classification, ClassifyOptions, Prediction, Timings, BatchOptions, ModelInfo, BatchClassification, ProgressiveClassification } from './types.js';
export { chooseBackend, BackendError, BACKEND_ORDER, type BackendName, type BackendChoice } from './backend.js';
export type { ImageInput } from '../prep/input.js';
export type { StreamInput } from '../prep/stream-input.js';
export { InferenceWorkerError } from './infer-protocol.js';
export type { WorkerMemory } from './infer-pool.js';
