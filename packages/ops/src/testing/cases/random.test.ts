import { describe, expect, it } from 'vitest';
import { compile } from '@hypatia/core';
import '@hypatia/backends';
import { checkCase } from '../op-table.js';
import { randomCases } from './random.js';

describe('random op-table rows', () => {
  for (const c of randomCases) {
    it(`${c.name} runs on the reference backend and draws the same numbers on every build`, async () => {
      expect(await checkCase(c, 'reference')).toBeNull();
      // The table relies on each build starting from the same state: two builds, two compiled functions, one result.
      const runs = await Promise.all([0, 1].map(async () => {
        const { inputs, outputs } = c.build();
        return (await compile({ inputs, outputs, backend: 'reference' }))(...c.args());
      }));
      runs[0]!.forEach((a, k) => expect(Array.from(a.data)).toEqual(Array.from(runs[1]![k]!.data)));
    });
  }
});
