/**
 * What every benchmark script shares: the repository root, its options (`--name value`,
 * `--json`: the JSON result is the last line of stdout and the tables go to stderr), and
 * writing the JSON file.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));

export function benchArgs(argv = process.argv.slice(2)) {
  const opt = (name, def) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : def);
  const json = argv.includes('--json');
  const log = (...a) => (json ? console.error : console.log)(...a);
  return { opt, json, log, has: (name) => argv.includes(`--${name}`) };
}

/**
 * Writes the result file, says so, and with --json prints the result (or `summary`, when the
 * file holds more than a line should) as stdout's last line.
 */
export function writeResult(outFile, result, { json, log, summary = result }) {
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, JSON.stringify(result, null, 2) + '\n');
  log(`wrote ${outFile}`);
  if (json) console.log(JSON.stringify(summary));
}
