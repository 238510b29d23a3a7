/**
 * A small SVG line chart, no dependencies: validation accuracy per epoch (one curve per network,
 * so an ensemble shows all its members) on the left axis, training cost on the right one.
 */
import type { EpochReport } from '@hypatia/nn';

export interface PlotSeries {
  epochs: number[];
  validation: { label: string; accuracy: (number | null)[] }[];
  cost: { label: string; values: number[] };
}

const ACCURACY_COLORS = ['#1f77b4', '#2ca02c', '#9467bd', '#8c564b', '#17becf', '#bcbd22', '#e377c2'];
const COST_COLOR = '#d62728';
const LEGEND_COLUMNS = 3;

export function plotSvg(title: string, s: PlotSeries): string {
  const legend = [
    ...s.validation.map((v, i) => ({ label: v.label, color: ACCURACY_COLORS[i % ACCURACY_COLORS.length]!, dashed: false })),
    { label: s.cost.label, color: COST_COLOR, dashed: true },
  ];
  const legendRows = Math.ceil(legend.length / LEGEND_COLUMNS);
  const W = 640, left = 60, right = 60, top = 40, ph = 280, bottom = 48 + 16 * legendRows;
  const H = top + ph + bottom, pw = W - left - right;
  const n = s.epochs.length;
  const xAt = (i: number) => left + (n <= 1 ? pw / 2 : (i / (n - 1)) * pw);
  const curves = s.validation.map((v) => v.accuracy.map((a) => (a === null ? null : a * 100)));
  const accVals = curves.flat().filter((a): a is number => a !== null);
  const aLo = accVals.length ? Math.floor(Math.min(...accVals)) : 0;
  const aHi = accVals.length ? Math.min(100, Math.ceil(Math.max(...accVals) + 0.01)) : 100;
  const cHi = Math.max(...s.cost.values, 1e-9);
  const yAcc = (a: number) => top + ph - ((a - aLo) / Math.max(aHi - aLo, 1e-9)) * ph;
  const yCost = (c: number) => top + ph - (c / cHi) * ph;
  const path = (pts: [number, number][]) => pts.map(([x, y], i) => `${i ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)}`).join(' ');
  const dots = (pts: [number, number][], color: string) => pts.map(([x, y]) => `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3" fill="${color}"/>`).join('');
  const line = (pts: [number, number][], color: string, dashed: boolean) =>
    `<path d="${path(pts)}" fill="none" stroke="${color}" stroke-width="2"${dashed ? ' stroke-dasharray="5,3"' : ''}/>${dots(pts, color)}`;
  const accLines = curves.map((c, k) => line(c.flatMap((a, i) => (a === null ? [] : [[xAt(i), yAcc(a)] as [number, number]])), legend[k]!.color, false));
  const costLine = line(s.cost.values.map((c, i) => [xAt(i), yCost(c)] as [number, number]), COST_COLOR, true);
  const legendTop = top + ph + 50, legendWidth = W - 40;
  const legendItems = legend.map((e, i) => {
    const x = 20 + (i % LEGEND_COLUMNS) * (legendWidth / LEGEND_COLUMNS), y = legendTop + 16 * Math.floor(i / LEGEND_COLUMNS);
    return `<line x1="${x}" y1="${y - 4}" x2="${x + 20}" y2="${y - 4}" stroke="${e.color}" stroke-width="2"${e.dashed ? ' stroke-dasharray="5,3"' : ''}/><text x="${x + 26}" y="${y}" fill="${e.color}">${escape(e.label)}</text>`;
  });
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">
<rect width="${W}" height="${H}" fill="white"/>
<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${escape(title)}</text>
<rect x="${left}" y="${top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>
${ticks.map((t) => `<text x="${left - 6}" y="${(top + ph - t * ph + 4).toFixed(1)}" text-anchor="end" fill="${ACCURACY_COLORS[0]}">${(aLo + t * (aHi - aLo)).toFixed(2)}%</text>`).join('\n')}
${ticks.map((t) => `<text x="${left + pw + 6}" y="${(top + ph - t * ph + 4).toFixed(1)}" fill="${COST_COLOR}">${(t * cHi).toFixed(3)}</text>`).join('\n')}
${s.epochs.map((e, i) => (n <= 12 || i % Math.ceil(n / 12) === 0 ? `<text x="${xAt(i).toFixed(1)}" y="${top + ph + 16}" text-anchor="middle">${e}</text>` : '')).join('')}
<text x="${W / 2}" y="${top + ph + 30}" text-anchor="middle">epoch</text>
${[...accLines, costLine].join('\n')}
${legendItems.join('\n')}
</svg>
`;
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The curves of one run: each network's validation accuracy, and its training cost (an ensemble's mean cost). */
export function runSeries(networks: Pick<EpochReport, 'epoch' | 'validationAccuracy' | 'cost'>[][]): PlotSeries {
  const first = networks[0] ?? [];
  const ensemble = networks.length > 1;
  return {
    epochs: first.map((r) => r.epoch),
    validation: networks.map((reports, k) => ({
      label: ensemble ? `net ${k + 1}: validation accuracy` : 'validation accuracy',
      accuracy: reports.map((r) => r.validationAccuracy),
    })),
    cost: {
      label: ensemble ? `mean training cost (${networks.length} nets)` : 'training cost',
      values: first.map((_, i) => {
        const costs = networks.flatMap((reports) => (i < reports.length ? [reports[i]!.cost] : []));
        return costs.reduce((a, b) => a + b, 0) / costs.length;
      }),
    },
  };
}
