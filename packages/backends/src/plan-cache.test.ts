import { describe, expect, it } from 'vitest';
import { NDArray, shared, type SharedVariable } from '@hypatia/core';
import { PlanCache } from './plan-cache.js';

/** A plan that replays calls of one shape, and whose check fails on a value it is told. */
class FakePlan {
  freed = false;
  readonly instructionCount = 12;
  readonly arenaBytes = 64;
  constructor(readonly shape: number, readonly failsOn = -1, readonly inPlaceUpdates: SharedVariable[] = []) {}
  run(shape: number, value = 0): string | 'shapes' | 'check' {
    if (shape !== this.shape) return 'shapes';
    return value === this.failsOn ? 'check' : `plan ${this.shape}`;
  }
  free(): void {
    this.freed = true;
  }
}

describe('PlanCache', () => {
  it('tries plans most recently used first: another shape declines, a failed check falls through and is counted, a hit moves to the front', () => {
    const cache = new PlanCache<FakePlan>(true);
    const [a, b] = [new FakePlan(1, 7), new FakePlan(2)];
    cache.recorded(() => a);
    cache.recorded(() => b);
    expect(cache.plans).toEqual([b, a]);
    expect(cache.replay((p) => p.run(1))).toBe('plan 1');
    expect(cache.plans).toEqual([a, b]);
    expect(cache.replay((p) => p.run(1, 7))).toBeUndefined();
    expect(cache.replay((p) => p.run(3))).toBeUndefined();
    expect(cache.stats).toEqual({ replayed: 1, recorded: 2, checksFailed: 1 });
  });

  it('keeps four plans, freeing the least recently used', () => {
    const cache = new PlanCache<FakePlan>(true);
    const plans = [1, 2, 3, 4, 5].map((s) => new FakePlan(s));
    for (const p of plans.slice(0, 4)) cache.recorded(() => p);
    cache.replay((p) => p.run(1));
    cache.recorded(() => plans[4]!);
    expect(cache.plans).toEqual([plans[4], plans[0], plans[3], plans[2]]);
    expect(plans.map((p) => p.freed)).toEqual([false, true, false, false, false]);
  });

  it('stops recording after eight recordings in a row that never replayed; a replay starts the count again', () => {
    const cache = new PlanCache<FakePlan>(true);
    cache.recorded(() => new FakePlan(0));
    for (let s = 1; s < 8; s++) cache.recorded(null);
    expect(cache.recording).toBe(false);
    expect(cache.replay((p) => p.run(0))).toBe('plan 0');
    expect(cache.recording).toBe(true);
  });

  it("describe()'s replay line is the latest plan's: its size, how it runs, the updates it writes in place; none without replay", () => {
    const cache = new PlanCache<FakePlan>(true);
    expect(cache.describe(() => 'one call')).toBeNull();
    cache.recorded(() => new FakePlan(1, -1, [shared(NDArray.from([1], 'float32'), 'w'), shared(NDArray.from([2], 'float32'), 'b')]));
    expect(cache.describe(() => 'one call')).toBe('  replay: 12 instructions in one call, arena 64 bytes, updates in place: w, b');
    expect(new PlanCache<FakePlan>(false).describe(() => 'one call')).toBe('  replay: none (the JS path runs every call)');
  });

  it('without replay it neither replays nor records', () => {
    const cache = new PlanCache<FakePlan>(false);
    expect(cache.recording).toBe(false);
    cache.recorded(() => new FakePlan(0));
    expect(cache.replay((p) => p.run(0))).toBeUndefined();
  });
});
