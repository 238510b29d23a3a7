import { TensorType, zerosLike, type NDArray, type Apply, type GradResult, type KernelProgram, type Variable } from '@hypatia/core';
import { checkPooledGradType, type PoolParams } from './pool-geometry.js';
import { PoolParamsOp, scatterPooledGrad } from './pool2d-op.js';
import { forEachArgmax } from './max-pool2d.js';
import { maxPool2dGradGrad } from './max-pool2d-grad-grad.js';
import { maxPool2dGradProgram } from './max-pool-kernels.js';

/** Gradient of max pooling: each output's gradient goes to its window's (first) maximum. */
export class MaxPool2dGrad extends PoolParamsOp<PoolParams> {
  readonly name = 'max_pool2d_grad';

  inferTypes([x, gy]: readonly TensorType[]): TensorType[] {
    checkPooledGradType(this.params, x!, gy!);
    return [x!];
  }

  perform([x, gy]: readonly NDArray[], node: Apply): NDArray[] {
    return [scatterPooledGrad(this, node, x!, gy!, (L, gx) => {
      forEachArgmax(L, x!.data, (o, i) => { if (i >= 0) gx[i] = gx[i]! + gy!.data[o]!; });
    })];
  }

  override kernels(node: Apply): KernelProgram {
    return maxPool2dGradProgram(this, node);
  }

  /** Piecewise constant in x; linear in gy, with the gather at the maxima as its adjoint. */
  override grad([x]: readonly Variable[], _o: readonly Variable[], [g]: readonly Variable[]): GradResult[] {
    return [zerosLike(x!), maxPool2dGradGrad(x!, g!, this.params)];
  }
}

/**
 * The gradient of `maxPool2d` with respect to its input `x`, given the output gradient `gy`: each window's gradient goes to its maximum.
 */
export function maxPool2dGrad(x: Variable, gy: Variable, params: PoolParams): Variable {
  return new MaxPool2dGrad(params).call(x, gy);
}
