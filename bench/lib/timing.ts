// Time-boxed rate measurement. Wall time, not CPU time: native, OpenBLAS and the wasm peers may use
// threads, and only wall time compares them fairly. The machine is shared, so the box is split into
// rounds and the median round is reported, which a burst of someone else's load moves least.

export interface Budget {
  /** Seconds of timed work per measurement (split into rounds). */
  seconds: number;
  /** Untimed calls first (compilation, caches, JIT warm-up). */
  warmup: number;
  rounds: number;
}

export const FULL_BUDGET: Budget = { seconds: 2.5, warmup: 2, rounds: 5 };
export const QUICK_BUDGET: Budget = { seconds: 0.05, warmup: 1, rounds: 1 };

/**
 * Rate of `step` in `work` units per call per second: warm-up calls, then rounds of calls, each round
 * at least one call and about seconds/rounds long. Returns the median round's rate. A call slower than
 * a round cuts the rounds to 3, so that a slow runner does not take minutes for one number.
 */
export async function measureRate(budget: Budget, work: number, step: (i: number) => unknown | Promise<unknown>): Promise<number> {
  let i = 0;
  let last = 0;
  for (let w = 0; w < budget.warmup; w++) {
    const t0 = performance.now();
    await step(i++);
    last = performance.now() - t0;
    // A call slower than the whole box (SwiftShader's emulated GPU): one more call is the measurement.
    if (last > budget.seconds * 1000 * 2 && budget.seconds > 0) {
      const t1 = performance.now();
      await step(i++);
      slowMeasurements++;
      return work / ((performance.now() - t1) / 1000);
    }
  }
  const perRound = (budget.seconds * 1000) / budget.rounds;
  const rounds = last > perRound ? Math.min(budget.rounds, 3) : budget.rounds;
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    let calls = 0;
    do {
      await step(i++);
      calls++;
    } while (performance.now() - t0 < perRound);
    rates.push((calls * work) / ((performance.now() - t0) / 1000));
  }
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)]!;
}

/** How many measurements took the single-call path: the caller can say so. */
export let slowMeasurements = 0;

export const sgemmFlops = (m: number, k: number, n: number): number => 2 * m * k * n;
