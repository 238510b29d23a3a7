import { Conv2d, Conv2dGradFilters, Conv2dGradInput } from '@hypatia/ops';
import { checkRunShape, patchLayout } from '@hypatia/ops/backend';
import type { Apply, NDArray } from '@hypatia/core';

type Allocate = (shape: readonly number[]) => NDArray;
type Launch = (buffers: ArrayBufferView[], params: Float64Array) => void;

/**
 * Run-time geometry of conv2d and its gradients for the C kernels, with the reference's checks.
 * Operands: conv2d (x, w); grad_input (dy, w, x for its shape); grad_filters (x, dy, w for its shape).
 */
export function runConv(node: Apply, ins: readonly NDArray[], allocate: Allocate, launch: Launch): NDArray {
  const op = node.op as Conv2d | Conv2dGradInput | Conv2dGradFilters;
  const [x, w] = op instanceof Conv2d ? [ins[0]!, ins[1]!] : op instanceof Conv2dGradInput ? [ins[2]!, ins[1]!] : [ins[0]!, ins[2]!];
  const L = patchLayout(op, node, x.shape, w.shape);
  const [N, O] = [x.shape[0]!, w.shape[0]!];
  const yShape = [N, O, L.gh.out, L.gw.out];
  const params = Float64Array.from([N, L.c, L.h, L.w, O, L.kh, L.kw, L.sh, L.sw, L.gh.before, L.gw.before, L.gh.out, L.gw.out]);
  if (op instanceof Conv2d) {
    const y = allocate(yShape);
    launch([x.data, w.data, y.data], params);
    return y;
  }
  if (op instanceof Conv2dGradInput) {
    checkRunShape(op.name, node, ins[0]!.shape, yShape);
    const dx = allocate(x.shape);
    launch([ins[0]!.data, w.data, dx.data], params);
    return dx;
  }
  checkRunShape(op.name, node, ins[1]!.shape, yShape);
  const dw = allocate(w.shape);
  launch([x.data, ins[1]!.data, dw.data], params);
  return dw;
}
