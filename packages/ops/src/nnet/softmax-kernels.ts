import { E, KernelBuilder, type Apply, type KernelProgram, type LaunchPlan } from '@hypatia/core';
import { rowAt, rowLogSumExp, rowSoftmax, rowsAndCols, wide } from './row-kernels-ir.js';

/**
 * Softmax, log-softmax and the softmax gradient as kernels over a [rows, cols] space (the last
 * axis against all the others), computing what `softmaxRows`, `logSoftmaxRows` and
 * SoftmaxGrad.perform compute: in double, rounded to the dtype where the reference stores. The
 * row's reductions (max, sum) and its scale are computed once a row.
 * Parameters: rows, cols.
 */

function rowPlan(shape: readonly number[]): LaunchPlan {
  return { outputs: [shape], launches: [{ kernel: 0, buffers: [{ input: 0 }, { output: 0 }], params: rowsAndCols(shape) }] };
}

/** y = exp(x - max) / sum(exp(x - max)) over each row. */
export function softmaxProgram(node: Apply): KernelProgram {
  const dtype = node.outputs[0]!.dtype;
  const k = new KernelBuilder('softmax');
  const x = k.input(dtype);
  const y = k.output(dtype);
  const [rows, cols] = k.params(2);
  const [r, c] = k.space(rows!, cols!);
  const at = rowAt(r!, cols!);
  k.store(y, at(c!), rowSoftmax(k, x, at, cols!, c!));
  return { kernels: [k.build()], plan: ([x]) => rowPlan(x!.shape) };
}

/** y = x - lse, lse the row's log-sum-exp (its maximum when that is infinite). */
export function logSoftmaxProgram(node: Apply): KernelProgram {
  const dtype = node.outputs[0]!.dtype;
  const k = new KernelBuilder('log_softmax');
  const x = k.input(dtype);
  const y = k.output(dtype);
  const [rows, cols] = k.params(2);
  const [r, c] = k.space(rows!, cols!);
  const at = rowAt(r!, cols!);
  const lse = k.once(rowLogSumExp(k, x, at, cols!));
  k.store(y, at(c!), E.sub(wide(x.at(at(c!))), lse));
  return { kernels: [k.build()], plan: ([x]) => rowPlan(x!.shape) };
}

/**
 * dx = y * (dy - s), s = sum(dy * y) over the row; dy is read at y's flat positions, as perform
 * reads it. `checkSizes` is perform's check that dy and y have as many elements.
 */
export function softmaxGradProgram(node: Apply, checkSizes: (dySize: number, ySize: number) => void): KernelProgram {
  const dtype = node.outputs[0]!.dtype;
  const k = new KernelBuilder('softmax_grad');
  const dy = k.input(dtype);
  const p = k.input(dtype);
  const out = k.output(dtype);
  const [rows, cols] = k.params(2);
  const [r, c] = k.space(rows!, cols!);
  const at = rowAt(r!, cols!);
  const s = k.reduce('sum', [cols!], ([j]) => E.mul(wide(dy.at(at(j!))), wide(p.at(at(j!)))), { acc: 'float64' });
  k.store(out, at(c!), E.mul(wide(p.at(at(c!))), E.sub(wide(dy.at(at(c!))), s)));
  return {
    kernels: [k.build()],
    plan([g, y]) {
      checkSizes(g!.shape.reduce((a, b) => a * b, 1), y!.shape.reduce((a, b) => a * b, 1));
      return { outputs: [y!.shape], launches: [{ kernel: 0, buffers: [{ input: 0 }, { input: 1 }, { output: 0 }], params: rowsAndCols(y!.shape) }] };
    },
  };
}
