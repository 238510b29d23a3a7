import { DISCONNECTED, NDArray, TensorType, typedArrayFor, type Apply, type GradResult, type KernelProgram, type Variable } from '@hypatia/core';
import { gemm } from '../linalg/gemm-kernel.js';
import { productProgram } from '../linalg/product-lowering.js';
import { conv2dGradInputLowering } from './conv-kernels.js';
import { convOutputShape, type ConvParams } from './conv-geometry.js';
import { col2imAdd, interleave } from './im2col.js';
import { conv2d } from './conv2d.js';
import { ConvOp, checkGradShape, forEachImageBatch } from './conv-op.js';
import { conv2dGradFilters } from './conv2d-grad-filters.js';

/**
 * The gradient of conv2d w.r.t. its input: dcols = filtersᵀ · dy per image, folded back with
 * col2im. Its third operand is the forward input, read only for its shape (which a strided
 * convolution does not determine from dy).
 */
export class Conv2dGradInput extends ConvOp {
  readonly name = 'conv2d_grad_input';

  inferTypes([dy, w, x]: readonly TensorType[]): TensorType[] {
    const expected = convOutputShape(this.params, x!, w!);
    checkGradShape(dy!, x!.dtype, expected);
    return [x!];
  }

  perform([dy, w, x]: readonly NDArray[], node: Apply): NDArray[] {
    const s = this.gradSizes(node, x!.shape, w!.shape, dy!.shape);
    const { L, O, K, P } = s;
    // Each element of dx sums, in double, its patches' sums over the filters, rounded once at the end.
    const dx = NDArray.zeros(x!.dtype, x!.shape);
    const sums = new Float64Array(dx.size);
    const dcols = new Float64Array(K * s.batch * P);
    const dyT = typedArrayFor(x!.dtype, O * s.batch * P);
    forEachImageBatch(s, (n0, B) => {
      interleave(dy!.data, dyT, n0, B, O, P);
      gemm({ data: w!.data, offset: 0 }, { data: dyT, offset: 0 }, { data: dcols, offset: 0 }, K, B * P, O, true, false);
      for (let b = 0; b < B; b++) col2imAdd(dcols, B * P, b * P, L, sums, (n0 + b) * s.image);
    });
    dx.data.set(sums);
    return [dx];
  }

  override kernels(node: Apply): KernelProgram {
    return productProgram(node, conv2dGradInputLowering(node, ([dy, w, x]) => this.gradSizes(node, x!, w!, dy!)));
  }

  /** Linear in dy (its adjoint is conv2d) and in the filters. */
  override grad([dy, w, x]: readonly Variable[], _o: readonly Variable[], [g]: readonly Variable[]): GradResult[] {
    return [conv2d(g!, w!, this.params), conv2dGradFilters(g!, dy!, w!, this.params), DISCONNECTED];
  }
}

/**
 * The gradient of `conv2d` with respect to its input, from the output gradient `dy` and the filters (`input` gives the shape).
 */
export function conv2dGradInput(dy: Variable, filters: Variable, input: Variable, params: ConvParams): Variable {
  return new Conv2dGradInput(params).call(dy, filters, input);
}
