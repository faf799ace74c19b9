/**
 * Where the library's own files are. As ES modules (npm, bundlers) they sit beside the
 * modules and are found with new URL(…, import.meta.url), which bundlers follow. The
 * script-tag build has no import.meta: it records its own script URL here instead, and the
 * worker, the WebAssembly and the default models are looked up relative to it.
 */
let base: URL | undefined;

export function setAssetBase(url: string | URL): void {
  base = new URL(String(url));
}

export function assetBase(): URL | undefined {
  return base;
}
