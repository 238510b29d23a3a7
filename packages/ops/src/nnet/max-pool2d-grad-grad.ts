import { NDArray, ShapeError, TensorType, zerosLike, type Apply, type GradResult, type KernelProgram, type Variable } from '@hypatia/core';
import { checkSameShape, poolLayout, pooledShape, poolType, type PoolParams } from './pool-geometry.js';
import { forEachArgmax } from './max-pool2d.js';
import { PoolParamsOp } from './pool2d-op.js';
import { maxPool2dGrad } from './max-pool2d-grad.js';
import { maxPool2dGradGradProgram } from './max-pool-kernels.js';

/**
 * The adjoint of max_pool2d_grad in its gradient operand (Theano's DownsampleFactorMaxGradGrad):
 * out[o] = h[argmax of window o of x], a gather of h at each window's (first) maximum of x (0 for
 * an empty window). It is what second-order gradients through max pooling are built from.
 */
export class MaxPool2dGradGrad extends PoolParamsOp<PoolParams> {
  readonly name = 'max_pool2d_grad_grad';

  inferTypes([x, h]: readonly TensorType[]): TensorType[] {
    const why = x!.mismatch(h!);
    if (why) throw new ShapeError(`the operand ${h} must have the input's type ${x}: ${why}`);
    return [poolType(this.params, x!)];
  }

  perform([x, h]: readonly NDArray[], node: Apply): NDArray[] {
    // h is read at x's positions.
    checkSameShape(this.name, node, 'h', h!.shape, x!.shape);
    const L = poolLayout(this.params, x!.shape);
    const out = NDArray.zeros(x!.dtype, pooledShape(x!.shape, L));
    forEachArgmax(L, x!.data, (o, i) => { if (i >= 0) out.data[o] = h!.data[i]!; });
    return [out];
  }

  override kernels(node: Apply): KernelProgram {
    return maxPool2dGradGradProgram(this, node);
  }

  /** Linear in h (its adjoint is the scatter max_pool2d_grad); piecewise constant in x. */
  override grad([x]: readonly Variable[], _o: readonly Variable[], [g]: readonly Variable[]): GradResult[] {
    return [zerosLike(x!), maxPool2dGrad(x!, g!, this.params)];
  }
}

/**
 * The gradient of `maxPool2dGrad` with respect to its output gradient: `h` read at each window's maximum (second derivatives through max pooling).
 */
export function maxPool2dGradGrad(x: Variable, h: Variable, params: PoolParams): Variable {
  return new MaxPool2dGradGrad(params).call(x, h);
}
