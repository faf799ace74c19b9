// The committed wasm/dist must match its sources; the stamp check must notice when not.
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { root } from './helpers/paths.js';

const copy = mkdtempSync(join(tmpdir(), 'dctvision-stamp-'));
afterAll(() => rmSync(copy, { recursive: true, force: true }));
const check = (dir: string) => spawnSync('node', [join(dir, 'stamp.mjs'), '--check'], { encoding: 'utf8' });

describe('wasm glue', () => {
  it('uses no eval or new Function (runs under a CSP without unsafe-eval)', async () => {
    const { readFileSync } = await import('node:fs');
    const glue = readFileSync(join(root, 'wasm/dist/dctjpeg.js'), 'utf8');
    expect(glue).not.toMatch(/\beval\s*\(|new\s+Function\s*\(|\bFunction\s*\(/);
    expect(glue).toContain('import.meta.url');
  });
});

describe('wasm stamp', () => {
  it('matches the committed sources', () => {
    expect(check(join(root, 'wasm')).status).toBe(0);
  });
  it('fails when the shim, a patch, the flags or the output change', () => {
    for (const [file, text] of [
      ['shim/dctjpeg.c', '/* edit */\n'],
      ['patches/0002-jdhuff-combined-ac-lookup.patch', '\n'],
      ['build.sh', '# -O2\n'],
      ['dist/dctjpeg.wasm', '\0'],
    ]) {
      const dir = join(copy, file.replace(/\W/g, '_'));
      cpSync(join(root, 'wasm'), dir, { recursive: true });
      appendFileSync(join(dir, file), text);
      const r = check(dir);
      expect(r.status, file).toBe(1);
      expect(r.stderr).toMatch(/wasm\/dist is stale/);
    }
  });
});
