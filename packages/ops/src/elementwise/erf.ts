import { S } from '@hypatia/core';
import { elementwise } from './factory.js';
import { exp, mul, neg, square } from './arithmetic.js';

/** The error function; d/dx erf(x) = 2/sqrt(pi) exp(-x^2). */
export const erf = elementwise({
  name: 'erf', arity: 1,
  formula: ([a]) => S.erf(a!),
  grad: ([x], _o, g) => [mul(g, mul(exp(neg(square(x!))), 2 / Math.sqrt(Math.PI)))],
});
