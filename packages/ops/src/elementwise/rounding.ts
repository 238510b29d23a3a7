import { S, isFloat, upcast, zerosLike, type ScalarExpr, type Variable } from '@hypatia/core';
import { elementwise } from './factory.js';
import { mul, neg } from './arithmetic.js';

// Rounding and integer division. Their results are piecewise constant in the operands, so their
// gradient is zero (not DISCONNECTED), as Theano's: `grad(sum(floor(x)), x)` is zeros, and a cost
// that reaches a weight only through them still differentiates. Integer operands get no gradient.

const zeroGrad = (xs: readonly Variable[]) => xs.map((x) => zerosLike(x));

/** The largest integer <= a, elementwise, in a's dtype; its gradient is zero. */
export const floor = elementwise({
  name: 'floor', arity: 1,
  formula: ([a]) => S.floor(a!),
  grad: (xs) => zeroGrad(xs),
});

/** The smallest integer >= a, elementwise, in a's dtype; its gradient is zero. */
export const ceil = elementwise({
  name: 'ceil', arity: 1,
  formula: ([a]) => S.ceil(a!),
  grad: (xs) => zeroGrad(xs),
});

/** Round half to even, as NumPy's `round` and Theano's `round_half_to_even` (Theano's `round` defaults to half away from zero). */
export const round = elementwise({
  name: 'round', arity: 1,
  formula: ([a]) => S.round(a!),
  grad: (xs) => zeroGrad(xs),
});

/**
 * The floor modulo, as NumPy's `%`: the result takes the divisor's sign. An int32 modulo by 0 is
 * 0 (NumPy's, without its warning); a float one is NaN. The gradient is Theano's: g for `a`,
 * -floor(a / b) * g for `b`.
 */
export const mod = elementwise({
  name: 'mod', arity: 2,
  formula: ([a, b]) => S.mod(a!, b!),
  grad: ([a, b], _o, g) => [g, neg(mul(g, floorDiv(a!, b!)))],
});

/**
 * Floor division, as NumPy's `//` (Theano's `floor_div`): integers give the exact floor of the
 * quotient in int32 (the quotient of two int32s in float64 never rounds across an integer; a
 * division by 0 gives 0, as NumPy's; -2^31 // -1 wraps to -2^31); floats give floor(a / b), the
 * quotient of float32s taken in float64 so every printer floors the same number.
 */
export const floorDiv = elementwise({
  name: 'floor_div', arity: 2,
  formula: ([a, b]) => floorQuotient(a!, b!),
  grad: (xs) => zeroGrad(xs),
});

function floorQuotient(a: ScalarExpr, b: ScalarExpr): ScalarExpr {
  const dtype = upcast(a.dtype, b.dtype);
  if (dtype === 'float64') return S.floor(S.div(a, b));
  const q = S.floor(S.div(S.cast(a, 'float64'), S.cast(b, 'float64')));
  return S.cast(q, isFloat(dtype) ? dtype : 'int32');
}
