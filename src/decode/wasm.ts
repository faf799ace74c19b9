/**
 * In-thread access to the WebAssembly decoder. The worker pool runs this inside
 * each worker; Node code (CLI, benchmarks) may use it directly.
 */
import createDctJpeg, { type DctJpegModule } from '../../wasm/dist/dctjpeg.js';
import { DecoderLoadError, JpegLimitError } from './errors.js';
import { FLAG, decoderError } from './codes.js';
import {
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_PIXELS,
  DEFAULT_MAX_SCANS,
  type DctComponent,
  type DctImage,
  type DecodeOptions,
  type JpegColorSpace,
  type LimitOptions,
  type RgbDecodeOptions,
  type RgbImage,
} from './types.js';
import { assetBase } from '../util/assets.js';
import { FetchError } from '../util/errors.js';
import { isNode } from '../util/env.js';

// Mirrors of the C shim's ABI (wasm/shim/dctjpeg.c); flags and failure codes come from codes.json.
const FLAG_DEQUANTIZE = FLAG.dequantize;
const FLAG_LENIENT = FLAG.lenient;
const FLAG_SKIP_SCANS = FLAG.skipScans;
const I = {
  WIDTH: 0, HEIGHT: 1, NCOMP: 2, PROGRESSIVE: 3, ARITH: 4, ORIENTATION: 5, COLOR_SPACE: 6,
  ADOBE: 7, MAX_H: 8, MAX_V: 9, COEF_COUNT: 10, COEF_PTR: 11, SCANS: 12, RESTART: 13,
  WARNINGS: 14, JFIF: 15, COMP0: 16, COMP_STRIDE: 8, RGB_PTR: 48, RGB_W: 49, RGB_H: 50, KEEP0: 52,
  SKIPPED: 56, BYTES: 57, CUT: 58,
} as const;
/** Events of dct_stream_run. */
const EV = { FAILED: -1, NEED_BYTES: 0, HEADER: 1, SCAN: 2, END: 3, SKIPPED: 4 } as const;
const COLOR_SPACES: JpegColorSpace[] = ['unknown', 'grayscale', 'RGB', 'YCbCr', 'CMYK', 'YCCK'];

/** Where the packaged .wasm lives, relative to this module (works unbundled and under Vite). */
export const defaultWasmUrl = (): URL => {
  const base = assetBase();
  return base ? new URL('dctjpeg.wasm', base) : new URL('../../wasm/dist/dctjpeg.wasm', import.meta.url);
};


/**
 * Compile the decoder's WebAssembly once; the Module can be posted to workers. Fails with
 * FetchError (the file could not be fetched) or DecoderLoadError (it is not the decoder's WebAssembly).
 */
export async function compileDecoderWasm(url: URL | string = defaultWasmUrl()): Promise<WebAssembly.Module> {
  const u = new URL(String(url));
  let bytes: BufferSource | Response;
  if (u.protocol === 'file:' && isNode) {
    const { readFile } = await import(/* @vite-ignore */ 'node:fs/promises');
    bytes = await readFile(u).catch((e: Error) => {
      throw new FetchError(`failed to load ${u.href}: ${e.message}`, u.href);
    });
  } else {
    const res = await fetch(u).catch((e: Error) => {
      throw new FetchError(`failed to load ${u.href}: ${e.message}`, u.href);
    });
    if (!res.ok) throw new FetchError(`failed to load ${u.href}: HTTP ${res.status}`, u.href, res.status);
    const streaming = typeof WebAssembly.compileStreaming === 'function' && res.headers.get('content-type')?.includes('application/wasm');
    bytes = streaming ? res : await res.arrayBuffer();
  }
  try {
    return await (bytes instanceof Response ? WebAssembly.compileStreaming(bytes) : WebAssembly.compile(bytes));
  } catch (e) {
    throw new DecoderLoadError(`${u.href} is not a WebAssembly module the decoder can use: ${(e as Error).message}`);
  }
}

export class WasmDecoder {
  private constructor(private readonly m: DctJpegModule, private readonly memory: () => number) {}

