/**
 * JPEG fixtures generated with Debian's cjpeg / jpegtran / ImageMagick from an
 * Imagenette file, covering what the decoder must handle (and reject). Generated
 * once into build/fixtures; the generator version is part of the folder name.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { imagenetteVal, root } from './paths.js';

const VERSION = 4;
export const fixtureDir = join(root, 'build', `fixtures-v${VERSION}`);

export interface Fixture {
  name: string;
  path: string;
}

const run = (cmd: string, args: string[], input?: Buffer): Buffer =>
  execFileSync(cmd, args, { input, maxBuffer: 1 << 28, stdio: ['pipe', 'pipe', 'pipe'] });

/** A few Imagenette val files, spread over the classes (sorted, deterministic). */
export function imagenetteSample(perClass: number): string[] {
  return readdirSync(imagenetteVal)
    .sort()
    .flatMap((d) => {
      const files = readdirSync(join(imagenetteVal, d)).sort();
      const step = Math.max(1, Math.floor(files.length / perClass));
      return files.filter((_, i) => i % step === 0).slice(0, perClass).map((f) => join(imagenetteVal, d, f));
    });
}

function sourcePpm(dir: string): string {
  const src = join(imagenetteVal, 'n03028079', readdirSync(join(imagenetteVal, 'n03028079')).sort()[3]);
  const ppm = join(dir, 'source.ppm');
  writeFileSync(ppm, run('djpeg', ['-ppm', src]));
  return ppm;
}

