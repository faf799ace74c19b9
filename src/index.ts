/** dctvision: classification straight from a JPEG's DCT coefficients. */
export * from './decode/index.js';
export * from './engine/index.js';
export * from './classify/index.js';
export { planPrep, type PrepPlan, type ImageGeometry } from './prep/geometry.js';
export { prepareCpu, type NetworkPlanes } from './prep/cpu.js';
export { InputPipeline, type Decoded, type PipelineOptions, type RgbDecoder } from './prep/pipeline.js';
export { FetchError } from './util/errors.js';
export { PrepError } from './prep/errors.js';
export { prepareRgb } from './prep/pixels.js';
