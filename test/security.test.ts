// No string-to-code anywhere in what we ship: the npm package's modules, the emscripten glue,
// the script-tag build and the built demo (TensorFlow.js included). Pages can then run under
// a CSP without 'unsafe-eval' (tested in e2e/decode and e2e/demo).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'vite';
import { beforeAll, describe, expect, it } from 'vitest';
import { root } from './helpers/paths.js';

const PATTERNS: [string, RegExp][] = [
  ['eval(', /(?<![\w$.])eval\s*\(/],
  ['new Function(', /\bnew\s+Function\s*\(/],
  ['Function("…")', /(?<![\w$.])Function\s*\(\s*["'`]/],
  ['setTimeout/setInterval with a string', /\bset(?:Timeout|Interval)\s*\(\s*["'`]/],
];

/** Every match of a forbidden pattern, with a little context. */
export function findStringToCode(source: string): string[] {
  const hits: string[] = [];
  for (const [name, re] of PATTERNS) {
    const g = new RegExp(re.source, 'g');
    for (const m of source.matchAll(g)) hits.push(`${name} at ${m.index}: …${source.slice(Math.max(0, m.index! - 40), m.index! + 40)}…`);
  }
  return hits;
}

const jsFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? jsFiles(p) : /\.m?js$/.test(f) ? [p] : [];
  });

const demoOut = join(root, 'build/security-demo');
beforeAll(async () => {
  await build({ root, logLevel: 'warn', build: { outDir: demoOut, emptyOutDir: true } });
}, 300_000);

describe('no eval or new Function in shipped bundles', () => {
  it('the scanner finds each forbidden form (and not look-alikes)', () => {
    expect(findStringToCode('x = eval("1+1")')).toHaveLength(1);
    expect(findStringToCode('const f = new Function("a", "return a")')).toHaveLength(2);
    expect(findStringToCode("setTimeout('alert(1)', 10)")).toHaveLength(1);
    expect(findStringToCode('model.eval(x); new FunctionCallIterator(f); retrieval(y); setTimeout(() => 1)')).toEqual([]);
  });

  it.each([
    ['npm package (dist/lib)', 'dist/lib'],
    ['emscripten glue (dist/wasm)', 'dist/wasm'],
    ['script-tag build (dist/script)', 'dist/script'],
    ['built demo', 'build/security-demo'],
  ])('%s', (_, dir) => {
    const files = jsFiles(join(root, dir));
    expect(files.length).toBeGreaterThan(0);
    const bytes = files.reduce((a, f) => a + statSync(f).size, 0);
    if (dir !== 'dist/wasm') expect(bytes, 'the bundle (with TensorFlow.js) was scanned').toBeGreaterThan(dir === 'dist/lib' ? 50_000 : 500_000);
    const hits = files.flatMap((f) => findStringToCode(readFileSync(f, 'utf8')).map((h) => `${f}: ${h}`));
    expect(hits).toEqual([]);
  });
});
