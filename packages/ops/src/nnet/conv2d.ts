import { HypatiaError, NDArray, Op, ShapeError, TensorType, typedArrayFor, DISCONNECTED, type Apply, type GradResult, type Variable } from '@hypatia/core';
import { asVariable, type VarLike } from '../util/as-variable.js';
import { gemm } from '../linalg/gemm-kernel.js';
import { convGeometry, convOutputShape, resolveConvOptions, type Conv2dOptions, type ConvParams } from './conv-geometry.js';
import { im2col, imagesPerBatch, interleave, type PatchLayout } from './im2col.js';
import { conv2dGradInput } from './conv2d-grad-input.js';
import { conv2dGradFilters } from './conv2d-grad-filters.js';

/**
 * 2-d convolution of an NCHW input with OIHW filters, computed as cross-correlation (the filters
 * are not flipped, as in PyTorch and TensorFlow; Theano's conv2d flips them). For learned filters
 * the two are the same model. Runs as im2col plus one matrix
 * product for a batch of images side by side.
 */
export class Conv2d extends Op {
  readonly name = 'conv2d';
  constructor(readonly params: ConvParams) {
    super();
  }
  override props() {
    return { stride: this.params.stride, padding: this.params.padding };
  }

  inferTypes([x, w]: readonly TensorType[]): TensorType[] {
    return [new TensorType(x!.dtype, convOutputShape(this.params, x!, w!))];
  }

  perform([x, w]: readonly NDArray[], node: Apply): NDArray[] {
    const L = patchLayout(this, node, x!.shape, w!.shape);
    const [N, O] = [x!.shape[0]!, w!.shape[0]!];
    const K = L.c * L.kh * L.kw, P = L.gh.out * L.gw.out;
    const out = NDArray.zeros(x!.dtype, [N, O, L.gh.out, L.gw.out]);
    const batch = imagesPerBatch(L, N);
    const cols = typedArrayFor(x!.dtype, K * batch * P);
    const prod = typedArrayFor(x!.dtype, O * batch * P);
    const image = L.c * L.h * L.w;
    for (let n0 = 0; n0 < N; n0 += batch) {
      const B = Math.min(batch, N - n0);
      for (let b = 0; b < B; b++) im2col(x!.data, (n0 + b) * image, L, cols, B * P, b * P);
      gemm({ data: w!.data, offset: 0 }, { data: cols, offset: 0 }, { data: prod, offset: 0 }, O, B * P, K, false, false);
      interleave(out.data, prod, n0, B, O, P, true);
    }
    return [out];
  }

  override grad([x, w]: readonly Variable[], _o: readonly Variable[], [g]: readonly (Variable | null)[]): GradResult[] {
    return [conv2dGradInput(g!, w!, x!, this.params), conv2dGradFilters(x!, g!, w!, this.params)];
  }
}

/**
 * The im2col layout for a run-time input shape [N, C, H, W] and filter shape [O, C, KH, KW], with
 * geometry errors reported against the node.
 */
export function patchLayout(op: Op & { params: ConvParams }, node: Apply, xs: readonly number[], ws: readonly number[]): PatchLayout {
  const [, c, h, w] = xs as [number, number, number, number];
  const [, c2, kh, kw] = ws as [number, number, number, number];
  if (c !== c2) throw new HypatiaError(op.name, `at run time the input has ${c} channels but the filters expect ${c2}`, node.site);
  try {
    const [gh, gw] = convGeometry(op.params, h, w, kh, kw);
    return { c, h, w, kh, kw, sh: op.params.stride[0], sw: op.params.stride[1], gh, gw };
  } catch (e) {
    if (e instanceof ShapeError) throw new HypatiaError(op.name, `at run time ${e.message}`, node.site);
    throw e;
  }
}

/** Gradients w.r.t. inputs that only supply a shape. */
export const SHAPE_ONLY = DISCONNECTED;

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
