/**
 * dist/script/dctvision.js: what a page includes with a plain <script> tag. It only defines
 * the global `dctvision` and imports the library module next to it (dctvision.mjs); the
 * TensorFlow.js backend the page will use is fetched when load() chooses it, never the others.
 *
 *   dctvision.load().then((m) => m.classify(img))   // works at once (late-concat)
 *   (await dctvision.ready).DecoderPool                          // the whole module, once loaded
 * Once the module has loaded, all its exports are also on `dctvision` itself.
 */
type Library = typeof import('./script.js');

const current = typeof document !== 'undefined' ? (document.currentScript as HTMLScriptElement | null) : null;
const base = new URL('.', current?.src || location.href);
const ready: Promise<Library> = import(/* @vite-ignore */ new URL('dctvision.mjs', base).href);
const api: Record<string, unknown> = {
  ready,
  load: (...args: Parameters<Library['load']>) => ready.then((m) => m.load(...args)),
};
void ready.then((m) => Object.assign(api, m));
(globalThis as unknown as { dctvision: typeof api }).dctvision = api;
