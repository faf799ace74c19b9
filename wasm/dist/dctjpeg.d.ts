// Types for the emscripten glue built by wasm/build.sh (hand-written: emscripten 3.1.6 emits none).
export interface DctJpegModule {
  HEAPU8: Uint8Array;
  HEAP16: Int16Array;
  HEAP32: Int32Array;
  HEAPU16: Uint16Array;
  _dct_decode(data: number, len: number, flags: number, maxPixels: number, maxScans: number, keep: number): number;
  _dct_decode_rgb(data: number, len: number, flags: number, maxPixels: number, maxScans: number, scaleDenom: number): number;
  _dct_release(session: number): void;
  _dct_info(session: number): number;
  _dct_last_kind(): number;
  _dct_last_reason(): number;
  _dct_last_detail(): number;
  _dct_last_message(): number;
  /** Allocates n bytes for a JPEG plus the 2-byte sentinel the decoder relies on. */
  _dct_alloc_input(n: number): number;
  _dct_free(p: number): void;
  _dct_heap_in_use(): number;
  HEAP8: Int8Array;
  _dct_bands(session: number): number;
  _dct_stream_open(flags: number, maxScans: number): number;
  _dct_stream_buffer(session: number, n: number): number;
  _dct_stream_push(session: number, n: number, ended: number): void;
  _dct_stream_run(session: number, maxPixels: number): number;
  _dct_stream_keep(session: number, keep: number): void;
  _dct_stream_snapshot(session: number): number;
  _dct_stream_pending(session: number): number;
}
export interface DctJpegModuleOptions {
  wasmBinary?: ArrayBuffer | Uint8Array;
  instantiateWasm?: (
    imports: WebAssembly.Imports,
    receive: (instance: WebAssembly.Instance, module?: WebAssembly.Module) => void,
  ) => object;
  locateFile?: (path: string, prefix: string) => string;
}
declare function createDctJpeg(options?: DctJpegModuleOptions): Promise<DctJpegModule>;
export default createDctJpeg;
