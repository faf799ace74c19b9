// classifyProgressive() in Node with the shipped networks: a verdict per scan equal to classify()
// of the file cut there, one verdict for a sequential file, streams cut short, aborted midway or
// over a limit, every input kind; and classify()'s early stop on a large progressive photo.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorruptJpegError, DecoderPool, InputPipeline, JpegLimitError, cutAt, inputGeometry, load, readJpegHeader, scanEnds, specDocument, type DctVisionModel, type ProgressiveClassification, type StreamInput } from '../src/index.js';
import { imagenetteSample } from './helpers/fixtures.js';
import { root } from './helpers/paths.js';
import { progressiveCopy } from './helpers/progressive.js';

const modelUrl = (id: string) => pathToFileURL(join(root, 'models', id) + '/');
let dct: DctVisionModel;
let rgb: DctVisionModel;
beforeAll(async () => {
  dct = await load('late-concat', { modelUrl: modelUrl('late-concat') });
  rgb = await load('rgb-resnet50', { modelUrl: modelUrl('rgb-resnet50') });
});
afterAll(() => {
  dct?.dispose();
  rgb?.dispose();
});

const source = imagenetteSample(3).find((f) => f.includes('n03028079') && readJpegHeader(new Uint8Array(readFileSync(f))).sampling.length === 3)!;
const bytes = progressiveCopy(source);
const ends = scanEnds(bytes);

/** The file in the given pieces, each after the consumer had time to take the previous verdict. */
async function* pieces(cuts: number[], data = bytes): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (const c of [...cuts, data.length]) {
    if (c > at) yield data.slice(at, c);
    at = c;
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function all(model: DctVisionModel, input: StreamInput, opts = {}): Promise<ProgressiveClassification[]> {
  const out: ProgressiveClassification[] = [];
  for await (const v of model.classifyProgressive(input, opts)) out.push(v);
  return out;
}

const probs = (v: { predictions: { className: string; probability: number }[] }) =>
  Object.fromEntries(v.predictions.map((p) => [p.className, Number(p.probability.toFixed(4))]));

describe.each([['late-concat'], ['rgb-resnet50']])('%s: a progressive file, scan by scan', (id) => {
  const model = () => (id === 'rgb-resnet50' ? rgb : dct);

  it('each verdict is classify() of the file cut at its scan; the last is the whole file’s', async () => {
    // one piece per scan and a slow consumer: verdicts may be skipped (the newest wins), never wrong
    const got = await all(model(), pieces(ends));
    expect(got.length).toBeGreaterThanOrEqual(3);
    for (const v of got.slice(0, -1)) {
      expect(v.final).toBe(false);
      expect(v.bytes).toBeLessThanOrEqual(ends[v.scans - 1] + 2);
      expect(probs(v), `after scan ${v.scans}`).toEqual(probs(await model().classify(cutAt(bytes, ends[v.scans - 1]))));
    }
    const last = got.at(-1)!;
    expect([last.final, last.complete, last.scans]).toEqual([true, true, ends.length]);
    expect(probs(last)).toEqual(probs(await model().classify(bytes)));
    expect(last.timings.total).toBeGreaterThanOrEqual(got[0].timings.total);
  });

  it('a stream that stops inside scan 6 ends with the verdict of scan 5 (complete: false)', async () => {
    const cut = bytes.subarray(0, ends[4] + Math.floor((ends[5] - ends[4]) / 2));
    const got = await all(model(), pieces(ends.filter((e) => e < cut.length), cut));
    const last = got.at(-1)!;
    expect([last.final, last.complete, last.scans]).toEqual([true, false, 5]);
    expect(probs(last)).toEqual(probs(await model().classify(cutAt(bytes, ends[4]))));
  });
});

describe('inputs, sequential files, faults', () => {
  it('a sequential file gives one verdict: classify()’s', async () => {
    const baseline = new Uint8Array(readFileSync(source));
    const got = await all(dct, pieces([100, 2000, 5000], baseline));
    expect(got.map((v) => [v.final, v.complete])).toEqual([[true, true]]);
    expect(probs(got[0])).toEqual(probs(await dct.classify(baseline)));
  });

  it('takes a Response, a ReadableStream, a Blob, bytes and a file URL', async () => {
    const want = probs(await dct.classify(bytes));
    const stream = () => new ReadableStream<Uint8Array>({ start(c) { for (let i = 0; i < bytes.length; i += 1000) c.enqueue(bytes.slice(i, i + 1000)); c.close(); } });
    for (const input of [new Response(stream()), stream(), new Blob([bytes as BlobPart]), bytes, pathToFileURL(join(root, 'build/progressive-tests', `${source.split('/').at(-2)}-${source.split('/').at(-1)}.jpg`))]) {
      const got = await all(dct, input);
      expect(probs(got.at(-1)!)).toEqual(want);
    }
  });

  it('an abort midway rejects with its reason and leaves the model working', async () => {
    const ac = new AbortController();
    const seen: ProgressiveClassification[] = [];
    const run = (async () => {
      for await (const v of dct.classifyProgressive(pieces(ends), { signal: ac.signal })) {
        seen.push(v);
        if (seen.length === 2) ac.abort(new Error('user left'));
      }
    })();
    await expect(run).rejects.toThrow('user left');
    expect(seen.length).toBe(2);
    expect(probs((await all(dct, bytes)).at(-1)!)).toEqual(probs(await dct.classify(bytes)));
  });

  it('maxBytes passed mid-stream: JpegLimitError after the verdicts before it', async () => {
    const limited = await load('late-concat', { modelUrl: modelUrl('late-concat'), limits: { maxBytes: ends[5] + 10 } });
    try {
      const seen: ProgressiveClassification[] = [];
      await expect((async () => { for await (const v of limited.classifyProgressive(pieces(ends))) seen.push(v); })()).rejects.toBeInstanceOf(JpegLimitError);
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((v) => v.bytes <= ends[5] + 10)).toBe(true);
    } finally {
      limited.dispose();
    }
  });

  it('not a JPEG, and a stream that stops inside the first scan: typed errors', async () => {
    await expect(all(dct, pieces([10], new Uint8Array(3000).fill(7)))).rejects.toThrow(/JPEG/);
    await expect(all(dct, pieces([], bytes.subarray(0, ends[0] - 20)))).rejects.toBeInstanceOf(CorruptJpegError);
    await expect(all(rgb, pieces([], bytes.subarray(0, ends[0] - 20)))).rejects.toBeInstanceOf(CorruptJpegError);
  });
});

