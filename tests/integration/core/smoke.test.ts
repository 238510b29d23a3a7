import { describe, expect, it } from 'vitest';
import { compile, matrix, vector, shared, grad, NDArray, dvector, verifyGrad, debugPrintGraph } from '@hypatia/core';
import { add, mul, sigmoid, sum, exp, sub } from '@hypatia/ops';
import '@hypatia/backends';

describe('end to end', () => {
  it('compiles, differentiates and updates', async () => {
    const x = vector('x');
    const w = shared(NDArray.from([1, 2, 3], 'float32'), 'w');
    const y = sum(mul(sigmoid(mul(x, w)), 2));
    const gw = grad(y, w);
    const f = await compile({ inputs: [x], outputs: [y, gw], updates: [[w, sub(w, mul(gw, 0.1))]] });
    const [yv, gv] = await f([1, 1, 1]);
    const s = (z: number) => 1 / (1 + Math.exp(-z));
    expect(yv!.item()).toBeCloseTo(2 * (s(1) + s(2) + s(3)), 5);
    expect(gv!.data[0]).toBeCloseTo(2 * s(1) * (1 - s(1)), 5);
    expect(w.get().data[0]).toBeCloseTo(1 - 0.1 * 2 * s(1) * (1 - s(1)), 5);
    console.log(debugPrintGraph([y]));
  });
  it('verifyGrad on a broadcast expression', () => {
    verifyGrad((a, b) => exp(add(mul(a, b), a)), [NDArray.from([0.1, 0.2, -0.3]), NDArray.from([0.5, -1, 2])]);
  });
  it('names the user line on shape mismatch', () => {
    const a = matrix('a');
    const b = vector('b');
    const c = dvector('c');
    expect(() => add(a, add(b, NDArray.from([[1, 2]]) as never))).not.toThrow();
    try { add(NDArray.from([1, 2, 3]) as never, NDArray.from([1, 2]) as never); expect.unreachable(); } catch (e) {
      expect(String(e)).toMatch(/add: .*smoke\.test\.ts:\d+/s);
    }
    void c;
  });
});
