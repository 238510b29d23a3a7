import { expect, it } from 'vitest';
import { evaluate, tensor, type NDArray, type Variable } from '@hypatia/core';
import { sample } from './naive-reduce.js';

export type AxisArg = number | number[] | undefined;

/** The axis choices the reduction tests sweep over a rank-3 input. */
export const AXES: readonly AxisArg[] = [undefined, 0, -1, [0, 2], [1, 2]];

/** `axis` as the non-negative axes of a rank-3 input (all three when undefined). */
export const norm3 = (a: AxisArg): number[] => (a === undefined ? [0, 1, 2] : [a].flat().map((x) => (x < 0 ? x + 3 : x)));

/**
 * One test per axis choice and keepdims: reduce a seeded float64 [2, 3, 4] sample with `reduce`,
 * check the result's shape, then hand the result (value and symbolic variable) to `check`.
 * Shared by the reduction tests so that each states only its own oracle.
 */
export function sweepAxes(
  label: string,
  reduce: (x: Variable, axis: AxisArg, keepdims: boolean) => Variable,
  check: (out: NDArray, X: NDArray, axes: number[], v: Variable) => void,
  axesList: readonly AxisArg[] = AXES,
): void {
  for (const axis of axesList) {
    for (const keepdims of [false, true]) {
      it(`${label ? `${label} ` : ''}over ${JSON.stringify(axis)}, keepdims=${keepdims}`, () => {
        const X = sample([2, 3, 4], 1);
        const axes = norm3(axis);
        const x = tensor('float64', [null, null, null], 'x');
        const v = reduce(x, axis, keepdims);
        const [out] = evaluate([v], new Map([[x, X]]));
        expect(out!.shape).toEqual(X.shape.flatMap((d, i) => (axes.includes(i) ? (keepdims ? [1] : []) : [d])));
        check(out!, X, axes, v);
      });
    }
  }
}
