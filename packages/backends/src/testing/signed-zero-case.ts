import { expect, it } from 'vitest';
import { NDArray, compile, tensor, type DType } from '@hypatia/core';
import { div, exp, mul } from '@hypatia/ops';

/** A number's text that tells -0 from 0 (toEqual would too, but the message should show it). */
const signed = (v: number) => (Object.is(v, -0) ? '-0' : String(v));

/**
 * Fused formulas that differ only in the sign of a zero constant, compiled into one function on a
 * backend: each must keep its own sign (x / -0 is -Infinity, x * -0 is -0), as plain JS computes.
 * A backend's scalar-table test calls this inside its describe with compile()'s backend options.
 */
export function signedZeroConstantsCase(options: () => Record<string, unknown>, dtypes: readonly DType[] = ['float32', 'float64']): void {
  for (const dtype of dtypes) {
    it(`a ${dtype} constant -0 in a fused formula keeps its sign, next to the same formula over 0`, async () => {
      const values = [1, -2, 0.5];
      // One input per output, so merging leaves four fused exp-then-div/mul formulas.
      const xs = [0, 1, 2, 3].map((i) => tensor(dtype, [null], `x${i}`));
      const outputs = [div(exp(xs[0]!), -0), div(exp(xs[1]!), 0), mul(exp(xs[2]!), -0), mul(exp(xs[3]!), 0)];
      const want = [(v: number) => Math.exp(v) / -0, (v: number) => Math.exp(v) / 0, (v: number) => Math.exp(v) * -0, (v: number) => Math.exp(v) * 0];
      const f = await compile({ inputs: xs, outputs, ...options() });
      expect(f.executable.describe()).toMatch(/composite\{exp,div\}/);
      const got = await f(...xs.map(() => NDArray.from(values, dtype)));
      got.forEach((g, k) => expect(Array.from(g.data).map(signed), `output ${k}`).toEqual(values.map(want[k]!).map(signed)));
    });
  }
}
