import { E, I, KernelBuilder, type Apply, type Idx, type Kernel } from '@hypatia/core';
import { Conv2d, Conv2dGradFilters, Conv2dGradInput } from '@hypatia/ops';
import { checkRunShape, patchLayout } from '@hypatia/ops/backend';
import type { WasmKernelTable } from '../function-module.js';
import { gemmScratchElements } from '../routines/gemm-wasm.js';
import { wasmFamily, type WasmRunContext, type WasmStep, type WasmTensor } from '../wasm-step.js';
import { gemmFunction, sameFloatDtype } from './gemm-function.js';

/**
 * Images per group are chosen so a group's unfolded columns fit in this many elements (1 MiB of
 * float32, as the native backend's HYP_CONV_COLS): the columns stay in L2 while the gemm reads them.
 */
const COLS = 1 << 18;

/**
 * The unfolded columns of a group of g images: cols[img][(c, i, j)][(oh, ow)] =
 * x[n0 + img, c, oh * SH - PT + i, ow * SW - PL + j], 0 in the padding. Parameters: n0, g, C, H, W,
 * KH, KW, SH, SW, PT, PL, OH, OW.
 */
function im2colKernel(dtype: 'float32' | 'float64'): Kernel {
  const k = new KernelBuilder(`im2col_${dtype}`);
  const x = k.input(dtype);
  const cols = k.output(dtype);
  const [n0, g, C, H, W, KH, KW, SH, SW, PT, PL, OH, OW] = k.params(13) as Idx[];
  const [img, c, i, j, oh, ow] = k.space(g!, C!, KH!, KW!, OH!, OW!) as Idx[];
  const ih = I.add(I.sub(I.mul(oh!, SH!), PT!), i!);
  const iw = I.add(I.sub(I.mul(ow!, SW!), PL!), j!);
  const inside = I.and(I.within(ih, 0, H!), I.within(iw, 0, W!));
  const at = I.add(I.mul(I.add(I.mul(I.add(n0!, img!), C!), c!), I.mul(H!, W!)), I.add(I.mul(ih, W!), iw));
  const row = I.add(I.mul(I.add(I.mul(c!, KH!), i!), KW!), j!);
  const K = I.mul(I.mul(C!, KH!), KW!);
  const P = I.mul(OH!, OW!);
  k.store(cols, I.add(I.add(I.mul(img!, I.mul(K, P)), I.mul(row, P)), I.add(I.mul(oh!, OW!), ow!)), E.select(E.index(inside, 'bool'), x.at(at), E.c(0, dtype)));
  return k.build();
}

/**
 * The columns' gradient folded back into the images' (col2im as a gather, so no two points write
 * one element): dx[n0 + img, c, ih, iw] = the sum over the window positions (i, j) that read it of
 * cols[img][(c, i, j)][(oh, ow)]. Parameters as im2colKernel's.
 */
function col2imKernel(dtype: 'float32' | 'float64'): Kernel {
  const k = new KernelBuilder(`col2im_${dtype}`);
  const cols = k.input(dtype);
  const dx = k.output(dtype);
  const [n0, g, C, H, W, KH, KW, SH, SW, PT, PL, OH, OW] = k.params(13) as Idx[];
  const [img, c, ih, iw] = k.space(g!, C!, H!, W!) as Idx[];
  const K = I.mul(I.mul(C!, KH!), KW!);
  const P = I.mul(OH!, OW!);
  const sum = k.reduce('sum', [KH!, KW!], ([i, j]) => {
    const th = I.sub(I.add(ih!, PT!), i!);
    const tw = I.sub(I.add(iw!, PL!), j!);
    const valid = I.and(I.and(I.le(0, th), I.le(0, tw)), I.and(I.and(I.eq(I.mod(th, SH!), 0), I.eq(I.mod(tw, SW!), 0)), I.and(I.lt(I.div(th, SH!), OH!), I.lt(I.div(tw, SW!), OW!))));
    const row = I.add(I.mul(I.add(I.mul(c!, KH!), i!), KW!), j!);
    const at = I.add(I.add(I.mul(img!, I.mul(K, P)), I.mul(row, P)), I.add(I.mul(I.div(th, SH!), OW!), I.div(tw, SW!)));
    return E.select(E.index(valid, 'bool'), cols.at(at), E.c(0, dtype));
  });
  k.store(dx, I.add(I.mul(I.add(I.mul(I.add(n0!, img!), C!), c!), I.mul(H!, W!)), I.add(I.mul(ih!, W!), iw!)), sum);
  return k.build();
}

export interface ConvRoutine {
  which: 'forward' | 'grad_input' | 'grad_filters';
  dtype: 'float32' | 'float64';
  gemm: number;
  im2col: number;
  col2im: number | null;
}

