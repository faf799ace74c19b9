/**
 * A file decoded while it downloads. A progressive JPEG sends every block's lowest
 * frequencies first, so each scan that completes gives the network a coarser but whole
 * picture of the file:
 *   DCT networks: one streaming decoder (in a worker) takes the bytes as they arrive and,
 *     after each scan that changes the frequencies the plan reads, hands over the
 *     coefficients as they stand (scans the plan cannot use are stepped over unread);
 *   the RGB baseline: where a scan ends, the bytes so far plus an EOI are a valid shorter
 *     file, decoded to pixels as the browser would paint it.
 * A sequential file gives one step, at its end. A stream that stops short ends with what its
 * last complete scan held (`complete` false); before any scan completed, with the decoder's
 * typed error. Reading goes on while the consumer works on a step; a step it has not taken
 * yet is replaced by a newer one.
 */
import { JpegLimitError, NotAJpegError } from '../decode/errors.js';
import { readJpegHeader } from '../decode/header.js';
import type { PoolDecodeStream } from '../decode/pool.js';
import { cutAt, scanEnds } from '../decode/scans.js';
import { DEFAULT_MAX_BYTES, type DctImage } from '../decode/types.js';
import type { DecodeEvent, StreamHeader } from '../decode/wasm.js';
import { inputChunks, type StreamInput } from './stream-input.js';
import { lacksBits } from '../decode/bands.js';
import type { Decoded } from './pipeline.js';

export interface ProgressiveStep {
  decoded: Decoded;
  /** Bytes of the file received when this step's data was complete. */
  bytes: number;
  /** Scans the step holds (skipped ones included); for a sequential file, its scan count at the end. */
  scans: number;
  /** No step follows. */
  final: boolean;
  /** The whole file through its EOI was read (only the final step of a full transfer). */
  complete: boolean;
  /** DCT networks: what the coefficients hold per component (DctImage.bands). */
  bands?: Int8Array[];
}

interface Parts {
  kind: 'dct' | 'rgb';
  openStream(): Promise<PoolDecodeStream>;
  keepFor(h: StreamHeader): number[] | undefined;
  /** A step's coefficients as the network should see them (absent bands estimated). */
  fill(img: DctImage): DctImage;
  decodeFile(bytes: Uint8Array, signal: AbortSignal): Promise<Decoded>;
  /** DCT networks whose stream steps over scans: a whole file decoded with every scan (Decoded.exact). */
  decodeEvery?(bytes: Uint8Array, signal: AbortSignal): Promise<Decoded>;
  maxBytes?: number;
  maxPixels?: number;
}

