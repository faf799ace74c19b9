/**
 * Model files kept in the browser's Cache API, so a page works offline after its first
 * visit and does not download weights twice. Shards are immutable (named in model.json
 * with their sha256, which loadWeights checks whatever serves them): cache first.
 * model.json may change when a model is retrained: network first, the cache when offline.
 */
import { defaultFetcher, type Fetcher } from './weights.js';

export const MODEL_CACHE = 'dctvision-models-v1';

export interface CachingFetcher extends Fetcher {
  /** Drop a cached file (loadWeights calls it when a cached shard fails its sha256). */
  invalidate(url: URL): Promise<void>;
}

export function cachingFetcher(cacheName = MODEL_CACHE, network: Fetcher = defaultFetcher): CachingFetcher {
  const open = () => caches.open(cacheName);
  const store = async (url: URL, data: ArrayBuffer) => {
    try {
      await (await open()).put(url.href, new Response(data.slice(0)));
    } catch {
      // Quota or a private mode without storage: work uncached.
    }
  };
  const fetcher = (async (url: URL, maxBytes?: number) => {
    const cache = await open();
    if (url.pathname.endsWith('.json')) {
      try {
        const data = await network(url, maxBytes);
        await store(url, data);
        return data;
      } catch (e) {
        const hit = await cache.match(url.href);
        if (hit) return hit.arrayBuffer();
        throw e;
      }
    }
    const hit = await cache.match(url.href);
    if (hit) return hit.arrayBuffer();
    const data = await network(url, maxBytes);
    await store(url, data);
    return data;
  }) as CachingFetcher;
  fetcher.invalidate = async (url) => {
    await (await open()).delete(url.href);
  };
  return fetcher;
}

/** True where the Cache API can be used (secure contexts: https or localhost). */
export const cacheAvailable = (): boolean => typeof caches !== 'undefined';

