import { describe, expect, it } from 'vitest';
import { Constant, Lop, Rop, NDArray, graphInputs, dmatrix, dvector, evaluate, mulberry32, type Variable } from '@hypatia/core';
import { add, dot, exp, mul, sin, sum, tanh } from '@hypatia/ops';

const rand = (shape: number[], seed: number): NDArray => {
  const rng = mulberry32(seed);
  const a = NDArray.zeros('float64', shape);
  for (let i = 0; i < a.size; i++) a.data[i] = rng() * 2 - 1;
  return a;
};

/** f(x, W) = [tanh(W x) + sin(x)·sum(x), exp(x)]: two outputs, two inputs of different shapes. */
function model() {
  const x = dvector('x');
  const W = dmatrix('W');
  const f = [add(tanh(dot(W, x)), mul(sin(x), sum(x))), exp(x)];
  return { x, W, f };
}

/** Two-sided finite differences of `outs` along `dirs` at `point`. */
function directional(outs: readonly Variable[], inputs: readonly Variable[], point: readonly NDArray[], dirs: readonly NDArray[], eps = 1e-6): NDArray[] {
  const at = (sign: number) => evaluate(outs, new Map(inputs.map((v, i) => {
    const p = point[i]!.copy();
    for (let j = 0; j < p.size; j++) p.data[j] = p.data[j]! + sign * eps * dirs[i]!.data[j]!;
    return [v, p];
  })));
  const [plus, minus] = [at(1), at(-1)];
  return plus.map((a, k) => new NDArray('float64', a.shape, a.data.map((y, j) => (y - minus[k]!.data[j]!) / (2 * eps)) as Float64Array));
}

describe('Rop and Lop', () => {
  const { x, W, f } = model();
  const point = [rand([3], 1), rand([3, 3], 2)];
  const env = (extra: [Variable, NDArray][] = []) => new Map<Variable, NDArray>([[x, point[0]!], [W, point[1]!], ...extra]);

  it('Rop (forward mode, by the double-vjp trick) is J·v, as finite differences along v give it', () => {
    const v = [dvector('vx'), dmatrix('vW')];
    const dirs = [rand([3], 3), rand([3, 3], 4)];
    const jv = Rop(f, [x, W], v);
    const got = evaluate(jv, env([[v[0]!, dirs[0]!], [v[1]!, dirs[1]!]]));
    const want = directional(f, [x, W], point, dirs);
    got.forEach((g, k) => Array.from(g.data).forEach((y, j) => expect(y, `output ${k} element ${j}`).toBeCloseTo(want[k]!.data[j]!, 6)));
    // The dummy cotangent of the trick does not survive in the result: it reads only x, W and v.
    expect(graphInputs(jv).filter((leaf) => !(leaf instanceof Constant)).map((leaf) => leaf.name).sort()).toEqual(['W', 'vW', 'vx', 'x']);
  });

  it('Lop is uᵀ·J: against finite differences of uᵀf along each coordinate', () => {
    const u = [dvector('u0'), dvector('u1')];
    const us = [rand([3], 5), rand([3], 6)];
    const [gx, gW] = Lop(f, [x, W], u);
    const got = evaluate([gx!, gW!], env([[u[0]!, us[0]!], [u[1]!, us[1]!]]));
    [point[0]!, point[1]!].forEach((p, k) => {
      for (let j = 0; j < p.size; j++) {
        const dirs = [NDArray.zeros('float64', [3]), NDArray.zeros('float64', [3, 3])];
        dirs[k]!.data[j] = 1;
        const d = directional(f, [x, W], point, dirs);
        const want = d.reduce((s, a, o) => s + Array.from(a.data).reduce((t, y, i) => t + y * us[o]!.data[i]!, 0), 0);
        expect(got[k]!.data[j], `input ${k} element ${j}`).toBeCloseTo(want, 6);
      }
    });
  });

  it('Rop of an output that does not depend on the variable is zeros', () => {
    const v = dvector('v');
    const [r] = Rop([exp(x)], [dvector('unused')], [v]);
    const out = evaluate([r!], env([[v, rand([3], 7)]]))[0]!;
    expect(Array.from(out.data)).toEqual([0, 0, 0]);
  });
});
