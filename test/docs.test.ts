// The product speaks of itself: a newcomer's first screen says what it is, what it knows and
// how to use it; the reference docs stay reference-sized; and nothing a user reads — docs,
// comments, CLI, demo — tells how or when the project was made.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL } from '../src/index.js';
import { root } from './helpers/paths.js';

const read = (p: string) => readFileSync(join(root, p), 'utf8');
const readme = read('README.md');
const firstScreen = readme.split('\n').slice(0, 80).join('\n');

describe('README', () => {
  it('names the ten classes the shipped models know, in its first 80 lines', () => {
    const names: string[] = JSON.parse(read(`models/${DEFAULT_MODEL}/model.json`)).classNames;
    expect(names).toHaveLength(10);
    for (const name of names) expect(firstScreen, name).toContain(name);
  });

  it('has the two set-up commands and three lines that use the recommended network, in its first 80 lines', () => {
    const commands = [...firstScreen.matchAll(/```sh\n([^`]*?)\n```/g)].map((m) => m[1].trim());
    expect(commands).toContain('npm ci && npm start');
    expect(commands).toContain('bash scripts/setup-debian.sh && npm ci && npm test');
    // the test command is what CI runs
    expect(read('.ci/run')).toContain('bash scripts/setup-debian.sh && npm ci && npm test');
    expect(firstScreen).toMatch(/npm install \S+/);
    expect(firstScreen).toMatch(/import \{ load \} from 'dctvision';\nconst model = await load\(\);/);
    expect(firstScreen).toContain(`**${JSON.parse(read('src/engine/networks.json')).networks[DEFAULT_MODEL].title}**`);
  });

  it("its table for choosing a network is what the script makes of metrics.json and the inference benchmark now", () => {
    const table = execFileSync('node', [join(root, 'scripts/models-table.mjs'), '--pick'], { encoding: 'utf8' }).trim();
    expect(firstScreen).toContain(table);
  });
});

describe('the demo', () => {
  it("marks answers as unsure below the threshold measured on val (docs/results/confidence.json)", () => {
    const measured = JSON.parse(read('docs/results/confidence.json')).threshold;
    expect(Number(read('demo/cards.ts').match(/export const UNSURE_BELOW = ([\d.]+);/)![1])).toBe(measured);
  });
});

describe('reference docs', () => {
  // (reference pages: one table per measured question, not a record of every run)
  it('docs/MODELS.md ≤ 255 lines and docs/BENCHMARKS.md ≤ 370', () => {
    expect(read('docs/MODELS.md').split('\n').length).toBeLessThanOrEqual(255);
    expect(read('docs/BENCHMARKS.md').split('\n').length).toBeLessThanOrEqual(370);
  });

  it('every docs/results file a doc links to exists', () => {
    for (const doc of ['README.md', 'docs/MODELS.md', 'docs/BENCHMARKS.md', 'training/README.md']) {
      for (const [, link] of read(doc).matchAll(/\]\(((?:\.\.\/)?(?:docs\/)?results\/[^)#]+)\)/g)) {
        const path = join(root, doc, '..', link);
        expect(() => statSync(path), `${doc} → ${link}`).not.toThrow();
      }
    }
  });
});

/** What users read: docs, the package's and the demo's sources, the CLI, training's code and scripts. */
function productFiles(): string[] {
  const out = ['README.md', 'index.html', 'models/README.md', 'training/README.md', 'public/sw.js'];
  const walk = (dir: string, ext: RegExp) => {
    for (const f of readdirSync(join(root, dir))) {
      const p = join(dir, f);
      if (statSync(join(root, p)).isDirectory()) walk(p, ext);
      else if (ext.test(f)) out.push(p);
    }
  };
  walk('docs', /\.md$/);
  walk('src', /\.(ts|json|c)$/);
  walk('demo', /\.(ts|css)$/);
  walk('bin', /\.js$/);
  walk('scripts', /\.(mjs|sh)$/);
  walk('bench', /\.mjs$/);
  walk('training/dctvision_train', /\.py$/);
  return out.filter((p) => statSync(join(root, p), { throwIfNoEntry: false }));
}

/** How a project's making shows through: dates of work, sessions, machines lent, issues, recipe versions told as a story, commit hashes. */
const PROCESS = [
  /\b20\d\d-\d\d-\d\d\b/,
  /\b(?:this|next|last|previous|earlier|later|one|several|across|each) (?:\w+ )?sessions?\b/i,
  /\b(?:this|the next|last) (?:run|session)\b/i,
  /\b(?:lent|staged for|not yet run|rehearsed)\b/i,
  /\bthe (?:training )?issue\b|\bissue #?\d+\b/i,
  /\b(?:recipe )?version [1-9]\b(?! of (?:the )?(?:format|spec))/i,
  /\bgit show [0-9a-f]{7}/,
  /\bcommit [0-9a-f]{7,40}\b/,
  /\b(?:was|were) (?:fixed|dropped|tried) (?:this|last)\b/i,
  /\bdevelopment machine\b/i,
];

describe('the product speaks of itself', () => {
  it("no process language in what users read (a reviewer's grep)", () => {
    const hits: string[] = [];
    for (const f of productFiles()) {
      const lines = read(f).split('\n');
      lines.forEach((line, i) => {
        // JSON formats carry their own "version" fields; hex digests are data
        for (const re of PROCESS) if (re.test(line) && !/"version":/.test(line)) hits.push(`${relative(root, join(root, f))}:${i + 1}: ${line.trim().slice(0, 120)}`);
      });
    }
    expect(hits).toEqual([]);
  });
});
