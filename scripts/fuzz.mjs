#!/usr/bin/env node
// npm run fuzz -- --iterations N --seed S [--json] [--limit-ms 2000] [--sanitized] [--replay]
//
// Mutates real JPEGs (bit flips, truncation, spliced and duplicated markers, absurd SOF
// dimensions, bogus Huffman / quantization tables, restart-marker damage, scan bombs,
// EXIF junk) and feeds them to the WebAssembly decoder (the same .wasm as the browser).
// Every input must end in a DctImage or a typed error within the time bound. Failures are
// saved under test/fuzz-regressions/ (replayed by test/fuzz.test.ts).
// With --json the last line is {inputs, crashes, hangs, outcomes, slowest_ms, heap_high_water}.
// --sanitized runs the AddressSanitizer + UBSan build (bash wasm/build.sh --sanitize) instead,
// where any out-of-bounds access, use-after-free or undefined behaviour aborts and counts
// as a crash. --replay first feeds it every saved regression file.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { WasmDecoder, compileDecoderWasm } from '../dist/lib/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const opt = (n, d) => (args.includes(`--${n}`) ? args[args.indexOf(`--${n}`) + 1] : d);
const iterations = Number(opt('iterations', 10000));
const seed = Number(opt('seed', 1));
const sanitized = args.includes('--sanitized');
// ASan + UBSan instrumentation makes decoding several times slower; the bound scales with it.
const limitMs = Number(opt('limit-ms', sanitized ? 10000 : 2000));
const json = args.includes('--json');
const replay = args.includes('--replay');
const typed = new Set(['NotAJpegError', 'UnsupportedJpegError', 'CorruptJpegError', 'JpegLimitError']);

function rng(s) {
  return () => {
    s |= 0;
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(seed);
const int = (n) => Math.floor(rand() * n);

// Seeds: a few val files plus the generated fixtures (progressive, arithmetic, restarts…).
const val = join(root, '../shared/data/imagenette-224/val');
const seeds = readdirSync(val).slice(0, 5).map((d) => join(val, d, readdirSync(join(val, d)).sort()[0]));
for (const dir of readdirSync(join(root, 'build')).filter((d) => d.startsWith('fixtures-v'))) {
  const v = join(root, 'build', dir, 'valid');
  try {
    for (const f of readdirSync(v)) if (f.endsWith('.jpg') && !f.startsWith('large')) seeds.push(join(v, f));
  } catch {}
}
const corpus = seeds.map((f) => new Uint8Array(readFileSync(f)));

function segments(b) {
  const out = [];
  for (let i = 2; i + 4 <= b.length; ) {
    if (b[i] !== 0xff) break;
    const m = b[i + 1];
    if (m === 0xd9) break;
    const len = (b[i + 2] << 8) | b[i + 3];
    out.push({ m, start: i, end: Math.min(b.length, i + 2 + len) });
    if (m === 0xda) break;
    i += 2 + len;
  }
  return out;
}
const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) (out.set(p, o), (o += p.length));
  return out;
};

