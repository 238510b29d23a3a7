import { S, sconst, type DType, type ScalarExpr } from '@hypatia/core';

/**
 * A formula written as Σ coefficient_i · $i over some of its inputs (the `linear` ones) plus a rest
 * that reads none of them. Coefficients and rest are formulas over the other inputs.
 */
export interface AffineForm {
  coefficients: Map<number, ScalarExpr>;
  /** Null: no term without a linear input. */
  rest: ScalarExpr | null;
}

/**
 * `e` as an affine function of the inputs in `linear`, or null when it is not one in `dtype`
 * arithmetic: a linear input may pass only through add, sub, neg, mul by or div by a term without
 * linear inputs, all in `dtype` (a cast or any other function of one is refused). What the gemm
 * rewrite reads an update `W - η·(g + λ·W)` with: W's coefficient `1 - η·λ`, g's `-η`.
 */
export function affineForm(e: ScalarExpr, linear: ReadonlySet<number>, dtype: DType): AffineForm | null {
  if (e.k === 'in' && linear.has(e.i)) return e.dtype === dtype ? { coefficients: new Map([[e.i, sconst(1, dtype)]]), rest: null } : null;
  if (e.k !== 'call') return { coefficients: new Map(), rest: e };
  const args = e.args.map((a) => affineForm(a, linear, dtype));
  if (args.some((a) => a === null)) return null;
  const [a, b] = args as AffineForm[];
  const constantTerm = args.every((x) => x!.coefficients.size === 0);
  if (constantTerm) return { coefficients: new Map(), rest: e };
  if (e.dtype !== dtype) return null;
  switch (e.f) {
    case 'add': return combine(a!, b!, dtype, 1);
    case 'sub': return combine(a!, b!, dtype, -1);
    case 'neg': return scale(a!, sconst(-1, dtype), dtype);
    case 'mul':
      if (a!.coefficients.size === 0) return scale(b!, a!.rest!, dtype);
      if (b!.coefficients.size === 0) return scale(a!, b!.rest!, dtype);
      return null;
    case 'div':
      return b!.coefficients.size === 0 ? scale(a!, S.div(sconst(1, dtype), b!.rest!), dtype) : null;
    default:
      return null;
  }
}

/** a + sign·b, term by term. */
function combine(a: AffineForm, b: AffineForm, dtype: DType, sign: 1 | -1): AffineForm {
  const coefficients = new Map(a.coefficients);
  for (const [i, c] of b.coefficients) {
    const have = coefficients.get(i);
    coefficients.set(i, have ? (sign > 0 ? S.add(have, c) : S.sub(have, c)) : sign > 0 ? c : negate(c, dtype));
  }
  const rest = a.rest && b.rest ? (sign > 0 ? S.add(a.rest, b.rest) : S.sub(a.rest, b.rest)) : a.rest ?? (b.rest && (sign > 0 ? b.rest : S.neg(b.rest)));
  return { coefficients, rest };
}

/** Every term multiplied by `k` (a formula without linear inputs). */
function scale(x: AffineForm, k: ScalarExpr, dtype: DType): AffineForm {
  const times = (c: ScalarExpr) => (isConst(c, 1) ? convertTo(k, dtype) : isConst(k, 1) ? c : S.mul(c, k));
  return { coefficients: new Map([...x.coefficients].map(([i, c]) => [i, times(c)])), rest: x.rest && S.mul(x.rest, k) };
}

function negate(c: ScalarExpr, dtype: DType): ScalarExpr {
  return c.k === 'const' ? sconst(-c.v, dtype) : S.neg(c);
}

function isConst(e: ScalarExpr, v: number): boolean {
  return e.k === 'const' && e.v === v;
}

function convertTo(e: ScalarExpr, dtype: DType): ScalarExpr {
  return e.dtype === dtype ? e : S.cast(e, dtype);
}
