// The demo's service worker, for two things a static host cannot give it:
// - Offline after the first visit: pages (navigations) go to the network first and fall back
//   to the cache; hashed build assets, samples and the WebAssembly are served from the cache
//   once seen. Model files are not touched: the library keeps them in its own sha256-checked cache.
// - Cross-origin isolation (threads for the WASM backend need SharedArrayBuffer): hosts such as
//   GitHub Pages cannot send COOP/COEP, so every response this worker serves gets them (the
//   page's own headers, its Content-Security-Policy included, are kept). The page reloads once
//   when the worker first takes control (demo/isolation.ts).
const CACHE = 'dctvision-demo-v1';
const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

/** The response with COOP/COEP added (opaque and error responses cannot carry headers). */
function isolated(res) {
  if (!res || res.type === 'opaque' || res.type === 'opaqueredirect' || res.status === 0) return res;
  const headers = new Headers(res.headers);
  for (const [k, v] of Object.entries(ISOLATION)) if (!headers.has(k)) headers.set(k, v);
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin) return;
  if (/\/models\//.test(url.pathname) || url.pathname.endsWith('/model.json') || url.pathname.endsWith('.bin')) return;
  const put = (res) => {
    if (res.ok) {
      const copy = res.clone();
      caches.open(CACHE).then((c) => c.put(req, copy));
    }
    return res;
  };
  if (req.mode === 'navigate' || url.pathname.endsWith('.json')) {
    event.respondWith(
      fetch(req)
        .then(put, () => caches.match(req).then((hit) => hit ?? caches.match(new URL('./', self.registration.scope).href)))
        .then(isolated),
    );
    return;
  }
  event.respondWith(caches.match(req).then((hit) => hit ?? fetch(req).then(put)).then(isolated));
});
