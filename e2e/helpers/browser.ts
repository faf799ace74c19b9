// The harness lives in bench/browser.mjs so the browser benchmarks (plain Node scripts) share it.
export { buildPages, chromiumPath, launchChromium, serve, type StaticServer } from '../../bench/browser.mjs';