  /**
   * Instantiate a decoder from a compiled module (default: compile the packaged .wasm).
   * `factory` is the emscripten glue matching that module; only the sanitizer build
   * (`wasm/build.sh --sanitize`, used by the fuzzer) needs its own.
   */
  static async create(module?: WebAssembly.Module, factory: typeof createDctJpeg = createDctJpeg): Promise<WasmDecoder> {
    const wasmModule = module ?? (await compileDecoderWasm());
    let memory: WebAssembly.Memory | undefined;
    // emscripten waits for receive() forever: a module that compiles but does not instantiate
    // with this glue's imports (another build's .wasm) must reject instead.
    let fail!: (e: Error) => void;
    const failed = new Promise<never>((_, reject) => (fail = reject));
    const created = factory({
      instantiateWasm(imports, receive) {
        WebAssembly.instantiate(wasmModule, imports).then(
          (instance) => {
            memory = Object.values(instance.exports).find((e): e is WebAssembly.Memory => e instanceof WebAssembly.Memory);
            receive(instance, wasmModule);
          },
          (e: Error) => fail(new DecoderLoadError(`the decoder's WebAssembly could not be instantiated: ${e.message}`)),
        );
        return {};
      },
    });
    const m = await Promise.race([created, failed]).catch((e: unknown) => {
      throw e instanceof DecoderLoadError ? e : new DecoderLoadError(`the decoder could not start: ${(e as Error)?.message ?? e}`);
    });
    return new WasmDecoder(m, () => memory?.buffer.byteLength ?? m.HEAPU8.byteLength);
  }

  /** Entropy-decode a JPEG into its DCT coefficient planes. */
  decode(bytes: Uint8Array, options: DecodeOptions = {}): DctImage {
    const dequantize = options.dequantize ?? true;
    const keep = packKeep(options.keep);
    const session = this.run(bytes, options, (ptr, len, flags, maxPixels, maxScans) =>
      this.m._dct_decode(ptr, len, flags | (dequantize ? FLAG_DEQUANTIZE : 0) | (options.skipScans ? FLAG_SKIP_SCANS : 0), maxPixels, maxScans, keep),
    );
    try {
      return readImage(this.m, session, this.info(session), dequantize);
    } finally {
      this.m._dct_release(session);
    }
  }

  /**
   * A decoder fed as the file's bytes arrive (see WasmDecodeStream); release it with close().
   * Limits apply as bytes arrive: maxBytes on the bytes pushed, maxPixels at the frame header,
   * maxScans at each scan.
   */
  openStream(options: StreamOptions = {}): WasmDecodeStream {
    const dequantize = options.dequantize ?? true;
    const flags = (options.strict === false ? FLAG_LENIENT : 0) | (dequantize ? FLAG_DEQUANTIZE : 0) | (options.skipScans ? FLAG_SKIP_SCANS : 0);
    const session = this.m._dct_stream_open(flags, options.maxScans ?? DEFAULT_MAX_SCANS);
    if (!session) throw this.lastError();
    return new WasmDecodeStream(this.m, session, options, () => this.lastError());
  }

  /** Full decode to RGB through libjpeg (accurate integer IDCT, fancy upsampling), optionally scaled. */
  decodeRgb(bytes: Uint8Array, options: RgbDecodeOptions = {}): RgbImage {
    const scale = options.scale ?? 1;
    const denom = { 1: 1, 0.5: 2, 0.25: 4, 0.125: 8 }[scale];
    if (!denom) throw new RangeError(`scale must be 1, 1/2, 1/4 or 1/8, got ${scale}`);
    const session = this.run(bytes, options, (ptr, len, flags, maxPixels, maxScans) =>
      this.m._dct_decode_rgb(ptr, len, flags, maxPixels, maxScans, denom),
    );
    try {
      const info = this.info(session);
      const width = info[I.RGB_W];
      const height = info[I.RGB_H];
      const p = info[I.RGB_PTR];
      return { width, height, data: this.m.HEAPU8.slice(p, p + width * height * 3), orientation: info[I.ORIENTATION] };
    } finally {
      this.m._dct_release(session);
    }
  }

