import { HypatiaError, NDArray, Op, ShapeError, TensorType, typedArrayFor, type Apply, type GradResult, type Variable } from '@hypatia/core';
import { gemm } from '../linalg/gemm-kernel.js';
import { convOutputShape, type ConvParams } from './conv-geometry.js';
import { col2imAdd, imagesPerBatch, interleave } from './im2col.js';
import { conv2d, patchLayout, SHAPE_ONLY } from './conv2d.js';
import { conv2dGradFilters } from './conv2d-grad-filters.js';

/**
 * The gradient of conv2d w.r.t. its input: dcols = filtersᵀ · dy per image, folded back with
 * col2im. Its third operand is the forward input, read only for its shape (which a strided
 * convolution does not determine from dy).
 */
export class Conv2dGradInput extends Op {
  readonly name = 'conv2d_grad_input';
  constructor(readonly params: ConvParams) {
    super();
  }
  override props() {
    return { stride: this.params.stride, padding: this.params.padding };
  }

  inferTypes([dy, w, x]: readonly TensorType[]): TensorType[] {
    const expected = convOutputShape(this.params, x!, w!);
    checkGradShape(dy!, x!.dtype, expected);
    return [x!];
  }

  perform([dy, w, x]: readonly NDArray[], node: Apply): NDArray[] {
    const L = patchLayout(this, node, x!.shape, w!.shape);
    const [N, O] = [x!.shape[0]!, w!.shape[0]!];
    const K = L.c * L.kh * L.kw, P = L.gh.out * L.gw.out;
    checkRunShape(this.name, node, dy!.shape, [N, O, L.gh.out, L.gw.out]);
    const dx = NDArray.zeros(x!.dtype, x!.shape);
    const batch = imagesPerBatch(L, N);
    const dcols = typedArrayFor(x!.dtype, K * batch * P);
    const dyT = typedArrayFor(x!.dtype, O * batch * P);
    const image = L.c * L.h * L.w;
    for (let n0 = 0; n0 < N; n0 += batch) {
      const B = Math.min(batch, N - n0);
      interleave(dy!.data, dyT, n0, B, O, P);
      gemm({ data: w!.data, offset: 0 }, { data: dyT, offset: 0 }, { data: dcols, offset: 0 }, K, B * P, O, true, false);
      for (let b = 0; b < B; b++) col2imAdd(dcols, B * P, b * P, L, dx.data, (n0 + b) * image);
    }
    return [dx];
  }

  /** Linear in dy (its adjoint is conv2d) and in the filters. */
  override grad([dy, w, x]: readonly Variable[], _o: readonly Variable[], [g]: readonly (Variable | null)[]): GradResult[] {
    return [conv2d(g!, w!, this.params), conv2dGradFilters(g!, dy!, w!, this.params), SHAPE_ONLY];
  }
}

/** The incoming gradient must have the forward output's type. */
export function checkGradShape(dy: TensorType, dtype: string, expected: readonly (number | null)[]): void {
  const ok = dy.dtype === dtype && dy.ndim === 4 && dy.shape.every((d, i) => d === null || expected[i] === null || d === expected[i]);
  if (!ok) throw new ShapeError(`the output gradient ${dy} does not fit the convolution's output ${dtype}[${expected.map((d) => d ?? '?').join(', ')}]`);
}

export function checkRunShape(op: string, node: Apply, got: readonly number[], want: readonly number[]): void {
  if (got.length !== want.length || got.some((d, i) => d !== want[i])) {
    throw new HypatiaError(op, `at run time the output gradient has shape [${got.join(', ')}] but the convolution's output is [${want.join(', ')}]`, node.site);
  }
}

export function conv2dGradInput(dy: Variable, filters: Variable, input: Variable, params: ConvParams): Variable {
  return new Conv2dGradInput(params).call(dy, filters, input);
}