describe('classify() of a large progressive photo reads only the scans the network can use', () => {
  it('2000×1500: the same answer as with every scan, and scans skipped', async () => {
    const big = join(root, 'build/progressive-tests/big-2000.jpg');
    execFileSync('bash', ['-c', `[ -f ${big} ] || convert ${source} -resize 2000x1500! ppm:- | cjpeg -quality 85 -progressive > ${big}`]);
    const file = new Uint8Array(readFileSync(big));
    const every = await load('late-concat', { modelUrl: modelUrl('late-concat'), allScans: true });
    try {
      const [a, b] = [await dct.classify(file), await every.classify(file)];
      expect(a.predictions[0].className).toBe(b.predictions[0].className);
      expect(Math.abs(a.predictions[0].probability - b.predictions[0].probability)).toBeLessThan(0.05);
      const skipped = (await dct['decoder'].decode(file, { keep: [2, 2, 2], skipScans: true })).skippedScans;
      expect(skipped).toBeGreaterThan(0);
    } finally {
      every.dispose();
    }
  });
});

describe('an early-stop verdict too close to call is decoded again with every scan (earlyStopMargin)', () => {
  const big = join(root, 'build/progressive-tests/big-2000.jpg');
  const sequential = join(root, 'build/progressive-tests/big-2000-sequential.jpg');
  let file: Uint8Array;
  let models: Record<'never' | 'always' | 'every', DctVisionModel>;
  const exactProbs = (v: { predictions: { className: string; probability: number }[] }) => Object.fromEntries(v.predictions.map((p) => [p.className, p.probability]));
  beforeAll(async () => {
    execFileSync('bash', ['-c', `[ -f ${big} ] || convert ${source} -resize 2000x1500! ppm:- | cjpeg -quality 85 -progressive > ${big}`]);
    execFileSync('bash', ['-c', `[ -f ${sequential} ] || convert ${source} -resize 2000x1500! ppm:- | cjpeg -quality 85 > ${sequential}`]);
    file = new Uint8Array(readFileSync(big));
    const url = modelUrl('late-concat');
    const [never, always, every] = await Promise.all([{ earlyStopMargin: 0 }, { earlyStopMargin: 1 }, { allScans: true }].map((o) => load('late-concat', { modelUrl: url, ...o })));
    models = { never, always, every };
  });
  afterAll(() => Object.values(models ?? {}).forEach((m) => m.dispose()));

  it('margin 1 (always): classify, classifyBatch and a streamed file’s final verdict are every scan’s; margin 0 keeps the early stop’s own', async () => {
    const every = exactProbs(await models.every.classify(file, { topK: 10 }));
    const never = exactProbs(await models.never.classify(file, { topK: 10 }));
    expect(never).not.toEqual(every); // the stepped-over refinement bits change the probabilities
    expect(exactProbs(await models.always.classify(file, { topK: 10 }))).toEqual(every);
    const [batch] = await models.always.classifyBatch([file], { topK: 10, workers: 1 });
    if (batch instanceof Error) throw batch;
    for (const [k, p] of Object.entries(exactProbs(batch))) expect(p).toBeCloseTo(every[k], 5); // a batch of one: the same numbers, up to batched kernels
    const pooled = await models.always.classifyBatch([file, file], { topK: 10, workers: 2, batchSize: 1 }); // inference workers
    for (const r of pooled) {
      if (r instanceof Error) throw r;
      for (const [k, p] of Object.entries(exactProbs(r))) expect(p).toBeCloseTo(every[k], 5);
    }
    const streamed = await all(models.always, pieces([1000, 20000, 60000], file), { topK: 10 });
    expect(streamed.at(-1)!.complete).toBe(true);
    expect(exactProbs(streamed.at(-1)!)).toEqual(every);
    expect(exactProbs((await all(models.never, pieces([1000, 20000, 60000], file), { topK: 10 })).at(-1)!)).toEqual(never);
  });

  it('a verdict with a clear lead, a file cut before its refinement scans and a sequential file are not decoded again', async () => {
    const clear = await dct.classify(file, { topK: 2 });
    const lead = clear.predictions[0].probability - clear.predictions[1].probability;
    expect(lead).toBeGreaterThan(0.1); // this photo: one subject, a clear answer ...
    expect(exactProbs(clear)).toEqual(exactProbs(await models.never.classify(file, { topK: 2 }))); // ... so the default keeps the early stop's
    const cut = cutAt(file, scanEnds(file)[1]); // DC and luma AC 1–5 two bits short: no scan stepped over that could refine them
    expect(exactProbs(await models.always.classify(cut, { topK: 10 }))).toEqual(exactProbs(await models.never.classify(cut, { topK: 10 })));
    const seq = new Uint8Array(readFileSync(sequential));
    expect(exactProbs(await models.always.classify(seq, { topK: 10 }))).toEqual(exactProbs(await models.never.classify(seq, { topK: 10 })));
  });

  it('a margin outside [0, 1]: RangeError', async () => {
    for (const m of [-0.1, 2, Number.NaN]) await expect(load('late-concat', { modelUrl: modelUrl('late-concat'), earlyStopMargin: m })).rejects.toBeInstanceOf(RangeError);
  });
});