const mutators = {
  bitflips(b) { const c = b.slice(); for (let k = 1 + int(8); k--; ) c[int(c.length)] ^= 1 << int(8); return c; },
  bytes(b) { const c = b.slice(); for (let k = 1 + int(16); k--; ) c[int(c.length)] = int(256); return c; },
  truncate(b) { return b.slice(0, int(b.length)); },
  duplicateSegment(b) { const s = segments(b); if (!s.length) return b; const g = s[int(s.length)]; const at = s[int(s.length)].start; return concat(b.subarray(0, at), b.subarray(g.start, g.end), b.subarray(at)); },
  dropSegment(b) { const s = segments(b); if (!s.length) return b; const g = s[int(s.length)]; return concat(b.subarray(0, g.start), b.subarray(g.end)); },
  sofDims(b) { const s = segments(b).find((g) => g.m >= 0xc0 && g.m <= 0xcf && g.m !== 0xc4 && g.m !== 0xc8 && g.m !== 0xcc); if (!s) return b; const c = b.slice(); const v = [0, 1, 7, 8, 9, 255, 4096, 16384, 65535][int(9)]; c[s.start + 5 + 2 * int(2)] = v >> 8; c[s.start + 6 + 2 * int(2) - 1] = v & 255; if (rand() < 0.3) c[s.start + 9] = int(256); if (rand() < 0.3) c[s.start + 11 + 3 * int(3)] = int(256); return c; },
  tables(b) { const s = segments(b).filter((g) => g.m === 0xc4 || g.m === 0xdb); if (!s.length) return b; const g = s[int(s.length)]; const c = b.slice(); for (let k = 1 + int(12); k--; ) c[g.start + 4 + int(Math.max(1, g.end - g.start - 4))] = int(256); return c; },
  restarts(b) { const c = b.slice(); for (let k = 1 + int(6); k--; ) { const i = int(c.length - 1); c[i] = 0xff; c[i + 1] = 0xd0 + int(10); } return c; },
  scanBomb(b) { const s = segments(b); const sos = s.find((g) => g.m === 0xda); if (!sos) return b; const scan = b.subarray(sos.start, b.length - 2); const n = Math.min(50 + int(600), Math.floor(4e6 / Math.max(1, scan.length))); return concat(b.subarray(0, sos.start), ...Array(n).fill(scan), b.subarray(b.length - 2)); },
  exifJunk(b) { const junk = Uint8Array.from({ length: 10 + int(300) }, () => int(256)); junk.set([0x45, 0x78, 0x69, 0x66, 0, 0], 0); if (rand() < 0.5) junk.set([0x4d, 0x4d, 0, 42], 6); const len = junk.length + 2; return concat(b.subarray(0, 2), Uint8Array.of(0xff, 0xe1, len >> 8, len & 255), junk, b.subarray(2)); },
  splice(b) { const o = corpus[int(corpus.length)]; const i = int(b.length); const j = int(o.length); return concat(b.subarray(0, i), o.subarray(j)); },
};
const names = Object.keys(mutators);

async function makeDecoder() {
  if (!sanitized) return WasmDecoder.create();
  const dir = join(root, 'build/wasm-sanitized');
  const { default: factory } = await import(join(dir, 'dctjpeg.js')).catch(() => {
    console.error('no sanitizer build: run bash wasm/build.sh --sanitize');
    process.exit(2);
  });
  return WasmDecoder.create(await compileDecoderWasm(new URL(`file://${dir}/dctjpeg.wasm`)), factory);
}
let decoder = await makeDecoder();
const outcomes = {};
let crashes = 0;
let hangs = 0;
let slowest = 0;
let heapHigh = 0;
const regressions = join(root, 'test/fuzz-regressions');

/**
 * The input as a stream, in chunks of `options.chunk` bytes: it must end in an 'end' event or a
 * typed 'error' event ('ok' or the error's name); anything thrown is a crash.
 */
function streamOne(b, { chunk, ...options }) {
  const stream = decoder.openStream(options);
  try {
    let last;
    for (let at = 0; at < b.length || at === 0; at += chunk) {
      const events = stream.push(b.subarray(at, at + chunk), at + chunk >= b.length);
      last = events.at(-1) ?? last;
      if (last?.type === 'error' || last?.type === 'end') break;
    }
    if (last?.type === 'end') return 'ok';
    if (last?.type === 'error') {
      if (!typed.has(last.error.name)) throw last.error;
      return last.error.name;
    }
    throw new Error(`the stream ended with neither an image nor an error (${last?.type})`);
  } finally {
    stream.close();
  }
}

