/**
 * The benchmark's size ladder, made from val files: photos as people have them. For each
 * rung (long side 224, 500, 1000, 2000, 4000 px, aspect 4:3) every combination of chroma
 * 4:2:0 / 4:4:4, baseline / progressive and EXIF orientation 1 / 6 (pixels stored rotated,
 * as cameras write them). The picture is a mosaic of val files enlarged 2× (448 px tiles),
 * so a large rung carries about as much detail per pixel as a photo does (a 12 MP rung is
 * about 2 MB at quality 85; one val file blown up to 12 MP would be a fifth of that and
 * flatter the decoders, whose work grows with the entropy-coded data). ImageMagick tiles and
 * resizes, cjpeg encodes (quality 85). Cached in `dir`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withOrientation } from '../../test/harness/exif.mjs';

const TILE = 448;

export const RUNGS = [224, 500, 1000, 2000, 4000];

/** [{ rung, name, file, sampling, progressive, orientation, width, height }]; `sources`: val files for the tiles. */
export function makeLadder(sources, dir, rungs = RUNGS) {
  mkdirSync(dir, { recursive: true });
  const out = [];
  for (const long of rungs) {
    const [w, h] = [long, Math.round((long * 3) / 4)];
    const cols = Math.ceil(w / TILE);
    const rows = Math.ceil(h / TILE);
    const tiles = Array.from({ length: cols * rows }, (_, i) => sources[i % sources.length]);
    let ppm;
    for (const sampling of ['420', '444']) {
      for (const progressive of [false, true]) {
        for (const orientation of [1, 6]) {
          const name = `${long}-${sampling}${progressive ? '-prog' : ''}-o${orientation}`;
          const file = join(dir, `${name}.jpg`);
          if (!existsSync(file)) {
            ppm ??= execFileSync('montage', [...tiles, '-tile', `${cols}x${rows}`, '-geometry', `${TILE}x${TILE}+0+0`, '-resize', `${TILE}x${TILE}!`, 'ppm:-'], { maxBuffer: 1 << 29 });
            // stored 90° counter-clockwise for orientation 6, so the displayed image is upright
            const rotate = orientation === 6 ? ['-rotate', '270'] : [];
            const cropped = execFileSync('convert', ['ppm:-', '-gravity', 'center', '-crop', `${w}x${h}+0+0`, '+repage', ...rotate, 'ppm:-'], { input: ppm, maxBuffer: 1 << 29 });
            const args = ['-quality', '85', '-sample', sampling === '420' ? '2x2' : '1x1', ...(progressive ? ['-progressive'] : [])];
            const jpeg = new Uint8Array(execFileSync('cjpeg', args, { input: cropped, maxBuffer: 1 << 28 }));
            writeFileSync(file, orientation === 1 ? jpeg : withOrientation(jpeg, orientation));
          }
          const [sw, sh] = orientation === 6 ? [h, w] : [w, h];
          out.push({ rung: long, name, file, sampling, progressive, orientation, width: sw, height: sh, bytes: readFileSync(file).length });
        }
      }
    }
  }
  return out;
}
