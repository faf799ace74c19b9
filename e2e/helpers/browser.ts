// The harness lives in test/harness/browser.mjs (plain JavaScript) so the browser benchmarks share it.
export { buildPages, chromiumPath, firefoxPath, launchChromium, launchFirefox, launchWebKit, serve, type StaticServer } from '../../test/harness/browser.mjs';
