// Keeps the demo's own files so it works offline after the first visit. Pages (navigations)
// go to the network first and fall back to the cache; hashed build assets, samples and the
// WebAssembly are served from the cache once seen. Model files are not touched here: the
// library keeps them in its own sha256-checked cache.
const CACHE = 'dctvision-demo-v1';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

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
    event.respondWith(fetch(req).then(put, () => caches.match(req).then((hit) => hit ?? caches.match(new URL('./', self.registration.scope).href))));
    return;
  }
  event.respondWith(caches.match(req).then((hit) => hit ?? fetch(req).then(put)));
});
