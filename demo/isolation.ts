/**
 * The demo's service worker (public/sw.js): offline use, and cross-origin isolation on hosts
 * that cannot send COOP/COEP headers (the worker adds them to what it serves). A page loaded
 * before the worker controlled it is not isolated; it reloads once when the worker takes over.
 * Where isolation cannot be had (a browser that hides SharedArrayBuffer, or no service
 * workers), the page runs as it is, on one WASM thread, and says so.
 */
const RELOADED = 'dctvision-isolation-reload';
/** Set when a reload under the worker did not bring isolation (e.g. WebKit): not tried again. */
const UNAVAILABLE = 'dctvision-isolation-unavailable';

function flag(storage: () => Storage, key: string, value?: string | null): string | null {
  try {
    if (value === undefined) return storage().getItem(key);
    if (value === null) storage().removeItem(key);
    else storage().setItem(key, value);
  } catch {
    // storage switched off: no reload bookkeeping, so no reload either
  }
  return null;
}

/** Registers the worker; resolves true when the page is about to reload under its control. */
export async function registerServiceWorker(): Promise<boolean> {
  if (!('serviceWorker' in navigator)) return false;
  const registration = navigator.serviceWorker.register(new URL('sw.js', location.href)).catch(() => undefined);
  const reloaded = flag(() => sessionStorage, RELOADED);
  flag(() => sessionStorage, RELOADED, null);
  if (globalThis.crossOriginIsolated) return false;
  if (reloaded) {
    flag(() => localStorage, UNAVAILABLE, '1');
    return false;
  }
  if (flag(() => localStorage, UNAVAILABLE)) return false;
  if (!(await registration)) return false;
  // One reload, once the worker controls this page (at once if it already does).
  const controlled = navigator.serviceWorker.controller
    ? Promise.resolve()
    : new Promise<void>((resolve) => navigator.serviceWorker.addEventListener('controllerchange', () => resolve(), { once: true }));
  const gaveUp = new Promise<false>((resolve) => setTimeout(() => resolve(false), 10_000));
  if ((await Promise.race([controlled.then(() => true as const), gaveUp])) === false) return false;
  flag(() => sessionStorage, RELOADED, '1');
  if (flag(() => sessionStorage, RELOADED) !== '1') return false;
  location.reload();
  return true;
}

/** What the page can say about its threads. */
export function isolationNote(): string {
  return globalThis.crossOriginIsolated
    ? 'This page is cross-origin isolated, so the WebAssembly backend may compute with several threads.'
    : 'This page is not cross-origin isolated, so the WebAssembly backend computes on one thread.';
}
