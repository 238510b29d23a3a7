/**
 * A small line chart as SVG text: one polyline per series, axes with min/max labels, a legend.
 * A point with no finite neighbour (a one-epoch series, or one between gaps) gets a marker, since
 * a polyline through one point draws nothing.
 */
export interface Series { name: string; values: readonly number[] }

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

export interface ChartOptions {
  logY?: boolean;
  /** A line under the title, in red: what the reader must know before reading the chart (a smoke run). */
  note?: string;
}

export function lineChartSvg(title: string, xLabel: string, yLabel: string, series: readonly Series[], options: ChartOptions = {}): string {
  const W = 560; const H = 340; const L = 60; const R = 150; const T = options.note ? 46 : 30; const B = 45;
  const tr = (v: number) => (options.logY ? Math.log10(Math.max(v, 1e-12)) : v);
  const all = series.flatMap((s) => s.values.filter(Number.isFinite).map(tr));
  const lo = all.length ? Math.min(...all) : 0; const hi0 = all.length ? Math.max(...all) : 1;
  const hi = hi0 === lo ? lo + 1 : hi0;
  const n = Math.max(1, ...series.map((s) => s.values.length));
  // One point per series: centred, with the only x label under it.
  const x = (i: number) => (n === 1 ? (L + W - R) / 2 : L + (i / (n - 1)) * (W - L - R));
  const y = (v: number) => T + (1 - (tr(v) - lo) / (hi - lo)) * (H - T - B);
  const fmt = (v: number) => (options.logY ? `1e${v.toFixed(1)}` : v.toPrecision(3));
  const lines = series.map((s, k) => {
    const c = COLOURS[k % COLOURS.length];
    const finite = (i: number) => i >= 0 && i < s.values.length && Number.isFinite(s.values[i]!);
    const pts = s.values.map((v, i) => (finite(i) ? `${x(i).toFixed(1)},${y(v).toFixed(1)}` : '')).filter(Boolean).join(' ');
    const markers = s.values.map((v, i) => (finite(i) && !finite(i - 1) && !finite(i + 1) ? `<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="4" fill="${c}"/>` : '')).join('');
    return `<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts}"/>${markers}` +
      `<rect x="${W - R + 10}" y="${T + 18 * k}" width="12" height="3" fill="${c}"/><text x="${W - R + 28}" y="${T + 18 * k + 5}" font-size="11">${escape(s.name)}</text>`;
  });
  const xTicks = n === 1
    ? `<text x="${x(0)}" y="${H - B + 14}" font-size="10" text-anchor="middle">1</text>`
    : `<text x="${L}" y="${H - B + 14}" font-size="10">1</text><text x="${W - R}" y="${H - B + 14}" font-size="10" text-anchor="end">${n}</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${L}" y="18" font-size="13" font-weight="bold">${escape(title)}</text>
${options.note ? `<text x="${L}" y="34" font-size="11" fill="#b00000">${escape(options.note)}</text>\n` : ''}<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/>
<text x="${L - 5}" y="${T + 4}" font-size="10" text-anchor="end">${fmt(hi)}</text><text x="${L - 5}" y="${H - B}" font-size="10" text-anchor="end">${fmt(lo)}</text>
${xTicks}
<text x="${(L + W - R) / 2}" y="${H - 8}" font-size="11" text-anchor="middle">${escape(xLabel)}</text>
<text x="14" y="${(T + H - B) / 2}" font-size="11" transform="rotate(-90 14 ${(T + H - B) / 2})" text-anchor="middle">${escape(yLabel)}</text>
${lines.join('\n')}
</svg>
`;
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
