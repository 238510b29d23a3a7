import { describe, expect, it } from 'vitest';
import { lineChartSvg } from './svg-plot.js';

const circles = (svg: string) => [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);

describe('lineChartSvg', () => {
  it('marks a one-point series, centred over the only x label', () => {
    const svg = lineChartSvg('one epoch', 'epoch', 'accuracy %', [{ name: 'a', values: [40] }, { name: 'b', values: [60] }]);
    const marks = circles(svg);
    expect(marks).toHaveLength(2);
    expect(marks[0]![0]).toBe(marks[1]![0]);
    expect(marks[0]![1]).toBeGreaterThan(marks[1]![1]!); // 40 is drawn below 60
    const xLabels = [...svg.matchAll(/<text x="([\d.]+)" y="309" font-size="10"[^>]*>(\d+)<\/text>/g)].map((m) => [Number(m[1]), m[2]]);
    expect(xLabels).toEqual([[marks[0]![0], '1']]);
  });

  it('marks only points with no finite neighbour in longer series', () => {
    const svg = lineChartSvg('gaps', 'epoch', 'cost', [{ name: 'a', values: [1, 2, NaN, 3, NaN, 4, 5] }]);
    expect(circles(svg)).toHaveLength(1);
    expect(svg).toMatch(/<text x="410" y="309" font-size="10" text-anchor="end">7<\/text>/);
  });

  it('writes a note under the title when given one', () => {
    expect(lineChartSvg('t', 'x', 'y', [{ name: 'a', values: [1, 2] }], { note: '--quick: 1 epoch' })).toMatch(/<text x="60" y="34" font-size="11" fill="#b00000">--quick: 1 epoch<\/text>/);
    expect(lineChartSvg('t', 'x', 'y', [{ name: 'a', values: [1, 2] }])).not.toMatch(/#b00000/);
  });
});
