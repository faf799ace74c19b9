/** Small SVG charts: horizontal bars, optionally stacked. No library, no inline styles (CSP). */
const NS = 'http://www.w3.org/2000/svg';
export const STAGE_COLOURS = ['#7aa6f0', '#f0b35a', '#3367d6'];

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

export interface BarRow {
  label: string;
  /** One value per segment (stacked left to right). */
  values: number[];
  note?: string;
}

export function barChart(title: string, rows: BarRow[], opts: { unit: string; legend?: string[]; testid: string }): SVGSVGElement {
  const labelW = 170;
  const barW = 300;
  const rowH = 22;
  const top = 28;
  const height = top + rows.length * rowH + (opts.legend ? 26 : 8);
  const width = labelW + barW + 90;
  const svg = el('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title, 'data-testid': opts.testid });
  svg.append(el('text', { x: 8, y: 18, 'font-size': 13, 'font-weight': 600 }, title));
  const max = Math.max(...rows.map((r) => r.values.reduce((a, b) => a + b, 0)), 1e-9);
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    svg.append(el('text', { x: 8, y: y + 14, 'font-size': 12 }, r.label));
    let x = labelW;
    r.values.forEach((v, k) => {
      const w = (v / max) * barW;
      svg.append(el('rect', { x, y: y + 3, width: Math.max(0, w), height: 14, rx: 2, fill: STAGE_COLOURS[(r.values.length === 1 ? 2 : k) % 3], 'data-value': v }));
      x += w;
    });
    const total = r.values.reduce((a, b) => a + b, 0);
    svg.append(el('text', { x: x + 6, y: y + 14, 'font-size': 11, fill: '#445' }, `${total.toFixed(total < 10 ? 2 : 1)} ${opts.unit}${r.note ? ` ${r.note}` : ''}`));
  });
  if (opts.legend) {
    const y = top + rows.length * rowH + 8;
    let x = labelW;
    opts.legend.forEach((name, k) => {
      svg.append(el('rect', { x, y, width: 10, height: 10, fill: STAGE_COLOURS[k % 3] }));
      svg.append(el('text', { x: x + 14, y: y + 9, 'font-size': 11 }, name));
      x += 80;
    });
  }
  return svg;
}
