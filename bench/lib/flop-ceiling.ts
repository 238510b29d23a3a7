// The FLOP ceiling of a training step: the multiply-adds of its products and convolutions per
// example, at the best rate OpenBLAS's sgemm reaches on this machine in the same run. A step that
// ran every product at that rate and spent nothing elsewhere would train at ceiling(kind) examples/s.
import type { NetKind } from './workloads.js';

/** 2·m·k·n for each product one example takes part in, forward and backward (the input needs no gradient). */
export function stepFlopsPerExample(kind: NetKind): number {
  const fc = (nIn: number, nOut: number, inputGradient: boolean) => 2 * nIn * nOut * (inputGradient ? 3 : 2);
  if (kind === 'shallow') return fc(784, 100, false) + fc(100, 10, true);
  // 20 5x5 filters over a 28x28 image: 24x24 outputs, each 25 multiply-adds per filter; forward and the filters' gradient.
  const conv = 2 * 20 * 25 * 24 * 24 * 2;
  return conv + fc(20 * 12 * 12, 100, true) + fc(100, 10, true);
}

/** The sgemm sizes whose best OpenBLAS rate is taken as the machine's peak. */
export const PEAK_SIZES = [512, 1024, 2048] as const;

/** Fraction of the ceiling a rate of `examplesPerSecond` reaches, given the peak in GFLOP/s. */
export function ceilingFraction(kind: NetKind, examplesPerSecond: number | null, peakGflops: number | null): number | null {
  if (examplesPerSecond === null || peakGflops === null || peakGflops <= 0) return null;
  return (examplesPerSecond * stepFlopsPerExample(kind)) / (peakGflops * 1e9);
}
