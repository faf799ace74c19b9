/** Where we run, and URLs resolved the way a user expects there. */
export const isNode = typeof process === 'object' && typeof process.versions?.node === 'string' && typeof window === 'undefined';

/** Relative URLs resolve against the page (browser) or the working directory (Node). */
export function resolveUrl(url: string | URL): URL {
  if (url instanceof URL) return url;
  const base = typeof location !== 'undefined' ? location.href : isNode ? `file://${process.cwd()}/` : undefined;
  return new URL(url, base);
}
