/** Progressive copies of test files, made once with Debian's jpegtran (same coefficients). */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { root } from './paths.js';

const dir = join(root, 'build', 'progressive-tests');

/** `jpegtran -progressive` of a file (libjpeg's ten-scan script for colour). */
export function progressiveCopy(path: string, scans?: string): Uint8Array {
  const name = `${basename(dirname(path))}-${basename(path, '.jpg')}${scans ? '-' + scans.length.toString(36) + hash(scans) : ''}.jpg`;
  const out = join(dir, name);
  if (!existsSync(out)) {
    mkdirSync(dir, { recursive: true });
    const args = ['-copy', 'none'];
    if (scans) {
      const script = join(dir, `${name}.scans`);
      writeFileSync(script, scans);
      args.push('-scans', script);
    } else args.push('-progressive');
    writeFileSync(out, execFileSync('jpegtran', [...args, path]));
  }
  return new Uint8Array(readFileSync(out));
}

function hash(s: string): string {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return (h >>> 0).toString(36);
}

/** Split bytes into chunks of pseudo-random sizes (1..max), deterministic per seed. */
export function chunked(bytes: Uint8Array, seed: number, max = 4096): Uint8Array[] {
  const out: Uint8Array[] = [];
  let s = seed >>> 0 || 1;
  for (let pos = 0; pos < bytes.length; ) {
    s = (s * 1103515245 + 12345) >>> 0;
    const n = 1 + (s % max);
    out.push(bytes.subarray(pos, pos + n));
    pos += n;
  }
  return out;
}
