// The README's table of browsers: each engine's test holds its row to what it ran.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from '../../test/helpers/paths.js';

/** The README's row for an engine (name and version, e.g. `Firefox ESR 153`): its cells, the name first. */
export function supportRow(engine: string): string[] {
  const line = readFileSync(join(root, 'README.md'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`| ${engine} `));
  if (!line) throw new Error(`README.md has no row for ${engine} in its table of browsers`);
  return line.split('|').slice(1, -1).map((c) => c.trim());
}
