/**
 * Generated Markdown in a hand-written document: replaces what lies between a start and an end
 * marker (HTML comments), so a regenerated table never overwrites the prose around it.
 */
import { readFileSync, writeFileSync } from 'node:fs';

export function writeDocBlock(path, start, end, content) {
  const doc = readFileSync(path, 'utf8');
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  if (i < 0 || j < i) throw new Error(`${path} has no ${start} … ${end} block`);
  writeFileSync(path, doc.slice(0, i + start.length) + '\n' + content + '\n' + doc.slice(j));
  console.log(`wrote the table into ${path}`);
}
