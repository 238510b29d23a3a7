import { Variable, type ValueLike } from '@hypatia/core';
import { asVariable, type VarLike } from '../util/as-variable.js';
import { neq } from '../elementwise/arithmetic.js';
import { sum } from '../reduce/sum.js';
import { reshape } from '../shape/reshape.js';
import { lengthOf, productOf } from '../shape/lengths.js';
import { buildError } from '../shape/build-error.js';
import { AdvancedSubtensor } from './advanced-subtensor.js';
import { MaskPositions } from './mask-positions.js';

/**
 * NumPy's `x[mask]`: the entries (or sub-arrays) of x where a boolean mask over x's leading axes is
 * true, in row-major order, as one axis of unknown length followed by x's remaining axes. The
 * length is only known from the mask's values, so the positions are found by MaskPositions,
 * which reads the mask's true count (sum(mask)) when it plans; x's leading axes are then flattened
 * and gathered with integer-array indexing, whose gradient scatters back. Restriction: on WebGPU
 * the count must be known on the host before the call is encoded, so the mask must be a function
 * input or a constant (or small host arithmetic on them), not computed on the GPU.
 */
export function booleanMask(x: VarLike, mask: Variable | ValueLike): Variable {
  const v = asVariable(x);
  const m = mask instanceof Variable ? mask : asVariable(mask as ValueLike);
  if (m.dtype !== 'bool') throw buildError('booleanMask', `the mask must be bool, got ${m} : ${m.type} (compare to make one: gt(x, 0))`);
  if (m.ndim === 0 || m.ndim > v.ndim) throw buildError('booleanMask', `a mask of ${m.ndim} dimensions cannot index ${v} : ${v.type}`);
  const positions = new MaskPositions().call(m, sum(m), v);
  const lead = m.ndim === 1 ? v : reshape(v, [productOf(range(m.ndim).map((d) => lengthOf(v, d))), ...range(v.ndim).slice(m.ndim).map((d) => lengthOf(v, d))]);
  return new AdvancedSubtensor(0).call(lead, positions);
}

/** NumPy's flatnonzero: the flat positions of a's nonzero entries (true, or not 0; NaN counts), as int32. */
export function flatnonzero(a: VarLike): Variable {
  const v = asVariable(a);
  const m = v.dtype === 'bool' ? v : neq(v, 0);
  return new MaskPositions().call(m, sum(m), v);
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
