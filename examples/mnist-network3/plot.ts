/** A small SVG line chart of validation accuracy and training cost per epoch (two y axes), no dependencies. */
export interface PlotSeries {
  epochs: number[];
  validationAccuracy: (number | null)[];
  cost: number[];
}

export function plotSvg(title: string, s: PlotSeries): string {
  const W = 640, H = 360, left = 60, right = 60, top = 40, bottom = 40;
  const pw = W - left - right, ph = H - top - bottom;
  const n = s.epochs.length;
  const xAt = (i: number) => left + (n <= 1 ? pw / 2 : (i / (n - 1)) * pw);
  const acc = s.validationAccuracy.map((a) => (a === null ? null : a * 100));
  const accVals = acc.filter((a): a is number => a !== null);
  const aLo = accVals.length ? Math.floor(Math.min(...accVals)) : 0;
  const aHi = accVals.length ? Math.min(100, Math.ceil(Math.max(...accVals) + 0.01)) : 100;
  const cHi = Math.max(...s.cost, 1e-9);
  const yAcc = (a: number) => top + ph - ((a - aLo) / Math.max(aHi - aLo, 1e-9)) * ph;
  const yCost = (c: number) => top + ph - (c / cHi) * ph;
  const path = (pts: [number, number][]) => pts.map(([x, y], i) => `${i ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)}`).join(' ');
  const accPts = acc.flatMap((a, i) => (a === null ? [] : [[xAt(i), yAcc(a)] as [number, number]]));
  const costPts = s.cost.map((c, i) => [xAt(i), yCost(c)] as [number, number]);
  const dots = (pts: [number, number][], color: string) => pts.map(([x, y]) => `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3" fill="${color}"/>`).join('');
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">
<rect width="${W}" height="${H}" fill="white"/>
<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${escape(title)}</text>
<rect x="${left}" y="${top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>
${ticks.map((t) => `<text x="${left - 6}" y="${(top + ph - t * ph + 4).toFixed(1)}" text-anchor="end" fill="#1f77b4">${(aLo + t * (aHi - aLo)).toFixed(2)}%</text>`).join('\n')}
${ticks.map((t) => `<text x="${left + pw + 6}" y="${(top + ph - t * ph + 4).toFixed(1)}" fill="#d62728">${(t * cHi).toFixed(3)}</text>`).join('\n')}
${s.epochs.map((e, i) => (n <= 12 || i % Math.ceil(n / 12) === 0 ? `<text x="${xAt(i).toFixed(1)}" y="${top + ph + 16}" text-anchor="middle">${e}</text>` : '')).join('')}
<text x="${W / 2}" y="${H - 6}" text-anchor="middle">epoch</text>
<path d="${path(accPts)}" fill="none" stroke="#1f77b4" stroke-width="2"/>${dots(accPts, '#1f77b4')}
<path d="${path(costPts)}" fill="none" stroke="#d62728" stroke-width="2" stroke-dasharray="5,3"/>${dots(costPts, '#d62728')}
<text x="${left + 8}" y="${top + 16}" fill="#1f77b4">validation accuracy</text>
<text x="${left + 8}" y="${top + 32}" fill="#d62728">training cost</text>
</svg>
`;
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
