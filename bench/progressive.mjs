#!/usr/bin/env node
// npm run bench:progressive [-- --photos 100] [--mosaics 40] [--from 5] [--parts agreement,speed,stream] [--reps 7] [--ids late-concat,...] [--json] [--out FILE]
//
// Progressive JPEGs, the parts measured in Node (the accuracy after each scan comes from the
// evaluation script, `python3 -m dctvision_train.progressive_eval`, see docs/BENCHMARKS.md):
//   photos: --photos progressive photos of one subject (a val file enlarged) and --mosaics of
//           four val files (448-px tiles), long side 1000-4000 px, 4:3, cjpeg -progressive q85
//           (cached in build/; made from val files --from on in each class folder), each
//           classified by every DCT network with the early stop alone (earlyStopMargin 0:
//           the scans the network's input cannot use, and those refining its lowest bits,
//           stepped over), with the default (a verdict closer than the margin decoded
//           again with every scan) and with allScans: whether the top-1 is the same;
//   speed:  on the 4000×3000 photos, decode alone (WasmDecoder, the frequencies the plan reads,
//           with and without skipScans) and classify() end to end (Late-Concat, WASM backend),
//           median of --reps after warm-up, both ways measured in the same run;
//   stream: per network, the median time from the first byte to each verdict of
//           classifyProgressive() on val files streamed at --rate bit/s (libjpeg's script).
// Prints tables, writes JSON.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WasmDecoder, load, planPrep, scanEnds } from '../dist/lib/index.js';
import { makeLadder } from './lib/ladder.mjs';
import { median } from './lib/measure.mjs';
import { benchArgs, root, writeResult } from './lib/cli.mjs';

const { opt, json, log } = benchArgs();
const nPhotos = Number(opt('photos', 100));
const nMosaics = Number(opt('mosaics', 40));
const reps = Number(opt('reps', 7));
const rate = Number(opt('rate', 2e6));
const streamFiles = Number(opt('stream-files', 20));
const from = Number(opt('from', 5));
const parts = new Set(opt('parts', 'agreement,speed,stream').split(','));
const ids = opt('ids', 'late-concat,late-concat-rfa,late-concat-rfa-thinner,upsampling,upsampling-rfa,downsampling,deconvolution-rfa').split(',');
const outFile = opt('out', join(root, 'build/bench/progressive.json'));
const valDir = opt('val', join(root, '../shared/data/imagenette-224/val'));
const modelUrl = (id) => pathToFileURL(join(root, 'models', id) + '/');

const classes = readdirSync(valDir).sort();
const valFile = (i) => {
  const d = join(valDir, classes[i % classes.length]);
  return join(d, readdirSync(d).sort()[from + Math.floor(i / classes.length)]);
};

// --- photos: one subject each (a val file enlarged), and four-class mosaics (448-px tiles, where
// the top two classes are often nearly tied: the hardest case for an answer to stay the same)
const photoDir = join(root, 'build/bench-progressive-photos');
mkdirSync(photoDir, { recursive: true });
const sizes = [1000, 2000, 3000, 4000];
const makePhoto = (name, tiles, long) => {
  const file = join(photoDir, `${name}${from === 5 ? '' : `-from${from}`}-${long}.jpg`);
  if (!existsSync(file)) {
    const ppm = tiles.length > 1
      ? execFileSync('montage', [...tiles, '-tile', '2x2', '-geometry', '448x448+0+0', 'ppm:-'], { maxBuffer: 1 << 28 })
      : execFileSync('convert', [tiles[0], 'ppm:-'], { maxBuffer: 1 << 28 });
    const sized = execFileSync('convert', ['ppm:-', '-resize', `${long}x${Math.round((long * 3) / 4)}!`, 'ppm:-'], { input: ppm, maxBuffer: 1 << 29 });
    execFileSync('bash', ['-c', `cjpeg -quality 85 -progressive > ${file}`], { input: sized, maxBuffer: 1 << 29 });
  }
  return { file, long, bytes: new Uint8Array(readFileSync(file)) };
};
const sets = {
  single: Array.from({ length: nPhotos }, (_, i) => makePhoto(`s${i}`, [valFile(i)], sizes[i % sizes.length])),
  mosaic: Array.from({ length: nMosaics }, (_, i) => makePhoto(`p${i}`, [0, 1, 2, 3].map((k) => valFile(i * 4 + k)), sizes[i % sizes.length])),
};
const photos = sets.mosaic;
log(`${sets.single.length} single-subject and ${sets.mosaic.length} four-class progressive photos (long side ${sizes.join('/')} px) in ${photoDir}`);

