/**
 * The decoded coefficients could not be brought to the network's input: an image whose
 * geometry the preparation cannot map, e.g. a DctImage passed to classify() that was decoded
 * with fewer frequencies than the network reads, or with inconsistent block counts.
 */
export class PrepError extends Error {
  override name = 'PrepError';
}
