/** dctvision: classification straight from a JPEG's DCT coefficients. */
export * from './decode/index.js';
export * from './engine/index.js';