/** The routine for a conv2d node (or a gradient's), or null when it is not float throughout. */
export function planConv(node: Apply, table: WasmKernelTable): ConvRoutine | null {
  const op = node.op;
  const which = op instanceof Conv2d ? 'forward' : op instanceof Conv2dGradInput ? 'grad_input' : op instanceof Conv2dGradFilters ? 'grad_filters' : null;
  const d = sameFloatDtype(node);
  if (!which || !d) return null;
  return {
    which, dtype: d, gemm: gemmFunction(table, d),
    im2col: table.kernel(im2colKernel(d)),
    col2im: which === 'grad_input' ? table.kernel(col2imKernel(d)) : null,
  };
}

/**
 * conv2d and its gradients as im2col plus gemm, a group of images at a time, with the reference's
 * run-time checks. Forward: y[n] = W[O, K] · cols[n] into y's place. Filter gradient:
 * dW += dy[n] · cols[n]ᵀ over the images (the gemm adds into dW after the first). Input
 * gradient: cols[n] = Wᵀ · dy[n], folded back into dx by col2im. Operands: conv2d (x, w);
 * grad_input (dy, w, x for its shape); grad_filters (x, dy, w for its shape).
 */
export function runConvRoutine(r: ConvRoutine, node: Apply, ins: readonly WasmTensor[], ctx: WasmRunContext, allocate: (shape: readonly number[]) => WasmTensor): WasmTensor {
  const op = node.op as Conv2d | Conv2dGradInput | Conv2dGradFilters;
  const [x, w] = r.which === 'forward' ? [ins[0]!, ins[1]!] : r.which === 'grad_input' ? [ins[2]!, ins[1]!] : [ins[0]!, ins[2]!];
  const L = patchLayout(op, node, x.shape, w.shape);
  const [N, O] = [x.shape[0]!, w.shape[0]!];
  const [OH, OW] = [L.gh.out, L.gw.out];
  const yShape = [N, O, OH, OW];
  const K = L.c * L.kh * L.kw;
  const P = OH * OW;
  if (r.which !== 'forward') checkRunShape(op.name, node, ins[r.which === 'grad_input' ? 0 : 1]!.shape, yShape);
  const out = allocate(r.which === 'forward' ? yShape : r.which === 'grad_input' ? x.shape : w.shape);
  const G = Math.max(1, Math.min(N, Math.floor(COLS / Math.max(1, K * P))));
  const cols = ctx.scratch(r.dtype, G * K * P);
  const gemmScratch = ctx.scratch(r.dtype, gemmScratchElements(r.dtype));
  const gemm = (a: WasmTensor['block'], b: WasmTensor['block'], c: WasmTensor['block'], params: number[]) => ctx.launch(r.gemm, [a, b, c, gemmScratch], params);
  const geometry = (n0: number, g: number) => [n0, g, L.c, L.h, L.w, L.kh, L.kw, L.sh, L.sw, L.gh.before, L.gw.before, OH, OW];
  if (r.which === 'grad_filters' && (N === 0 || P === 0)) {
    // No image or no output position: the gradient is all zeros (a product over k = 0).
    gemm(ins[1]!.block, cols, out.block, [O, K, 0, 0, 1, K, 1, 0, 0, 0, 0]);
    return out;
  }
  for (let n0 = 0; n0 < N; n0 += G) {
    const g = Math.min(G, N - n0);
    if (r.which !== 'grad_input' && K * P > 0) ctx.launch(r.im2col, [x.block, cols], geometry(n0, g));
    for (let img = 0; img < g; img++) {
      const n = n0 + img;
      if (r.which === 'forward') gemm(w.block, cols, out.block, [O, P, K, K, 1, P, 1, 0, img * K * P, n * O * P, 0]);
      else if (r.which === 'grad_filters') gemm(ins[1]!.block, cols, out.block, [O, K, P, P, 1, 1, P, n * O * P, img * K * P, 0, n === 0 ? 0 : 1]);
      else gemm(w.block, ins[0]!.block, cols, [K, P, O, 1, K, P, 1, 0, n * O * P, img * K * P, 0]);
    }
    if (r.which === 'grad_input' && L.c * L.h * L.w > 0) ctx.launch(r.col2im!, [cols, out.block], geometry(n0, g));
  }
  return out;
}

interface ConvStep extends WasmStep { routine: ConvRoutine }

/** conv2d and its two gradients (float): im2col and col2im as IR kernels around the SIMD gemm. */
export const conv = wasmFamily<ConvStep>({
  kind: 'conv2d',
  output: 'kernel',
  plan(node, table) {
    const routine = planConv(node, table);
    return routine ? { node, routine } : null;
  },
  run(s, ins, ctx) {
    return runConvRoutine(s.routine, s.node, ins, ctx, (shape) => ctx.allocate(s.node, s.routine.dtype, shape));
  },
  note: (s) => `(${s.routine.which}: im2col and gemm_${s.routine.dtype})`,
});
