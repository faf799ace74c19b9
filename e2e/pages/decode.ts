// Test page: decodes a JPEG in the worker pool, prints block counts, and exposes
// a hook the browser tests drive (typed errors, worker survival).
import { DecoderPool } from '../../src/index.js';

const pool = new DecoderPool({ size: 1 });

async function decodeUrl(url: string) {
  const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
  try {
    const img = await pool.decode(bytes, { dequantize: false });
    let checksum = 0;
    for (const c of img.components) for (let i = 0; i < c.coefficients.length; i++) checksum = (checksum * 31 + c.coefficients[i]) | 0;
    return {
      ok: true as const,
      width: img.width,
      height: img.height,
      blocks: img.components.map((c) => [c.blocksY, c.blocksX]),
      checksum,
      transferred: img.components[0].coefficients.buffer instanceof ArrayBuffer,
    };
  } catch (e) {
    const err = e as Error & { feature?: string; limit?: string };
    return { ok: false as const, name: err.name, message: err.message, feature: err.feature, limit: err.limit };
  }
}

declare global {
  interface Window {
    dct: { decodeUrl: typeof decodeUrl; stats: () => ReturnType<DecoderPool['stats']> };
  }
}
window.dct = { decodeUrl, stats: () => pool.stats() };

const out = document.getElementById('result')!;
decodeUrl('./sample.jpg').then((r) => {
  out.textContent = r.ok ? `${r.width}x${r.height} blocks ${r.blocks.map((b) => b.join('x')).join(' ')}` : `${r.name}: ${r.message}`;
  out.dataset.done = '1';
});
