// The network's ten class probabilities as a bar chart (SVG), the most probable digit highlighted.

export const TOP_COLOUR = '#16a34a';
export const BAR_COLOUR = '#94a3b8';

const W = 320, H = 170;
const BASE = 140, TALL = 110;
const SVG = 'http://www.w3.org/2000/svg';

const svgEl = (name: string, attrs: Record<string, string | number>, text?: string): SVGElement => {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
};

export function drawProbabilities(svg: SVGSVGElement, probabilities: ArrayLike<number> | null): void {
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.replaceChildren(svgEl('line', { x1: 8, x2: W - 8, y1: BASE + 0.5, y2: BASE + 0.5, stroke: '#9ca3af' }));
  const step = (W - 16) / 10;
  let top = -1;
  if (probabilities) for (let d = 0; d < 10; d++) if (top < 0 || probabilities[d]! > probabilities[top]!) top = d;
  for (let d = 0; d < 10; d++) {
    const cx = 8 + step * (d + 0.5);
    svg.append(svgEl('text', { x: cx, y: BASE + 20, 'text-anchor': 'middle', 'font-size': 15, fill: d === top ? TOP_COLOUR : '#374151', 'font-weight': d === top ? 700 : 400 }, String(d)));
    if (!probabilities) continue;
    const p = probabilities[d]!;
    const h = Math.max(1, p * TALL);
    svg.append(svgEl('rect', { class: 'bar', x: cx - step * 0.35, y: BASE - h, width: step * 0.7, height: h, fill: d === top ? TOP_COLOUR : BAR_COLOUR }));
    if (p >= 0.05) svg.append(svgEl('text', { x: cx, y: BASE - h - 4, 'text-anchor': 'middle', 'font-size': 10, fill: '#374151' }, `${Math.round(p * 100)}%`));
  }
}
