#!/usr/bin/env node
// Re-encoded variants of val files, the kind of JPEG people really have: each source gets one
// variant whose parameters cycle through long side 256–1024 px, aspect ratio 1:1, 4:3, 3:4,
// 16:9 or 3:2, quality 50–95, chroma 4:2:0 / 4:2:2 / 4:4:4, baseline or progressive, EXIF
// orientation 1 / 3 / 6 / 8 (pixels stored rotated so that the displayed image is upright, as
// cameras write them). Deterministic. ImageMagick does the encoding.
//
// The sources are a fixed pseudo-random sample of each class (files ordered by a hash of their
// name), not the first files by name: those were an easier subset (every network scored 1.7-4.7
// points above its val top-1 on the first 30). Another aspect ratio extends the source with its
// own mirror image instead of cropping it, so the centre square the library crops is exactly
// the val file and only its size, encoding and orientation change: a centred crop zooms in by
// up to 1.78x on the subject, which made the first set easier still (docs/MODELS.md).
//
//   node scripts/make-variants.mjs --val ../shared/data/imagenette-224/val --out build/variants --per-class 30
//
// --fix long=224,aspect=1:1 holds parameters fixed for a control set (here: no resampling at all,
// the other parameters still cycle), to tell which change moves accuracy (docs/MODELS.md).
//
// Writes OUT/<class>/<source>.jpg, OUT/manifest.json ([{file, label, source, ...params}]) and
// OUT/set.json (what made them); a folder whose set.json matches is kept as it is, so callers
// (the evaluation script, bench:accuracy) run this each time and share one set.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { withOrientation } from '../test/harness/exif.mjs';

const { values } = parseArgs({
  options: {
    val: { type: 'string' },
    out: { type: 'string' },
    'per-class': { type: 'string', default: '30' },
    offset: { type: 'string', default: '0' },
    fix: { type: 'string', default: '' },
  },
});
const LONG = [256, 384, 512, 768, 1024];
const ASPECT = [[1, 1], [4, 3], [3, 4], [16, 9], [3, 2]];
const QUALITY = [50, 65, 80, 95];
const SAMPLING = ['4:2:0', '4:2:2', '4:4:4'];
// Orientation o's tag says how to turn the stored pixels for display: store the inverse.
const ROTATE = { 1: 0, 3: 180, 6: 270, 8: 90 };
const ORIENT = [1, 6, 3, 8];
// Raised whenever what a set holds changes (2: sampled sources, mirror-extended aspect ratios).
const SET_VERSION = 2;

export function variantParams(i) {
  return {
    long: LONG[i % 5],
    aspect: ASPECT[Math.floor(i / 5) % 5],
    quality: QUALITY[(i * 3) % 4],
    sampling: SAMPLING[i % 3],
    progressive: i % 2 === 1,
    orientation: ORIENT[Math.floor(i / 2) % 4],
  };
}

/** `long=224,aspect=1:1` -> { long: 224, aspect: [1, 1] }: parameters held fixed, typed as variantParams gives them. */
export function parseFix(text) {
  const fixed = {};
  for (const pair of text.split(',').filter(Boolean)) {
    const [key, value] = pair.split('=');
    const example = variantParams(0)[key];
    if (example === undefined || value === undefined) throw new Error(`--fix: unknown parameter in "${pair}"`);
    fixed[key] = Array.isArray(example) ? value.split(':').map(Number) : typeof example === 'number' ? Number(value) : typeof example === 'boolean' ? value === 'true' : value;
  }
  return fixed;
}

/** A class's files in sample order: by a hash of the name, so the sample is fixed and the first n of it nest. */
export function sampleOrder(names) {
  const keyed = names.map((n) => [createHash('sha256').update(n).digest('hex'), n]);
  return keyed.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, n]) => n);
}

function encode(src, p) {
  const [aw, ah] = p.aspect;
  // the 224×224 source extended symmetrically with its mirror image to the target aspect (point
  // filter: the centre square stays the source's own pixels), then resized to the long side
  const ew = aw >= ah ? Math.round((224 * aw) / ah) : 224;
  const eh = aw >= ah ? 224 : Math.round((224 * ah) / aw);
  const viewport = `${ew}x${eh}-${Math.floor((ew - 224) / 2)}-${Math.floor((eh - 224) / 2)}`;
  const args = [src, '-virtual-pixel', 'mirror', '-filter', 'point', '-set', 'option:distort:viewport', viewport, '-distort', 'SRT', '0', '+repage'];
  args.push('+filter', '-resize', `${p.long}x${p.long}`);
  if (ROTATE[p.orientation]) args.push('-rotate', String(ROTATE[p.orientation]));
  args.push('-quality', String(p.quality), '-sampling-factor', p.sampling, '-strip');
  if (p.progressive) args.push('-interlace', 'JPEG');
  args.push('jpeg:-');
  const bytes = new Uint8Array(execFileSync('convert', args, { maxBuffer: 64 << 20 }));
  return p.orientation === 1 ? bytes : withOrientation(bytes, p.orientation);
}

const made = (stampFile, stamp) => existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp;

if (values.val && values.out) {
  const classes = readdirSync(values.val).sort();
  const per = Number(values['per-class']);
  const offset = Number(values.offset);
  const fixed = parseFix(values.fix);
  const stamp = JSON.stringify({ version: SET_VERSION, val: resolve(values.val), per_class: per, offset, ...(values.fix ? { fixed } : {}) }) + '\n';
  const stampFile = join(values.out, 'set.json');
  if (made(stampFile, stamp)) {
    console.log(`variants in ${values.out} are up to date`);
    process.exit(0);
  }
  // an older set is replaced; a folder that holds something else is not ours to empty
  if (existsSync(join(values.out, 'manifest.json'))) rmSync(values.out, { recursive: true, force: true });
  else if (existsSync(values.out) && readdirSync(values.out).length) throw new Error(`${values.out} is not empty and holds no variant set`);
  const manifest = [];
  let i = 0;
  for (const cls of classes) {
    mkdirSync(join(values.out, cls), { recursive: true });
    const files = sampleOrder(readdirSync(join(values.val, cls))).slice(offset, offset + per);
    for (const f of files) {
      const p = { ...variantParams(i++), ...fixed };
      const file = join(values.out, cls, basename(f).replace(/\.[^.]+$/, '.jpg'));
      writeFileSync(file, encode(join(values.val, cls, f), p));
      manifest.push({ file: resolve(file), label: cls, source: resolve(join(values.val, cls, f)), ...p, aspect: p.aspect.join(':') });
    }
  }
  writeFileSync(join(values.out, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
  writeFileSync(stampFile, stamp);
  console.log(`${manifest.length} variants in ${values.out}`);
}