const margin = 0.1; // LoadOptions.earlyStopMargin's default
const agreement = [];
log(`same top-1 as with every scan: the early stop alone / with the default margin (${margin}): photos decoded again`);
for (const id of parts.has('agreement') ? ids : []) {
  const url = modelUrl(id);
  const [alone, early, every] = await Promise.all([{ earlyStopMargin: 0 }, {}, { allScans: true }].map((o) => load(id, { modelUrl: url, backend: 'wasm', ...o })));
  const row = { id };
  for (const [set, list] of Object.entries(sets)) {
    const n = { alone: 0, same: 0, again: 0 };
    for (const p of list) {
      const [a, b, c] = [await alone.classify(p.bytes, { topK: 2 }), await early.classify(p.bytes, { topK: 1 }), await every.classify(p.bytes, { topK: 1 })];
      const top = c.predictions[0].className;
      if (a.predictions[0].className === top) n.alone++;
      if (b.predictions[0].className === top) n.same++;
      if (a.predictions[0].probability - a.predictions[1].probability < margin) n.again++;
    }
    row[set] = { photos: list.length, same_top1_alone: n.alone, same_top1: n.same, share: n.same / list.length, decoded_again: n.again };
  }
  for (const m of [alone, early, every]) m.dispose();
  agreement.push(row);
  const cell = (r) => `${r.same_top1_alone}/${r.same_top1}/${r.photos}: ${r.decoded_again}`;
  log(`${id.padEnd(24)} ${cell(row.single).padEnd(16)} single-subject photos, ${cell(row.mosaic).padEnd(14)} four-class mosaics`);
}

// --- speed on 4000×3000
const time = (fn) => {
  const t = [];
  return (async () => {
    for (let i = 0; i < 2; i++) await fn();
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      await fn();
      t.push(performance.now() - t0);
    }
    return median(t);
  })();
};
const d = await WasmDecoder.create();
// the mosaics above, and bench:photos' 4000×3000 ladder files (448-px tiles: a photo's detail per pixel)
const ladder = makeLadder(Array.from({ length: 80 }, (_, i) => valFile(i)), join(root, 'build/bench-ladder-mosaic'), [4000])
  .filter((f) => f.progressive && f.orientation === 1)
  .map((f) => ({ file: f.file, long: 4000, bytes: new Uint8Array(readFileSync(f.file)) }));