  /** Bytes currently malloc'ed inside the WASM heap (returns to its baseline after every call). */
  heapInUse(): number {
    return this.m._dct_heap_in_use();
  }

  /** Size of the WASM linear memory (only grows; bounded by maxPixels). */
  memoryBytes(): number {
    return this.memory();
  }

  private run(
    bytes: Uint8Array,
    options: LimitOptions,
    call: (ptr: number, len: number, flags: number, maxPixels: number, maxScans: number) => number,
  ): number {
    if (!(bytes instanceof Uint8Array)) throw new TypeError('expected the JPEG as a Uint8Array');
    checkSize(bytes, options);
    const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
    const maxScans = options.maxScans ?? DEFAULT_MAX_SCANS;
    const flags = options.strict === false ? FLAG_LENIENT : 0;
    const ptr = this.m._dct_alloc_input(bytes.length);
    if (!ptr) throw new JpegLimitError(`cannot allocate ${bytes.length} bytes for the input`, 'memory');
    let session = 0;
    try {
      this.m.HEAPU8.set(bytes, ptr);
      session = call(ptr, bytes.length, flags, maxPixels, maxScans);
    } finally {
      this.m._dct_free(ptr);
    }
    if (!session) throw this.lastError();
    return session;
  }

  private info(session: number): Int32Array {
    return infoBlock(this.m, this.m._dct_info(session));
  }

  private lastError(): Error {
    const msgPtr = this.m._dct_last_message();
    const end = this.m.HEAPU8.indexOf(0, msgPtr);
    const message = new TextDecoder().decode(this.m.HEAPU8.subarray(msgPtr, end));
    return decoderError(this.m._dct_last_kind(), this.m._dct_last_reason(), this.m._dct_last_detail(), message);
  }
}

const infoBlock = (m: DctJpegModule, ptr: number): Int32Array => m.HEAP32.subarray(ptr >> 2, (ptr >> 2) + 64);

/** `keep` per component packed as the shim takes it: 4 bits each, 0 for all 8. */
const packKeep = (keep: number[] | undefined): number =>
  (keep ?? []).reduce((packed, n, c) => packed | ((n === 1 || n === 2 || n === 4 ? n : 0) << (4 * c)), 0);

/** The frame header's facts, known before any coefficient (a stream's 'header' event). */
export interface StreamHeader {
  width: number;
  height: number;
  progressive: boolean;
  arithmetic: boolean;
  orientation: number;
  /** Per component: sampling factors and blocks, in SOF order. */
  components: { h: number; v: number; blocksX: number; blocksY: number }[];
  maxH: number;
  maxV: number;
}

export interface StreamOptions extends DecodeOptions {
  /** Called with the frame header: the frequencies to keep (instead of a fixed `keep`). */
  keepAt?: (header: StreamHeader) => number[] | undefined;
  /** Stop after the 'header' event until resume(keep) is called (a decoder in another thread). */
  pauseAtHeader?: boolean;
}

export type DecodeEvent =
  /** The frame header has been read (with `keep` a function, it was called here). */
  | { type: 'header'; header: StreamHeader; bytes: number }
  /** A progressive scan that changed the kept coefficients has completed: the image as it stands. */
  | { type: 'scan'; image: DctImage; bytes: number }
  /**
   * The end of the image: the final coefficients. `complete` false: the stream ended without
   * its EOI where a scan had just ended (what a shorter progressive file holds).
   */
  | { type: 'end'; image: DctImage; bytes: number; complete: boolean }
  /** The stream failed (corrupt data, a limit, bytes ending inside a scan): always the last event. */
  | { type: 'error'; error: Error };

