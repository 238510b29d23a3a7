import { AvgPool2d, AvgPool2dGrad, MaxPool2d, MaxPool2dGrad } from '@hypatia/ops';
import { checkPooledGrad, poolLayout, pooledShape } from '@hypatia/ops/backend';
import { avgPoolKernelC } from '../kernels/avg-pool-c.js';
import { maxPoolKernelC } from '../kernels/max-pool-c.js';
import { family, type NativeStep } from '../step-family.js';
import { sameFloatDtype } from './products.js';

interface PoolStep extends NativeStep { kernel: number; grad: boolean }

export const maxPool = family<PoolStep>({
  kind: 'max_pool',
  output: 'kernel',
  plan(node, kernels) {
    const op = node.op;
    const d = sameFloatDtype(node);
    if (!(op instanceof MaxPool2d || op instanceof MaxPool2dGrad) || !d) return null;
    const grad = op instanceof MaxPool2dGrad;
    return { node, grad, kernel: kernels.get(`max_pool${grad ? '_grad' : ''}:${d}`, (name) => maxPoolKernelC(name, d, grad)) };
  },
  run(s, ins, ctx) {
    const x = ins[0]!;
    const L = poolLayout((s.node.op as MaxPool2d).params, x.shape);
    const pooled = pooledShape(x.shape, L);
    if (s.grad) checkPooledGrad(s.node.op.name, s.node, ins[1]!.shape, pooled);
    const out = ctx.allocate(s.node, s.node.outputs[0]!.dtype, s.grad ? x.shape : pooled);
    const windows = [L.rows.lo, L.rows.hi, L.cols.lo, L.cols.hi];
    const buffers = [x.data, ...(s.grad ? [ins[1]!.data] : []), ...windows, out.data];
    if (out.size) ctx.launch(s.kernel, buffers, Float64Array.from([L.m, L.h, L.w, L.rows.lo.length, L.cols.lo.length]));
    return out;
  },
});

export const avgPool = family<PoolStep>({
  kind: 'avg_pool',
  output: 'kernel',
  plan(node, kernels) {
    const op = node.op;
    const d = sameFloatDtype(node);
    if (!(op instanceof AvgPool2d || op instanceof AvgPool2dGrad) || !d) return null;
    const grad = op instanceof AvgPool2dGrad;
    return { node, grad, kernel: kernels.get(`avg_pool${grad ? '_grad' : ''}:${d}`, (name) => avgPoolKernelC(name, d, grad)) };
  },
  run(s, ins, ctx) {
    // The gradient's operands are (gy, x); x gives the geometry.
    const x = ins[s.grad ? 1 : 0]!;
    const { params } = s.node.op as AvgPool2d;
    const L = poolLayout(params, x.shape);
    const pooled = pooledShape(x.shape, L);
    if (s.grad) checkPooledGrad(s.node.op.name, s.node, ins[0]!.shape, pooled);
    const out = ctx.allocate(s.node, s.node.outputs[0]!.dtype, s.grad ? x.shape : pooled);
    const windows = [L.rows.lo, L.rows.hi, L.cols.lo, L.cols.hi, L.rows.span, L.cols.span];
    const p = Float64Array.from([L.m, L.h, L.w, L.rows.lo.length, L.cols.lo.length, params.includePad ? 1 : 0]);
    if (out.size) ctx.launch(s.kernel, [ins[0]!.data, ...windows, out.data], p);
    return out;
  },
});