/** Valid JPEGs that must decode bit-exactly like native libjpeg-turbo. */
export function validFixtures(): Fixture[] {
  const dir = join(fixtureDir, 'valid');
  if (!existsSync(join(dir, '.done'))) {
    const tmp = `${dir}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    const ppm = sourcePpm(tmp);
    const big = join(tmp, 'big.ppm');
    writeFileSync(big, run('convert', [ppm, '-resize', '1023x701!', 'ppm:-']));
    const sized = (w: number, h: number) => {
      const p = join(tmp, `s${w}x${h}.ppm`);
      writeFileSync(p, run('convert', [ppm, '-resize', `${w}x${h}!`, 'ppm:-']));
      return p;
    };
    const layouts: Record<string, string> = { '444': '1x1', '422': '2x1', '420': '2x2', '411': '4x1', '440': '1x2' };
    const cj = (name: string, args: string[], src = big) =>
      writeFileSync(join(tmp, `${name}.jpg`), run('cjpeg', [...args, src]));
    for (const [name, s] of Object.entries(layouts)) {
      cj(`baseline-${name}`, ['-quality', '85', '-sample', s]);
      cj(`progressive-${name}`, ['-quality', '85', '-sample', s, '-progressive']);
      cj(`arithmetic-${name}`, ['-quality', '85', '-sample', s, '-arithmetic']);
      cj(`restart-${name}`, ['-quality', '85', '-sample', s, '-restart', '1']);
    }
    cj('grayscale', ['-grayscale', '-quality', '80']);
    cj('grayscale-progressive', ['-grayscale', '-progressive']);
    cj('restart-blocks-3', ['-restart', '3B', '-quality', '60']);
    cj('arithmetic-progressive', ['-arithmetic', '-progressive', '-sample', '2x2']);
    cj('quality-100', ['-quality', '100', '-sample', '1x1']);
    cj('quality-10', ['-quality', '10']);
    cj('optimized', ['-optimize', '-quality', '70']);
    cj('rgb-colorspace', ['-rgb', '-quality', '90']);
    cj('sampling-3x2-1x1', ['-sample', '3x2,1x1,1x1']);
    for (const [w, h] of [[1, 1], [17, 9], [1001, 3], [3, 1001], [8, 8], [16, 16], [15, 17], [227, 149]]) {
      const src = sized(w, h);
      cj(`odd-${w}x${h}-420`, ['-sample', '2x2'], src);
      cj(`odd-${w}x${h}-444-progressive`, ['-sample', '1x1', '-progressive'], src);
      cj(`odd-${w}x${h}-411-restart`, ['-sample', '4x1', '-restart', '1'], src);
    }
    const val = imagenetteSample(1)[0];
    const jt = (name: string, args: string[]) => writeFileSync(join(tmp, `${name}.jpg`), run('jpegtran', [...args, val]));
    jt('jpegtran-progressive', ['-progressive']);
    jt('jpegtran-arithmetic', ['-arithmetic']);
    jt('jpegtran-restart', ['-restart', '2']);
    jt('jpegtran-optimize', ['-optimize', '-copy', 'none']);
    writeFileSync(join(tmp, 'large-progressive.jpg'), run('convert', [ppm, '-resize', '4000x3000!', '-interlace', 'Plane', 'jpg:-']));
    writeFileSync(join(tmp, 'imagemagick-422.jpg'), run('convert', [ppm, '-sampling-factor', '2x1', '-quality', '92', 'jpg:-']));
    writeFileSync(join(tmp, 'imagemagick-interlaced.jpg'), run('convert', [ppm, '-interlace', 'Plane', 'jpg:-']));
    for (const f of readdirSync(tmp)) if (f.endsWith('.ppm')) rmSync(join(tmp, f));
    writeFileSync(join(tmp, '.done'), '');
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  }
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jpg'))
    .sort()
    .map((f) => ({ name: f.replace(/\.jpg$/, ''), path: join(dir, f) }));
}

/** A copy of `bytes` with the first SOFn marker segment edited (index of its FF byte). */
function patchSof(bytes: Uint8Array, edit: (out: Uint8Array, sof: number) => void): Uint8Array {
  const out = bytes.slice();
  for (let i = 2; i + 4 < out.length; ) {
    if (out[i] !== 0xff) throw new Error('marker expected');
    const m = out[i + 1];
    const len = (out[i + 2] << 8) | out[i + 3];
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      edit(out, i);
      return out;
    }
    i += 2 + len;
  }
  throw new Error('no SOF marker');
}

/** A copy of `good` whose SOF claims width × height (the data stays small). */
export function dimensions(good: Uint8Array, width: number, height: number): Uint8Array {
  return patchSof(good, (out, i) => {
    out.set([height >> 8, height & 255, width >> 8, width & 255], i + 5);
  });
}

export interface BadFixture {
  name: string;
  bytes: Uint8Array;
  error: 'NotAJpegError' | 'UnsupportedJpegError' | 'CorruptJpegError' | 'JpegLimitError';
  feature?: string;
  limit?: string;
}

/** Inputs that must be refused, each with the typed error it must produce. */
export function badFixtures(): BadFixture[] {
  const dir = join(fixtureDir, 'bad');
  const good = new Uint8Array(readFileSync(imagenetteSample(1)[1]));
  if (!existsSync(join(dir, '.done'))) {
    mkdirSync(dir, { recursive: true });
    const src = imagenetteSample(1)[2];
    writeFileSync(join(dir, 'cmyk.jpg'), run('convert', [src, '-colorspace', 'CMYK', 'jpg:-']));
    writeFileSync(join(dir, 'image.png'), run('convert', [src, 'png:-']));
    writeFileSync(join(dir, 'image.gif'), run('convert', [src, 'gif:-']));
    writeFileSync(join(dir, '.done'), '');
  }
  const read = (f: string) => new Uint8Array(readFileSync(join(dir, f)));
  const truncated = good.slice(0, Math.floor(good.length * 0.6));
  const noEoi = good.slice(0, good.length - 2);
  const headerOnly = good.slice(0, 700);
  // Corrupt entropy data: a run of bytes that cannot be a valid Huffman stream.
  const garbage = good.slice();
  for (let i = Math.floor(good.length / 2); i < Math.floor(good.length / 2) + 64; i++) garbage[i] = 0xff;
  const noSof = good.slice();
  noSof.set([0xff, 0xd8, 0xff, 0xd9]);
  return [
    { name: 'png', bytes: read('image.png'), error: 'NotAJpegError' },
    { name: 'gif', bytes: read('image.gif'), error: 'NotAJpegError' },
    { name: 'empty', bytes: new Uint8Array(0), error: 'NotAJpegError' },
    { name: 'one byte', bytes: new Uint8Array([0xff]), error: 'NotAJpegError' },
    { name: 'text', bytes: new TextEncoder().encode('hello, this is not an image'), error: 'NotAJpegError' },
    { name: 'cmyk', bytes: read('cmyk.jpg'), error: 'UnsupportedJpegError', feature: 'CMYK' },
    {
      name: '12-bit',
      bytes: patchSof(good, (out, i) => out.set([0xc1, out[i + 2], out[i + 3], 12], i + 1)),
      error: 'UnsupportedJpegError',
      feature: '12-bit',
    },
    { name: 'lossless', bytes: patchSof(good, (out, i) => (out[i + 1] = 0xc3)), error: 'UnsupportedJpegError', feature: 'lossless' },
    { name: 'hierarchical', bytes: patchSof(good, (out, i) => (out[i + 1] = 0xc5)), error: 'UnsupportedJpegError', feature: 'hierarchical' },
    { name: 'differential lossless', bytes: patchSof(good, (out, i) => (out[i + 1] = 0xc7)), error: 'UnsupportedJpegError', feature: 'lossless' },
    { name: 'truncated', bytes: truncated, error: 'CorruptJpegError' },
    { name: 'missing EOI', bytes: noEoi, error: 'CorruptJpegError' },
    { name: 'header only', bytes: headerOnly, error: 'CorruptJpegError' },
    { name: 'garbage entropy', bytes: garbage, error: 'CorruptJpegError' },
    { name: 'SOI then EOI', bytes: noSof.slice(0, 4), error: 'CorruptJpegError' },
    { name: '30000x30000 header', bytes: dimensions(good, 30000, 30000), error: 'JpegLimitError', limit: 'maxPixels' },
  ];
}
