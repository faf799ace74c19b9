// vitest global setup: tests import the sources, but a few things run compiled code (the
// decoder worker thread, the CLI, the package and script-tag tests). Rebuild dist/lib
// whenever any source is newer than it, so a plain `npx vitest` never tests a stale build.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

export default function setup() {
  const built = join(root, 'dist/lib/index.js');
  const inputs = Math.max(newest(join(root, 'src')), newest(join(root, 'wasm/dist')));
  if (!existsSync(built) || statSync(built).mtimeMs < inputs) {
    console.log('global setup: dist/lib is older than src/: npm run build:lib');
    execSync('npm run build:lib --silent', { cwd: root, stdio: 'inherit' });
  }
}
