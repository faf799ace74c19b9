// `dctvision dct`: the jpeg2dct workflow as a command (built bin, Node 20).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { badFixtures, validFixtures } from './helpers/fixtures.js';
import { nativeCoefficients } from './helpers/native.js';
import { jpeg2dctData, root } from './helpers/paths.js';

const out = mkdtempSync(join(tmpdir(), 'dctvision-cli-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const bin = join(root, 'bin/dctvision.js');
const fixture = (n: string) => validFixtures().find((f) => f.name === n)!.path;

describe('dctvision dct', () => {
  const good = [fixture('baseline-420'), fixture('progressive-422'), join(jpeg2dctData, 'DCT_16_16_444.jpg')];
  const notJpeg = join(out, 'input-not-a-jpeg.jpg');
  const cmyk = join(out, 'input-cmyk.jpg');

  it('writes one .npy per component and a .json; a failing file writes nothing and the rest go on', () => {
    writeFileSync(notJpeg, badFixtures().find((f) => f.name === 'png')!.bytes);
    writeFileSync(cmyk, badFixtures().find((f) => f.name === 'cmyk')!.bytes);
    const r = spawnSync('node', [bin, 'dct', good[0], notJpeg, good[1], cmyk, good[2], '--out', join(out, 'raw')], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^${notJpeg}: NotAJpegError: `)),
      expect.stringMatching(new RegExp(`^${cmyk}: UnsupportedJpegError: .*CMYK`)),
    ]);
    expect(readdirSync(join(out, 'raw')).sort()).toEqual(
      [
        'baseline-420.c0.npy', 'baseline-420.c1.npy', 'baseline-420.c2.npy', 'baseline-420.json',
        'progressive-422.c0.npy', 'progressive-422.c1.npy', 'progressive-422.c2.npy', 'progressive-422.json',
        'DCT_16_16_444.c0.npy', 'DCT_16_16_444.json',
      ].sort(),
    );
    expect(existsSync(join(out, 'raw', 'input-cmyk.json'))).toBe(false);
  });

  it('npy files load in NumPy with shape (blocksY, blocksX, 64) and equal native libjpeg-turbo', () => {
    const script = `
import json, sys, numpy as np
d = sys.argv[1]
for name in sys.argv[2:]:
    meta = json.load(open(f"{d}/{name}.json"))
    arrays = [np.load(f"{d}/{name}.c{i}.npy") for i in range(len(meta["components"]))]
    for a, c in zip(arrays, meta["components"]):
        assert a.dtype == np.int16 and a.shape == (c["blocksY"], c["blocksX"], 64), (a.dtype, a.shape)
    np.concatenate([a.ravel() for a in arrays]).tofile(f"{d}/{name}.all")
print("ok")`;
    const names = ['baseline-420', 'progressive-422', 'DCT_16_16_444'];
    expect(execFileSync('/usr/bin/python3', ['-c', script, join(out, 'raw'), ...names], { encoding: 'utf8' }).trim()).toBe('ok');
    names.forEach((name, i) => {
      const ours = readFileSync(join(out, 'raw', `${name}.all`));
      const ref = nativeCoefficients(good[i]).data;
      expect(Buffer.compare(ours, Buffer.from(ref.buffer, ref.byteOffset, ref.byteLength))).toBe(0);
    });
    const meta = JSON.parse(readFileSync(join(out, 'raw', 'baseline-420.json'), 'utf8'));
    expect(meta).toMatchObject({ width: 1023, height: 701, progressive: false, arithmetic: false, orientation: 1 });
    expect(meta.components.map((c: { h: number; v: number }) => [c.h, c.v])).toEqual([[2, 2], [1, 1], [1, 1]]);
    expect(meta.components[0].qtable).toHaveLength(64);
  });

  it('--dequantize multiplies by the quantization table', () => {
    const r = spawnSync('node', [bin, 'dct', good[0], '--out', join(out, 'deq'), '--dequantize'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const read = (dir: string) => {
      const b = readFileSync(join(out, dir, 'baseline-420.c0.npy'));
      const headerLen = b.readUInt16LE(8);
      return new Int16Array(b.buffer.slice(b.byteOffset + 10 + headerLen, b.byteOffset + b.byteLength));
    };
    const raw = read('raw');
    const deq = read('deq');
    const q = JSON.parse(readFileSync(join(out, 'raw', 'baseline-420.json'), 'utf8')).components[0].qtable;
    expect(deq.every((v, i) => v === raw[i] * q[i % 64])).toBe(true);
  });

  it('usage errors exit 2', () => {
    expect(spawnSync('node', [bin, 'dct', good[0]], { encoding: 'utf8' }).status).toBe(2);
    expect(spawnSync('node', [bin, 'nonsense'], { encoding: 'utf8' }).status).toBe(2);
  });
});
