// Builds (once) and runs the native libjpeg-turbo reference tool wasm/ref/dctref.c,
// linked against Debian's libjpeg62-turbo (SIMD). Shared by tests and benchmarks.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
export const dctrefPath = `${root}build/dctref`;
const source = `${root}wasm/ref/dctref.c`;

export function buildDctref() {
  if (existsSync(dctrefPath) && statSync(dctrefPath).mtimeMs >= statSync(source).mtimeMs) return dctrefPath;
  mkdirSync(`${root}build`, { recursive: true });
  try {
    execFileSync('cc', ['-O2', '-o', dctrefPath, source, '-ljpeg'], { stdio: 'pipe' });
  } catch (e) {
    throw new Error(`cannot build ${source} (needs a C compiler and libjpeg62-turbo-dev): ${e.stderr ?? e.message}`);
  }
  return dctrefPath;
}

/** Native ms/image over `files` for mode 'full' (decode to RGB) or 'coef' (jpeg_read_coefficients). */
export function nativeBench(mode, files, repeat = 1) {
  const out = execFileSync(buildDctref(), ['bench', mode, String(repeat)], {
    input: files.join('\n') + '\n',
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out);
}
