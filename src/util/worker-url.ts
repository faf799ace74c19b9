/**
 * A worker script next to the module that starts it (`./name.js` of `moduleUrl`). Run from the
 * TypeScript sources (the tests), there is no such file: the same worker as built into dist/lib
 * by `npm run build:lib` (`built`, relative to the module) stands in.
 */
export async function workerScriptUrl(moduleUrl: string, name: string, built: string): Promise<URL> {
  const here = new URL(`./${name}`, moduleUrl);
  if (!moduleUrl.endsWith('.ts')) return here;
  const { existsSync } = await import(/* @vite-ignore */ 'node:fs');
  return existsSync(here) ? here : new URL(built, moduleUrl);
}
