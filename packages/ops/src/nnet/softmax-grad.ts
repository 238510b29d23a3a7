import { HypatiaError, NDArray, Op, ShapeError, TensorType, type Apply, type GradResult, type KernelProgram, type Variable } from '@hypatia/core';
import { requireFloat } from './float-check.js';
import { lastAxis, reuseOrAlloc } from './row-kernels.js';
import { mul, sub } from '../elementwise/arithmetic.js';
import { sum } from '../reduce/sum.js';
import { softmaxGradProgram } from './softmax-kernels.js';

/**
 * The vector-Jacobian product of softmax: dx = y * (dy - sum(dy * y, last axis)), given the softmax
 * output y. An op of its own so that backends can run it as one row kernel, and so that the
 * stabilising rewrite can see `softmaxGrad(dy / y, y)` (the gradient of log(softmax)) and remove the
 * division by y, which is 0 for saturated logits.
 */
export class SoftmaxGrad extends Op {
  readonly name = 'softmax_grad';

  inferTypes([dy, y]: readonly TensorType[]): TensorType[] {
    requireFloat(y!, 'the softmax output');
    const why = y!.mismatch(dy!);
    if (why) throw new ShapeError(`the output gradient ${dy} must have the softmax output's type ${y}: ${why}`);
    return [y!];
  }

  perform([dy, y]: readonly NDArray[], node: Apply, reuse?: readonly (NDArray | undefined)[]): NDArray[] {
    this.checkSizes(dy!.size, y!.size, node);
    const out = reuseOrAlloc(y!, reuse?.[0]);
    const k = lastAxis(y!);
    const g = dy!.data, p = y!.data, o = out.data;
    for (let r = 0; k > 0 && r < p.length; r += k) {
      let s = 0;
      for (let j = 0; j < k; j++) s += g[r + j]! * p[r + j]!;
      for (let j = 0; j < k; j++) o[r + j] = p[r + j]! * (g[r + j]! - s);
    }
    return [out];
  }

  override kernels(node: Apply): KernelProgram {
    return softmaxGradProgram(node, (dySize, ySize) => this.checkSizes(dySize, ySize, node));
  }

  private checkSizes(dySize: number, ySize: number, node: Apply): void {
    if (dySize !== ySize) throw new HypatiaError(this.name, `at run time the gradient has ${dySize} elements but the output ${ySize}`, node.site);
  }

  /** dx_j = y_j dy_j - y_j s with s = sum(dy y): linear in dy (its VJP is softmaxGrad itself), bilinear in y. */
  override grad([dy, y]: readonly Variable[], _o: readonly Variable[], [g]: readonly Variable[]): GradResult[] {
    const s = sum(mul(dy!, y!), -1, true);
    const t = sum(mul(g!, y!), -1, true);
    return [softmaxGrad(g!, y!), sub(mul(g!, sub(dy!, s)), mul(t, dy!))];
  }
}

const softmaxGradOp = new SoftmaxGrad();

/**
 * The gradient of `softmax` with respect to its input, from the output gradient `dy` and the softmax output `y`.
 */
export function softmaxGrad(dy: Variable, y: Variable): Variable {
  return softmaxGradOp.call(dy, y);
}