/** Runs one input; returns the failure text (crash or hang) or undefined. */
function runOne(b, op, options) {
  const start = performance.now();
  let outcome;
  let failure;
  try {
    if (op === 'stream') outcome = streamOne(b, options);
    else {
      op === 'rgb' ? decoder.decodeRgb(b, options) : decoder.decode(b, options);
      outcome = 'ok';
    }
  } catch (e) {
    outcome = e.name;
    if (!typed.has(e.name)) failure = `crash: ${e.name}: ${e.message}`;
  }
  const ms = performance.now() - start;
  slowest = Math.max(slowest, ms);
  if (ms > limitMs) failure ??= `hang: ${ms.toFixed(0)} ms`;
  heapHigh = Math.max(heapHigh, decoder.memoryBytes());
  outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  if (failure) failure.startsWith('crash') ? crashes++ : hangs++;
  return failure;
}

const t0 = performance.now();
if (replay) {
  for (const f of readdirSync(regressions).filter((f) => f.endsWith('.json')).sort()) {
    const meta = JSON.parse(readFileSync(join(regressions, f), 'utf8'));
    const bytes = new Uint8Array(gunzipSync(readFileSync(join(regressions, f.replace(/\.json$/, '.jpg.gz')))));
    const failure = runOne(bytes, meta.op, meta.options);
    if (failure && !json) console.error(`replay ${f}: ${failure}`);
    if (failure?.startsWith('crash')) decoder = await makeDecoder(); // a trap may leave the module corrupt
  }
}
for (let it = 0; it < iterations; it++) {
  let b = corpus[int(corpus.length)];
  const applied = [];
  for (let k = 1 + int(3); k--; ) {
    const m = names[int(names.length)];
    applied.push(m);
    b = mutators[m](b);
    if (b.length > 4e6) b = b.subarray(0, 4e6);
  }
  const r = rand();
  const op = r < 0.15 ? 'rgb' : r < 0.35 ? 'stream' : 'dct';
  // half the coefficient decodes store only the low frequencies (the CPU pipeline's compact
  // planes), most of those reading only the scans those need (classify()'s early stop)
  const keep = () => (rand() < 0.5 ? undefined : [[2, 2, 2], [1, 4, 4], [4, 2, 2], [1, 1, 1]][int(4)]);
  const dct = () => {
    const k = keep();
    return { dequantize: rand() < 0.5, strict: rand() < 0.8, keep: k, skipScans: !!k && rand() < 0.7 };
  };
  // Streams come in chunks of 1 B to 64 KiB; 1-byte chunks only for inputs up to 64 KiB: four
  // million 1-byte pushes of a 4 MB scan bomb take about a second in the release build but longer
  // than the hang bound in the sanitized one, and no network delivers a large file byte by byte.
  const chunks = b.length > 65536 ? [7, 100, 1460, 65536] : [1, 7, 100, 1460, 65536];
  const options = op === 'rgb' ? { scale: [1, 0.5, 0.25, 0.125][int(4)] } : op === 'stream' ? { ...dct(), chunk: chunks[int(chunks.length)] } : dct();
  const failure = runOne(b, op, options);
  if (failure) {
    mkdirSync(regressions, { recursive: true });
    const name = `seed${seed}-it${it}-${op}${sanitized ? '-sanitized' : ''}`;
    // gzip: scan bombs are megabytes of one repeated scan
    writeFileSync(join(regressions, `${name}.jpg.gz`), gzipSync(b));
    writeFileSync(join(regressions, `${name}.json`), JSON.stringify({ op, options, mutators: applied, failure }) + '\n');
    if (!json) console.error(`${name}: ${failure} (${applied.join(', ')})`);
    if (failure.startsWith('crash')) break; // the module may be corrupt after a trap
  }
}
const result = {
  inputs: Object.values(outcomes).reduce((a, b) => a + b, 0),
  crashes,
  hangs,
  outcomes,
  slowest_ms: Number(slowest.toFixed(1)),
  heap_high_water: heapHigh,
  heap_in_use_after: decoder.heapInUse(),
  seconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
  seed,
  seeds: corpus.length,
  build: sanitized ? 'asan+ubsan' : 'release',
};
if (json) console.log(JSON.stringify(result));
else console.log(result);
process.exitCode = crashes || hangs ? 1 : 0;
