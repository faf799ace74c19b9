#!/usr/bin/env node
// The committed wasm/dist is only trustworthy if it was built from the committed
// sources. STAMP records a hash of every build input (shim, build script with its
// flags, pinned library version, emscripten version) and of the outputs;
// `--check` fails when any of them no longer matches.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const here = fileURLToPath(new URL('.', import.meta.url));
const sha = (buf) => createHash('sha256').update(buf).digest('hex');
const inputs = [
  ...readdirSync(join(here, 'shim')).sort().map((f) => `shim/${f}`),
  ...readdirSync(join(here, 'patches')).sort().map((f) => `patches/${f}`),
  'build.sh',
  'libjpeg-turbo.pin',
];
const outputs = ['dist/dctjpeg.js', 'dist/dctjpeg.wasm'];

function inputHash() {
  const h = createHash('sha256');
  for (const f of inputs) h.update(f).update('\0').update(readFileSync(join(here, f))).update('\0');
  return h.digest('hex');
}

const stampPath = join(here, 'dist', 'STAMP');
const mode = process.argv[2];
if (mode === '--write') {
  const emcc = execFileSync('emcc', ['--version'], { encoding: 'utf8' }).split('\n')[0];
  const stamp = {
    inputs: inputHash(),
    files: inputs,
    emscripten: emcc,
    libjpegTurbo: /DEB_VERSION=(\S+)/.exec(readFileSync(join(here, 'libjpeg-turbo.pin'), 'utf8'))[1],
    outputs: Object.fromEntries(outputs.map((f) => [f, sha(readFileSync(join(here, f)))])),
  };
  writeFileSync(stampPath, JSON.stringify(stamp, null, 2) + '\n');
  console.log(`wrote ${stampPath}`);
} else if (mode === '--check') {
  const stamp = JSON.parse(readFileSync(stampPath, 'utf8'));
  const problems = [];
  if (stamp.inputs !== inputHash()) problems.push('sources (shim, build.sh flags or pinned libjpeg-turbo) changed since the last build');
  for (const f of outputs) {
    if (stamp.outputs[f] !== sha(readFileSync(join(here, f)))) problems.push(`${f} differs from the build recorded in STAMP`);
  }
  if (problems.length) {
    console.error(`wasm/dist is stale:\n  ${problems.join('\n  ')}\nrun: npm run build:wasm`);
    process.exit(1);
  }
  console.log(`wasm stamp ok (${stamp.libjpegTurbo}, ${stamp.emscripten})`);
} else {
  console.error('usage: stamp.mjs --write | --check');
  process.exit(2);
}
