import { DISCONNECTED, NDArray, TensorType, typedArrayFor, type Apply, type GradResult, type KernelProgram, type Variable } from '@hypatia/core';
import { gemm } from '../linalg/gemm-kernel.js';
import { productProgram } from '../linalg/product-lowering.js';
import { conv2dGradFiltersLowering } from './conv-kernels.js';
import { convOutputShape, type ConvParams } from './conv-geometry.js';
import { im2col, interleave } from './im2col.js';
import { conv2d } from './conv2d.js';
import { conv2dGradInput } from './conv2d-grad-input.js';
import { ConvOp, checkGradShape, forEachImageBatch } from './conv-op.js';

/**
 * The gradient of conv2d w.r.t. its filters: dy · colsᵀ with the images of a batch side by side. Its third operand
 * is the filters, read only for their shape (a strided convolution does not determine it).
 */
export class Conv2dGradFilters extends ConvOp {
  readonly name = 'conv2d_grad_filters';

  inferTypes([x, dy, w]: readonly TensorType[]): TensorType[] {
    checkGradShape(dy!, x!.dtype, convOutputShape(this.params, x!, w!));
    return [w!];
  }

  perform([x, dy, w]: readonly NDArray[], node: Apply): NDArray[] {
    const s = this.gradSizes(node, x!.shape, w!.shape, dy!.shape);
    const { L, O, K, P } = s;
    // Each element of dw is one sum in double over (image, output row, output column), rounded once.
    const dw = NDArray.zeros(w!.dtype, w!.shape);
    const sums = new Float64Array(O * K);
    const cols = typedArrayFor(x!.dtype, K * s.batch * P);
    const dyT = typedArrayFor(x!.dtype, O * s.batch * P);
    forEachImageBatch(s, (n0, B) => {
      for (let b = 0; b < B; b++) im2col(x!.data, (n0 + b) * s.image, L, cols, B * P, b * P);
      interleave(dy!.data, dyT, n0, B, O, P);
      gemm({ data: dyT, offset: 0 }, { data: cols, offset: 0 }, { data: sums, offset: 0 }, O, K, B * P, false, true, true);
    });
    dw.data.set(sums);
    return [dw];
  }

  override kernels(node: Apply): KernelProgram {
    return productProgram(node, conv2dGradFiltersLowering(node, ([x, dy, w]) => this.gradSizes(node, x!, w!, dy!)));
  }

  /** Linear in dy (its adjoint is conv2d of x with g) and in x. */
  override grad([x, dy]: readonly Variable[], _o: readonly Variable[], [g]: readonly Variable[]): GradResult[] {
    return [conv2dGradInput(dy!, g!, x!, this.params), conv2d(x!, g!, this.params), DISCONNECTED];
  }
}

/**
 * The gradient of `conv2d` with respect to its filters, from its input and output gradient `dy` (`filters` gives the shape).
 */
export function conv2dGradFilters(input: Variable, dy: Variable, filters: Variable, params: ConvParams): Variable {
  return new Conv2dGradFilters(params).call(input, dy, filters);
}
