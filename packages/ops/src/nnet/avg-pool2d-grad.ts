import { NDArray, Op, TensorType, DISCONNECTED, type Apply, type GradResult, type Variable } from '@hypatia/core';
import { checkPooledGrad, checkPooledGradType, poolLayout, pooledShape } from './pool-geometry.js';
import { AvgPool2d, forEachWindow, type AvgPoolParams } from './avg-pool2d.js';

/** Gradient of average pooling: each output's gradient is spread evenly over its window. The second operand gives the input's shape. */
export class AvgPool2dGrad extends Op {
  readonly name = 'avg_pool2d_grad';
  constructor(readonly params: AvgPoolParams) {
    super();
  }
  override props() {
    return { ...this.params };
  }

  inferTypes([gy, x]: readonly TensorType[]): TensorType[] {
    checkPooledGradType(this.params, x!, gy!);
    return [x!];
  }

  perform([gy, x]: readonly NDArray[], node: Apply): NDArray[] {
    const L = poolLayout(this.params, x!.shape);
    checkPooledGrad(this.name, node, gy!.shape, pooledShape(x!.shape, L));
    const gx = NDArray.zeros(x!.dtype, x!.shape);
    const d = gx.data;
    forEachWindow(L, this.params.includePad, (o, base, r0, r1, c0, c1, scale) => {
      const v = gy!.data[o]! * scale;
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) d[base + r * L.w + c] = d[base + r * L.w + c]! + v;
    });
    return [gx];
  }

  /** Linear in gy; its adjoint is average pooling itself. */
  override grad(_xs: readonly Variable[], _o: readonly Variable[], [g]: readonly (Variable | null)[]): GradResult[] {
    return [new AvgPool2d(this.params).call(g!), DISCONNECTED];
  }
}

export function avgPool2dGrad(gy: Variable, x: Variable, params: AvgPoolParams): Variable {
  return new AvgPool2dGrad(params).call(gy, x);
}
