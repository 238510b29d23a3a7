import { HypatiaError, Variable, captureSite, grad } from '@hypatia/core';
import { arange } from '../creation/arange.js';
import { shapeOf } from '../creation/shape-of.js';
import { flatten, reshape } from '../shape/reshape.js';
import { subtensor } from '../shape/subtensor.js';
import { scan } from './scan.js';

/**
 * Theano's jacobian: the derivative of every element of `y` with respect to every element of
 * `wrt`, shaped [...y.shape, ...wrt.shape], built as Theano builds it: a scan over the elements of
 * `y` (flattened) whose step is the gradient of one element. A scalar `y` gives its gradient.
 * Where `y` does not depend on a `wrt`, its jacobian is zeros.
 */
export function jacobian(y: Variable, wrt: Variable): Variable;
export function jacobian(y: Variable, wrt: readonly Variable[]): Variable[];
export function jacobian(y: Variable, wrt: Variable | readonly Variable[]): Variable | Variable[] {
  const ws = wrt instanceof Variable ? [wrt] : [...wrt];
  if (y.ndim === 0) {
    const g = grad(y, ws, { disconnected: 'zero' });
    return wrt instanceof Variable ? g[0]! : g;
  }
  const flat = y.ndim === 1 ? y : flatten(y);
  const [rows] = scan({
    fn: (i) => grad(subtensor(flat, [i]), ws, { disconnected: 'zero' }),
    sequences: arange(shapeOf(flat, 0)),
  });
  const js = rows.map((j, k) => (y.ndim === 1 ? j : reshape(j, [...axes(y), ...axes(ws[k]!)])));
  return wrt instanceof Variable ? js[0]! : js;
}

/**
 * Theano's hessian: the jacobian of the gradient of a scalar `cost` with respect to each vector
 * in `wrt`, a [n, n] matrix per vector, built as a scan (the gradient of each element of the
 * gradient).
 */
export function hessian(cost: Variable, wrt: Variable): Variable;
export function hessian(cost: Variable, wrt: readonly Variable[]): Variable[];
export function hessian(cost: Variable, wrt: Variable | readonly Variable[]): Variable | Variable[] {
  const site = captureSite();
  const ws = wrt instanceof Variable ? [wrt] : [...wrt];
  if (cost.ndim !== 0) throw new HypatiaError('hessian', `the cost must be a scalar, got ${cost.type}`, site);
  for (const w of ws) if (w.ndim !== 1) throw new HypatiaError('hessian', `each variable must be a vector (as in Theano); ${w} is ${w.type}: flatten it first`, site);
  const hs = ws.map((w) => jacobian(grad(cost, w, { disconnected: 'zero' }), w));
  return wrt instanceof Variable ? hs[0]! : hs;
}

/** A variable's lengths: static where known, else read at run time. */
function axes(v: Variable): (number | Variable)[] {
  return v.shape.map((d, a) => d ?? shapeOf(v, a));
}
