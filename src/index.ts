/** dctvision: classification straight from a JPEG's DCT coefficients. */
export * from './decode/index.js';
export * from './engine/index.js';
export * from './classify/index.js';
export { planPrep, type PrepPlan, type ImageGeometry } from './prep/geometry.js';
export { prepareReference, type NetworkPlanes } from './prep/reference.js';
export { prepareRgb } from './prep/pixels.js';
