import { DISCONNECTED, S, sconst, type Variable } from '@hypatia/core';
import { elementwise } from './factory.js';

// Each op: its scalar formula and its vector-Jacobian product, written with the ops themselves.

/** a + b, elementwise with broadcasting. */
export const add = elementwise({
  name: 'add', arity: 2,
  formula: ([a, b]) => S.add(a!, b!),
  grad: (_xs, _o, g) => [g, g],
});

/** a - b, elementwise with broadcasting. */
export const sub = elementwise({
  name: 'sub', arity: 2,
  formula: ([a, b]) => S.sub(a!, b!),
  grad: (_xs, _o, g) => [g, neg(g)],
});

/** a * b, elementwise with broadcasting. */
export const mul = elementwise({
  name: 'mul', arity: 2,
  formula: ([a, b]) => S.mul(a!, b!),
  grad: ([a, b], _o, g) => [mul(g, b!), mul(g, a!)],
});

/** True division; integers divide to float32, as NumPy's / does to float64. */
export const div = elementwise({
  name: 'div', arity: 2,
  formula: ([a, b]) => S.div(a!, b!),
  grad: ([a, b], o, g) => [div(g, b!), neg(div(mul(g, o), b!))],
});

/** -a, elementwise. */
export const neg = elementwise({
  name: 'neg', arity: 1,
  formula: ([a]) => S.neg(a!),
  grad: (_xs, _o, g) => [neg(g)],
});

/** a ** b, elementwise with broadcasting. */
export const pow = elementwise({
  name: 'pow', arity: 2,
  formula: ([a, b]) => S.pow(a!, b!),
  // d/da a^b = b a^(b-1); d/db a^b = a^b log a (taken as 0 where a == 0, where the limit is 0 for b > 0)
  grad: ([a, b], o, g) => [
    mul(g, mul(b!, pow(a!, sub(b!, 1)))),
    mul(g, where(eq(a!, 0), 0, mul(o, log(a!)))),
  ],
});

/** e ** a, elementwise; integers give float32. */
export const exp = elementwise({
  name: 'exp', arity: 1,
  formula: ([a]) => S.exp(a!),
  grad: (_xs, o, g) => [mul(g, o)],
});

/** The natural logarithm, elementwise; integers give float32. */
export const log = elementwise({
  name: 'log', arity: 1,
  formula: ([a]) => S.log(a!),
  grad: ([a], _o, g) => [div(g, a!)],
});

/** log(1 + a), accurate for small a. */
export const log1p = elementwise({
  name: 'log1p', arity: 1,
  formula: ([a]) => S.log1p(a!),
  grad: ([a], _o, g) => [div(g, add(a!, 1))],
});

/** exp(a) - 1, accurate for small a. */
export const expm1 = elementwise({
  name: 'expm1', arity: 1,
  formula: ([a]) => S.expm1(a!),
  grad: ([a], _o, g) => [mul(g, exp(a!))],
});

/** The square root, elementwise; integers give float32. */
export const sqrt = elementwise({
  name: 'sqrt', arity: 1,
  formula: ([a]) => S.sqrt(a!),
  grad: (_xs, o, g) => [div(g, mul(o, 2))],
});

/** a * a, elementwise. */
export const square = elementwise({
  name: 'square', arity: 1,
  formula: ([a]) => S.mul(a!, a!),
  grad: ([a], _o, g) => [mul(g, mul(a!, 2))],
});

/** The sine, elementwise (radians). */
export const sin = elementwise({
  name: 'sin', arity: 1,
  formula: ([a]) => S.sin(a!),
  grad: ([a], _o, g) => [mul(g, cos(a!))],
});

/** The cosine, elementwise (radians). */
export const cos = elementwise({
  name: 'cos', arity: 1,
  formula: ([a]) => S.cos(a!),
  grad: ([a], _o, g) => [neg(mul(g, sin(a!)))],
});

/** |a|, elementwise. */
export const abs = elementwise({
  name: 'abs', arity: 1,
  formula: ([a]) => S.abs(a!),
  grad: ([a], _o, g) => [mul(g, sign(a!))],
});

/** -1, 0 or 1 by the sign of a (NaN stays NaN); its gradient is zero. */
export const sign = elementwise({
  name: 'sign', arity: 1,
  formula: ([a]) => S.sign(a!),
  grad: ([a]) => [zerosOf(a!)],
});

/** Written as 1/(1+exp(-x)): exp(-x) overflows to inf for very negative x, which still gives the right 0. */
export const sigmoid = elementwise({
  name: 'sigmoid', arity: 1,
  formula: ([a]) => S.div(sconst(1, a!.dtype), S.add(sconst(1, a!.dtype), S.exp(S.neg(a!)))),
  grad: (_xs, o, g) => [mul(g, mul(o, sub(1, o)))],
});

