import { NDArray, Op, TensorType, zerosLike, type Apply, type GradResult, type Variable } from '@hypatia/core';
import { checkPooledGrad, checkPooledGradType, poolLayout, pooledShape, type PoolParams } from './pool-geometry.js';
import { forEachArgmax } from './max-pool2d.js';
import { maxPool2dGradGrad } from './max-pool2d-grad-grad.js';

/** Gradient of max pooling: each output's gradient goes to its window's (first) maximum. */
export class MaxPool2dGrad extends Op {
  readonly name = 'max_pool2d_grad';
  constructor(readonly params: PoolParams) {
    super();
  }
  override props() {
    return { ...this.params };
  }

  inferTypes([x, gy]: readonly TensorType[]): TensorType[] {
    checkPooledGradType(this.params, x!, gy!);
    return [x!];
  }

  perform([x, gy]: readonly NDArray[], node: Apply): NDArray[] {
    const L = poolLayout(this.params, x!.shape);
    checkPooledGrad(this.name, node, gy!.shape, pooledShape(x!.shape, L));
    const gx = NDArray.zeros(x!.dtype, x!.shape);
    forEachArgmax(L, x!.data, (o, i) => { gx.data[i] = gx.data[i]! + gy!.data[o]!; });
    return [gx];
  }

  /** Piecewise constant in x; linear in gy, with the gather at the maxima as its adjoint. */
  override grad([x]: readonly Variable[], _o: readonly Variable[], [g]: readonly (Variable | null)[]): GradResult[] {
    return [zerosLike(x!), maxPool2dGradGrad(x!, g!, this.params)];
  }
}

export function maxPool2dGrad(x: Variable, gy: Variable, params: PoolParams): Variable {
  return new MaxPool2dGrad(params).call(x, gy);
}
