/**
 * Where load() looks for a network's weights when it is given no `modelUrl`:
 * - script tag: `models/<id>/` beside the script;
 * - a page: `models/<id>/` of the page;
 * - Node: `models/<id>/` of the working directory if it holds a model.json, else the same
 *   network in the `dctvision-models` package if that is installed (the trained weights are
 *   packaged apart from the library, so that an app pays for them only when it wants them).
 */
import { WeightsError } from '../engine/weights.js';
import { assetBase } from '../util/assets.js';
import { isNode, resolveUrl } from '../util/env.js';

/** The npm package that carries this repository's trained models/ (models/package.json). */
export const modelsPackage = 'dctvision-models';

export async function defaultModelUrl(id: string): Promise<URL> {
  const base = assetBase();
  if (base) return new URL(`models/${id}/`, base);
  const local = resolveUrl(`models/${id}/`);
  if (!isNode) return local;
  const { existsSync } = await import(/* @vite-ignore */ 'node:fs');
  const { createRequire } = await import(/* @vite-ignore */ 'node:module');
  const { pathToFileURL } = await import(/* @vite-ignore */ 'node:url');
  const holdsModel = (folder: URL) => existsSync(new URL('model.json', folder));
  if (holdsModel(local)) return local;
  // An installed dctvision-models, seen from the working directory (an app's own node_modules)
  // or else from this library (installed beside it).
  for (const from of [pathToFileURL(`${process.cwd()}/`).href, import.meta.url]) {
    let manifest: string;
    try {
      manifest = createRequire(from).resolve(`${modelsPackage}/package.json`);
    } catch {
      continue; // not installed there
    }
    const folder = new URL(`${id}/`, pathToFileURL(manifest));
    if (holdsModel(folder)) return folder;
  }
  return local;
}

/** A default lookup that found nothing, in Node: say both places it looked and what to do. */
export function withLookupHint(e: unknown, id: string): unknown {
  if (isNode && e instanceof WeightsError && e.reason === 'not-found') {
    e.message += ` (no models/${id}/ in the working directory and no ${modelsPackage} installed: \`npm install ${modelsPackage}\`, or give the weights' URL)`;
  }
  return e;
}
