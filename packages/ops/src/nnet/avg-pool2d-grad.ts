import { TensorType, DISCONNECTED, type NDArray, type Apply, type GradResult, type KernelProgram, type Variable } from '@hypatia/core';
import { checkPooledGradType } from './pool-geometry.js';
import { PoolParamsOp, scatterPooledGrad } from './pool2d-op.js';
import { AvgPool2d, forEachWindow, type AvgPoolParams } from './avg-pool2d.js';
import { avgPool2dGradProgram } from './avg-pool-kernels.js';

/** Gradient of average pooling: each output's gradient is spread evenly over its window. The second operand gives the input's shape. */
export class AvgPool2dGrad extends PoolParamsOp<AvgPoolParams> {
  readonly name = 'avg_pool2d_grad';
  static override readonly props = [...PoolParamsOp.props, 'includePad'];
  get includePad(): boolean { return this.params.includePad; }

  inferTypes([gy, x]: readonly TensorType[]): TensorType[] {
    checkPooledGradType(this.params, x!, gy!);
    return [x!];
  }

  perform([gy, x]: readonly NDArray[], node: Apply): NDArray[] {
    return [scatterPooledGrad(this, node, x!, gy!, (L, d) => {
      forEachWindow(L, this.params.includePad, (o, base, r0, r1, c0, c1, scale) => {
        const v = gy!.data[o]! * scale;
        for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) d[base + r * L.w + c] = d[base + r * L.w + c]! + v;
      });
    })];
  }

  override kernels(node: Apply): KernelProgram {
    return avgPool2dGradProgram(this, node);
  }

  /** Linear in gy; its adjoint is average pooling itself. */
  override grad(_xs: readonly Variable[], _o: readonly Variable[], [g]: readonly Variable[]): GradResult[] {
    return [new AvgPool2d(this.params).call(g!), DISCONNECTED];
  }
}

/** The gradient of `avgPool2d` with respect to its input `x`, given the output gradient `gy`. */
export function avgPool2dGrad(gy: Variable, x: Variable, params: AvgPoolParams): Variable {
  return new AvgPool2dGrad(params).call(gy, x);
}
