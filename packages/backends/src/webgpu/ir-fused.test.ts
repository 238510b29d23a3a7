import { afterAll, describe, expect, it } from 'vitest';
import { Fused, NDArray, compile, evaluate, tensor, type DType, type Variable } from '@hypatia/core';
import { add, exp, gt, mul, square, sub, sum } from '@hypatia/ops';
import { compareArrays } from '@hypatia/ops/backend';
import { gpuAvailable, releaseDevice, seeded } from './gpu-test-helpers.js';

/**
 * Compile sum(body(xs)) on webgpu with producer fusion, check that it ran as one fused sum (its
 * kernels with the formula inlined), and compare with the reference semantics of the unfused graph.
 */
async function fusedAgrees(inputs: { dtype: DType; shape: (number | null)[] }[], body: (...xs: Variable[]) => Variable, axes: number[] | undefined, keepdims: boolean, args: NDArray[]): Promise<NDArray> {
  const xs = inputs.map((t, i) => tensor(t.dtype, t.shape, `x${i}`));
  const out = sum(body(...xs), axes, keepdims);
  const fn = await compile({ inputs: xs, outputs: out, backend: 'webgpu', rewrites: { include: ['producer_fusion'] } });
  expect(fn.graph.nodes.map((n) => n.op instanceof Fused && n.op.consumer.name)).toEqual(['sum']);
  expect(fn.executable.kernelCount).toBe(1);
  const [want] = evaluate([out], new Map(xs.map((v, i) => [v, args[i]!])));
  const got = await fn(...args);
  expect(compareArrays(want!, got, 1e-4, 1e-4)).toBeNull();
  return got;
}

const f32 = (...shape: (number | null)[]) => ({ dtype: 'float32' as const, shape });

describe.runIf(gpuAvailable)('webgpu sums with an inlined elementwise operand on their IR kernels (the formula folded over the axes)', () => {
  afterAll(releaseDevice);

  it('sums a formula over the last axis, the first axis and all axes', async () => {
    const a = seeded([37, 150], 'float32', 1), b = seeded([37, 150], 'float32', 2);
    await fusedAgrees([f32(null, null), f32(null, null)], (x, y) => mul(x, sub(y, 0.5)), [1], false, [a, b]);
    await fusedAgrees([f32(null, null), f32(null, null)], (x, y) => mul(x, sub(y, 0.5)), [0], true, [a, b]);
    await fusedAgrees([f32(null, null)], (x) => square(x), undefined, false, [seeded([300, 257], 'float32', 3)]);
  });

  it('broadcasts operands by strides (a row, a column, a rank-3 middle axis)', async () => {
    const x = seeded([5, 64], 'float32', 4), row = seeded([1, 64], 'float32', 5), col = seeded([5, 1], 'float32', 6);
    await fusedAgrees([f32(null, null), f32(1, null), f32(null, 1)], (u, v, w) => exp(add(mul(u, v), w)), [0], false, [x, row, col]);
    const t = seeded([3, 70, 4], 'float32', 7), c = seeded([3, 1, 1], 'float32', 8);
    await fusedAgrees([f32(null, null, null), f32(null, 1, 1)], (u, w) => mul(u, w), [1], false, [t, c]);
  });

  it('counts a bool formula in int32 and sums int32 formulas', async () => {
    const x = seeded([9, 200], 'float32', 9);
    const counts = await fusedAgrees([f32(null, null)], (u) => gt(u, 0), [1], false, [x]);
    expect(counts.dtype).toBe('int32');
    const i = seeded([6, 50], 'int32', 10, -100, 100);
    await fusedAgrees([{ dtype: 'int32', shape: [null, null] }], (u) => mul(u, u), [1], false, [i]);
  });

  it('gives zeros for an empty reduction and checks broadcasting at run time', async () => {
    const zeros = await fusedAgrees([f32(null, null)], (u) => square(u), [1], false, [new NDArray('float32', [3, 0], new Float32Array(0))]);
    expect(Array.from(zeros.data)).toEqual([0, 0, 0]);
    const u = tensor('float32', [null], 'u'), v = tensor('float32', [null], 'v');
    const fn = await compile({ inputs: [u, v], outputs: sum(mul(u, v)), backend: 'webgpu', rewrites: { include: ['producer_fusion'] } });
    await expect(fn(seeded([4], 'float32', 1), seeded([5], 'float32', 2))).rejects.toThrow(/^mul: at run time: shapes \[4\] and \[5\] do not broadcast.*ir-fused\.test\.ts:\d+:/s);
  });
});