/**
 * One JPEG decoded as its bytes arrive, inside one WasmDecoder: push() the chunks in order
 * (the last with `end`), and each call returns what completed meanwhile. Progressive files
 * give an image after each scan that changed the kept coefficients; sequential ones only at
 * the end. A failure (corrupt data, a limit, bytes ending inside a scan) is the last event,
 * an 'error' with the decoder's typed error, after the images that completed before it;
 * later pushes return it again. close() frees the decoder's memory.
 */
export class WasmDecodeStream {
  private pushed = 0;
  private closed = false;
  private ended = false;
  private inputEnded = false;
  private failure?: Error;
  private header?: StreamHeader;
  private awaitingKeep = false;
  private readonly dequantize: boolean;

  constructor(
    private readonly m: DctJpegModule,
    private session: number,
    private readonly options: StreamOptions,
    private readonly lastError: () => Error,
  ) {
    this.dequantize = options.dequantize ?? true;
    if (Array.isArray(options.keep)) this.m._dct_stream_keep(session, packKeep(options.keep));
  }

  /** Bytes pushed so far. */
  get bytes(): number {
    return this.pushed;
  }

  /** True once the image's end (EOI) was read. */
  get done(): boolean {
    return this.ended;
  }

  push(chunk: Uint8Array, end = false): DecodeEvent[] {
    if (this.closed) throw new TypeError('the stream was closed');
    if (this.failure) return [{ type: 'error', error: this.failure }];
    if (this.ended) return [];
    if (this.inputEnded) throw new TypeError('push() after the last chunk');
    const maxBytes = this.options.maxBytes ?? DEFAULT_MAX_BYTES;
    if (this.pushed + chunk.length > maxBytes) {
      return this.fail(new JpegLimitError(`the stream passed maxBytes (${maxBytes}) after ${this.pushed + chunk.length} bytes`, 'maxBytes'), []);
    }
    const ptr = this.m._dct_stream_buffer(this.session, chunk.length);
    if (!ptr) return this.fail(new JpegLimitError(`cannot allocate ${chunk.length} bytes for the stream`, 'memory'), []);
    this.m.HEAPU8.set(chunk, ptr);
    this.m._dct_stream_push(this.session, chunk.length, end ? 1 : 0);
    this.pushed += chunk.length;
    this.inputEnded = end;
    // libjpeg's arithmetic decoder cannot suspend: such a file is decoded once all of it is here
    if (this.awaitingKeep || (this.header?.arithmetic && !end)) return [];
    return this.run();
  }

  /** After a 'header' event with `pauseAtHeader`: the frequencies to keep, then decoding goes on. */
  resume(keep: number[] | undefined): DecodeEvent[] {
    if (!this.awaitingKeep) throw new TypeError('resume() comes after a header event with pauseAtHeader');
    this.awaitingKeep = false;
    this.m._dct_stream_keep(this.session, packKeep(keep));
    return this.header?.arithmetic && !this.inputEnded ? [] : this.run();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.m._dct_release(this.session);
    this.session = 0;
  }

  private fail(error: Error, events: DecodeEvent[]): DecodeEvent[] {
    this.failure = error;
    events.push({ type: 'error', error });
    return events;
  }

  private run(): DecodeEvent[] {
    const events: DecodeEvent[] = [];
    for (;;) {
      const ev = this.m._dct_stream_run(this.session, this.options.maxPixels ?? DEFAULT_MAX_PIXELS);
      if (ev === EV.NEED_BYTES) return events;
      if (ev === EV.FAILED) return this.fail(this.lastError(), events);
      if (ev === EV.SKIPPED) continue;
      if (ev === EV.HEADER) {
        this.header = this.readHeader();
        events.push({ type: 'header', header: this.header, bytes: this.pushed });
        if (this.options.pauseAtHeader) {
          this.awaitingKeep = true;
          return events;
        }
        if (this.options.keepAt) this.m._dct_stream_keep(this.session, packKeep(this.options.keepAt(this.header)));
        if (this.header.arithmetic && !this.inputEnded) return events;
        continue;
      }
      // a sequential file's components come one scan at a time; an arithmetic-coded file's scans all at the end
      if (ev === EV.SCAN && (!this.header?.progressive || this.header.arithmetic)) continue;
      const info = this.m._dct_stream_snapshot(this.session);
      if (!info) return this.fail(this.lastError(), events);
      const image = readImage(this.m, this.session, infoBlock(this.m, info), this.dequantize);
      const bytes = infoBlock(this.m, info)[I.BYTES];
      if (ev === EV.END) {
        this.ended = true;
        events.push({ type: 'end', image, bytes, complete: infoBlock(this.m, info)[I.CUT] === 0 });
        return events;
      }
      events.push({ type: 'scan', image, bytes });
    }
  }

