import { E, I, type Apply, type Buf, type Expr, type Idx, type KernelBuilder } from '@hypatia/core';
import type { ProductLowering } from '../linalg/product-lowering.js';
import type { ConvSizes } from './conv-op.js';

/**
 * conv2d and its gradients in the kernel IR: a point per output element, its sum in double in the
 * order perform's im2col + gemm (+ col2im) adds the same products, rounded once into the dtype.
 * Reads of the input at padding are selects giving 0 (a filter value times that 0 is in the sum,
 * as in perform's zero-filled columns, so an infinite filter value still gives NaN there).
 */

/** A convolution kernel's parameters: the sizes, the strides and the padding before each axis. */
interface ConvKernelParams {
  N: Idx; O: Idx; C: Idx;
  H: Idx; W: Idx; OH: Idx; OW: Idx; KH: Idx; KW: Idx;
  SH: Idx; SW: Idx; PT: Idx; PL: Idx;
}

function declareConvParams(k: KernelBuilder): ConvKernelParams {
  const [N, O, C, H, W, OH, OW, KH, KW, SH, SW, PT, PL] = k.params(13) as Idx[];
  return { N: N!, O: O!, C: C!, H: H!, W: W!, OH: OH!, OW: OW!, KH: KH!, KW: KW!, SH: SH!, SW: SW!, PT: PT!, PL: PL! };
}

/** The launch's values of declareConvParams, from the op's run-time sizes. */
function convParams(s: ConvSizes): number[] {
  const L = s.L;
  return [s.N, s.O, L.c, L.h, L.w, L.gh.out, L.gw.out, L.kh, L.kw, L.sh, L.sw, L.gh.before, L.gw.before];
}

/** x[n, c, y, xx] as a double, 0 where (y, xx) is padding. */
function inputAt(x: Buf, P: ConvKernelParams, n: Idx, c: Idx, y: Idx, xx: Idx): Expr {
  const inside = I.and(I.within(y, 0, P.H), I.within(xx, 0, P.W));
  return E.select(E.index(inside, 'bool'), E.cast(x.at(I.strided([n, c, y, xx], [I.mul(P.C, I.mul(P.H, P.W)), I.mul(P.H, P.W), P.W, 1])), 'float64'), E.c(0, 'float64'));
}

const filterAt = (w: Buf, P: ConvKernelParams, o: Idx, c: Idx, i: Idx, j: Idx): Expr =>
  E.cast(w.at(I.strided([o, c, i, j], [I.mul(P.C, I.mul(P.KH, P.KW)), I.mul(P.KH, P.KW), P.KW, 1])), 'float64');

const gradAt = (dy: Buf, P: ConvKernelParams, n: Idx, o: Idx, a: Idx, b: Idx): Expr =>
  E.cast(dy.at(I.strided([n, o, a, b], [I.mul(P.O, I.mul(P.OH, P.OW)), I.mul(P.OH, P.OW), P.OW, 1])), 'float64');

type SizesOf = (shapes: readonly (readonly number[])[]) => ConvSizes;

/**
 * conv2d (x, w): out[n, o, a, b] = sum over (c, i, j) in order of w[o, c, i, j] · x[n, c, a·sh - pt + i, b·sw - pl + j],
 * perform's gemm over the im2col rows.
 */
export function conv2dLowering(node: Apply, sizes: SizesOf): ProductLowering {
  const dtype = node.outputs[0]!.dtype;
  return {
    reads: [0, 1],
    build(k, [x, w]) {
      const P = declareConvParams(k);
      const [n, o, a, b] = k.space(P.N, P.O, P.OH, P.OW) as [Idx, Idx, Idx, Idx];
      const sum = k.reduce('sum', [P.C, P.KH, P.KW], ([c, i, j]) => E.mul(
        filterAt(w!, P, o, c!, i!, j!),
        inputAt(x!, P, n, c!, I.add(I.sub(I.mul(a, P.SH), P.PT), i!), I.add(I.sub(I.mul(b, P.SW), P.PL), j!)),
      ));
      return { value: E.cast(sum, dtype), outAxes: [n, o, a, b] };
    },
    plan(shapes) {
      const s = sizes(shapes);
      return { shape: [s.N, s.O, s.L.gh.out, s.L.gw.out], params: convParams(s) };
    },
  };
}