/** log(1 + exp(x)) in the stable form max(x, 0) + log1p(exp(-|x|)). */
export const softplus = elementwise({
  name: 'softplus', arity: 1,
  formula: ([a]) => S.add(S.max(a!, sconst(0, a!.dtype)), S.log1p(S.exp(S.neg(S.abs(a!))))),
  grad: ([a], _o, g) => [mul(g, sigmoid(a!))],
});

/** The hyperbolic tangent, elementwise. */
export const tanh = elementwise({
  name: 'tanh', arity: 1,
  formula: ([a]) => S.tanh(a!),
  grad: (_xs, o, g) => [mul(g, sub(1, mul(o, o)))],
});

/** max(a, 0), elementwise; the gradient passes where a > 0. */
export const relu = elementwise({
  name: 'relu', arity: 1,
  formula: ([a]) => S.max(a!, sconst(0, a!.dtype)),
  grad: ([a], _o, g) => [mul(g, cast(gt(a!, 0), g.dtype))],
});

/** Ties send the gradient to the first operand, as Theano does. */
export const maximum = elementwise({
  name: 'maximum', arity: 2,
  formula: ([a, b]) => S.max(a!, b!),
  grad: ([a, b], _o, g) => [mul(g, cast(ge(a!, b!), g.dtype)), mul(g, cast(lt(a!, b!), g.dtype))],
});

/** The smaller of a and b, elementwise with broadcasting; ties send the gradient to the first operand. */
export const minimum = elementwise({
  name: 'minimum', arity: 2,
  formula: ([a, b]) => S.min(a!, b!),
  grad: ([a, b], _o, g) => [mul(g, cast(le(a!, b!), g.dtype)), mul(g, cast(gt(a!, b!), g.dtype))],
});

const comparison = (name: 'lt' | 'le' | 'gt' | 'ge' | 'eq' | 'ne') =>
  elementwise({ name, arity: 2, formula: ([a, b]) => S[name](a!, b!), grad: () => [DISCONNECTED, DISCONNECTED] });
/** a < b, elementwise, as bool. */
export const lt = comparison('lt');
/** a <= b, elementwise, as bool. */
export const le = comparison('le');
/** a > b, elementwise, as bool. */
export const gt = comparison('gt');
/** a >= b, elementwise, as bool. */
export const ge = comparison('ge');
/** a == b, elementwise, as bool. */
export const eq = comparison('eq');
/** a != b, elementwise, as bool. */
export const neq = comparison('ne');

/** Logical and, elementwise, as bool (nonzero counts as true). */
export const and = elementwise({ name: 'and', arity: 2, formula: ([a, b]) => S.and(a!, b!), grad: () => [DISCONNECTED, DISCONNECTED] });
/** Logical or, elementwise, as bool (nonzero counts as true). */
export const or = elementwise({ name: 'or', arity: 2, formula: ([a, b]) => S.or(a!, b!), grad: () => [DISCONNECTED, DISCONNECTED] });
/** Logical not, elementwise, as bool. */
export const not = elementwise({ name: 'not', arity: 1, formula: ([a]) => S.not(a!), grad: () => [DISCONNECTED] });
/** Whether each element is NaN, as bool. */
export const isnan = elementwise({ name: 'isnan', arity: 1, formula: ([a]) => S.isnan(a!), grad: () => [DISCONNECTED] });
/** Whether each element is +-Infinity, as bool. */
export const isinf = elementwise({ name: 'isinf', arity: 1, formula: ([a]) => S.isinf(a!), grad: () => [DISCONNECTED] });

/** Theano's switch: a where cond else b, elementwise with broadcasting. */
export const where = elementwise({
  name: 'where', arity: 3,
  formula: ([c, a, b]) => S.select(c!, a!, b!),
  grad: ([c, a, b], _o, g) => {
    const z = zerosOf(g);
    return [DISCONNECTED, where(c!, g, z), where(c!, z, g)];
  },
});
/** Theano's name for `where`: a where cond else b. */
export const switch_ = where;

/** Clip to [lo, hi]; the gradient passes where lo <= x <= hi. */
export const clip = (x: Variable | number, lo: Variable | number, hi: Variable | number): Variable => clipOp(x, lo, hi);
const clipOp = elementwise({
  name: 'clip', arity: 3,
  formula: ([x, lo, hi]) => S.min(S.max(x!, lo!), hi!),
  grad: ([x, lo, hi], _o, g) => {
    const z = zerosOf(g);
    return [where(and(ge(x!, lo!), le(x!, hi!)), g, z), where(lt(x!, lo!), g, z), where(gt(x!, hi!), g, z)];
  },
});

import { castTo } from './broadcast.js';
import { zerosLike } from '@hypatia/core';
/** `x` converted to `dtype`, elementwise (Theano's cast); floats to int32 truncate. */
export function cast(x: Variable, dtype: Variable['dtype']): Variable {
  return castTo(x, dtype);
}
function zerosOf(x: Variable): Variable {
  return zerosLike(x);
}
