// The re-encoded variant set (scripts/make-variants.mjs) that the evaluation script and
// bench:accuracy classify: each variant, turned upright and cut to its centre square as the
// library does, must show its val file itself (only size, encoding and orientation change),
// and the sources must be a fixed sample, not the first files by name.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleOrder } from '../scripts/make-variants.mjs';
import { imagenetteVal, root } from './helpers/paths.js';

interface Entry { file: string; label: string; source: string; long: number; aspect: string; quality: number; orientation: number; progressive: boolean; sampling: string }

const dir = mkdtempSync(join(tmpdir(), 'dctvision-variants-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const make = (out: string, perClass: number, ...more: string[]) =>
  execFileSync('node', [join(root, 'scripts/make-variants.mjs'), '--val', imagenetteVal, '--out', out, '--per-class', String(perClass), ...more], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });

/** ImageMagick, independently of the library: upright (EXIF), short side 224, centre square, as raw RGB. */
const centreSquare = (file: string) =>
  execFileSync('convert', [file, '-auto-orient', '-resize', '224x224^', '-gravity', 'center', '-extent', '224x224', '-depth', '8', 'rgb:-'], { maxBuffer: 1 << 22 });

/** Mean absolute difference, in levels, between a variant's centre square and its val file's. */
function differenceToSource(e: Entry) {
  const a = centreSquare(e.file);
  const b = centreSquare(e.source);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

describe('variant set', () => {
  const out = join(dir, 'set');
  const log = make(out, 3);
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Entry[];

  it('covers every parameter on a fixed sample of each class', () => {
    expect(log).toMatch(/30 variants/);
    const classes = readdirSync(imagenetteVal).sort();
    for (const c of classes) {
      const names = readdirSync(join(imagenetteVal, c));
      const picked = manifest.filter((e) => e.label === c).map((e) => e.source.split('/').pop());
      expect(picked).toEqual(sampleOrder(names).slice(0, 3));
      expect(picked).not.toEqual([...names].sort().slice(0, 3));
    }
    for (const key of ['long', 'aspect', 'quality', 'orientation', 'progressive', 'sampling'] as const) {
      expect(new Set(manifest.map((e) => e[key])).size, key).toBeGreaterThan(1);
    }
  });

  it('shows the val file itself in the centre square the library crops', () => {
    const wide = manifest.filter((e) => e.aspect !== '1:1');
    expect(wide.length).toBeGreaterThan(10);
    // mean absolute difference per sample: resampling (down to 144 px for 16:9 at 256) and
    // quality 50-95 leave a few levels (measured up to 9.8); a centred crop's 1.33-1.78x zoom
    // on the subject left 10-77
    const mae = manifest.map(differenceToSource);
    console.log(`variant centre square vs its val file: mean absolute difference ${Math.min(...mae).toFixed(2)}-${Math.max(...mae).toFixed(2)} levels over ${mae.length} files`);
    mae.forEach((d, i) => expect(d, `${manifest[i].file} (${manifest[i].aspect}, ${manifest[i].long} px, q${manifest[i].quality})`).toBeLessThan(12));
    expect(mae.reduce((s, d) => s + d, 0) / mae.length).toBeLessThan(6);
  });

  it('holds parameters fixed for a control set: --fix long=224,aspect=1:1 re-encodes without resampling', () => {
    const control = join(dir, 'control');
    expect(make(control, 1, '--fix', 'long=224,aspect=1:1')).toMatch(/10 variants/);
    const entries = JSON.parse(readFileSync(join(control, 'manifest.json'), 'utf8')) as Entry[];
    expect(new Set(entries.map((e) => `${e.long} ${e.aspect}`))).toEqual(new Set(['224 1:1']));
    for (const key of ['quality', 'orientation', 'progressive', 'sampling'] as const) {
      expect(new Set(entries.map((e) => e[key])).size, key).toBeGreaterThan(1);
    }
    for (const e of entries) {
      const size = execFileSync('identify', ['-format', '%w %h', e.file], { encoding: 'utf8' });
      expect(size).toBe('224 224');
      // upright, the same pixels as the val file up to re-encoding (measured 0.3-0.9 levels at
      // quality 95, up to 7.2 at quality 50)
      expect(differenceToSource(e), `${e.file} q${e.quality}`).toBeLessThan(e.quality >= 95 ? 1.5 : 10);
    }
    expect(make(control, 1)).toMatch(/10 variants/); // without --fix it is another set: remade
  });

  it('is kept when it is up to date and remade when asked for another size', () => {
    writeFileSync(join(out, 'marker'), '');
    expect(make(out, 3)).toMatch(/up to date/);
    expect(readdirSync(out)).toContain('marker');
    expect(make(out, 1)).toMatch(/10 variants/);
    expect(readdirSync(out)).not.toContain('marker');
    const other = join(dir, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'keep.txt'), 'mine');
    expect(() => make(other, 1)).toThrow(/not empty and holds no variant set/);
    expect(readdirSync(other)).toEqual(['keep.txt']);
  });
});