/**
 * The patches that read input position q along an axis: kernel offsets i = i0 + t·stride for t in
 * [lo, hi), each from output position top - t (q + pad = top·stride + i0), in increasing i.
 */
function patchesReading(q: Idx, pad: Idx, stride: Idx, kernel: Idx, out: Idx): { i0: Idx; top: Idx; lo: Idx; hi: Idx } {
  const shifted = I.add(q, pad);
  const i0 = I.mod(shifted, stride);
  const top = I.div(shifted, stride);
  const fits = I.div(I.add(I.sub(kernel, i0), I.sub(stride, 1)), stride);
  return { i0, top, lo: I.max(0, I.add(I.sub(top, out), 1)), hi: I.min(fits, I.add(top, 1)) };
}

/**
 * conv2d_grad_input (dy, w, x): dx[n, c, y, xx] sums, over the patches (i, j) that read it in
 * increasing order (perform's col2im), each patch's sum over the filters o of w[o, c, i, j] · dy[n, o, a, b]
 * (perform's gemm). Both sums in double, rounded once. x gives the shape only.
 */
export function conv2dGradInputLowering(node: Apply, sizes: SizesOf): ProductLowering {
  const dtype = node.outputs[0]!.dtype;
  return {
    reads: [0, 1],
    build(k, [dy, w]) {
      const P = declareConvParams(k);
      const [n, c, y, xx] = k.space(P.N, P.C, P.H, P.W) as [Idx, Idx, Idx, Idx];
      const rows = patchesReading(y, P.PT, P.SH, P.KH, P.OH);
      const cols = patchesReading(xx, P.PL, P.SW, P.KW, P.OW);
      const sum = k.reduce('sum', [[rows.lo, rows.hi], [cols.lo, cols.hi]], ([ti, tj]) => {
        const i = I.add(rows.i0, I.mul(ti!, P.SH));
        const j = I.add(cols.i0, I.mul(tj!, P.SW));
        return k.reduce('sum', [P.O], ([o]) => E.mul(filterAt(w!, P, o!, c, i, j), gradAt(dy!, P, n, o!, I.sub(rows.top, ti!), I.sub(cols.top, tj!))));
      });
      return { value: E.cast(sum, dtype), outAxes: [n, c, y, xx] };
    },
    plan(shapes) {
      const s = sizes(shapes);
      return { shape: [...shapes[2]!], params: convParams(s) };
    },
  };
}

/**
 * conv2d_grad_filters (x, dy, w): dw[o, c, i, j] = sum over (n, a, b) in order of
 * dy[n, o, a, b] · x[n, c, a·sh - pt + i, b·sw - pl + j] (perform's gemm against the im2col rows,
 * batch after batch). w gives the shape only.
 */
export function conv2dGradFiltersLowering(node: Apply, sizes: SizesOf): ProductLowering {
  const dtype = node.outputs[0]!.dtype;
  return {
    reads: [0, 1],
    build(k, [x, dy]) {
      const P = declareConvParams(k);
      const [o, c, i, j] = k.space(P.O, P.C, P.KH, P.KW) as [Idx, Idx, Idx, Idx];
      const sum = k.reduce('sum', [P.N, P.OH, P.OW], ([n, a, b]) => E.mul(
        gradAt(dy!, P, n!, o, a!, b!),
        inputAt(x!, P, n!, c, I.add(I.sub(I.mul(a!, P.SH), P.PT), i), I.add(I.sub(I.mul(b!, P.SW), P.PL), j)),
      ));
      return { value: E.cast(sum, dtype), outAxes: [o, c, i, j] };
    },
    plan(shapes) {
      const s = sizes(shapes);
      return { shape: [...shapes[2]!], params: convParams(s) };
    },
  };
}
