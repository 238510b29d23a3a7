import { AvgPool2d, AvgPool2dGrad, MaxPool2d, MaxPool2dGrad } from '@hypatia/ops';
import { checkPooledGrad, poolImages, poolOut, type PoolParams } from '@hypatia/ops/backend';
import type { Apply, NDArray } from '@hypatia/core';
import { avgPoolKernelC } from '../kernels/avg-pool-c.js';
import { maxPoolKernelC } from '../kernels/max-pool-c.js';
import type { KernelTable } from '../kernel-table.js';
import type { RunContext } from '../run-context.js';
import { family, type NativeStep } from '../step-family.js';
import { sameFloatDtype } from './products.js';

interface PoolStep extends NativeStep { kernel: number; grad: boolean; params: PoolParams }

/**
 * The geometry the vectorised pooling paths cover: no padding and ignoreBorder, so window i of an
 * axis is [i * stride, i * stride + window), inside the image; a gradient also needs stride >=
 * window, so each input element lies in at most one window and is written once. Any other
 * geometry is declined and runs the op's IR kernels.
 */
function regularWindows(p: PoolParams, grad: boolean): boolean {
  return p.ignoreBorder && p.padding.every((d) => d === 0) && (!grad || p.stride.every((s, i) => s >= p.window[i]!));
}

/**
 * The pooled output (or, for a gradient, x's gradient) of `x`'s geometry from one launch: images,
 * h, w, oh, ow, then window and stride of rows and columns.
 */
function launchPool(s: PoolStep, x: NDArray, gy: NDArray | null, buffers: readonly ArrayBufferView[], ctx: RunContext): NDArray {
  const p = s.params;
  const { m, h, w } = poolImages(x.shape);
  const oh = poolOut(p, 0, h), ow = poolOut(p, 1, w);
  const pooled = [...x.shape.slice(0, -2), oh, ow];
  if (gy) checkPooledGrad(s.node.op.name, s.node, gy.shape, pooled);
  const out = ctx.allocate(s.node, s.node.outputs[0]!.dtype, gy ? x.shape : pooled);
  if (out.size) ctx.launch(s.kernel, [...buffers, out.data], Float64Array.from([m, h, w, oh, ow, ...p.window, ...p.stride]));
  return out;
}

/** The step of a pooling node whose dtype and geometry the routine covers, else null. */
function planPool(node: Apply, params: PoolParams, grad: boolean, kernels: KernelTable, key: string, kernelC: (name: string, d: 'float32' | 'float64') => string): PoolStep | null {
  const d = sameFloatDtype(node);
  if (!d || !regularWindows(params, grad)) return null;
  return { node, grad, params, kernel: kernels.get(`${key}:${d}`, (name) => kernelC(name, d)) };
}

/** max_pool2d and its gradient on regular windows (2x2 stride 2 in vector extensions). */
export const maxPool = family<PoolStep>({
  kind: 'max_pool',
  output: 'kernel',
  plan(node, kernels) {
    const op = node.op;
    if (!(op instanceof MaxPool2d || op instanceof MaxPool2dGrad)) return null;
    const grad = op instanceof MaxPool2dGrad;
    return planPool(node, op.params, grad, kernels, `max_pool${grad ? '_grad' : ''}`, (name, d) => maxPoolKernelC(name, d, grad));
  },
  run(s, [x, gy], ctx) {
    return launchPool(s, x!, s.grad ? gy! : null, s.grad ? [x!.data, gy!.data] : [x!.data], ctx);
  },
});

/** avg_pool2d and its gradient on regular windows, where every window counts window[0] * window[1] elements. */
export const avgPool = family<PoolStep>({
  kind: 'avg_pool',
  output: 'kernel',
  plan(node, kernels) {
    const op = node.op;
    if (!(op instanceof AvgPool2d || op instanceof AvgPool2dGrad)) return null;
    const grad = op instanceof AvgPool2dGrad;
    return planPool(node, op.params, grad, kernels, `avg_pool${grad ? '_grad' : ''}`, (name, d) => avgPoolKernelC(name, d, grad));
  },
  // The gradient's operands are (gy, x); x gives the geometry, and only gy is read.
  run(s, ins, ctx) {
    return s.grad ? launchPool(s, ins[1]!, ins[0]!, [ins[0]!.data], ctx) : launchPool(s, ins[0]!, null, [ins[0]!.data], ctx);
  },
});