export async function* decodeProgressive(input: StreamInput, signal: AbortSignal | undefined, parts: Parts): AsyncGenerator<ProgressiveStep> {
  signal?.throwIfAborted();
  const stop = new AbortController();
  const onAbort = () => stop.abort(signal!.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  const latest = new Latest<ProgressiveStep>();
  const produce = (parts.kind === 'dct' ? produceDct : produceRgb)(input, stop.signal, parts, (s) => latest.put(s));
  produce.then(
    () => latest.finish(),
    (e: unknown) => latest.fail(e),
  );
  try {
    yield* latest.drain();
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (!stop.signal.aborted) stop.abort(new DOMException('the consumer stopped', 'AbortError'));
    await produce.catch(() => {});
  }
}

async function produceDct(input: StreamInput, signal: AbortSignal, parts: Parts, put: (s: ProgressiveStep) => void): Promise<void> {
  const stream = await parts.openStream();
  // kept only where a complete file's verdict may need its every scan (Decoded.exact)
  const received = parts.decodeEvery && new Received(Infinity);
  let last: { image: DctImage; bytes: number } | undefined;
  let done = false;
  const step = (image: DctImage, bytes: number, final: boolean, complete: boolean) => {
    const exact = complete && received && lacksBits(image) ? { exact: () => parts.decodeEvery!(received.bytes(), signal) } : {};
    put({ decoded: { kind: 'dct', img: parts.fill(image), ...exact }, bytes, scans: image.scans, final, complete, bands: image.bands });
  };
  const handle = async (events: DecodeEvent[], ended: boolean): Promise<void> => {
    for (const e of events) {
      signal.throwIfAborted();
      if (e.type === 'header') await handle(await stream.resume(parts.keepFor(e.header)), ended);
      else if (e.type === 'scan') {
        last = e;
        step(e.image, e.bytes, false, false);
      } else if (e.type === 'end') {
        done = true;
        step(e.image, e.bytes, true, e.complete);
      } else if (ended && last && !(e.error instanceof JpegLimitError)) {
        // the stream stopped inside a scan: the last complete scan is what it held
        done = true;
        step(last.image, last.bytes, true, false);
      } else throw e.error;
    }
  };
  try {
    for await (const chunk of inputChunks(input, signal)) {
      received?.add(chunk); // before the decoder sees it: a step it completes may need the bytes
      await handle(await stream.push(chunk), false);
      if (done) return;
    }
    await handle(await stream.push(new Uint8Array(0), true), true);
  } finally {
    void stream.close();
  }
}

async function produceRgb(input: StreamInput, signal: AbortSignal, parts: Parts, put: (s: ProgressiveStep) => void): Promise<void> {
  const received = new Received(parts.maxBytes ?? DEFAULT_MAX_BYTES);
  let progressive: boolean | undefined;
  let scans = 0;
  let last: ProgressiveStep | undefined;
  for await (const chunk of inputChunks(input, signal)) {
    received.add(chunk);
    const view = received.view();
    if (progressive === undefined) {
      try {
        progressive = readJpegHeader(view, parts.maxPixels).sof === 0xc2;
      } catch (e) {
        if (e instanceof NotAJpegError || e instanceof JpegLimitError) throw e;
        continue; // the frame header has not arrived yet
      }
    }
    if (!progressive) continue;
    const ends = scanEnds(view);
    if (ends.length > scans) {
      scans = ends.length;
      const decoded = await parts.decodeFile(cutAt(view, ends[scans - 1]), signal);
      last = { decoded, bytes: ends[scans - 1], scans, final: false, complete: false };
      put(last);
    }
  }
  const whole = received.bytes();
  try {
    put({ decoded: await parts.decodeFile(whole, signal), bytes: whole.length, scans: Math.max(scans, scanEnds(whole).length), final: true, complete: true });
  } catch (e) {
    if (!last || signal.aborted) throw e;
    put({ ...last, final: true });
  }
}

/** A stream's bytes so far, in one buffer that grows as they arrive (up to maxBytes). */
class Received {
  private buf = new Uint8Array(1 << 16);
  private len = 0;

  constructor(private readonly maxBytes: number) {}

  add(chunk: Uint8Array): void {
    const len = this.len + chunk.length;
    if (len > this.maxBytes) throw new JpegLimitError(`the stream passed maxBytes (${this.maxBytes}) after ${len} bytes`, 'maxBytes');
    if (len > this.buf.length) {
      const grown = new Uint8Array(Math.max(this.buf.length * 2, len));
      grown.set(this.view());
      this.buf = grown;
    }
    this.buf.set(chunk, this.len);
    this.len = len;
  }

  /** The bytes so far (a view, valid until the next add). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  /** The bytes so far (a copy). */
  bytes(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** One slot, the newest value wins; the consumer drains it until the producer finishes. */
class Latest<T extends { final: boolean }> {
  private value?: T;
  private finished = false;
  private failure?: { error: unknown };
  private wake?: () => void;

  put(v: T): void {
    this.value = v;
    this.wake?.();
  }

  finish(): void {
    this.finished = true;
    this.wake?.();
  }

  fail(error: unknown): void {
    this.failure = { error };
    this.wake?.();
  }

  async *drain(): AsyncGenerator<T> {
    for (;;) {
      if (this.value) {
        const v = this.value;
        this.value = undefined;
        yield v;
        if (v.final) return;
        continue;
      }
      if (this.failure) throw this.failure.error;
      if (this.finished) return;
      await new Promise<void>((r) => (this.wake = r));
      this.wake = undefined;
    }
  }
}
