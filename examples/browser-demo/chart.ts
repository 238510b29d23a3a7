// The live chart: validation accuracy (left axis, 0-100%) and the mean training cost between
// points (right axis, 0 to the largest cost seen) against the training examples seen, as SVG.
import type { TrainingPoint } from './trainer.js';

export const ACCURACY_COLOUR = '#1d4ed8';
export const COST_COLOUR = '#ea580c';

const W = 560, H = 380;
const M = { left: 52, right: 52, top: 34, bottom: 44 };
const SVG = 'http://www.w3.org/2000/svg';

const svgEl = (name: string, attrs: Record<string, string | number>, text?: string): SVGElement => {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
};

/** A round axis maximum at or above `v`. */
function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].map((m) => m * p).find((m) => m >= v)!;
}

export class TrainingChart {
  private points: TrainingPoint[] = [];

  constructor(private readonly svg: SVGSVGElement, private readonly totalExamples: () => number) {
    svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
    this.draw();
  }

  reset(): void {
    this.points = [];
    this.draw();
  }

  add(p: TrainingPoint): void {
    this.points.push(p);
    this.draw();
  }

  private draw(): void {
    const svg = this.svg;
    svg.replaceChildren();
    const pw = W - M.left - M.right, ph = H - M.top - M.bottom;
    const costs = this.points.map((p) => p.cost).filter((c): c is number => c !== null);
    const costMax = niceMax(Math.max(0, ...costs));
    const xMax = Math.max(1, this.totalExamples(), ...this.points.map((p) => p.examples));
    const x = (e: number) => M.left + (e / xMax) * pw;
    const yAcc = (a: number) => M.top + (1 - a) * ph;
    const yCost = (c: number) => M.top + (1 - c / costMax) * ph;

    for (let k = 0; k <= 4; k++) {
      const y = M.top + (k / 4) * ph;
      svg.append(svgEl('line', { x1: M.left, x2: M.left + pw, y1: y, y2: y, stroke: '#e5e7eb' }));
      svg.append(svgEl('text', { x: M.left - 6, y: y + 4, 'text-anchor': 'end', fill: ACCURACY_COLOUR, 'font-size': 11 }, `${100 - k * 25}%`));
      svg.append(svgEl('text', { x: M.left + pw + 6, y: y + 4, fill: COST_COLOUR, 'font-size': 11 }, (costMax * (1 - k / 4)).toFixed(2)));
    }
    svg.append(svgEl('rect', { x: M.left, y: M.top, width: pw, height: ph, fill: 'none', stroke: '#9ca3af' }));
    for (let k = 0; k <= 4; k++) {
      const e = (xMax * k) / 4;
      svg.append(svgEl('text', { x: x(e), y: M.top + ph + 16, 'text-anchor': 'middle', 'font-size': 11, fill: '#374151' }, e >= 1000 ? `${+(e / 1000).toFixed(1)}k` : `${Math.round(e)}`));
    }
    svg.append(svgEl('text', { x: M.left + pw / 2, y: H - 8, 'text-anchor': 'middle', 'font-size': 12, fill: '#374151' }, 'training images seen'));
    svg.append(svgEl('text', { x: M.left, y: 16, 'font-size': 12, fill: ACCURACY_COLOUR }, '● validation accuracy (left)'));
    svg.append(svgEl('text', { x: M.left + pw, y: 16, 'text-anchor': 'end', 'font-size': 12, fill: COST_COLOUR }, 'training cost (right) ●'));

    const line = (pts: [number, number][], colour: string, id: string) => {
      if (pts.length === 0) return;
      svg.append(svgEl('polyline', { id, points: pts.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(' '), fill: 'none', stroke: colour, 'stroke-width': 3, 'stroke-linejoin': 'round' }));
      for (const [a, b] of pts) svg.append(svgEl('circle', { cx: a, cy: b, r: 3.5, fill: colour }));
    };
    line(this.points.map((p) => [x(p.examples), yAcc(p.accuracy)]), ACCURACY_COLOUR, 'accuracy-line');
    line(this.points.filter((p) => p.cost !== null).map((p) => [x(p.examples), yCost(p.cost!)]), COST_COLOUR, 'cost-line');
  }
}
