/** A file the library needed (an image to classify, the decoder's .wasm) could not be fetched. */
export class FetchError extends Error {
  override name = 'FetchError';
  constructor(
    message: string,
    readonly url: string,
    /** HTTP status, when the server answered. */
    readonly status?: number,
  ) {
    super(message);
  }
}