describe('bands a cut file lacks', () => {
  it('its five lowest AC coefficients that no scan sent are estimated from the DC around them (smoothing: false leaves zeros); a whole file is untouched', async () => {
    const decoder = new DecoderPool({ size: 1 });
    try {
      const geometry = inputGeometry('late-concat', specDocument.networks['late-concat']);
      const [on, off] = await Promise.all([true, false].map((smoothing) => InputPipeline.create(geometry, { decoder, rgbDecoder: 'wasm', smoothing })));
      const cut = cutAt(bytes, ends[0]); // the DC scan only
      const [a, b] = await Promise.all([on.decode(cut), off.decode(cut)]);
      if (a.kind !== 'dct' || b.kind !== 'dct') throw new Error('DCT images expected');
      for (const [i, c] of a.img.components.entries()) {
        const n = c.kept * c.kept;
        const raw = b.img.components[i].coefficients;
        let estimated = 0;
        for (let k = 0; k < c.coefficients.length; k++) {
          const at = k % n;
          const low = [1, c.kept, 2 * c.kept, c.kept + 1, 2].includes(at); // (0,1) (1,0) (2,0) (1,1) (0,2)
          if (at === 0 || !low) expect(c.coefficients[k]).toBe(raw[k]);
          else {
            expect(raw[k]).toBe(0);
            if (c.coefficients[k] !== 0) estimated++;
          }
        }
        expect(estimated, `component ${i}`).toBeGreaterThan((c.blocksX * c.blocksY) / 4); // many blocks get some (smooth chroma rounds to 0 more often)
      }
      // a whole file: nothing to estimate, the same image
      const whole = await on.decode(bytes);
      const plain = await off.decode(bytes);
      if (whole.kind !== 'dct' || plain.kind !== 'dct') throw new Error('DCT images expected');
      whole.img.components.forEach((c, i) => expect(c.coefficients).toEqual(plain.img.components[i].coefficients));
    } finally {
      decoder.terminate();
    }
  });
});
