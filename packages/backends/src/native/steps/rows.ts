import { HypatiaError } from '@hypatia/core';
import {
  CategoricalCrossentropyGrad, CategoricalCrossentropyWithLabels, LogSoftmax, Softmax, SoftmaxCrossentropyGrad, SoftmaxCrossentropyWithLabels, SoftmaxGrad,
} from '@hypatia/ops';
import { categoricalLossKernelC, labelLossKernelC } from '../kernels/indexing-c.js';
import { rowKernelC, type RowOp } from '../kernels/softmax-c.js';
import { family, type NativeStep } from '../step-family.js';
import { sameFloatDtype } from './products.js';

interface RowStep extends NativeStep { kernel: number }

/** softmax, log_softmax and softmax_grad: one pass per row of the last axis. */
export const rows = family<RowStep>({
  kind: 'rows',
  output: 'kernel',
  plan(node, kernels) {
    const op = node.op;
    const row: RowOp | null = op instanceof Softmax ? 'softmax' : op instanceof LogSoftmax ? 'log_softmax' : op instanceof SoftmaxGrad ? 'softmax_grad' : null;
    const d = sameFloatDtype(node);
    if (!row || !d) return null;
    return { node, kernel: kernels.get(`${row}:${d}`, (name) => rowKernelC(name, row, d)) };
  },
  run(s, ins, ctx) {
    // The last operand has the output's shape (x, or y for softmax_grad).
    const y = ins[ins.length - 1]!;
    if (ins.length === 2 && ins[0]!.size !== y.size) {
      throw new HypatiaError(s.node.op.name, `at run time the gradient has ${ins[0]!.size} elements but the output ${y.size}`, s.node.site);
    }
    const out = ctx.allocate(s.node, s.node.outputs[0]!.dtype, y.shape);
    const k = y.ndim ? y.shape[y.ndim - 1]! : 1;
    if (out.size) ctx.launch(s.kernel, [...ins.map((a) => a.data), out.data], Float64Array.from([out.size / k, k]));
    return out;
  },
});

interface LabelStep extends NativeStep { kernel: number; grad: boolean }

/**
 * The label-indexed losses and their gradients: the log-likelihood of softmax(z) and
 * -log(p[label]) of given probabilities. Labels become columns through ctx (checked in C on replay).
 */
export const labelLoss = family<LabelStep>({
  kind: 'label_loss',
  output: 'kernel',
  plan(node, kernels) {
    const op = node.op;
    const softmax = op instanceof SoftmaxCrossentropyWithLabels || op instanceof SoftmaxCrossentropyGrad;
    if (!softmax && !(op instanceof CategoricalCrossentropyWithLabels || op instanceof CategoricalCrossentropyGrad)) return null;
    const grad = op instanceof SoftmaxCrossentropyGrad || op instanceof CategoricalCrossentropyGrad;
    const d = node.outputs[0]!.dtype as 'float32' | 'float64';
    const key = `${softmax ? 'label_loss' : 'categorical_loss'}${grad ? '_grad' : ''}:${d}`;
    return { node, grad, kernel: kernels.get(key, (name) => (softmax ? labelLossKernelC : categoricalLossKernelC)(name, d, grad)) };
  },
  run(s, ins, ctx) {
    const node = s.node;
    const z = ins[s.grad ? 1 : 0]!;
    const cols = ctx.labelColumns(node, z, ins[s.grad ? 2 : 1]!);
    const [n, k] = z.shape as [number, number];
    if (s.grad && ins[0]!.size !== n) throw new HypatiaError(node.op.name, `at run time the loss gradient has ${ins[0]!.size} entries for ${n} rows`, node.site);
    const out = ctx.allocate(node, node.outputs[0]!.dtype, s.grad ? z.shape : [n]);
    const buffers = s.grad ? [ins[0]!.data, z.data, cols, out.data] : [z.data, cols, out.data];
    if (n && k) ctx.launch(s.kernel, buffers, Float64Array.of(n, k));
    return out;
  },
});
