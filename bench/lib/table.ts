// The result rows and their text table: one column per runner, then Hypatia's ratio to each peer.

export type Unit = 'ex/s' | 'GFLOP/s' | 's';

export interface Row {
  workload: string;
  unit: Unit;
  [column: string]: string | number | null;
}

/** Hypatia over the peer, so that > 1 means Hypatia is better: a rate ratio, or a time ratio inverted. */
export function advantage(unit: Unit, ours: number | null, peer: number | null): number | null {
  if (ours === null || peer === null || ours <= 0 || peer <= 0) return null;
  return unit === 's' ? peer / ours : ours / peer;
}

const fmt = (v: number | string | null | undefined): string => {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v;
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  if (v >= 1) return v.toFixed(2);
  return v.toPrecision(2);
};

/** The "vs" columns compare column `ours` (Hypatia's) with each of `peers`. */
export function renderTable(rows: readonly Row[], columns: readonly string[], peers: readonly string[], ours = 'hypatia'): string {
  const head = ['workload', 'unit', ...columns, ...peers.map((p) => `vs ${p}`)];
  const body = rows.map((r) => [
    r.workload, r.unit,
    ...columns.map((c) => fmt(r[c] as number | null)),
    ...peers.map((p) => {
      const a = advantage(r.unit, r[ours] as number | null, r[p] as number | null);
      return a === null ? '—' : `${fmt(a)}x`;
    }),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}
