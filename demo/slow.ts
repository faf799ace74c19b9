/**
 * Slow-network mode: a file arrives at a chosen bit rate, as packets, and every selected network
 * classifies it while it downloads (classifyProgressive), its card updating with each verdict and
 * the share of bytes it was based on; the picture beside them is the bytes so far, painted by the
 * browser as it paints a progressive JPEG loading. The RGB baseline decodes the same partial file
 * with the browser's decoder.
 */
import { scanEnds, type DctVisionModel, type ProgressiveClassification } from '../src/index.js';
import { fillCard } from './cards.js';

const PACKET = 1460;

/** One paced source, teed: each network reads its own stream of the same packets at the same times. */
export function pacedStreams(bytes: Uint8Array, bitsPerSecond: number, count: number, onBytes: (n: number) => void): ReadableStream<Uint8Array>[] {
  const controllers: ReadableStreamDefaultController<Uint8Array>[] = [];
  const streams = Array.from({ length: count }, () => new ReadableStream<Uint8Array>({ start: (c) => void controllers.push(c) }));
  const t0 = performance.now();
  let at = 0;
  const tick = () => {
    const due = Math.min(bytes.length, Math.floor(((performance.now() - t0) / 1000) * (bitsPerSecond / 8) / PACKET + 1) * PACKET);
    if (due > at) {
      for (const c of controllers) c.enqueue(bytes.slice(at, due));
      at = due;
      onBytes(at);
    }
    if (at < bytes.length) setTimeout(tick, Math.max(4, ((PACKET * 8) / bitsPerSecond) * 1000));
    else for (const c of controllers) c.close();
  };
  setTimeout(tick, 0);
  return streams;
}

/** The card while verdicts come in: the latest one, what share of the file it saw, how many so far. */
export function progressCard(card: HTMLElement, model: DctVisionModel, v: ProgressiveClassification, total: number, count: number, t0: number): void {
  fillCard(card, model, v);
  const share = Math.round((100 * v.bytes) / total);
  card.dataset.verdicts = String(count);
  card.dataset.share = String(share);
  if (v.final) card.dataset.final = v.complete ? 'complete' : 'cut';
  else card.dataset.state = 'streaming';
  const line = document.createElement('div');
  line.className = 'stream';
  line.dataset.testid = 'stream-progress';
  const bar = document.createElement('progress');
  bar.max = 100;
  bar.value = share;
  const when = `${((performance.now() - t0) / 1000).toFixed(2)} s`;
  const what = v.final ? (v.complete ? 'final verdict' : 'the transfer stopped short') : `after scan ${v.scans}`;
  line.append(bar, ` ${share}% of the bytes · ${what} · verdict ${count} at ${when}`);
  card.children[1].prepend(line);
}

/** Paint the bytes so far at each scan end, as a browser paints a progressive file while it loads. */
export function progressivePainter(img: HTMLImageElement, bytes: Uint8Array): (received: number) => void {
  let painted = 0;
  let url: string | undefined;
  return (received) => {
    const ends = scanEnds(bytes.subarray(0, received));
    const upTo = received >= bytes.length ? bytes.length : (ends.at(-1) ?? 0);
    if (upTo <= painted) return;
    painted = upTo;
    if (url) URL.revokeObjectURL(url);
    url = URL.createObjectURL(new Blob([bytes.slice(0, upTo) as BlobPart], { type: 'image/jpeg' }));
    img.src = url;
    img.dataset.bytes = String(upTo);
  };
}