const big = [...photos.filter((p) => p.long === 4000), ...ladder];
const speed = [];
const lc = await load('late-concat', { modelUrl: modelUrl('late-concat'), backend: 'wasm' });
const lcAll = await load('late-concat', { modelUrl: modelUrl('late-concat'), backend: 'wasm', allScans: true });
for (const p of parts.has('speed') ? big : []) {
  const full = d.decode(p.bytes, { dequantize: false, keep: [1, 1, 1] });
  const keep = planPrep(full, 224, 112).planes.map((x) => x.n);
  const skipped = d.decode(p.bytes, { dequantize: false, keep, skipScans: true });
  const row = {
    file: p.file.split('/').at(-1),
    bytes: p.bytes.length,
    keep: keep.join(','),
    scans: skipped.scans,
    skipped_scans: skipped.skippedScans,
    decode_all_scans_ms: await time(() => d.decode(p.bytes, { dequantize: false, keep })),
    decode_early_stop_ms: await time(() => d.decode(p.bytes, { dequantize: false, keep, skipScans: true })),
    classify_all_scans_ms: await time(() => lcAll.classify(p.bytes)),
    classify_early_stop_ms: await time(() => lc.classify(p.bytes)),
  };
  speed.push(row);
}
lc.dispose();
lcAll.dispose();
log(`\n4000×3000 progressive photos (ms, median of ${reps}; decode: WasmDecoder in this thread; classify: Late-Concat, WASM backend)`);
log(`${'file'.padEnd(22)}${'bytes'.padStart(9)}  keep   skipped  ${'decode all'.padStart(11)}${'early stop'.padStart(11)}${'×'.padStart(6)}  ${'classify all'.padStart(13)}${'early stop'.padStart(11)}${'×'.padStart(6)}`);
for (const r of speed) {
  log(`${r.file.padEnd(22)}${String(r.bytes).padStart(9)}  ${r.keep.padEnd(6)} ${String(r.skipped_scans).padStart(3)}/${r.scans}   ${r.decode_all_scans_ms.toFixed(1).padStart(10)}${r.decode_early_stop_ms.toFixed(1).padStart(11)}${(r.decode_all_scans_ms / r.decode_early_stop_ms).toFixed(2).padStart(6)}  ${r.classify_all_scans_ms.toFixed(1).padStart(13)}${r.classify_early_stop_ms.toFixed(1).padStart(11)}${(r.classify_all_scans_ms / r.classify_early_stop_ms).toFixed(2).padStart(6)}`);
}

// --- streaming: time to each verdict at `rate`
const streamIds = ['late-concat', 'rgb-resnet50'];
const progDir = join(root, 'build/progressive/libjpeg');
mkdirSync(progDir, { recursive: true });
const streamed = [];
for (let i = 0; i < streamFiles; i++) {
  const src = valFile(i);
  const out = join(progDir, `${src.split('/').at(-2)}-${src.split('/').at(-1).replace(/\.JPEG$/, '')}.jpg`);
  if (!existsSync(out)) execFileSync('jpegtran', ['-copy', 'none', '-progressive', '-outfile', out, src]);
  const bytes = new Uint8Array(readFileSync(out));
  if (scanEnds(bytes).length === 10) streamed.push(bytes);
}
async function* paced(bytes) {
  // 1,460-byte segments at `rate`, timed against the start (a network delivers whole packets)
  const t0 = performance.now();
  for (let at = 0; at < bytes.length; at += 1460) {
    const due = ((at + 1460) * 8 * 1000) / rate;
    const wait = due - (performance.now() - t0);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    yield bytes.slice(at, at + 1460);
  }
}
const stream = [];
for (const id of parts.has('stream') ? streamIds : []) {
  const m = await load(id, { modelUrl: modelUrl(id), backend: 'wasm' });
  const first = [];
  const last = [];
  const verdicts = [];
  for (const bytes of streamed) {
    const t0 = performance.now();
    const seen = [];
    for await (const v of m.classifyProgressive(paced(bytes), { topK: 1 })) seen.push({ ms: performance.now() - t0, top: v.predictions[0].className, bytes: v.bytes });
    first.push(seen[0].ms);
    last.push(seen.at(-1).ms);
    verdicts.push(seen.length);
  }
  m.dispose();
  const transfer = median(streamed.map((b) => (b.length * 8 * 1000) / rate));
  stream.push({ id, files: streamed.length, rate_bits_per_s: rate, first_verdict_ms: median(first), final_verdict_ms: median(last), transfer_ms: transfer, verdicts: median(verdicts) });
  log(`${id.padEnd(14)} at ${rate / 1e6} Mbit/s: first verdict ${median(first).toFixed(0)} ms, final ${median(last).toFixed(0)} ms (transfer ${transfer.toFixed(0)} ms), ${median(verdicts)} verdicts (median of ${streamed.length} files)`);
}

writeResult(outFile, { date: new Date().toISOString(), reps, from, early_stop_margin: margin, agreement, speed, stream, command: `npm run bench:progressive -- ${process.argv.slice(2).join(' ')}`.trim() }, { json, log });
