#!/usr/bin/env node
// Re-encoded variants of val files, the kind of JPEG people really have: each source gets one
// variant whose parameters cycle through long side 256–1024 px, aspect ratio (a centred crop
// of 1:1, 4:3, 3:4, 16:9 or 3:2), quality 50–95, chroma 4:2:0 / 4:2:2 / 4:4:4, baseline or
// progressive, EXIF orientation 1 / 3 / 6 / 8 (pixels stored rotated so that the displayed
// image is upright, as cameras write them). Deterministic. ImageMagick does the encoding.
//
//   node scripts/make-variants.mjs --val ../shared/data/imagenette-224/val --out build/variants --per-class 30
//
// Writes OUT/<class>/<source>.jpg and OUT/manifest.json ([{file, label, source, ...params}]).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { withOrientation } from '../test/harness/exif.mjs';

const { values } = parseArgs({
  options: { val: { type: 'string' }, out: { type: 'string' }, 'per-class': { type: 'string', default: '30' }, offset: { type: 'string', default: '0' } },
});
const LONG = [256, 384, 512, 768, 1024];
const ASPECT = [[1, 1], [4, 3], [3, 4], [16, 9], [3, 2]];
const QUALITY = [50, 65, 80, 95];
const SAMPLING = ['4:2:0', '4:2:2', '4:4:4'];
// Orientation o's tag says how to turn the stored pixels for display: store the inverse.
const ROTATE = { 1: 0, 3: 180, 6: 270, 8: 90 };
const ORIENT = [1, 6, 3, 8];

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

function encode(src, p) {
  const [aw, ah] = p.aspect;
  // centred crop of the 224×224 source with the target aspect, then resized to the long side
  const cw = aw >= ah ? 224 : Math.round((224 * aw) / ah);
  const ch = aw >= ah ? Math.round((224 * ah) / aw) : 224;
  const args = [src, '-gravity', 'center', '-crop', `${cw}x${ch}+0+0`, '+repage', '-resize', `${p.long}x${p.long}`];
  if (ROTATE[p.orientation]) args.push('-rotate', String(ROTATE[p.orientation]));
  args.push('-quality', String(p.quality), '-sampling-factor', p.sampling, '-strip');
  if (p.progressive) args.push('-interlace', 'JPEG');
  args.push('jpeg:-');
  const bytes = new Uint8Array(execFileSync('convert', args, { maxBuffer: 64 << 20 }));
  return p.orientation === 1 ? bytes : withOrientation(bytes, p.orientation);
}

if (values.val && values.out) {
  const classes = readdirSync(values.val).sort();
  const per = Number(values['per-class']);
  const offset = Number(values.offset);
  const manifest = [];
  let i = 0;
  for (const cls of classes) {
    mkdirSync(join(values.out, cls), { recursive: true });
    const files = readdirSync(join(values.val, cls)).sort().slice(offset, offset + per);
    for (const f of files) {
      const p = variantParams(i++);
      const file = join(values.out, cls, basename(f).replace(/\.[^.]+$/, '.jpg'));
      writeFileSync(file, encode(join(values.val, cls, f), p));
      manifest.push({ file: resolve(file), label: cls, source: resolve(join(values.val, cls, f)), ...p, aspect: p.aspect.join(':') });
    }
  }
  writeFileSync(join(values.out, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
  console.log(`${manifest.length} variants in ${values.out}`);
}