  private readHeader(): StreamHeader {
    const info = infoBlock(this.m, this.m._dct_info(this.session));
    const n = info[I.NCOMP];
    const maxH = info[I.MAX_H];
    const maxV = info[I.MAX_V];
    const components = [];
    for (let c = 0; c < n; c++) {
      const o = I.COMP0 + c * I.COMP_STRIDE;
      components.push({ h: info[o + 1], v: info[o + 2], blocksX: info[o + 3], blocksY: info[o + 4] });
    }
    return { width: info[I.WIDTH], height: info[I.HEIGHT], progressive: info[I.PROGRESSIVE] !== 0, arithmetic: info[I.ARITH] !== 0, orientation: info[I.ORIENTATION], components, maxH, maxV };
  }
}

/** The image a session's info block describes, copied out of the WebAssembly heap. */
function readImage(m: DctJpegModule, session: number, info: Int32Array, dequantize: boolean): DctImage {
  const total = info[I.COEF_COUNT];
  const ptr = info[I.COEF_PTR];
  // One copy out of the WASM heap into a fresh, transferable buffer holding
  // the planes and then the quantization tables (ArrayBuffer.slice: measured
  // 2-4x faster here than TypedArray.slice).
  const buffer = m.HEAPU8.buffer.slice(ptr, ptr + total * 2);
  const all = new Int16Array(buffer);
  const n = info[I.NCOMP];
  const bandsPtr = m._dct_bands(session);
  const components: DctComponent[] = [];
  const bands: Int8Array[] = [];
  for (let c = 0; c < n; c++) {
    const o = I.COMP0 + c * I.COMP_STRIDE;
    const blocksX = info[o + 3];
    const blocksY = info[o + 4];
    const offset = info[o + 5];
    const quantOffset = info[o + 6];
    const kept = info[I.KEEP0 + c];
    components.push({
      id: info[o],
      h: info[o + 1],
      v: info[o + 2],
      blocksX,
      blocksY,
      coefficients: all.subarray(offset, offset + blocksX * blocksY * kept * kept),
      kept,
      quantTable: new Uint16Array(buffer, quantOffset * 2, 64),
    });
    bands.push(new Int8Array(m.HEAP8.buffer.slice(bandsPtr + 64 * c, bandsPtr + 64 * (c + 1))));
  }
  return {
    width: info[I.WIDTH],
    height: info[I.HEIGHT],
    maxH: info[I.MAX_H],
    maxV: info[I.MAX_V],
    components,
    dequantized: dequantize,
    progressive: info[I.PROGRESSIVE] !== 0,
    arithmetic: info[I.ARITH] !== 0,
    orientation: info[I.ORIENTATION],
    colorSpace: COLOR_SPACES[info[I.COLOR_SPACE]] ?? 'unknown',
    adobeTransform: info[I.ADOBE] < 0 ? null : info[I.ADOBE],
    jfif: info[I.JFIF] !== 0,
    restartInterval: info[I.RESTART],
    scans: info[I.SCANS],
    skippedScans: info[I.SKIPPED],
    bands,
    warnings: info[I.WARNINGS],
  };
}

/** maxBytes, checked before the file is copied into the WebAssembly heap (and by the pool before posting it). */
export function checkSize(bytes: Uint8Array, options: LimitOptions): void {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (bytes.length > maxBytes) throw new JpegLimitError(`file is ${bytes.length} bytes, more than maxBytes (${maxBytes})`, 'maxBytes');
}
