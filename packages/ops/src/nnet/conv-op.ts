import { HypatiaError, Op, ShapeError, type Apply, type TensorType } from '@hypatia/core';
import { convGeometry, type ConvParams } from './conv-geometry.js';
import { imagesPerBatch, type PatchLayout } from './im2col.js';

/** An op of the conv2d family: stride and padding make two instances the same op. */
export abstract class ConvOp extends Op {
  constructor(readonly params: ConvParams) {
    super();
  }
  static override readonly props = ['stride', 'padding'];
  get stride(): ConvParams['stride'] { return this.params.stride; }
  get padding(): ConvParams['padding'] { return this.params.padding; }

  /** The sizes every conv2d kernel works with, for run-time input shape `xs` and filter shape `ws`. */
  protected sizes(node: Apply, xs: readonly number[], ws: readonly number[]): ConvSizes {
    const L = patchLayout(this, node, xs, ws);
    const N = xs[0]!;
    return {
      L, N, O: ws[0]!, K: L.c * L.kh * L.kw, P: L.gh.out * L.gw.out,
      batch: imagesPerBatch(L, N), image: L.c * L.h * L.w,
    };
  }

  /** The sizes, for a gradient op whose output gradient `dy` must have the convolution's output shape. */
  protected gradSizes(node: Apply, xs: readonly number[], ws: readonly number[], dy: readonly number[]): ConvSizes {
    const s = this.sizes(node, xs, ws);
    checkRunShape(this.name, node, dy, [s.N, s.O, s.L.gh.out, s.L.gw.out]);
    return s;
  }
}

/**
 * N images, O filters, K = C·KH·KW values per patch, P = OH·OW output positions per image, images
 * per im2col batch, and the length of one input image.
 */
export interface ConvSizes {
  L: PatchLayout;
  N: number;
  O: number;
  K: number;
  P: number;
  batch: number;
  image: number;
}

/** Call `step(n0, B)` for the images n0 .. n0 + B - 1 of each batch, in order. */
export function forEachImageBatch(s: ConvSizes, step: (n0: number, B: number) => void): void {
  for (let n0 = 0; n0 < s.N; n0 += s.batch) step(n0, Math.min(s.batch, s.N - n0));
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

/** The incoming gradient must have the forward output's type. */
export function checkGradShape(dy: TensorType, dtype: string, expected: readonly (number | null)[]): void {
  const ok = dy.dtype === dtype && dy.ndim === 4 && dy.shape.every((d, i) => d === null || expected[i] === null || d === expected[i]);
  if (!ok) throw new ShapeError(`the output gradient ${dy} does not fit the convolution's output ${dtype}[${expected.map((d) => d ?? '?').join(', ')}]`);
}

/**
 * Run-time check that a convolution gradient's incoming gradient has the forward output's shape; the error names `op` and the node's line.
 */
export function checkRunShape(op: string, node: Apply, got: readonly number[], want: readonly number[]): void {
  if (got.length !== want.length || got.some((d, i) => d !== want[i])) {
    throw new HypatiaError(op, `at run time the output gradient has shape [${got.join(', ')}] but the convolution's output is [${want.join(', ')}]`, node.site);
  }
}
