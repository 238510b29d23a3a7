import { NDArray, TensorType, typedArrayFor, type Apply, type GradResult, type KernelProgram, type Variable } from '@hypatia/core';
import { asVariable, type VarLike } from '../util/as-variable.js';
import { gemm } from '../linalg/gemm-kernel.js';
import { productProgram, type ProductLowering } from '../linalg/product-lowering.js';
import { conv2dLowering } from './conv-kernels.js';
import { convOutputShape, resolveConvOptions, type Conv2dOptions } from './conv-geometry.js';
import { im2col, interleave } from './im2col.js';
import { ConvOp, forEachImageBatch } from './conv-op.js';
import { conv2dGradInput } from './conv2d-grad-input.js';
import { conv2dGradFilters } from './conv2d-grad-filters.js';

/**
 * 2-d convolution of an NCHW input with OIHW filters, computed as cross-correlation (the filters
 * are not flipped, as in PyTorch and TensorFlow; Theano's conv2d flips them). For learned filters
 * the two are the same model. Runs as im2col plus one matrix
 * product for a batch of images side by side.
 */
export class Conv2d extends ConvOp {
  readonly name = 'conv2d';

  inferTypes([x, w]: readonly TensorType[]): TensorType[] {
    return [new TensorType(x!.dtype, convOutputShape(this.params, x!, w!))];
  }

  perform([x, w]: readonly NDArray[], node: Apply): NDArray[] {
    const s = this.sizes(node, x!.shape, w!.shape);
    const { L, O, K, P } = s;
    const out = NDArray.zeros(x!.dtype, [s.N, O, L.gh.out, L.gw.out]);
    const cols = typedArrayFor(x!.dtype, K * s.batch * P);
    const prod = typedArrayFor(x!.dtype, O * s.batch * P);
    forEachImageBatch(s, (n0, B) => {
      for (let b = 0; b < B; b++) im2col(x!.data, (n0 + b) * s.image, L, cols, B * P, b * P);
      gemm({ data: w!.data, offset: 0 }, { data: cols, offset: 0 }, { data: prod, offset: 0 }, O, B * P, K, false, false);
      interleave(out.data, prod, n0, B, O, P, true);
    });
    return [out];
  }

  /** A point per output element, the sum over (channel, kernel row, kernel column) (conv-kernels.ts). */
  lowering(node: Apply): ProductLowering {
    return conv2dLowering(node, ([xs, ws]) => this.sizes(node, xs!, ws!));
  }

  override kernels(node: Apply): KernelProgram {
    return productProgram(node, this.lowering(node));
  }

  override grad([x, w]: readonly Variable[], _o: readonly Variable[], [g]: readonly Variable[]): GradResult[] {
    return [conv2dGradInput(g!, w!, x!, this.params), conv2dGradFilters(x!, g!, w!, this.params)];
  }
}

/**
 * conv2d(input [N, C, H, W], filters [O, C, KH, KW], {stride = [1, 1], padding = 'valid'}) ->
 * [N, O, OH, OW]. Cross-correlation: out[n, o, i, j] = sum over c, di, dj of
 * filters[o, c, di, dj] * input[n, c, i*sh + di - padTop, j*sw + dj - padLeft].
 */
export function conv2d(input: VarLike, filters: VarLike, options: Conv2dOptions = {}): Variable {
  const x = asVariable(input);
  const w = asVariable(filters, [x]);
  return new Conv2d(resolveConvOptions(options, 'conv2d')).call(x, w);
}
