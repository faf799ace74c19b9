// A seeded 2,000-input slice of the decoder fuzzer (npm run fuzz), and every saved
// regression replayed: each input ends in a DctImage or a typed error, in time.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { WasmDecoder } from '../src/index.js';
import { root } from './helpers/paths.js';

const typed = ['NotAJpegError', 'UnsupportedJpegError', 'CorruptJpegError', 'JpegLimitError'];

describe('decoder fuzzing', () => {
  it('2,000 seeded mutations of real JPEGs: no crash, no hang, heap back to its baseline', () => {
    const r = spawnSync('node', [join(root, 'scripts/fuzz.mjs'), '--iterations', '2000', '--seed', '7', '--json'], { encoding: 'utf8' });
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(result.inputs).toBe(2000);
    expect(result.crashes).toBe(0);
    expect(result.hangs).toBe(0);
    expect(result.outcomes.ok).toBeGreaterThan(50); // the mutations leave some files decodable
    expect(result.outcomes.CorruptJpegError).toBeGreaterThan(500);
    expect(result.heap_in_use_after).toBeLessThan(4096);
    expect(r.status).toBe(0);
  });

  const dir = join(root, 'test/fuzz-regressions');
  const saved = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.jpg.gz')) : [];
  // Skipped (and shown as skipped) while no fuzzing failure has ever been saved.
  it.skipIf(saved.length === 0)('saved regressions end in a typed error or an image, in time', async () => {
    const decoder = await WasmDecoder.create();
    for (const f of saved) {
      const meta = JSON.parse(readFileSync(join(dir, f.replace(/\.jpg\.gz$/, '.json')), 'utf8'));
      const bytes = new Uint8Array(gunzipSync(readFileSync(join(dir, f))));
      const t0 = performance.now();
      try {
        if (meta.op === 'stream') {
          const { chunk: _, ...options } = meta.options;
          const s = decoder.openStream(options);
          const last = s.push(bytes, true).at(-1);
          s.close();
          if (last?.type === 'error') throw last.error;
          expect(last?.type, f).toBe('end');
        } else meta.op === 'rgb' ? decoder.decodeRgb(bytes, meta.options) : decoder.decode(bytes, meta.options);
      } catch (e) {
        expect(typed, f).toContain((e as Error).name);
      }
      expect(performance.now() - t0, f).toBeLessThan(2000);
    }
  });
});
