import { expect, it } from 'vitest';
import { tour } from './main.js';

it('the README tour runs and computes what it says', async () => {
  const r = await tour(() => {});
  expect(r.five).toBe(5);
  expect(r.eight).toBe(8);
  expect(r.accumulated).toBe(11);
  expect(r.cost).toBeLessThan(0.1);
  expect(r.sameGraph).toBe(true);
  expect(r.top2).toEqual([3, 2]);
  expect(r.positive).toEqual([3, 2, 0.5]);
  expect(r.message).toMatch(/^dot: /);
});
