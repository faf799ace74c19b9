export { load, DctVisionModel, ModelDisposedError, type LoadOptions, type Classification, type ClassifyOptions, type Prediction, type Timings, type BatchOptions, type ModelInfo, type BatchClassification } from './model.js';
export { chooseBackend, BackendError, BACKEND_ORDER, type BackendName, type BackendChoice } from './backend.js';
export type { ImageInput } from '../prep/input.js';
