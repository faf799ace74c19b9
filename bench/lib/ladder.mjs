/**
 * The benchmark's size ladder, made from val files: photos as people have them. For each
 * rung (long side 224, 500, 1000, 2000, 4000 px, aspect 4:3) every combination of chroma
 * 4:2:0 / 4:4:4, baseline / progressive and EXIF orientation 1 / 6 (pixels stored rotated,
 * as cameras write them). ImageMagick resizes, cjpeg encodes (quality 85). Cached in `dir`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withOrientation } from '../../test/harness/exif.mjs';

export const RUNGS = [224, 500, 1000, 2000, 4000];

/** [{ rung, name, file, sampling, progressive, orientation, width, height }] */
export function makeLadder(source, dir, rungs = RUNGS) {
  mkdirSync(dir, { recursive: true });
  const out = [];
  for (const long of rungs) {
    const [w, h] = [long, Math.round((long * 3) / 4)];
    for (const sampling of ['420', '444']) {
      for (const progressive of [false, true]) {
        for (const orientation of [1, 6]) {
          const name = `${long}-${sampling}${progressive ? '-prog' : ''}-o${orientation}`;
          const file = join(dir, `${name}.jpg`);
          if (!existsSync(file)) {
            // stored 90° counter-clockwise for orientation 6, so the displayed image is upright
            const rotate = orientation === 6 ? ['-rotate', '270'] : [];
            const ppm = execFileSync('convert', [source, '-gravity', 'center', '-crop', '224x168+0+0', '+repage', '-resize', `${w}x${h}!`, ...rotate, 'ppm:-'], { maxBuffer: 1 << 28 });
            const args = ['-quality', '85', '-sample', sampling === '420' ? '2x2' : '1x1', ...(progressive ? ['-progressive'] : [])];
            const jpeg = new Uint8Array(execFileSync('cjpeg', args, { input: ppm, maxBuffer: 1 << 28 }));
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
