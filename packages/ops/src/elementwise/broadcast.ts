import { DISCONNECTED, Elemwise, S, type Variable, convert } from '@hypatia/core';
import { dimshuffle } from '../shape/dimshuffle.js';
import { Sum } from '../reduce/sum.js';

/**
 * Theano's `second(x, y)`: y's values broadcast to the shape of x and y together. Gradients use it
 * to spread a reduced gradient back over its input.
 */
export const secondOp = new Elemwise({
  name: 'second',
  arity: 2,
  formula: ([, y]) => y!,
  grad: ([, y], _out, g) => [DISCONNECTED, sumToShape(g, y!)],
});

/** `g` broadcast to `like`'s shape, in `like`'s dtype. */
export function broadcastLike(g: Variable, like: Variable): Variable {
  const sameShape = g.ndim === like.ndim && g.shape.every((d, i) => d !== null && d === like.shape[i]);
  const out = sameShape ? g : secondOp.call(like, g);
  return castTo(out, like.dtype);
}

/** An elementwise cast, one op per target dtype; rewrites recognise casts by this class. */
export class Cast extends Elemwise {}

const castOps = new Map<string, Cast>();
/** Elementwise cast; the gradient casts back. */
export function castTo(x: Variable, dtype: Variable['dtype']): Variable {
  if (x.dtype === dtype) return x;
  let op = castOps.get(dtype);
  if (!op) {
    op = new Cast({
      name: 'cast',
      arity: 1,
      props: { dtype },
      formula: ([a]) => convert(a!, dtype),
      grad: ([a], _o, g) => (a!.dtype === 'float32' || a!.dtype === 'float64' ? [castTo(g, a!.dtype)] : [DISCONNECTED]),
    });
    castOps.set(dtype, op);
  }
  return op.call(x);
}

/**
 * Sum a broadcast gradient back to the shape of the operand it came from: over the leading axes
 * the operand lacked and over its statically broadcastable (length-1) axes. Cast to its dtype.
 */
export function sumToShape(g: Variable, x: Variable): Variable {
  const lead = g.ndim - x.ndim;
  const axes: number[] = [];
  for (let i = 0; i < lead; i++) axes.push(i);
  x.shape.forEach((d, k) => { if (d === 1 && g.shape[lead + k] !== 1) axes.push(lead + k); });
  let r = g;
  if (axes.length) {
    r = new Sum(axes, true).call(g);
    if (lead > 0) r = dimshuffle(r, Array.from({ length: x.ndim }, (_, k) => lead + k));
  }
  return castTo(r, x.dtype);
}

export { S };
