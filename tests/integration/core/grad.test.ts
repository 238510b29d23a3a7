import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  grad, evaluate, dvector, dscalar, ivector, NDArray, stopGradient, GradientError, Constant, Op, DISCONNECTED,
  S, type GradResult, type TensorType, type Variable,
} from '@hypatia/core';
import { add, mul, sum, square, cast, exp, elementwise } from '@hypatia/ops';

/** (2x, 3x): two outputs, so a cost may use only one of them. */
class Twice extends Op {
  readonly name = 'twice';
  inferTypes([t]: readonly TensorType[]): TensorType[] { return [t!, t!]; }
  perform([x]: readonly NDArray[]): NDArray[] { return [2, 3].map((k) => NDArray.from(Array.from(x!.data, (v) => k * v), x!.dtype)); }
  override grad(_xs: readonly Variable[], _o: readonly Variable[], [g0, g1]: readonly Variable[]): GradResult[] {
    return [add(mul(g0!, 2), mul(g1!, 3))];
  }
}

/** The identity, whose gradient is whatever it was built to return. */
class Returns extends Op {
  readonly name = 'returns';
  constructor(readonly result: unknown) { super(); }
  inferTypes(ts: readonly TensorType[]): TensorType[] { return [ts[0]!]; }
  perform([x]: readonly NDArray[]): NDArray[] { return [x!]; }
  override grad(): GradResult[] { return [this.result as GradResult]; }
}

const at = (v: ReturnType<typeof dvector>, x: number[]) => new Map([[v, NDArray.from(x, 'float64')]]);

describe('grad', () => {
  it('gradients of gradients: a Hessian-vector product matches the analytic one', () => {
    // f(x) = sum(x^3) + (sum x)^2; H = diag(6x) + 2·11ᵀ, so Hv = 6x∘v + 2·sum(v)
    const x = dvector('x');
    const v = dvector('v');
    const f = add(sum(mul(square(x), x)), square(sum(x)));
    const g = grad(f, x);
    const hv = grad(sum(mul(g, v)), x);
    const xs = [0.5, -1.5, 2];
    const vs = [1, 0.25, -2];
    const got = evaluate([hv], new Map([[x, NDArray.from(xs, 'float64')], [v, NDArray.from(vs, 'float64')]]))[0]!;
    const sv = vs.reduce((a, b) => a + b, 0);
    xs.forEach((xi, i) => expect(got.data[i]).toBeCloseTo(6 * xi * vs[i]! + 2 * sv, 12));
  });

  it('sums the contributions of a variable used twice', () => {
    const x = dvector('x');
    const g = grad(sum(add(mul(x, 3), exp(x))), x);
    const got = evaluate([g], at(x, [0, 1]))[0]!;
    expect(Array.from(got.data)).toEqual([3 + 1, 3 + Math.E]);
  });

  it('a cost that does not depend on wrt is an error by default, zeros or null on request', () => {
    const x = dvector('x');
    const y = dvector('y');
    const c = sum(x);
    expect(() => grad(c, y)).toThrow(GradientError);
    expect(() => grad(c, y)).toThrow(/does not depend on y/);
    expect(Array.from(evaluate([grad(c, y, { disconnected: 'zero' })], new Map([[x, NDArray.from([1, 2], 'float64')], [y, NDArray.from([1, 2], 'float64')]]))[0]!.data)).toEqual([0, 0]);
    expect(grad(c, [y], { disconnected: 'none' })[0]).toBeNull();
    expect(grad(c, y, { disconnected: 'none' })).toBeNull();
    // Only 'none' may leave a result null, and the types say so (checked by tsc).
    expectTypeOf(grad(c, y, { disconnected: 'none' })).toEqualTypeOf<Variable | null>();
    expectTypeOf(grad(c, [y], { disconnected: 'none' })).toEqualTypeOf<(Variable | null)[]>();
    expectTypeOf(() => grad(c, y)).returns.toEqualTypeOf<Variable>();
    expectTypeOf(grad(c, [x, y], { disconnected: 'zero' })).toEqualTypeOf<Variable[]>();
  });

  it('consider and stopGradient stop the flow; known gradients seed it', () => {
    const x = dvector('x');
    const h = mul(x, x);
    const viaConsider = grad(sum(mul(h, x)), x, { consider: [h] });
    expect(Array.from(evaluate([viaConsider], at(x, [2, 3]))[0]!.data)).toEqual([4, 9]);
    const viaStop = grad(sum(mul(stopGradient(h), x)), x);
    expect(Array.from(evaluate([viaStop], at(x, [2, 3]))[0]!.data)).toEqual([4, 9]);
    const seeded = grad(null, x, { knownGrads: [[h, new Constant(NDArray.from([1, 10], 'float64'))]] });
    expect(Array.from(evaluate([seeded], at(x, [2, 3]))[0]!.data)).toEqual([4, 60]);
  });

  it('integer paths carry no gradient, and an integer wrt or a non-scalar cost is an error naming it', () => {
    const i = ivector('i');
    const x = dscalar('x');
    const c = sum(mul(cast(i, 'float64'), x));
    expect(() => grad(c, i)).toThrow(/integer type/);
    expect(() => grad(mul(x, cast(i, 'float64')), x)).toThrow(/cost must be a scalar/);
    const g = grad(c, x);
    expect(evaluate([g], new Map<never, NDArray>([[i as never, NDArray.from([1, 2], 'int32')], [x as never, NDArray.from(5, 'float64')]]))[0]!.item()).toBe(3);
  });

  it('DISCONNECTED is the one way to say no gradient flows; other values are an error naming the op', () => {
    const x = dvector('x');
    expect(() => grad(sum(new Returns(DISCONNECTED).call(x)), x)).toThrow(/does not depend on x/);
    const floor = elementwise({ name: 'floor', arity: 1, formula: ([a]) => S.floor(a!), grad: () => [DISCONNECTED] });
    expect(Array.from(evaluate([grad(sum(floor(x)), x, { disconnected: 'zero' })], at(x, [1.5]))[0]!.data)).toEqual([0]);
    for (const bad of [null, undefined, { kind: 'disconnected' }]) {
      expect(() => grad(sum(new Returns(bad).call(x)), x)).toThrow(GradientError);
      expect(() => grad(sum(new Returns(bad).call(x)), x)).toThrow(/returns: grad returned .* for input 0 \(x\); return a variable of its type, or DISCONNECTED/);
    }
  });

  it('an output the cost does not use reaches the op as zeros', () => {
    const x = dvector('x');
    const [doubled] = new Twice().apply([x]).outputs;
    const g = grad(sum(doubled!), x);
    expect(Array.from(evaluate([g], at(x, [1, 2]))[0]!.data)).toEqual([2, 2]);
  });
});
