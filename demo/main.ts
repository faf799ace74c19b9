// Demo: decode dropped JPEGs to DCT coefficients in the worker pool and show
// what a DCT network sees first — the luma DC plane (one value per 8×8 block).
import { DecoderPool, type DctImage } from '../src/index.js';

const pool = new DecoderPool();
const results = document.getElementById('results')!;
const drop = document.querySelector<HTMLLabelElement>('.drop')!;
const input = document.querySelector<HTMLInputElement>('[data-testid="file-input"]')!;

function dcPlane(img: DctImage): HTMLCanvasElement {
  const y = img.components[0];
  const canvas = document.createElement('canvas');
  canvas.width = y.blocksX;
  canvas.height = y.blocksY;
  const ctx = canvas.getContext('2d')!;
  const data = ctx.createImageData(y.blocksX, y.blocksY);
  const q = img.dequantized ? 1 : y.quantTable[0];
  for (let b = 0; b < y.blocksX * y.blocksY; b++) {
    // DC = 8 × (mean − 128) for an orthonormal 8×8 DCT of 8-bit samples.
    const v = Math.max(0, Math.min(255, (y.coefficients[b * 64] * q) / 8 + 128));
    data.data.set([v, v, v, 255], b * 4);
  }
  ctx.putImageData(data, 0, 0);
  return canvas;
}

async function show(file: File) {
  const card = document.createElement('div');
  card.className = 'card';
  card.dataset.testid = 'decode-card';
  card.textContent = `${file.name}: decoding…`;
  results.prepend(card);
  const t0 = performance.now();
  try {
    const img = await pool.decode(await file.arrayBuffer());
    const ms = performance.now() - t0;
    card.textContent = '';
    const table = document.createElement('table');
    const rows: [string, string][] = [
      ['file', file.name],
      ['size', `${img.width}×${img.height}`],
      ['components', img.components.map((c) => `${c.h}×${c.v}: ${c.blocksX}×${c.blocksY} blocks`).join(', ')],
      ['coding', `${img.progressive ? 'progressive' : 'sequential'} ${img.arithmetic ? 'arithmetic' : 'Huffman'}, ${img.scans} scan(s)`],
      ['colour', `${img.colorSpace}, EXIF orientation ${img.orientation}`],
      ['decode', `${ms.toFixed(1)} ms (worker, incl. transfer)`],
    ];
    for (const [k, v] of rows) {
      const tr = table.insertRow();
      tr.insertCell().textContent = k;
      tr.insertCell().textContent = v;
    }
    card.append(dcPlane(img), table);
  } catch (e) {
    const err = e as Error;
    card.classList.add('error');
    card.textContent = `${file.name}: ${err.name}: ${err.message}`;
  }
}

input.addEventListener('change', () => [...(input.files ?? [])].forEach(show));
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  [...(e.dataTransfer?.files ?? [])].forEach(show);
});
