import { describe, expect, it } from 'vitest';
import { learningRate } from '../optimizers/optimizers.js';
import { applySchedule, exponentialDecay, HalveOnPlateau, inverseTimeDecay, stepDecay } from './schedules.js';

describe('learning-rate schedules', () => {
  it('step, exponential and 1/t decay', () => {
    expect([0, 4, 5, 10].map(stepDecay(1, 0.5, 5))).toEqual([1, 1, 0.5, 0.25]);
    expect(exponentialDecay(2, 0.1)(10)).toBeCloseTo(2 * Math.exp(-1), 12);
    expect(inverseTimeDecay(1, 0.5)(4)).toBeCloseTo(1 / 3, 12);
    const lr = learningRate(1);
    applySchedule(lr, stepDecay(1, 0.1, 1), 2);
    expect(lr.get().data[0]).toBeCloseTo(0.01, 6);
  });

  it('halves eta after `patience` epochs without improvement and stops at eta0/128', () => {
    const lr = learningRate(0.5);
    const h = new HalveOnPlateau(lr, 2);
    expect(h.observe(0.9)).toBe(false);
    expect(h.observe(0.89)).toBe(false);
    expect(h.observe(0.9)).toBe(false);
    expect(lr.get().data[0]).toBeCloseTo(0.25, 6);
    let epochs = 0;
    while (!h.observe(0.5)) epochs++;
    // Six more halvings after the first: 0.5 / 2^7 = 0.5 / 128.
    expect(lr.get().data[0]).toBeCloseTo(0.5 / 128, 8);
    expect(epochs).toBe(11);
  });
});
